"""The background job of a large elder import (Huey), and its recovery.

Registered by importing this module: ``yanglao/elders/tasks.py`` (which the Huey
consumer discovers) imports it, and so does the upload view.

A worker killed in the middle of an import (SIGKILL, out of memory, a restart of the
machine) leaves no rows behind: everything the import writes commits in one
transaction (``importer.run_job_locked``). It does leave the job marked 校验中 or
写入中 with nobody running it, and its queue message is gone (Huey had taken it).
``recover_jobs`` finds such jobs by their lock (``importer.job_lock``: free means the
process that ran it is dead), puts them back to 排队中 and queues them again; it runs
when a consumer starts and every minute. A job still 排队中 while the queue is empty
lost its message (Redis was down when the upload enqueued it): it is queued again too.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, on_startup

from yanglao.core import audit

from . import importer
from .models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

RUNNING = (ImportStatus.VALIDATING, ImportStatus.COMMITTING)
# A job queued this long ago, with nothing waiting in the queue, lost its message.
QUEUED_GRACE = dt.timedelta(minutes=2)


@db_task()
def run_import_job(job_id: int) -> str:
    """Run a queued import to the end; a job already started or finished is left alone
    (a retried or duplicated message must not import twice)."""
    with importer.job_lock(job_id):
        updated = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.VALIDATING
        )
        if not updated:
            return "skipped"
        job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
        return importer.run_job_locked(job).status


def recover_jobs(*, queued_grace: dt.timedelta = QUEUED_GRACE, enqueue=None) -> list[int]:
    """Queue again the jobs a dead worker left running and the queued jobs whose
    message was lost; returns their ids. Safe to run from several processes at once:
    a job is taken back only under its lock and from the status it was seen in."""
    enqueue = enqueue or run_import_job
    requeued: list[int] = []
    for job in ImportJob.objects.filter(status__in=RUNNING).select_related("region"):
        with importer.job_lock(job.pk, blocking=False) as free:
            if not free:
                continue  # a live process is running it
            importer.remove_stage(job.pk)
            if job.finished_at is not None:
                # Killed after its rows committed (the counts came with them): only the
                # end is missing. The sheet of rejected rows was not written; running
                # the file again gives it (and changes nothing else).
                if ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                    status=ImportStatus.DONE
                ):
                    importer.forget_upload(job)
                continue
            taken = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                status=ImportStatus.QUEUED, processed=0, error=""
            )
            if not taken:
                continue
            audit.record(
                actor=None,
                username="system",
                action="elder.import_requeue",
                obj=job,
                region=job.region,
                detail={"job": job.pk, "was": job.status, "filename": job.filename},
            )
            log.warning(
                "elder import job %s was left %s by a dead worker: queued again", job.pk, job.status
            )
            requeued.append(job.pk)
    cutoff = timezone.now() - queued_grace
    stranded = ImportJob.objects.filter(status=ImportStatus.QUEUED, created_at__lte=cutoff)
    if stranded.exists() and _queue_is_empty():
        for job_id in stranded.values_list("pk", flat=True):
            if job_id not in requeued:
                log.warning("elder import job %s lost its queue message: queued again", job_id)
                requeued.append(job_id)
    for job_id in requeued:
        enqueue(job_id)
    return requeued


def _queue_is_empty() -> bool:
    if HUEY.immediate:
        return True
    return HUEY.pending_count() == 0


@db_periodic_task(crontab(minute="*"))
def recover_import_jobs() -> int:
    return len(recover_jobs())


@on_startup()
def _recover_on_startup() -> None:
    """A consumer (re)started after a crash takes back what the dead one left."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        recover_jobs()
    except Exception:  # never keep the consumer from starting
        log.exception("recovering elder import jobs at start-up failed")
    finally:
        close_old_connections()
