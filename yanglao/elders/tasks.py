"""Background jobs of the elder registry (Huey)."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from . import import_tasks  # noqa: F401  (Huey discovers tasks.py only)
from .models import Elder, ElderStatus
from .risk import refresh_risks

log = logging.getLogger(__name__)

__all__ = ["local_crontab", "refresh_all_risks", "refresh_risks"]


def local_crontab(**fields):
    """A crontab read in the project's time zone (Asia/Shanghai).

    Huey is configured with ``utc = True`` and hands its periodic-task check a naive UTC
    datetime; a bare ``crontab(hour=1, minute=30)`` would then fire at 09:30 in Beijing.
    """
    cron = crontab(**fields)
    zone = ZoneInfo(settings.TIME_ZONE)

    def validate(timestamp: dt.datetime) -> bool:
        if getattr(HUEY, "utc", True) and timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
        return cron(timestamp)

    return validate


@db_periodic_task(local_crontab(hour="1", minute="30"))
def refresh_all_risks() -> int:
    """Nightly: recompute the risk level of every active elder (ages, and with them the
    age-based target groups, change on birthdays)."""
    on = timezone.localdate()
    changed = refresh_risks(Elder.objects.filter(status=ElderStatus.ACTIVE), on)
    log.info("risk levels refreshed for %s: %d changed", on, changed)
    return changed
