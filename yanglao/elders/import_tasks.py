"""The background job of a large elder import (Huey).

Registered by importing this module: ``yanglao/elders/tasks.py`` (which the Huey
consumer discovers) imports it, and so does the upload view.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .importer import run_job
from .models import ImportJob, ImportStatus


@db_task()
def run_import_job(job_id: int) -> str:
    """Run a queued import to the end; a job already started or finished is left alone
    (a retried message must not import twice)."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.VALIDATING
    )
    if not updated:
        return "skipped"
    job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
    return run_job(job).status
