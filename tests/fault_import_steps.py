"""Steps of the killed-import test (``tests/test_fault_import.py``), each run in its own
process against the database named by the environment (``DATABASE_URL``, else the
SQLite file under ``YANGLAO_VAR_DIR``)::

    python -m tests.fault_import_steps prepare N     # migrate, regions, a user, a file
                                                     # of N rows, a queued job (JSON)
    python -m tests.fault_import_steps counts JOB    # what is in the database (JSON)

The worker itself is the real one, ``yanglao run_huey``, started by the test.
"""

from __future__ import annotations

import json
import os
import sys

CHAIN = [
    ("00", "全国", 0),
    ("14", "山西省", 1),
    ("1411", "吕梁市", 2),
    ("141129", "中阳县", 3),
    ("141129101", "金罗镇", 4),
    ("141129101201", "金罗村", 5),
    ("141129101202", "马家岭村", 5),
]


def prepare(rows: int) -> dict:
    from django.core.management import call_command

    from yanglao.accounts import services as accounts
    from yanglao.demo.elders import demo_villages, generate_rows, write_file
    from yanglao.elders import importer
    from yanglao.elders.import_tasks import run_import_job
    from yanglao.elders.models import ImportJob
    from yanglao.regions.models import Region

    call_command("migrate", verbosity=0)
    parent = None
    paths: dict[str, str] = {}
    for code, name, level in CHAIN:
        parent_code = None if level == 0 else next(c for c, _n, lv in CHAIN if lv == level - 1)
        path = f"{paths[parent_code]}.{code}" if parent_code else code
        paths[code] = path
        parent = Region.objects.filter(code=parent_code).first() if parent_code else None
        Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": level, "path": path, "parent": parent},
        )
    actor, _password = accounts.user_create(
        actor=None, username=f"killtest{os.getpid()}", region_code="141129", role="county_admin"
    )
    upload = importer.imports_dir() / "killtest.csv"
    written = write_file(upload, generate_rows(rows, demo_villages("141129"), seed=7))
    job = ImportJob.objects.create(
        region=actor.region,
        filename="killtest.csv",
        sha256=importer.file_sha256(upload),
        upload_path=str(upload),
        created_by=actor,
    )
    run_import_job(job.pk)  # into the queue: the consumer started by the test runs it
    return {"job": job.pk, "rows": written, "upload": str(upload)}


def counts(job_id: int) -> dict:
    from yanglao.core.models import AuditEvent
    from yanglao.elders.models import Elder, ImportJob
    from yanglao.people.models import Person

    job = ImportJob.objects.get(pk=job_id)
    return {
        "elders": Elder.objects.count(),
        "people": Person.objects.count(),
        "status": job.status,
        "processed": job.processed,
        "created": job.created,
        "rejected": job.rejected,
        "imports": AuditEvent.objects.filter(action="elder.import", outcome="success").count(),
        "requeues": AuditEvent.objects.filter(action="elder.import_requeue").count(),
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanglao.settings")
    import django

    django.setup()
    step, arg = argv[0], int(argv[1])
    result = prepare(arg) if step == "prepare" else counts(arg)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
