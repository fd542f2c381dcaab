"""The visit schedule: who must be visited how often, and when a visit is overdue."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from yanglao.visits import schedule
from yanglao.visits.models import VisitDue

UTC = dt.UTC
MONDAY = dt.date(2026, 11, 23)  # a Monday
FINE = {
    k: {"level": "fine"}
    for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
}


def due(elder):
    return VisitDue.objects.filter(elder=elder).first()


def test_weeks_are_iso_weeks_in_beijing_time():
    assert schedule.week_start(dt.date(2026, 11, 29)) == MONDAY  # Sunday
    assert schedule.week_start(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)
    # Sunday 23:30 in Beijing is Sunday 15:30 UTC: still that week.
    sunday_late = dt.datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
    assert schedule.week_start(schedule.local_date(sunday_late)) == MONDAY
    # Monday 00:10 in Beijing is Sunday 16:10 UTC: already the next week.
    monday_early = dt.datetime(2026, 11, 29, 16, 10, tzinfo=UTC)
    assert schedule.local_date(monday_early) == dt.date(2026, 11, 30)
    assert schedule.period_bounds("month", dt.date(2026, 2, 10)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert schedule.next_period_end("month", dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profile", "period"),
    [
        # 中阳县: rural 80+ living alone → weekly
        ({"born": dt.date(1940, 1, 1), "living_situation": "alone"}, "week"),
        # left behind with no children / children outside the county / family planning
        ({"born": dt.date(1955, 1, 1), "left_behind": True, "no_children": True}, "week"),
        (
            {"born": dt.date(1955, 1, 1), "left_behind": True, "children_outside_county": True},
            "week",
        ),
        (
            {"born": dt.date(1955, 1, 1), "left_behind": True, "family_planning_special": True},
            "week",
        ),
        # urban 80+ alone: not the county's weekly group, but the national monthly floor
        ({"born": dt.date(1940, 1, 1), "living_situation": "alone", "rural": False}, "month"),
        # empty nest 70: national monthly floor (special difficulty)
        ({"born": dt.date(1956, 1, 1), "living_situation": "spouse_only"}, "month"),
        # 70, living with family: nobody requires visits
        ({"born": dt.date(1956, 1, 1), "living_situation": "with_family"}, None),
    ],
)
def test_the_schedule_of_each_target_group(elder_of, profile, period):
    born = profile.pop("born")
    elder = elder_of(born=born, **profile)
    schedule.refresh_schedule(today=MONDAY)
    row = due(elder)
    if period is None:
        assert row is None
    else:
        assert row.period == period and row.required == 1
        assert row.due_on == schedule.period_bounds(period, MONDAY)[1]


@pytest.mark.django_db
def test_changzhi_pairing_group_is_monthly_and_alone_without_carer_weekly(make_user, elder_of):
    officer = make_user("county_admin", "140403")
    from yanglao.regions.models import Level, Region

    village = Region.objects.filter(code__startswith="140403", level=Level.VILLAGE).first()
    code = village.code if village else "140403001"
    left = elder_of(actor=officer, region=code, born=dt.date(1956, 1, 1), left_behind=True)
    alone = elder_of(
        actor=officer,
        region=code,
        born=dt.date(1956, 1, 1),
        living_situation="alone",
        has_carer=False,
    )
    schedule.refresh_schedule(today=MONDAY)
    assert due(left).period == "month"
    assert due(alone).period == "week"
    assert "visit.schedule.alone_no_carer" in due(alone).rules


@pytest.mark.django_db
def test_a_care_plan_asks_for_more_visits_a_week(county, elder_of):
    from yanglao.elders import services as elders

    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    elders.care_plan_save(
        actor=county,
        elder=elder,
        needs="独居高龄",
        interventions="每周上门两次",
        responsible="王秀兰",
        visits_per_week=2,
        emergency_contacts="王秀兰 13800000000",
        emergency_procedure="先电话，再上门",
        review_on=MONDAY + dt.timedelta(days=90),
    )
    schedule.refresh_schedule(today=MONDAY)
    row = due(elder)
    assert (row.period, row.required) == ("week", 2)
    assert "care_plan" in row.rules


@pytest.mark.django_db
def test_a_missed_week_is_overdue_until_a_visit(county, elder_of):
    from yanglao.visits import selectors, services

    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    schedule.refresh_schedule(today=MONDAY)
    assert due(elder).due_on == dt.date(2026, 11, 29)
    # The next Monday, nobody came last week: overdue since Sunday.
    next_monday = MONDAY + dt.timedelta(days=7)
    schedule.refresh_schedule(today=next_monday)
    assert due(elder).due_on == dt.date(2026, 11, 29)
    assert elder.pk in {d.elder_id for d in selectors.overdue(county, today=next_monday)}
    # A visit on Tuesday of that week: due again at the end of the following week.
    tuesday = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 0), ZoneInfo("Asia/Shanghai"))
    services.visit_record(
        actor=county, elder=elder, method="phone", visited_at=tuesday, checks=FINE, now=tuesday
    )
    row = due(elder)
    assert row.done_in_period == 1 and row.due_on == dt.date(2026, 12, 13)
    assert elder.pk not in {d.elder_id for d in selectors.overdue(county, today=tuesday.date())}
    # Nightly refresh on Wednesday keeps it.
    schedule.refresh_schedule(today=dt.date(2026, 12, 2))
    assert due(elder).due_on == dt.date(2026, 12, 13)


@pytest.mark.django_db
def test_a_visit_late_sunday_utc_counts_for_the_beijing_week(county, elder_of):
    from yanglao.visits import services

    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    schedule.refresh_schedule(today=dt.date(2026, 11, 30))
    # Sunday 16:10 UTC = Monday 00:10 Beijing: it counts for the week of 30 November.
    at = dt.datetime(2026, 11, 29, 16, 10, tzinfo=UTC)
    visit = services.visit_record(
        actor=county, elder=elder, method="door", visited_at=at, checks=FINE, now=at
    )
    assert visit.week_start == dt.date(2026, 11, 30)
    assert due(elder).due_on == dt.date(2026, 12, 13)


@pytest.mark.django_db
def test_leaving_the_group_drops_the_schedule(county, elder_of):
    from yanglao.elders import services as elders

    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    schedule.refresh_schedule(today=MONDAY)
    assert due(elder) is not None
    elders.elder_set_status(actor=county, elder=elder, status="deceased", on=MONDAY, note="病故")
    schedule.refresh_schedule(today=MONDAY)
    assert due(elder) is None


@pytest.mark.django_db
def test_the_schedule_follows_the_file_at_once(county, elder_of):
    from yanglao.elders import services as elders
    from yanglao.visits import selectors

    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    schedule.refresh_schedule(today=MONDAY - dt.timedelta(days=7))
    schedule.refresh_schedule(today=MONDAY)
    assert elder.pk in {d.elder_id for d in selectors.overdue(county, today=MONDAY)}
    elders.elder_set_status(actor=county, elder=elder, status="moved", on=MONDAY, note="迁出")
    assert due(elder) is None  # no waiting for the night
    assert elder.pk not in {d.elder_id for d in selectors.overdue(county, today=MONDAY)}
