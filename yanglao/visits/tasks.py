"""Nightly jobs: the visit schedule and the week's compliance (local time)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from yanglao.elders.tasks import local_crontab

from . import compliance, schedule


@db_periodic_task(local_crontab(hour="1", minute="10"))
def nightly_schedule() -> int:
    return schedule.refresh_schedule()


@db_periodic_task(local_crontab(hour="1", minute="40"))
def nightly_compliance() -> int:
    today = timezone.localdate()
    this_week = schedule.week_start(today)
    return compliance.compute(this_week - dt.timedelta(days=7)) + compliance.compute(this_week)
