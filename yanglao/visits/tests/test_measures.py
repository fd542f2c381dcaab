"""The visit target measures: the monthly visit rate of elders in special difficulty and
Zhongyang's weekly visit system, on a fixed day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.regions.models import Region
from yanglao.visits import measures, schedule
from yanglao.visits.models import Visit

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 20)


def _visit(elder, when: dt.datetime):
    return Visit.objects.create(
        elder=elder,
        region_path=elder.region_path,
        method="door",
        visited_at=when,
        week_start=schedule.week_start(timezone.localtime(when).date()),
        checks={},
        worst="fine",
    )


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_special_difficulty_visited_in_the_last_full_month(elder_of):
    alone = elder_of(living_situation="alone")
    empty_nest = elder_of(name="刘桂芳", living_situation="spouse_only")
    elder_of(name="王有福", living_situation="with_family")  # not in the group
    _visit(alone, _at(dt.date(2026, 10, 31), 23))  # 23:00 Beijing on the last day counts
    _visit(empty_nest, _at(dt.date(2026, 11, 1), 0))  # this month: does not count
    county = Region.objects.get(code="141129")
    m = measures.special_difficulty_monthly(county, ON)
    assert (m.numerator, m.denominator, m.value) == (1, 2, Decimal("0.5"))
    assert "2026-10" in m.note
    assert measures.special_difficulty_monthly(Region.objects.get(code="141125"), ON) is None


def test_weekly_system_runs_when_every_township_visited_last_week(elder_of):
    first = elder_of(living_situation="alone", born=dt.date(1940, 1, 1))
    second = elder_of(
        name="刘桂芳", living_situation="alone", born=dt.date(1938, 1, 1), region="141129100201"
    )
    schedule.refresh_schedule(today=ON)
    county = Region.objects.get(code="141129")
    last_week = schedule.week_start(ON) - dt.timedelta(days=7)
    _visit(first, _at(last_week + dt.timedelta(days=2)))
    m = measures.weekly_system(county, ON)
    assert m.denominator == 2 and m.numerator == 1
    _visit(second, _at(last_week + dt.timedelta(days=6), 21))
    assert measures.weekly_system(county, ON).value == Decimal(1)
