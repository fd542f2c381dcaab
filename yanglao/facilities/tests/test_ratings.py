"""Star ratings and GB/T 37276 grades: the grade rules, star bounds, award proposals
with the Sanming preconditions, county counts, scope, pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.facilities import ratings
from yanglao.facilities.models import Facility, StarRating, VillageCentre
from yanglao.regions.models import Region

from .sanming_urls import facility_urls  # noqa: F401  (fixture)

ON = dt.date(2020, 9, 1)
TODAY = dt.date(2020, 10, 1)
SANMING_COUNTY = "350424"  # 宁化县
SANMING_VILLAGE = "350424103201"  # 岭背村
SIBLING_COUNTY = "350425"  # 大田县
SIBLING_VILLAGE = "350425101201"


def make_facility(code: str, type_: str = "happiness_home", name: str = "") -> Facility:
    region = Region.objects.get(code=code)
    return Facility.objects.create(
        name=name or f"{region.name}幸福院",
        type=type_,
        region=region,
        region_path=region.path,
        ownership="public",
        status="operating",
        beds=10 if type_ == "happiness_home" else 60,
    )


def make_centre(code: str, *, name: str | None = None, mark: bool = True, facility=None):
    region = Region.objects.get(code=code)
    return VillageCentre.objects.create(
        village=region,
        region_path=region.path,
        facility=facility,
        registered_name=name or f"{region.name}万寿延养老服务中心",
        credit_code="52350424MJ0000011J",
        registered_on=dt.date(2020, 3, 1),
        start_up_funds=Decimal("5000"),
        plaque_mark=mark,
    )


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", SANMING_COUNTY)


@pytest.fixture
def home(db):
    return make_facility(SANMING_VILLAGE)


@pytest.fixture
def nursing(db):
    return make_facility("141129100", "nursing_home", "中阳县敬老院")


# ------------------------------------------------------------------ grade rules (pure)

PARAMS = {
    "sections": ["environment", "facilities", "operation", "service"],
    "section_labels": ["环境", "设施设备", "运营管理", "服务"],
    "section_points": [120, 130, 150, 600],
    "levels": [1, 2, 3, 4, 5],
    "level_labels": ["一级", "二级", "三级", "四级", "五级"],
    "min_total": [360, 450, 570, 780, 900],
    "min_section_share": ["0.4", "0.5", "0.6", "0.8", "0.9"],
}
POINTS = [Decimal(120), Decimal(130), Decimal(150), Decimal(600)]
CODES = PARAMS["sections"]


def at_share(share: Decimal) -> dict[str, Decimal]:
    return {c: p * share for c, p in zip(CODES, POINTS, strict=True)}


@pytest.mark.parametrize(
    ("level", "share"), [(1, "0.4"), (2, "0.5"), (3, "0.6"), (4, "0.8"), (5, "0.9")]
)
def test_each_level_is_reached_exactly_at_its_minimum_share(level, share):
    # Every section exactly at the level's share: the total (1000 × share) is at least
    # the level's minimum total, so the level is reached.
    at = ratings.grade_of(at_share(Decimal(share)), PARAMS)
    assert at.level == level
    below = at_share(Decimal(share))
    below["environment"] -= Decimal("0.5")
    result = ratings.grade_of(below, PARAMS)
    assert result.level == (level - 1 or None)
    failed = result.trace["levels"][level - 1]
    assert not failed["reached"]
    assert "environment" in [f.get("section") for f in failed["failures"]]


def test_five_needs_900_points_and_899_5_is_level_four():
    scores = at_share(Decimal("0.9"))
    assert sum(scores.values()) == 900
    assert ratings.grade_of(scores, PARAMS).level == 5
    scores["service"] -= Decimal("0.5")  # service still 89.9% ... below 90%
    result = ratings.grade_of(scores, PARAMS)
    assert result.level == 4
    kinds = {f["kind"] for f in result.trace["levels"][4]["failures"]}
    assert kinds == {"total", "section"}


@pytest.mark.parametrize(("level", "min_total"), [(1, 360), (2, 450), (3, 570), (4, 780), (5, 900)])
def test_the_minimum_total_alone_decides_at_each_boundary(level, min_total):
    # Shares met everywhere (full marks outside service) and the total exactly at the
    # minimum: reached; half a point less: the level fails on its total.
    params = {**PARAMS, "min_section_share": ["0", "0", "0", "0", "0"]}
    rest = Decimal(min_total)
    scores = {}
    for code, points in reversed(list(zip(CODES, POINTS, strict=True))):
        scores[code] = min(rest, points)
        rest -= scores[code]
    assert ratings.grade_of(scores, params).level == level
    scores["service"] -= Decimal("0.5")
    result = ratings.grade_of(scores, params)
    assert result.level == (level - 1 or None)
    assert result.trace["levels"][level - 1]["failures"] == [
        {"kind": "total", "need": str(min_total), "got": str(sum(scores.values()))}
    ]


def test_a_section_below_its_share_drops_the_level():
    scores = {"environment": Decimal(110), "facilities": Decimal(120), "operation": Decimal(140)}
    scores["service"] = Decimal(590)  # total 960, every share at least 90%
    assert ratings.grade_of(scores, PARAMS).level == 5
    scores["environment"] = Decimal(107)  # 89% < 90%: 五级 fails on 环境, total still 957
    result = ratings.grade_of(scores, PARAMS)
    assert result.level == 4
    five = result.trace["levels"][4]
    assert [f["section"] for f in five["failures"]] == ["environment"]
    assert five["failures"][0]["need_points"] == "108.00"


def test_no_level_when_even_the_first_is_not_reached():
    scores = {"environment": Decimal(40), "facilities": Decimal(130), "operation": Decimal(150)}
    scores["service"] = Decimal(600)
    result = ratings.grade_of(scores, PARAMS)
    assert result.level is None  # 环境 33% < 40%
    assert all(not row["reached"] for row in result.trace["levels"])


def test_scores_above_a_sections_maximum_are_refused():
    clean, errors = ratings.check_section_scores(
        {"environment": "121", "facilities": "10", "operation": "x", "service": "-1"}, PARAMS
    )
    assert "满分 120" in errors["section_scores.environment"][0]
    assert "数字" in errors["section_scores.operation"][0]
    assert "负数" in errors["section_scores.service"][0]
    assert clean == {"facilities": Decimal("10.00")}
    _clean, errors = ratings.check_section_scores({"environment": "1"}, PARAMS)
    assert "facilities" in "".join(errors)


# ------------------------------------------------------------------ services


def test_a_grade_is_computed_from_the_pack_and_keeps_its_trace(make_user, nursing):
    officer = make_user("county_admin", "141129")
    rating = ratings.rating_record(
        actor=officer,
        facility=nursing,
        rated_on=ON,
        section_scores={"environment": 100, "facilities": 110, "operation": 130, "service": 500},
        assessor="中阳县民政局",
        today=TODAY,
    )
    assert rating.scheme == "grade"
    assert rating.stars == 4  # 840 points, every share at least 80%, 环境 83% < 90%
    assert rating.total == Decimal("840.00")
    assert rating.trace["rule"]["rule_id"] == "institution.grading"
    assert "GB/T 37276" in rating.trace["rule"]["source"]
    with pytest.raises(ValidationFailed) as exc:
        ratings.rating_record(
            actor=officer,
            facility=nursing,
            rated_on=ON,
            section_scores={"environment": 130, "facilities": 1, "operation": 1, "service": 1},
            today=TODAY,
        )
    assert "section_scores.environment" in exc.value.fields


@pytest.mark.parametrize(
    ("stars", "ok"), [(0, False), (1, True), (5, True), (6, False), ("", False)]
)
def test_stars_are_entered_from_one_to_five(officer, home, stars, ok):
    call = lambda: ratings.rating_record(  # noqa: E731
        actor=officer, facility=home, rated_on=ON, stars=stars, today=TODAY
    )
    if ok:
        assert call().stars == stars
    else:
        with pytest.raises(ValidationFailed) as exc:
            call()
        assert "stars" in exc.value.fields


def test_a_rating_in_the_future_or_by_a_village_officer_is_refused(officer, home, make_user):
    with pytest.raises(ValidationFailed) as exc:
        ratings.rating_record(
            actor=officer,
            facility=home,
            rated_on=TODAY + dt.timedelta(days=1),
            stars=3,
            today=TODAY,
        )
    assert "rated_on" in exc.value.fields
    with pytest.raises(Forbidden):
        ratings.rating_record(
            actor=make_user("village_officer", SANMING_VILLAGE),
            facility=home,
            rated_on=ON,
            stars=3,
        )


# ------------------------------------------------------------------ awards


def test_a_five_star_home_with_the_name_and_plaque_is_proposed_the_city_award(officer, home):
    make_centre(SANMING_VILLAGE, facility=home)
    rating = ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=5, today=TODAY)
    [award] = ratings.award_proposals(rating)
    assert award.rule_id == "facility.star_award.happiness_home.five_star"
    assert award.amount == Decimal("30000")
    assert award.payer == "city"
    assert award.proposed
    assert award.preconditions[0].rule_id == "centre.naming_and_mark"


def test_without_the_plaque_or_the_name_form_the_award_is_withheld(officer, home):
    make_centre(SANMING_VILLAGE, facility=home, name="岭背村老年协会", mark=False)
    rating = ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=4, today=TODAY)
    [award] = ratings.award_proposals(rating)
    assert award.amount == Decimal("10000")
    assert not award.proposed
    assert any("格式" in m for m in award.missing)
    assert any("万寿延" in m for m in award.missing)


def test_without_a_centre_the_award_is_withheld_and_three_stars_bring_none(officer, home):
    five = ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=5, today=TODAY)
    [award] = ratings.award_proposals(five)
    assert not award.proposed and "没有登记" in award.missing[0]
    three = ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=3, today=TODAY)
    assert ratings.award_proposals(three) == []


def test_a_nursing_home_outside_sanming_gets_no_star_award(make_user, nursing):
    rating = ratings.rating_record(
        actor=make_user("county_admin", "141129"),
        facility=nursing,
        rated_on=ON,
        section_scores={"environment": 120, "facilities": 130, "operation": 150, "service": 600},
        today=TODAY,
    )
    assert rating.stars == 5
    assert ratings.award_proposals(rating) == []


# ------------------------------------------------------------------ counts and scope


def test_each_county_counts_its_current_five_and_four_star_homes(officer, make_user):
    homes = [make_facility(c) for c in ("350424103201", "350424103202", "350424105201")]
    for home, stars in zip(homes, (5, 4, 4), strict=True):
        ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=stars, today=TODAY)
    # a later rating replaces the earlier one
    ratings.rating_record(
        actor=officer, facility=homes[2], rated_on=ON + dt.timedelta(days=2), stars=3, today=TODAY
    )
    city = make_user("city_admin", "3504")
    rows = {r.county.code: r for r in ratings.star_counts(city, on=TODAY)}
    assert (rows[SANMING_COUNTY].five, rows[SANMING_COUNTY].four) == (1, 1)
    assert rows[SANMING_COUNTY].five_met is True
    assert rows[SANMING_COUNTY].four_met is False
    assert rows[SANMING_COUNTY].four_target.rule_id == "happiness_home.four_star_per_county.2020"
    assert (rows[SIBLING_COUNTY].five, rows[SIBLING_COUNTY].four) == (0, 0)
    from yanglao.facilities import measures_sanming

    county = Region.objects.get(code=SANMING_COUNTY)
    assert measures_sanming.five_star_happiness_homes_per_county(county, TODAY).value == 1
    assert measures_sanming.four_star_happiness_homes_per_county(county, TODAY).value == 1
    sanming = Region.objects.get(code="3504")
    assert measures_sanming.five_star_happiness_homes_per_county(sanming, TODAY).value == 0


def test_a_rating_in_a_sibling_county_is_not_found(officer, make_user):
    sibling_home = make_facility(SIBLING_VILLAGE)
    rating = ratings.rating_record(
        actor=make_user("county_admin", SIBLING_COUNTY),
        facility=sibling_home,
        rated_on=ON,
        stars=4,
        today=TODAY,
    )
    with pytest.raises(NotFound):
        ratings.rating_get(officer, rating.pk)
    with pytest.raises(NotFound):
        ratings.facility_get(officer, sibling_home.pk)
    assert not ratings.ratings_for(officer).filter(pk=rating.pk).exists()
    with pytest.raises(Forbidden):
        ratings.rating_record(actor=officer, facility=sibling_home, rated_on=ON, stars=5)


# ------------------------------------------------------------------ pages and API


def test_the_rating_pages_render(client, officer, home, facility_urls):  # noqa: F811
    make_centre(SANMING_VILLAGE, facility=home, mark=False)
    rating = ratings.rating_record(actor=officer, facility=home, rated_on=ON, stars=5, today=TODAY)
    client.force_login(officer)
    body = client.get(facility_urls("rating_list")).content.decode()
    assert home.name in body
    body = client.get(facility_urls("rating_detail", rating.pk)).content.decode()
    assert "facility.star_award.happiness_home.five_star" in body
    assert "万寿延" in body  # the missing precondition is named
    assert "星级" in client.get(facility_urls("rating_stars")).content.decode()
    page = client.get(facility_urls("rating_new", home.pk))
    assert page.status_code == 200
    response = client.post(
        facility_urls("rating_new", home.pk), {"rated_on": "2020-09-02", "stars": "9"}
    )
    assert response.status_code == 422
    assert "星级应为" in response.content.decode()
    response = client.post(
        facility_urls("rating_new", home.pk), {"rated_on": "2020-09-02", "stars": "4"}
    )
    assert response.status_code == 302
    assert StarRating.objects.filter(facility=home, stars=4).exists()


def test_the_grade_form_shows_the_trace(client, make_user, nursing, facility_urls):  # noqa: F811
    officer = make_user("county_admin", "141129")
    client.force_login(officer)
    response = client.post(
        facility_urls("rating_new", nursing.pk),
        {
            "rated_on": "2020-09-02",
            "score_environment": "107",
            "score_facilities": "120",
            "score_operation": "140",
            "score_service": "590",
        },
    )
    assert response.status_code == 302
    rating = StarRating.objects.get(facility=nursing)
    assert rating.stars == 4
    body = client.get(response["Location"]).content.decode()
    assert "institution.grading" in body and "环境" in body


def test_the_api_records_a_grade_once_and_lists_it(api, make_user, nursing):
    officer = make_user("county_admin", "141129")
    api.as_user(officer)
    body = {
        "facility_id": nursing.pk,
        "rated_on": "2020-09-02",
        "section_scores": {"environment": 60, "facilities": 70, "operation": 100, "service": 400},
    }
    first = api.post("/api/v1/facilities/ratings", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = api.post("/api/v1/facilities/ratings", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json() == first.json()
    assert StarRating.objects.filter(facility=nursing).count() == 1
    data = first.json()
    assert data["stars"] == 2 and data["total"] == "630.00"  # 环境 50%, 运营 67%
    listed = api.get("/api/v1/facilities/ratings", data={"facility_id": nursing.pk}).json()
    assert listed["count"] == 1
    detail = api.get(f"/api/v1/facilities/ratings/{data['id']}").json()
    assert detail["trace"]["levels"][2]["reached"] is False
    bad = api.post(
        "/api/v1/facilities/ratings",
        {**body, "section_scores": {**body["section_scores"], "service": 601}},
    )
    assert bad.status_code == 422
    assert "section_scores.service" in bad.json()["error"]["fields"]
