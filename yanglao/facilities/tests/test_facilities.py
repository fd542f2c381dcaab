"""The facility registry: the standards rules, the compliance record (working days from
the official calendar), scope, operators editing only their own facility, pages, API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.facilities import compliance, measures, selectors, services, standards
from yanglao.facilities.models import Facility

pytestmark = pytest.mark.django_db

ZY_VILLAGE = "141129101201"
CZ_COMMUNITY = "140403001001"


@pytest.fixture
def make(county):
    def build(actor=None, **data):
        data.setdefault("name", "金罗镇日间照料中心")
        data.setdefault("type", "day_care_center")
        data.setdefault("region", ZY_VILLAGE)
        data.setdefault("ownership", "public")
        return services.facility_save(actor=actor or county, data=data)

    return build


def _codes(gaps):
    return {g.code: g for g in gaps}


@pytest.mark.parametrize(
    ("area", "gap"),
    [(149, True), (150, False), (500, False), (501, True), (None, True)],
)
def test_day_care_area_range(make, area, gap):
    f = make(floor_area_m2=area, rooms=standards_rooms("day_care"), public_welfare_posts=2)
    found = _codes(standards.gaps(f))
    assert ("area" in found) is gap
    if gap:
        assert found["area"].rule_id == "facility.standard.day_care_center"
        assert found["area"].source  # the document and clause of the seed


def standards_rooms(kind: str) -> list[str]:
    return {
        "day_care": ["day_rest", "leisure", "reading", "fitness_rehab", "dining"],
        "courtyard": ["day_rest", "dining", "vegetable_garden"],
    }[kind]


def test_missing_rooms_are_named(make):
    f = make(floor_area_m2=200, rooms=["day_rest", "dining"], public_welfare_posts=2)
    gap = _codes(standards.gaps(f))["rooms"]
    assert "休闲娱乐室" in gap.message and "图书阅览室" in gap.message
    assert "日间休息室" not in gap.message


@pytest.mark.parametrize(
    ("kind", "meals", "posts", "gap"),
    [
        ("day_care_center", True, 1, True),
        ("day_care_center", True, 2, False),
        ("day_care_center", False, 0, True),
        ("day_care_center", False, 1, False),
        ("happiness_courtyard", True, 0, True),
        ("happiness_courtyard", True, 1, False),
    ],
)
def test_public_welfare_posts_by_type_and_meals(make, kind, meals, posts, gap):
    rooms = standards_rooms("day_care" if kind == "day_care_center" else "courtyard")
    f = make(
        type=kind, floor_area_m2=180, rooms=rooms, serves_meals=meals, public_welfare_posts=posts
    )
    assert ("posts" in _codes(standards.gaps(f))) is gap


def test_mutual_aid_courtyard_is_about_100_m2(make):
    ok = make(type="mutual_aid_courtyard", floor_area_m2=110, public_welfare_posts=1)
    big = make(type="mutual_aid_courtyard", floor_area_m2=130, public_welfare_posts=1)
    assert "area" not in _codes(standards.gaps(ok))
    assert "area" in _codes(standards.gaps(big))


def test_rooms_and_posts_wait_until_the_facility_runs(make):
    f = make(status="building", floor_area_m2=100, rooms=[])
    codes = _codes(standards.gaps(f))
    assert "area" in codes and "rooms" not in codes and "posts" not in codes


def test_urban_project_area_in_changzhi_and_no_rule_elsewhere(make_user, make):
    cz = make_user("county_admin", "140403")
    project = make(
        actor=cz,
        name="幸福工程",
        type="urban_community_project",
        region=CZ_COMMUNITY,
        floor_area_m2=2300,
    )
    assert _codes(standards.gaps(project))["area"].rule_id == "urban_project.area"
    station = make(
        actor=cz, name="服务站", type="community_station", region=CZ_COMMUNITY, floor_area_m2=10
    )
    assert standards.gaps(station) == []  # no standard in the packs: nothing is made up


def test_a_gap_never_refuses_the_record(make):
    f = make(floor_area_m2=20, rooms=[], public_welfare_posts=0, serves_meals=True)
    assert Facility.objects.filter(pk=f.pk).exists()
    assert len(standards.gaps(f)) == 3


def test_filing_due_in_ten_working_days_across_the_national_day_holiday(make):
    # First resident on Friday 2025-09-26. Sunday 28 Sep and Saturday 11 Oct were make-up
    # working days, 1–8 Oct the National Day and Mid-Autumn holiday: the tenth working day
    # after is 2025-10-16 (a count of weekdays alone would say 2025-10-10).
    f = make(
        type="care_institution",
        name="康养院",
        ownership="private",
        region="141129100",
        first_resident_on=dt.date(2025, 9, 26),
        beds=50,
    )
    assert compliance.add_working_days(dt.date(2025, 9, 26), 10) == dt.date(2025, 10, 16)
    items = {i.code: i for i in compliance.items(f, today=dt.date(2025, 10, 16))}
    assert items["filing"].state == compliance.DUE
    items = {i.code: i for i in compliance.items(f, today=dt.date(2025, 10, 17))}
    assert items["filing"].state == compliance.OVERDUE
    assert items["filing"].rule_id == "institution.filing"
    f.filed_on = dt.date(2025, 10, 20)
    items = {i.code: i for i in compliance.items(f, today=dt.date(2025, 11, 1))}
    assert items["filing"].state == compliance.OK and "逾期" in items["filing"].detail


def test_licences_insurance_and_no_filing_for_day_care(make):
    today = dt.date(2026, 11, 29)
    f = make(
        serves_meals=True,
        food_licence_no="",
        insurance_expires=dt.date(2026, 11, 1),
        first_resident_on=dt.date(2026, 1, 1),
    )
    items = {i.code: i for i in compliance.items(f, today=today)}
    assert items["food"].state == compliance.MISSING
    assert items["insurance"].state == compliance.OVERDUE
    assert "filing" not in items  # a day-care centre is not a residential institution
    f.food_licence_no, f.food_licence_expires = "JY1", today + dt.timedelta(days=10)
    f.insurance_expires = today + dt.timedelta(days=400)
    items = {i.code: i for i in compliance.items(f, today=today)}
    assert items["food"].state == compliance.EXPIRING
    assert items["insurance"].state == compliance.OK


def test_changzhi_fire_review_medical_insurance_and_utilities(make_user, make):
    cz = make_user("county_admin", "140403")
    f = make(
        actor=cz,
        name="一站式综合服务体",
        type="community_complex",
        region=CZ_COMMUNITY,
        ownership="public_built_private_run",
        converted_building=True,
        has_medical_unit=True,
        opened_on=dt.date(2026, 8, 31),
        insurance_expires=dt.date(2027, 1, 1),
    )
    early = {i.code: i for i in compliance.items(f, today=dt.date(2026, 11, 29))}
    assert early["fire"].state == compliance.MISSING
    assert early["fire"].rule_id == "facility.fire_safety_review"
    assert early["medical"].state == compliance.INFO  # eligible from 2026-11-30
    assert early["utilities"].state == compliance.MISSING
    later = {i.code: i for i in compliance.items(f, today=dt.date(2026, 11, 30))}
    assert later["medical"].state == compliance.MISSING
    # Zhongyang has none of these three Changzhi rules.
    zy = make(converted_building=True, has_medical_unit=True, opened_on=dt.date(2020, 1, 1))
    codes = {i.code for i in compliance.items(zy)}
    assert not codes & {"fire", "medical", "utilities"}


def test_bad_input_names_each_field_and_writes_nothing(county):
    with pytest.raises(ValidationFailed) as exc:
        services.facility_save(
            actor=county,
            data={
                "name": "",
                "type": "castle",
                "region": "99",
                "ownership": "x",
                "beds": "-1",
                "floor_area_m2": "abc",
                "opened_on": "2026-13-01",
            },
        )
    assert {"name", "type", "region", "ownership", "beds", "floor_area_m2", "opened_on"} <= set(
        exc.value.fields
    )
    with pytest.raises(ValidationFailed) as exc:
        services.facility_save(
            actor=county,
            data={
                "name": "敬老院",
                "type": "nursing_home",
                "region": "141129100",
                "ownership": "public",
                "beds": 10,
                "nursing_beds": 12,
            },
        )
    assert "nursing_beds" in exc.value.fields
    assert Facility.objects.count() == 0


def test_scope_and_operators(make, scope_users, make_user):
    f = make()
    users = scope_users()
    with pytest.raises(NotFound):
        selectors.facility_get(users.sibling, f.pk)
    assert selectors.facility_get(users.above, f.pk) == f
    operator = make_user("facility_operator", "141129101")
    other = make(name="别的设施")
    f.operators.add(operator)
    assert list(selectors.visible(operator)) == [f]
    with pytest.raises(NotFound):
        selectors.facility_get(operator, other.pk)
    # An operator edits their own record, not its place, type or ownership.
    services.facility_save(
        actor=operator,
        facility=f,
        data={"beds": 12, "type": "nursing_home", "region": "141125100", "name": "改名"},
    )
    f.refresh_from_db()
    assert f.beds == 12 and f.type == "day_care_center" and f.name == "金罗镇日间照料中心"
    with pytest.raises(Forbidden):
        services.facility_save(actor=operator, facility=other, data={"beds": 1})
    with pytest.raises(Forbidden):
        services.facility_save(actor=operator, data={"name": "新设施"})


def test_beds_per_thousand_and_village_coverage(make):
    from yanglao.regions.models import Region

    county = Region.objects.get(code="141129")
    county.registered_60 = 20000
    county.save()
    make(beds=300, floor_area_m2=200)
    make(name="另一个", beds=100, status="closed", closed_on=dt.date(2020, 1, 1))
    on = dt.date(2026, 11, 29)
    m = measures.beds_per_thousand(county, on)
    assert m.value == Decimal("15.00") and m.numerator == 300
    share = measures.village_care_facility_share(county, on)
    assert share.numerator == 1 and share.denominator > 1


@pytest.mark.parametrize(
    "url",
    ["/facilities/", "/facilities/new/", "/facilities/gaps/", "/facilities/?type=day_care_center"],
)
def test_pages_render(client, county, make, url):
    make(floor_area_m2=100)
    client.force_login(county)
    response = client.get(url)
    assert response.status_code == 200


def test_detail_shows_the_gap_with_rule_and_source(client, county, make):
    f = make(floor_area_m2=100, rooms=standards_rooms("day_care"), public_welfare_posts=2)
    client.force_login(county)
    body = client.get(f"/facilities/{f.pk}/").content.decode()
    assert "低于标准下限 150 m²" in body and "facility.standard.day_care_center" in body
    assert "中阳县" in body  # the source names the county's document
    edit = client.get(f"/facilities/{f.pk}/edit/")
    assert edit.status_code == 200


def test_form_explains_errors(client, county):
    client.force_login(county)
    response = client.post("/facilities/new/", {"name": "", "type": "", "region": "141129"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "请填写名称" in body and "请选择设施类型" in body


def test_api_round_trip(api, county, scope_users):
    api.as_user(county)
    created = api.post(
        "/api/v1/facilities",
        {
            "name": "下枣林乡日间照料中心",
            "type": "day_care_center",
            "region": "141129104",
            "ownership": "public",
            "floor_area_m2": "120",
            "serves_meals": True,
            "public_welfare_posts": 1,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {g["code"] for g in body["gaps"]} >= {"area", "posts"}
    fid = body["id"]
    patched = api.patch(f"/api/v1/facilities/{fid}", {"floor_area_m2": "200"})
    assert patched.status_code == 200
    assert "area" not in {g["code"] for g in patched.json()["gaps"]}
    assert api.get("/api/v1/facilities?type=day_care_center").json()["count"] == 1
    bad = api.post(
        "/api/v1/facilities",
        {"name": "x", "type": "day_care_center", "region": "141125", "ownership": "public"},
    )
    assert bad.status_code == 422 and "region" in bad.json()["error"]["fields"]
    api.as_user(scope_users().sibling)
    assert api.get(f"/api/v1/facilities/{fid}").status_code == 404


def test_the_gap_list_reads_the_rules_once_not_per_facility(
    county, make, django_assert_max_num_queries
):
    from yanglao.regions.models import Level, Region

    villages = Region.objects.filter(parent_id="141129101", level=Level.VILLAGE)[:12]
    for i, village in enumerate(villages):
        make(name=f"设施{i}", region=village.code, floor_area_m2=100 + i)
    expected = {
        f.name: (len(standards.gaps(f)), len(compliance.problems(f)))
        for f in Facility.objects.all()
    }
    with django_assert_max_num_queries(6):
        rows = selectors.with_problems(county)
    got = {r["facility"].name: (len(r["gaps"]), len(r["problems"])) for r in rows}
    assert got == {k: v for k, v in expected.items() if any(v)}
    assert len(got) == len(villages)
