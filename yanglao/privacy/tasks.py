"""Nightly anonymisation of files past their retention (Huey)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from yanglao.elders.tasks import local_crontab

from .anonymise import anonymise_due

log = logging.getLogger(__name__)


@db_periodic_task(local_crontab(hour="2", minute="40"))
def anonymise_elders_nightly() -> int:
    run = anonymise_due()
    if run.anonymised:
        log.info("anonymised %d elder files past their retention", len(run.anonymised))
    return len(run.anonymised)
