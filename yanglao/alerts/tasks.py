"""Periodic jobs: escalate unacknowledged alerts, raise missed check-ins, check meters."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import checkins, devices, services


@db_periodic_task(crontab(minute="*"))
def escalate_alerts() -> int:
    return services.escalate_due()


@db_periodic_task(crontab(minute="*/10"))
def missed_checkins() -> int:
    return checkins.raise_missed()


@db_periodic_task(crontab(minute="*/30"))
def water_meters() -> int:
    return devices.check_all_water()


@db_periodic_task(crontab(minute="7"))
def old_nonces() -> int:
    return devices.prune_nonces()
