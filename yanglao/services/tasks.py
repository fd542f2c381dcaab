"""Service jobs: follow up orders left unrated (local time, every hour)."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from yanglao.elders.tasks import local_crontab

from . import services


@db_periodic_task(local_crontab(minute="15"))
def unrated_follow_ups() -> int:
    return services.follow_up_unrated()
