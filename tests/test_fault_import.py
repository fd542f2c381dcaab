"""A worker killed in the middle of an elder import leaves no partial data, and the
import runs again to the exact count (issue 10, item 7).

Real processes: the job is queued by ``tests.fault_import_steps prepare`` in a database
of the test's own (a fresh SQLite file, or a fresh PostgreSQL database), the real
consumer ``yanglao run_huey`` runs it, and the test kills the consumer with SIGKILL
twice, once while the rows are being checked and once inside the merge transaction
(status 写入中). After each kill nothing of the file is in the database; a new
consumer takes the job back by itself (``import_tasks.recover_jobs`` at start-up) and
the third one finishes it: exactly N elders, one import in the audit trail.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROWS = 15_000


def _env(var_dir: Path, database_url: str | None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("YANGLAO_")
    }
    env.update(
        YANGLAO_ENV="development",
        YANGLAO_VAR_DIR=str(var_dir),
        YANGLAO_HUEY_IMMEDIATE="false",
        YANGLAO_LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="yanglao.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _step(env: dict, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.fault_import_steps", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _consumer(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "yanglao.cli", "run_huey", "--workers", "1", "-k", "thread"],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes all of it
    )


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


class JobWatch:
    """Reads the job's status and progress straight from the database, as a
    monitoring query would, without going through Django."""

    def __init__(self, var_dir: Path, database_url: str | None, job_id: int):
        self.job_id = job_id
        if database_url:
            import psycopg

            self.conn = psycopg.connect(database_url, autocommit=True)
            self.sql = "SELECT status, processed FROM elders_importjob WHERE id = %s"
        else:
            self.conn = sqlite3.connect(var_dir / "yanglao.sqlite3", timeout=10)
            self.sql = "SELECT status, processed FROM elders_importjob WHERE id = ?"

    def read(self) -> tuple[str, int]:
        row = self.conn.execute(self.sql, (self.job_id,)).fetchone()
        if not isinstance(self.conn, sqlite3.Connection):
            return row
        self.conn.commit()  # end the read transaction: see the next commit
        return row

    def wait_for(self, what, process: subprocess.Popen, log: Path, timeout: float = 300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, processed = self.read()
            if what(status, processed):
                return status, processed
            if process.poll() is not None:
                pytest.fail(f"the consumer stopped: {log.read_text()[-3000:]}")
            time.sleep(0.05)
        pytest.fail(f"timed out waiting; last {self.read()}; log: {log.read_text()[-3000:]}")

    def close(self):
        self.conn.close()


def _kill_twice_then_finish(var_dir: Path, database_url: str | None) -> None:
    env = _env(var_dir, database_url)
    spec = _step(env, "prepare", str(ROWS))
    job = spec["job"]
    assert spec["rows"] == ROWS
    log = var_dir / "consumer.log"
    watch = JobWatch(var_dir, database_url, job)
    try:
        # 1. Killed while checking the rows (progress has moved, nothing merged yet).
        consumer = _consumer(env, log)
        watch.wait_for(lambda s, p: s == "validating" and p > 0, consumer, log)
        _kill(consumer)
        after = _step(env, "counts", str(job))
        assert after["status"] == "validating"  # left behind: nobody runs it now
        assert after["elders"] == 0 and after["people"] == 0 and after["imports"] == 0

        # 2. A new consumer takes the job back by itself; killed inside the merge.
        consumer = _consumer(env, log)
        watch.wait_for(lambda s, p: s == "committing", consumer, log)
        time.sleep(0.3)  # well inside the transaction (ROWS take seconds to merge)
        _kill(consumer)
        after = _step(env, "counts", str(job))
        assert after["status"] == "committing", (
            f"the merge finished before the kill ({after}): the file is too small"
        )
        assert after["elders"] == 0 and after["people"] == 0 and after["imports"] == 0
        assert after["requeues"] == 1

        # 3. The third consumer finishes it: exactly the file, once.
        consumer = _consumer(env, log)
        try:
            watch.wait_for(lambda s, p: s in ("done", "failed"), consumer, log)
        finally:
            consumer.send_signal(signal.SIGTERM)
            try:
                consumer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill(consumer)
    finally:
        watch.close()
    final = _step(env, "counts", str(job))
    assert final["status"] == "done", final
    assert final["elders"] == ROWS and final["people"] == ROWS
    assert final["created"] == ROWS and final["rejected"] == 0
    assert final["imports"] == 1 and final["requeues"] == 2
    imports = var_dir / "imports"
    assert not list(imports.glob("job-*-stage.sqlite3*")), "the killed runs' scratch files stay"
    assert not Path(spec["upload"]).exists(), "an imported upload (clear ID numbers) stays"


def test_a_killed_import_leaves_nothing_and_reruns_to_the_exact_count_sqlite(tmp_path):
    _kill_twice_then_finish(tmp_path, None)


@pytest.mark.postgres
def test_a_killed_import_leaves_nothing_and_reruns_to_the_exact_count_postgres(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import psycopg

    name = f"fault_import_{os.getpid()}"
    host, port, user = db["HOST"] or "localhost", db["PORT"] or "5432", db["USER"]
    password = db.get("PASSWORD") or ""
    admin = psycopg.connect(
        dbname="postgres", host=host, port=port, user=user, password=password, autocommit=True
    )
    auth = f"{user}:{password}@" if password else f"{user}@"
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        _kill_twice_then_finish(tmp_path, f"postgres://{auth}{host}:{port}/{name}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
