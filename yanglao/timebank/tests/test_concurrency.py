"""On PostgreSQL: transfers from several processes against the same accounts.

The processes need committed data, and the session's test database must stay as it is
for the other tests (its transactions roll back), so this test makes a database of its
own and runs ``yanglao.timebank.contention`` in child processes against it: one
migrates it, one sets up a family with funded accounts, six race with transfers among
them, one checks the books. The database is dropped at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 6
TRANSFERS = 60


def _step(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "yanglao.timebank.contention", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.postgres
def test_concurrent_transfers_lose_nothing_and_never_go_below_zero():
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serializes writers anyway")
    import psycopg

    name = f"timebank_contention_{os.getpid()}"
    host, port, user = db["HOST"] or "localhost", db["PORT"] or "5432", db["USER"]
    password = db.get("PASSWORD") or ""
    admin = psycopg.connect(
        dbname="postgres", host=host, port=port, user=user, password=password, autocommit=True
    )
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        auth = f"{user}:{password}@" if password else f"{user}@"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{auth}{host}:{port}/{name}",
            "DJANGO_SETTINGS_MODULE": "yanglao.test_settings",
        }
        _result(_step(env, "prepare"))
        spec = _result(_step(env, "setup", "--units", "40"))
        go = Path(tempfile.mkdtemp()) / "go"  # all workers start together
        workers = [
            _step(
                env,
                "worker",
                json.dumps(spec),
                "--n",
                str(TRANSFERS),
                "--seed",
                str(seed),
                "--go",
                str(go),
            )
            for seed in range(WORKERS)
        ]
        deadline = time.time() + 120
        while len(list(go.parent.glob("go.*.ready"))) < WORKERS and time.time() < deadline:
            time.sleep(0.05)
        go.touch()
        results = [_result(w) for w in workers]
        books = _result(_step(env, "verify"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    errors = [e for r in results for e in r["errors"]]
    assert not errors, errors
    made = [txn for r in results for txn in r["txns"]]
    refused = sum(r["refused"] for r in results)
    assert len(made) + refused == WORKERS * TRANSFERS
    assert made and refused, "the workers should both succeed and run dry"
    # Nothing lost, nothing invented: exactly the reported transfers are in the ledger.
    assert sorted(made) == books["transfers"]
    assert books["negative"] == []
    assert books["mismatched"] == []
    assert Decimal(books["total"]) == 0
    assert books["problems"] == []
