"""Demo: the dashboard figures of today and some weeks of history, so every series on
``/insights/`` has a trend. Runs last in load_demo (after every other record exists);
idempotent: past days already computed are kept, today is recomputed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yanglao.insights import compute
from yanglao.insights.models import RegionFigures

DAILY_DAYS = 21  # every day of the last three weeks
WEEKLY_WEEKS = 8  # then each Monday of the eight weeks before


def history_days(today: dt.date) -> list[dt.date]:
    days = {today - dt.timedelta(days=n) for n in range(1, DAILY_DAYS + 1)}
    monday = today - dt.timedelta(days=today.weekday())
    days |= {monday - dt.timedelta(weeks=n) for n in range(1, WEEKLY_WEEKS + 1)}
    return sorted(days)


def load_demo() -> int:
    """Returns the number of days computed."""
    today = timezone.localdate()
    have = set(RegionFigures.objects.values_list("day", flat=True).distinct())
    done = 0
    for day in history_days(today):
        if day not in have:
            compute.refresh(day)
            done += 1
    compute.refresh(today)
    return done + 1
