"""Time bank transfers under contention: several processes posting transfers between the
same two accounts, against the uncontended serial rate measured in the same run.

Every posting locks the ledger's chain head and its accounts, so contending writers
queue; the question is how much of the serial rate survives (goal: at least half).
Each transfer goes through ``services.transfer_to_relative`` (rules, policy, audit,
hash chain), in worker processes started by ``yanglao.timebank.contention``; the
workers start together once all are connected, and the rate is transfers made divided
by the time from the first start to the last finish. The books are checked after.

    python -m bench bench.timebank
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_timebank python -m bench bench.timebank
    BENCH_TB_TRANSFERS=2000 BENCH_TB_PROCS=8 python -m bench bench.timebank
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

TRANSFERS = int(os.environ.get("BENCH_TB_TRANSFERS", "600"))
PROCS = int(os.environ.get("BENCH_TB_PROCS", "4"))
GOAL = 0.5
ROOT = Path(__file__).resolve().parent.parent


def log(text: str) -> None:
    print(text, flush=True)


def ensure_postgres_database() -> None:
    """Create the DATABASE_URL database when it does not exist yet."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    kwargs = {
        "host": db["HOST"] or "localhost",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if found.fetchone() is None:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
            log(f"created database {db['NAME']}")


def run_workers(spec: dict, procs: int, per_worker: int) -> dict:
    """``procs`` workers doing ``per_worker`` transfers each, started together."""
    go = Path(tempfile.mkdtemp()) / "go"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yanglao.timebank.contention",
                "worker",
                json.dumps(spec),
                "--n",
                str(per_worker),
                "--seed",
                str(seed),
                "--units",
                "1",
                "--go",
                str(go),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(procs)
    ]
    deadline = time.time() + 300
    while len(list(go.parent.glob("go.*.ready"))) < procs:
        if time.time() > deadline or any(w.poll() is not None for w in workers):
            break
        time.sleep(0.01)
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate()
        if worker.returncode != 0:
            raise SystemExit(f"worker failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    ok = sum(r["ok"] for r in results)
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return {
        "ok": ok,
        "refused": sum(r["refused"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:3],
        "seconds": span,
        "rate": ok / span if span else 0.0,
    }


def main() -> int:
    ensure_postgres_database()
    django.setup()
    from django.db import connection

    from yanglao.timebank import contention

    log(
        f"database: {connection.vendor}; transfers: {TRANSFERS:,} (BENCH_TB_TRANSFERS); "
        f"contending processes: {PROCS} (BENCH_TB_PROCS); CPUs: {os.cpu_count()}"
    )
    contention.prepare()
    # Enough hours that the pair never runs dry (amounts go back and forth), under the cap.
    spec = contention.setup(units="1000")
    connection.close()  # the workers are the only writers

    serial = run_workers(spec, 1, TRANSFERS)
    log(
        f"serial, uncontended (1 process):   {serial['ok']:,} transfers in "
        f"{serial['seconds']:.2f} s = {serial['rate']:7.1f} transfers/s"
    )
    per_worker = max(1, TRANSFERS // PROCS)
    contended = run_workers(spec, PROCS, per_worker)
    log(
        f"contended ({PROCS} processes, same 2 accounts): {contended['ok']:,} transfers in "
        f"{contended['seconds']:.2f} s = {contended['rate']:7.1f} transfers/s"
    )
    for result in (serial, contended):
        if result["failed"] or result["refused"]:
            log(f"  refused {result['refused']}, failed {result['failed']}: {result['errors']}")
    books = contention.verify()
    sound = (
        not books["negative"]
        and not books["mismatched"]
        and books["total"] in ("0", "0.00")
        and not books["problems"]
    )
    log(
        f"books after: lines sum to {books['total']}, {len(books['negative'])} negative, "
        f"{len(books['mismatched'])} balances off their lines, chain problems: "
        f"{len(books['problems'])} -> {'sound' if sound else 'NOT SOUND'}"
    )
    ratio = contended["rate"] / serial["rate"] if serial["rate"] else 0.0
    ok = ratio >= GOAL and sound and not contended["failed"]
    log(f"ratio contended / serial: {ratio:.2f} (goal >= {GOAL}) {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
