"""The job that keeps the dashboard current: every 15 minutes, today's figures."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task, lock_task

from yanglao.elders.tasks import local_crontab

from . import compute


@db_periodic_task(local_crontab(minute="*/15"))
@lock_task("insights-refresh")
def refresh_figures() -> int:
    """A full recompute (set-based GROUP BYs over the leaf regions, rolled up the paths);
    the lock keeps a slow run from overlapping the next one."""
    return compute.refresh().regions
