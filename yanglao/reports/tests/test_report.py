"""The work report: its figures equal the counts of a small known village, scope, bad
input, the page, the workbook and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.alerts import services as alerts
from yanglao.core.models import AccessLog
from yanglao.elders import services as elders
from yanglao.elders.models import Elder
from yanglao.regions.models import Region
from yanglao.reports import figures, periods
from yanglao.visits import compliance, schedule
from yanglao.visits.models import FollowUp, Visit

from .conftest import OTHER_VILLAGE

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 20)
OCTOBER = periods.parse("2026-10")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture(autouse=True)
def frozen():
    """Every test reads the report on 20 November 2026."""
    with time_machine.travel(at(ON, 12), tick=True):
        yield


def visit(elder, when, method="door", worst="fine"):
    return Visit.objects.create(
        elder=elder,
        region_path=elder.region_path,
        method=method,
        visited_at=when,
        week_start=schedule.week_start(timezone.localtime(when).date()),
        checks={},
        worst=worst,
    )


@pytest.fixture
def village(county, elder_of):
    """金罗村 and 东峪村 in October 2026, with every number known."""
    alone = elder_of(
        name="张桂兰",
        born=dt.date(1940, 3, 1),
        living_situation="alone",
        welfare="minimum_allowance",
    )  # weekly visits (80+, alone, rural)
    empty = elder_of(name="刘桂芳", born=dt.date(1950, 6, 1), living_situation="spouse_only")
    other = elder_of(name="王有福", born=dt.date(1955, 2, 1), region=OTHER_VILLAGE)
    moved = elder_of(name="赵长福", born=dt.date(1945, 8, 1))
    elders.elder_set_status(actor=county, elder=moved, status="moved", on=dt.date(2026, 10, 10))
    new = elder_of(name="孙秀英", born=dt.date(1960, 9, 1))
    Elder.objects.filter(pk=new.pk).update(created_at=at(dt.date(2026, 10, 15)))
    late = elder_of(name="钱玉兰", born=dt.date(1962, 1, 1))  # filed after October
    Elder.objects.filter(pk=late.pk).update(created_at=at(dt.date(2026, 11, 3)))

    visit(alone, at(dt.date(2026, 10, 6)))
    visit(alone, at(dt.date(2026, 10, 14)), method="phone", worst="concern")
    visit(empty, at(dt.date(2026, 10, 20)))
    visit(other, at(dt.date(2026, 9, 30), 23))  # September
    visit(other, at(dt.date(2026, 11, 2)))  # November
    schedule.refresh_schedule(today=ON)
    for monday in (
        dt.date(2026, 10, 5),
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 26),
    ):
        compliance.compute(monday)

    open_alert = alerts.alert_raise(
        elder=alone, source="manual", level="urgent", title="跌倒", now=at(dt.date(2026, 10, 8))
    )
    alerts.alert_raise(
        elder=empty,
        source="manual",
        level="warning",
        title="未接电话",
        now=at(dt.date(2026, 11, 5)),
    )
    late_task = FollowUp.objects.create(
        elder=alone,
        region_path=alone.region_path,
        kind="task",
        level="concern",
        description="修门锁",
        due_on=dt.date(2026, 10, 9),
    )
    FollowUp.objects.filter(pk=late_task.pk).update(created_at=at(dt.date(2026, 10, 2)))
    FollowUp.objects.create(
        elder=empty,
        region_path=empty.region_path,
        kind="task",
        level="concern",
        description="送药",
        due_on=dt.date(2026, 11, 30),
    )
    return {"alone": alone, "empty": empty, "other": other, "open_alert": open_alert}


def report(code="141129", period=OCTOBER):
    return figures.compute(Region.objects.get(code=code), period, today=ON)


def test_the_register_counts_files_on_the_last_day(village):
    r = report()
    assert r.figure("elders", "registered").value == 4  # not the moved one, not the late one
    assert r.figure("elders", "new").value == 1
    assert r.figure("elders", "moved").value == 1
    assert r.figure("elders", "aged_80").value == 1
    groups = {row[0]: row[1] for row in r.section("elders").tables[0].rows}
    assert groups["每周巡访对象"] == 1
    assert groups["特殊困难老年人"] == 2


def test_visits_are_counted_in_the_month_only(village):
    r = report()
    assert r.figure("visits", "visits").value == 3
    assert r.figure("visits", "elders_visited").value == 2
    assert r.figure("visits", "door").value == 2
    assert r.figure("visits", "concern").value == 1
    # One elder on a weekly schedule, four ended weeks with their Monday in October,
    # visited in two of them.
    assert r.figure("visits", "weekly_due").value == 4
    assert r.figure("visits", "weekly_visited").value == 2
    assert r.figure("visits", "weekly_rate").value == Decimal("0.5")
    monthly = figures.table_of(r.section("visits"), "monthly").rows
    assert [(row[2], row[3], row[5]) for row in monthly] == [
        (2, 2, "visit.schedule.special_difficulty")
    ]


def test_alerts_and_follow_ups_as_they_stood_at_the_end(village):
    r = report()
    assert r.figure("alerts", "raised").value == 1
    assert r.figure("alerts", "urgent").value == 1
    assert r.figure("alerts", "open_at_end").value == 1
    assert r.figure("alerts", "unacknowledged_at_end").value == 1
    assert r.figure("services", "follow_ups_overdue").value == 1
    kinds = [p.kind for p in r.problems]
    assert {"alerts", "follow_ups", "visits", "target"} <= set(kinds)
    assert any("应访未访 2 人次" in p.text for p in r.problems)


def test_child_regions_split_the_county(village):
    rows = {row[-1]: row for row in report().children.rows}
    assert rows["141129101"][1:3] == [3, 3]  # 金罗镇: three on the register, three visits
    assert rows["141129100"][1:3] == [1, 0]  # 宁乡镇
    assert "141129102" not in rows  # no records there: left out


def test_a_village_report_holds_only_its_own_records(village):
    r = report("141129101201")
    assert r.figure("elders", "registered").value == 3
    assert r.figure("visits", "visits").value == 3
    assert r.children is None or not r.children.rows


def test_the_quarter_sums_its_months(village):
    q = report(period=periods.parse("2026-Q4"))
    assert q.as_of == ON and not q.complete
    assert q.figure("visits", "visits").value == 4  # October's three and 2 November
    q3 = report(period=periods.parse("2026-Q3"))
    assert q3.figure("visits", "visits").value == 1


def test_targets_carry_their_status_and_source(village):
    r = report()
    rows = figures.target_rows(r.targets)
    assert rows and all(row[4] for row in rows)
    village_share = next(
        t for t in r.targets if t.resolution.rule_id == "facility.village_coverage.2022"
    )
    assert village_share.status == "overdue"
    assert any("中办发〔2020〕22号" in row[5] for row in rows)


def test_a_future_period_and_a_bad_code_are_refused(client, county):
    client.force_login(county)
    future = periods.containing(periods.MONTH, timezone.localdate()).next()
    response = client.get(f"/reports/141129/{future.code}/")
    assert response.status_code == 422 and "尚未开始" in response.content.decode()
    response = client.get("/reports/141129/2026-13/")
    assert response.status_code == 422 and "月份" in response.content.decode()


def test_a_region_outside_the_scope_is_not_found(client, make_user, village):
    township = make_user("township_officer", "141129101")
    client.force_login(township)
    assert client.get("/reports/141129/2026-10/").status_code == 404
    assert client.get("/reports/141129100/2026-10/").status_code == 404
    assert client.get("/reports/141129101/2026-10/").status_code == 200


def test_the_report_page_prints_and_exports(client, county, village):
    client.force_login(county)
    page = client.get("/reports/141129/2026-10/").content.decode()
    assert "工作月报" in page and "发现的问题" in page and "@media print" not in page
    assert "reports/report.css" in page and "金罗镇" in page
    response = client.get("/reports/141129/2026-10/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert {"概况", "目标任务", "发现的问题", "下级区划"} <= set(book.sheetnames)
    summary = [row for row in book["概况"].iter_rows(values_only=True)]
    assert ("巡视探访", "探访次数", 3, "次", None) in summary or any(
        r[:3] == ("巡视探访", "探访次数", 3) for r in summary
    )
    log = AccessLog.objects.filter(actor=county, kind="export").latest("at")
    assert (
        log.detail["object_type"] == "WorkReport" and log.detail["filters"]["period"] == "2026-10"
    )


def test_roles_without_reports_get_403(client, make_user):
    for role, region in (("visitor", "141129101201"), ("facility_operator", "141129100")):
        client.force_login(make_user(role, region))
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/141129/2026-10/").status_code == 403


def test_the_api_gives_the_same_figures(api, county, village):
    body = api.as_user(county).get("/api/v1/reports/141129/2026-10").json()
    visits = next(s for s in body["sections"] if s["key"] == "visits")
    assert {f["key"]: f["value"] for f in visits["figures"]}["visits"] == 3
    assert {f["key"]: f["value"] for f in visits["figures"]}["weekly_rate"] == "0.5000"
    assert body["complete"] is True and body["as_of"] == "2026-10-31"
    assert any(p["kind"] == "alerts" for p in body["problems"])
    assert api.get("/api/v1/reports/141129/2026-Q9").status_code == 422
