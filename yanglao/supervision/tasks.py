"""Supervision jobs: escalate overdue rectifications every morning (local time)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from yanglao.elders.tasks import local_crontab

from . import services

log = logging.getLogger(__name__)


@db_periodic_task(local_crontab(hour="7", minute="10"))
def escalate_overdue_rectifications() -> int:
    moved = services.escalate_overdue()
    log.info("supervision: %d overdue rectifications escalated", moved)
    return moved
