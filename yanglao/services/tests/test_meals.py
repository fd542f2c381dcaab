"""Meal aid (助餐): meal points, meal records with the shares, statements, scope, pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.services import meals
from yanglao.services.models import MealRecord, Provider

VILLAGE = "141129101201"  # 中阳县金罗镇
TOWN = "141129101"
CZ_VILLAGE = "140403001001"  # 长治市潞州区 长兴社区
SIBLING_VILLAGE = "141125100"
TODAY = dt.date(2026, 5, 20)


def point_in(actor, region=TOWN, **extra):
    data = {
        "name": extra.pop("name", "金罗镇老年餐桌"),
        "region_code": region,
        "meal_price": extra.pop("meal_price", "10.00"),
        "seats": 30,
        "delivers": extra.pop("delivers", True),
        **extra,
    }
    return meals.meal_point_create(actor=actor, **data)


def record(actor, point, elder, *, day=TODAY, meal="lunch", mode="dine_in", **extra):
    return meals.meal_record(
        actor=actor,
        point=point,
        elder=elder,
        date=day,
        meal=meal,
        mode=mode,
        today=extra.pop("today", TODAY),
        **extra,
    )


@pytest.fixture
def cz(make_user):
    return make_user("county_admin", "140403")


@pytest.fixture
def cz_elder(cz, elder_of):
    def make(**profile):
        return elder_of(actor=cz, region=CZ_VILLAGE, born=dt.date(1942, 3, 3), **profile)

    return make


def shares_of(r: MealRecord) -> tuple[str, str, str, str]:
    return (str(r.government), str(r.community), str(r.donation), str(r.personal))


# ------------------------------------------------------------------ shares


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("welfare", "living", "expected"),
    [
        ("none", "with_family", ("0.00", "1.00", "1.00", "8.00")),
        ("extreme_poverty", "with_family", ("10.00", "0.00", "0.00", "0.00")),
        ("minimum_allowance", "with_family", ("4.00", "1.00", "1.00", "4.00")),
        ("hardship", "with_family", ("3.00", "1.00", "1.00", "5.00")),
        # living alone: a special-difficulty elder (elder.group.special_difficulty), 30%
        ("none", "alone", ("3.00", "1.00", "1.00", "5.00")),
    ],
)
def test_meal_shares_in_changzhi_follow_the_four_payer_rule(
    cz, cz_elder, welfare, living, expected
):
    point = point_in(cz, region=CZ_VILLAGE, name="长兴社区老年餐桌")
    elder = cz_elder(welfare=welfare, living_situation=living)
    r = record(cz, point, elder)
    assert shares_of(r) == expected
    assert r.amount == Decimal("10.00") and r.unit_price == Decimal("10.00")
    assert r.government + r.community + r.donation + r.personal == r.amount


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("welfare", "expected"),
    [
        ("none", ("0.00", "0.00", "0.00", "20.00")),
        ("minimum_allowance", ("10.00", "0.00", "0.00", "10.00")),
        ("extreme_poverty", ("20.00", "0.00", "0.00", "0.00")),
    ],
)
def test_elsewhere_the_national_service_rule_applies(county, elder_of, welfare, expected):
    point = point_in(county)
    elder = elder_of(welfare=welfare)
    r = record(county, point, elder, count=2)
    assert r.count == 2 and r.amount == Decimal("20.00")
    assert shares_of(r) == expected


@pytest.mark.django_db
def test_the_family_pays_the_personal_share_when_asked(cz, cz_elder):
    point = point_in(cz, region=CZ_VILLAGE)
    r = record(cz, point, cz_elder(welfare="hardship"), family_pays=True)
    assert r.family_pays and r.personal == Decimal("5.00")
    statement = meals.statement(point, TODAY)
    assert statement.totals.shares["family"] == Decimal("5.00")
    assert statement.totals.shares["elder"] == Decimal("0")


@pytest.mark.django_db
def test_rounding_goes_to_the_personal_share_so_shares_add_up(cz, cz_elder):
    point = point_in(cz, region=CZ_VILLAGE, meal_price="7.77")
    r = record(cz, point, cz_elder(welfare="hardship"), count=3)
    assert r.amount == Decimal("23.31")
    # 30% = 6.993 -> 6.99; 10% = 2.331 -> 2.33 twice; the rest is personal
    assert shares_of(r) == ("6.99", "2.33", "2.33", "11.66")
    assert r.government + r.community + r.donation + r.personal == r.amount


# ------------------------------------------------------------------ recording


@pytest.mark.django_db
def test_a_second_record_of_the_same_meal_changes_nothing_and_says_so(county, elder_of):
    point = point_in(county)
    elder = elder_of()
    record(county, point, elder)
    with pytest.raises(Conflict) as caught:
        record(county, point, elder, count=3)
    assert "已经记录过" in caught.value.message and caught.value.code == "meal_already_recorded"
    assert MealRecord.objects.get().count == 1
    # another meal the same day is a new record
    record(county, point, elder, meal="dinner")
    assert MealRecord.objects.count() == 2


@pytest.mark.django_db
def test_delivery_is_refused_where_the_point_does_not_deliver(county, elder_of):
    point = point_in(county, delivers=False)
    with pytest.raises(ValidationFailed) as caught:
        record(county, point, elder_of(), mode="delivery")
    assert "不提供送餐" in caught.value.fields["mode"][0]
    assert not MealRecord.objects.exists()


@pytest.mark.django_db
def test_dates_in_the_future_or_too_far_back_are_refused(county, elder_of):
    point = point_in(county)
    elder = elder_of()
    with pytest.raises(ValidationFailed) as caught:
        record(county, point, elder, day=TODAY + dt.timedelta(days=1))
    assert "date" in caught.value.fields
    with pytest.raises(ValidationFailed):
        record(county, point, elder, day=TODAY - dt.timedelta(days=30))
    assert record(county, point, elder, day=TODAY - dt.timedelta(days=3)).pk


@pytest.mark.django_db
def test_only_active_elders_of_the_points_county_may_eat_there(county, elder_of, make_user):
    from yanglao.elders.services import elder_set_status

    point = point_in(county)
    moved = elder_of(name="刘桂芳")
    elder_set_status(actor=county, elder=moved, status="moved", on=TODAY, note="随子女迁居")
    moved.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        record(county, point, moved)
    assert "elder_id" in caught.value.fields
    sibling = make_user("county_admin", "141125")
    outsider = elder_of(actor=sibling, region=SIBLING_VILLAGE, name="柳林老人")
    with pytest.raises(NotFound):
        record(county, point, outsider)
    with pytest.raises(NotFound):
        meals.elder_for_point(point, outsider.pk)
    # the day sheet's search finds elders of the county only
    assert meals.elders_for_point(point, "柳林") == []
    assert [e.pk for e in meals.elders_for_point(point, "lgf")] == []  # moved away


@pytest.mark.django_db
def test_correcting_and_deleting_only_on_the_day_with_a_reason(county, elder_of):
    point = point_in(county)
    today = timezone.localdate()
    r = record(county, point, elder_of(welfare="minimum_allowance"), day=today, today=today)
    with pytest.raises(ValidationFailed):
        meals.meal_record_correct(actor=county, record=r, count=2, reason=" ")
    r = meals.meal_record_correct(actor=county, record=r, count=2, reason="份数登记错了")
    assert r.amount == Decimal("20.00") and r.government == Decimal("10.00")
    event = AuditEvent.objects.get(action="meal.correct")
    assert event.detail["before"]["count"] == 1 and event.detail["reason"] == "份数登记错了"
    with pytest.raises(Conflict):
        meals.meal_record_delete(
            actor=county, record=r, reason="错了", today=today + dt.timedelta(days=1)
        )
    meals.meal_record_delete(actor=county, record=r, reason="登记错了老人")
    assert not MealRecord.objects.exists()
    assert AuditEvent.objects.get(action="meal.delete").detail["record"]["amount"] == "20.00"


# ------------------------------------------------------------------ statements


@pytest.mark.django_db
def test_the_monthly_statement_totals_equal_the_records(cz, cz_elder):
    point = point_in(cz, region=CZ_VILLAGE, meal_price="7.77")
    people = [
        cz_elder(welfare="none", name="王秀英"),
        cz_elder(welfare="minimum_allowance", name="李桂兰"),
        cz_elder(welfare="hardship", name="赵玉梅"),
    ]
    for i, elder in enumerate(people):
        for offset in range(4):
            day = TODAY - dt.timedelta(days=offset)
            record(cz, point, elder, day=day, count=1 + (i + offset) % 3, family_pays=i == 2)
            record(cz, point, elder, day=day, meal="dinner", mode="delivery")
    # a record of the month before is not in this month
    record(cz, point, people[0], day=dt.date(2026, 4, 30), today=dt.date(2026, 5, 1))
    statement = meals.statement(point, dt.date(2026, 5, 1))
    rows = MealRecord.objects.filter(date__month=5)
    assert len(statement.rows) == 3
    assert statement.totals.meals == sum(r.count for r in rows)
    assert statement.totals.amount == sum(r.amount for r in rows)
    assert statement.totals.shares["government"] == sum(r.government for r in rows)
    assert statement.totals.shares["family"] == sum(r.personal for r in rows if r.family_pays)
    assert statement.totals.shares["elder"] == sum(r.personal for r in rows if not r.family_pays)
    for row in statement.rows:
        assert sum(row.shares.values()) == row.amount
        assert row.delivered == 4
    assert sum(statement.totals.shares.values()) == statement.totals.amount
    assert statement.rule.rule_id == "meal.payment_shares"
    summary = meals.summary(cz, dt.date(2026, 5, 1))
    assert summary.totals.amount == statement.totals.amount
    assert summary.totals.elders == 3


# ------------------------------------------------------------------ scope and roles


@pytest.fixture
def operator_world(county, make_user):
    operator = make_user("facility_operator", "141129100")
    provider = Provider.objects.create(
        name="宁乡镇敬老院", kind="facility", region_id="141129100", region_path="x"
    )
    provider.region_path = provider.region.path
    provider.save()
    provider.users.add(operator)
    point = point_in(county, region="141129100", name="宁乡镇助餐点", provider_id=provider.pk)
    return operator, point


@pytest.mark.django_db
def test_an_operator_records_at_the_points_of_their_provider_only(
    county, elder_of, make_user, operator_world
):
    operator, point = operator_world
    other = point_in(county, name="别处的餐桌")
    assert list(meals.points_for(operator)) == [point]
    elder = elder_of()  # 金罗镇: another township of the same county
    r = record(operator, point, elder)
    assert r.recorded_by == operator
    with pytest.raises(Forbidden):
        record(operator, other, elder)
    with pytest.raises(NotFound):
        meals.point_get(operator, other.pk)
    stranger = make_user("facility_operator", "141129100")
    with pytest.raises(NotFound):
        meals.point_get(stranger, point.pk)
    with pytest.raises(Forbidden):
        meals.meal_point_create(actor=operator, name="x", region_code=TOWN, meal_price="1")


@pytest.mark.django_db
def test_a_sibling_county_officer_cannot_see_or_use_the_point(county, elder_of, make_user, client):
    point = point_in(county)
    record(county, point, elder_of())
    sibling = make_user("county_admin", "141125")
    with pytest.raises(NotFound):
        meals.point_get(sibling, point.pk)
    assert AuditEvent.objects.filter(actor=sibling, action="access.out_of_scope").exists()
    assert not meals.records_for(sibling).exists()
    with pytest.raises(ValidationFailed):
        meals.meal_point_create(actor=sibling, name="越界", region_code=TOWN, meal_price="10.00")
    client.force_login(sibling)
    for url in (
        f"/services/meals/{point.pk}/",
        f"/services/meals/{point.pk}/day/",
        f"/services/meals/{point.pk}/statement/",
        f"/services/meals/{point.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    assert "金罗镇老年餐桌" not in client.get("/services/meals/").content.decode()


# ------------------------------------------------------------------ pages


@pytest.mark.django_db
def test_the_meal_pages_render_and_the_day_sheet_records(county, elder_of, client):
    elder = elder_of(name="张桂兰")
    client.force_login(county)
    response = client.post(
        "/services/meals/new/",
        {
            "name": "金罗镇老年餐桌",
            "region_code": TOWN,
            "meal_price": "10.00",
            "seats": "30",
            "delivers": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    point = meals.MealPoint.objects.get()
    bad = client.post("/services/meals/new/", {"name": "", "region_code": "", "meal_price": "x"})
    assert bad.status_code == 422 and "请填写助餐点名称" in bad.content.decode()
    day = f"/services/meals/{point.pk}/day/"
    page = client.get(day, {"q": "zgl", "meal": "lunch"}).content.decode()
    assert "张桂兰" in page and "登记" in page
    partial = client.get(
        day, {"q": "zgl", "meal": "lunch", "partial": "search"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "张桂兰" in partial.content.decode()
    data = {
        "action": "record",
        "elder_id": elder.pk,
        "meal": "lunch",
        "mode": "delivery",
        "count": "1",
        "q": "zgl",
    }
    response = client.post(day, data)
    assert response.status_code == 302
    assert "已记录" in client.get(response["Location"]).content.decode()
    again = client.post(day, data, follow=True).content.decode()
    assert "已经记录过" in again and MealRecord.objects.count() == 1
    assert "本餐已登记" in client.get(day, {"q": "zgl", "meal": "lunch"}).content.decode()
    r = MealRecord.objects.get()
    client.post(day, {"action": "correct", "record": r.pk, "new_count": "2", "reason": "多一份"})
    assert MealRecord.objects.get().count == 2
    for url, text in [
        ("/services/meals/", "金罗镇老年餐桌"),
        (f"/services/meals/{point.pk}/", "近 30 天每日就餐份数"),
        (f"/services/meals/{point.pk}/edit/", "修改助餐点"),
        (f"/services/meals/{point.pk}/statement/", "助餐月结单"),
        ("/services/meals/summary/", "助餐月度汇总"),
        ("/workbench/", "今日助餐"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    statement = client.get(f"/services/meals/{point.pk}/statement/").content.decode()
    assert "张桂兰" in statement and "20.00" in statement


@pytest.mark.django_db
def test_the_statement_downloads_as_xlsx(county, elder_of, client):
    point = point_in(county)
    today = timezone.localdate()
    record(county, point, elder_of(name="张桂兰"), day=today, today=today, count=2)
    record(
        county, point, elder_of(name="刘桂芳", welfare="minimum_allowance"), day=today, today=today
    )
    client.force_login(county)
    response = client.get(
        f"/services/meals/{point.pk}/statement/",
        {"month": today.strftime("%Y-%m"), "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "老人" and "政府补助(元)" in rows[1]
    names = [r[0] for r in rows[2:]]
    assert set(names) == {"张桂兰", "刘桂芳", "合计"}
    total = rows[-1]
    assert total[0] == "合计" and total[3] == 3 and Decimal(str(total[5])) == Decimal("30.00")
    from yanglao.core.models import AccessLog

    assert AccessLog.objects.filter(actor=county, kind="export").exists()


@pytest.mark.django_db
def test_the_operator_sees_their_point_on_the_workbench_and_navigation(client, operator_world):
    operator, point = operator_world
    client.force_login(operator)
    page = client.get("/workbench/").content.decode()
    assert "今日助餐：宁乡镇助餐点" in page
    nav = page.split('id="navbar-menu"')[1].split("</ul>")[0]
    assert "助餐" in nav
    assert client.get(f"/services/meals/{point.pk}/day/").status_code == 200
    assert client.get("/services/meals/new/").status_code == 403
    assert client.get("/services/meals/summary/").status_code == 403


@pytest.mark.django_db
def test_the_day_sheet_and_statement_pages_read_a_fixed_number_of_queries(county, elder_of, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    point = point_in(county)
    today = timezone.localdate()
    client.force_login(county)
    client.get("/workbench/")  # the session and the URLconf, once

    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    pages = [
        f"/services/meals/{point.pk}/day/",
        f"/services/meals/{point.pk}/statement/",
        "/services/meals/",
        "/services/meals/summary/",
        f"/services/meals/{point.pk}/",
    ]
    people = [elder_of(name=f"张{n}兰") for n in "一二三四五六"]
    for elder in people[:2]:
        record(county, point, elder, day=today, today=today)
    few = [count(url) for url in pages]
    for elder in people[2:]:
        record(county, point, elder, day=today, today=today)
    assert [count(url) for url in pages] == few
