"""The elder import at a million rows, end to end, against two baselines measured in
the same run on the same database:

* a raw ``cursor.executemany`` of the very tuples the import writes (pre-parsed, ids
  assigned, nothing checked or looked up), into the same tables, in one transaction;
* django-import-export (``use_bulk=True`` and its documented speed-ups) on the first
  20,000 rows, the usual way to import a spreadsheet into Django models.

Each phase runs in its own process (so the peak memory printed is the import's alone)
on its own copy of the prepared SQLite database (or, with DATABASE_URL, on PostgreSQL
with the people and elder tables emptied between phases).

    BENCH_ELDERS=100000 python -m bench bench.elders_import     # a quicker run
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("BENCH_ELDERS", "1000000"))
SLICE = min(20_000, N)
SEED = 2026
REGION = "14"  # Shanxi: the Zhongyang and Luzhou demo villages
VAR = Path(settings.VAR_DIR)
SQLITE = connection.vendor == "sqlite"
GOALS = {"raw": 0.5, "iex": 10.0, "memory_gb": 1.5}


def log(text: str) -> None:
    print(text, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- phases (child processes)


def prepare() -> dict:
    """Migrate, load the regions, demo villages and policy packs, make the bench user and
    the two files; keep a copy of the database as the starting point of every phase."""
    from yanglao.accounts import services as accounts
    from yanglao.demo.elders import demo_villages, generate_rows, write_file
    from yanglao.demo.regions import load_villages
    from yanglao.policy.loader import load_packs
    from yanglao.regions.importer import import_national

    call_command("migrate", verbosity=0)
    import_national(settings.REGION_DATA_DIR)
    load_villages()
    load_packs()
    accounts.user_create(
        actor=None, username="bench", region_code=REGION, role="city_admin", password=None
    )
    villages = demo_villages(REGION)
    started = time.perf_counter()
    write_file(VAR / "big.xlsx", generate_rows(N, villages, seed=SEED), rows_hint=N)
    made = time.perf_counter() - started
    write_file(VAR / "slice.xlsx", generate_rows(SLICE, villages, seed=SEED), rows_hint=SLICE)
    connection.close()
    if SQLITE:
        shutil.copy(settings.DATABASES["default"]["NAME"], VAR / "base.sqlite3")
    return {"generate_s": made, "file_mb": (VAR / "big.xlsx").stat().st_size / 1e6}


def reset() -> None:
    """PostgreSQL: empty what a phase wrote (SQLite phases start from a copy instead;
    the audit rows stay: that table is append-only)."""
    from yanglao.elders.models import Elder, ImportJob
    from yanglao.people.models import Person

    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in (ImportJob, Elder, Person)]
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _job(filename: str):
    from yanglao.accounts.models import User
    from yanglao.elders.importer import file_sha256, run_job
    from yanglao.elders.models import ImportJob

    user = User.objects.get(username="bench")
    path = VAR / filename
    started = time.perf_counter()
    job = ImportJob.objects.create(
        region=user.region,
        filename=filename,
        sha256=file_sha256(path),
        upload_path=str(path),
        created_by=user,
    )
    job = run_job(job)
    return job, time.perf_counter() - started


def phase_colleague(_arg: str) -> dict:
    """Another officer, in another process, registering an elder every half second
    while the import merges: how long does each write wait?"""
    import datetime as dt

    from yanglao.accounts.models import User
    from yanglao.elders import services
    from yanglao.elders.models import ImportJob
    from yanglao.people.idnumbers import make_id_number

    user = User.objects.get(username="bench")
    stop = VAR / "colleague.stop"
    waits: list[float] = []
    refused = 0
    seq = 0
    while not stop.exists():
        if not ImportJob.objects.filter(status="committing").exists():
            time.sleep(0.2)
            continue
        seq += 1
        # 110101 (Beijing) is never a generated code: the colleague's numbers are not
        # in the file, so any wait is the lock of the import, not the same number.
        number = make_id_number("110101", dt.date(1950, 1, 1) + dt.timedelta(days=seq), 999)
        started = time.perf_counter()
        try:
            services.elder_register(
                actor=user, name="同事", id_number=number, region_code="140403001001"
            )
        except Exception:  # "database is locked" on SQLite
            refused += 1
        waits.append(time.perf_counter() - started)
        time.sleep(0.5)
    return {"writes": len(waits), "max_wait": max(waits, default=0.0), "refused": refused}


def phase_import(filename: str) -> dict:
    """The import as an officer runs it: a job on the uploaded file, to the end (the
    slice is imported a second time too: nothing may change). During the big import a
    colleague keeps registering elders (``phase_colleague``)."""
    other: dict = {}
    proc = None
    if filename == "big.xlsx":
        (VAR / "colleague.stop").unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.elders_import", "--phase", "colleague", ""],
            stdout=subprocess.PIPE,
            text=True,
        )
    job, elapsed = _job(filename)
    if proc is not None:
        (VAR / "colleague.stop").touch()
        out, _err = proc.communicate(timeout=120)
        lines = [x for x in out.splitlines() if x.startswith("RESULT ")]
        other = json.loads(lines[-1][len("RESULT ") :]) if lines else {}
    again = {}
    if filename == "slice.xlsx":
        second, seconds = _job(filename)
        again = {
            "again_seconds": seconds,
            "again_unchanged": second.unchanged,
            "again_created": second.created + second.updated,
        }
    return {
        **again,
        "colleague": other,
        "seconds": elapsed,
        "status": job.status,
        "error": job.error,
        "total": job.total,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "peak_mb": peak_mb(),
        "timings": getattr(job, "timings", {}),
    }


def phase_raw(filename: str) -> dict:
    """Pre-parse the file into the import's final tuples (not timed), then time only
    their executemany into the same tables, in one transaction."""
    from django.utils import timezone

    from yanglao.accounts.models import User
    from yanglao.elders import importer as imp
    from yanglao.elders.models import Elder
    from yanglao.people.models import Person

    user = User.objects.get(username="bench")
    today = timezone.localdate()
    _estimate, rows = imp.open_rows(VAR / filename, filename)
    iterator = iter(rows)
    _n, headers = next(iterator)
    risk = imp.RiskCalculator(today)
    checker = imp.RowChecker(headers, scope_path=user.region.path, today=today, risk=risk)
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    people, elders = [], []
    for pk, (row_no, cells) in enumerate(iterator, start=1):
        staged, _reason = checker.check(row_no, cells)
        if staged is None:
            continue
        people.append(imp._person_tuple(staged, pk, now_db))
        elders.append(imp._elder_tuple(staged, pk, now_db, user.pk, risk, today))
    del checker
    person_sql = imp.insert_sql(Person, imp.PERSON_COLUMNS)
    elder_sql = imp.insert_sql(Elder, imp.ELDER_COLUMNS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(people), 2000):
            cursor.executemany(person_sql, people[start : start + 2000])
        for start in range(0, len(elders), 2000):
            cursor.executemany(elder_sql, elders[start : start + 2000])
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": len(people)}


def phase_iex(filename: str) -> dict:
    """django-import-export, end to end: load the .xlsx into a tablib Dataset, then a
    Person resource and an Elder resource, each with use_bulk=True, a cached instance
    loader, skip_diff and force_init_instance (its documented settings for speed), and
    the same checks and derived fields as ours in before_import_row."""
    import tablib
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from yanglao.core import crypto
    from yanglao.core.pinyin import to_pinyin
    from yanglao.elders import importer as imp
    from yanglao.elders.models import Elder
    from yanglao.people.idnumbers import parse_id_number
    from yanglao.people.models import Person
    from yanglao.people.services import ID_PURPOSE, id_hash
    from yanglao.regions.models import Region

    started = time.perf_counter()
    with open(VAR / filename, "rb") as handle:
        data = tablib.Dataset().load(handle.read(), format="xlsx")
    data.headers = [imp.header_key(h) or h for h in data.headers]
    data.append_col([""] * len(data), header="id_number_hash")
    loaded = time.perf_counter() - started
    paths = dict(Region.objects.filter(level__gte=4).values_list("code", "path"))

    class PersonResource(resources.ModelResource):
        class Meta:
            model = Person
            fields = ("name", "phone", "address", "region", "id_number_hash")
            import_id_fields = ("id_number_hash",)
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            force_init_instance = True
            instance_loader_class = CachedInstanceLoader

        def before_import_row(self, row, **kwargs):
            info = parse_id_number(str(row["id_number"]))
            row["id_number_hash"] = id_hash(info.number)
            row["_info"] = info

        def before_save_instance(self, instance, row, **kwargs):
            info = row["_info"]
            instance.phone, instance.address = instance.phone or "", instance.address or ""
            instance.name_pinyin, instance.name_initials = to_pinyin(instance.name)
            instance.id_number_enc = crypto.encrypt(info.number, context=ID_PURPOSE)
            instance.id_region, instance.id_tail = info.number[:6], info.tail
            instance.birth_date, instance.sex = info.birth_date, info.sex

    class ChoiceWidget(widgets.Widget):
        def __init__(self, table, default, **kw):
            self.table, self.default = table, default
            super().__init__(**kw)

        def clean(self, value, row=None, **kwargs):
            return self.table.get(str(value or ""), self.default)

    class BoolWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return imp.BOOL_WORDS.get(str(value or "否"), False)

    def bool_field(name):
        return fields.Field(attribute=name, column_name=name, widget=BoolWidget())

    class ElderResource(resources.ModelResource):
        person = fields.Field(
            attribute="person",
            column_name="id_number_hash",
            widget=widgets.ForeignKeyWidget(Person, "id_number_hash"),
        )
        living_situation = fields.Field(
            attribute="living_situation",
            column_name="living_situation",
            widget=ChoiceWidget(imp.LIVING_WORDS, "with_family"),
        )
        welfare = fields.Field(
            attribute="welfare",
            column_name="welfare",
            widget=ChoiceWidget(imp.WELFARE_WORDS, "none"),
        )
        residence = fields.Field(
            attribute="residence",
            column_name="residence",
            widget=ChoiceWidget(imp.RESIDENCE_WORDS, "both"),
        )
        left_behind = bool_field("left_behind")
        has_carer = bool_field("has_carer")
        no_children = bool_field("no_children")
        children_outside_county = bool_field("children_outside_county")
        family_planning_special = bool_field("family_planning_special")
        widowed_childless = bool_field("widowed_childless")
        party_member = bool_field("party_member")

        class Meta:
            model = Elder
            fields = (
                "person",
                "region",
                "note",
                "living_situation",
                "welfare",
                "residence",
                "left_behind",
                "has_carer",
                "no_children",
                "children_outside_county",
                "family_planning_special",
                "widowed_childless",
                "party_member",
            )
            import_id_fields = ("person",)
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            force_init_instance = True

        def before_import_row(self, row, **kwargs):
            row["id_number_hash"] = id_hash(parse_id_number(str(row["id_number"])).number)

        def before_save_instance(self, instance, row, **kwargs):
            instance.region_path = paths[instance.region_id]
            instance.note = instance.note or ""
            instance.id_number_hash = row["id_number_hash"]

    result_p = PersonResource().import_data(data, use_transactions=True, raise_errors=True)
    ElderResource().import_data(data, use_transactions=True, raise_errors=True)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "load_s": loaded,
        "rows": len(data),
        "persons": result_p.totals.get("new", 0),
        "elders": Elder.objects.count(),
    }


PHASES = {
    "import": phase_import,
    "raw": phase_raw,
    "iex": phase_iex,
    "colleague": phase_colleague,
}


def child(phase: str, arg: str) -> None:
    if phase not in ("prepare", "colleague") and not SQLITE:
        reset()
    result = prepare() if phase == "prepare" else PHASES[phase](arg)
    print("RESULT " + json.dumps(result), flush=True)


def run(phase: str, arg: str = "") -> dict:
    env = dict(os.environ)
    if SQLITE and phase != "prepare":
        db = VAR / f"{phase}-{arg}.sqlite3"
        shutil.copy(VAR / "base.sqlite3", db)
        env["YANGLAO_SQLITE_PATH"] = str(db)
    elif SQLITE:
        env["YANGLAO_SQLITE_PATH"] = str(VAR / "prepare.sqlite3")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.elders_import", "--phase", phase, arg],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{proc.stdout}\n{proc.stderr}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    if SQLITE and phase != "prepare":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{env['YANGLAO_SQLITE_PATH']}{suffix}").unlink(missing_ok=True)
    return json.loads(line[len("RESULT ") :])


def main() -> None:
    log(f"database: {connection.vendor}; rows: {N:,} (BENCH_ELDERS); seed {SEED}")
    prepared = run("prepare")
    log(
        f"generated the {N:,}-row .xlsx in {prepared['generate_s']:.1f} s "
        f"({prepared['file_mb']:.0f} MB)"
    )
    imported = run("import", "big.xlsx")
    if imported["status"] != "done" or imported["created"] < N:
        raise SystemExit(f"the import did not create every row: {imported}")
    rate = N / imported["seconds"]
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in imported["timings"].items() if k != "total")
    log(
        f"import end to end (read, check, stage, merge, risk, audit): {imported['seconds']:.1f} s "
        f"= {rate:,.0f} rows/s ({steps})"
    )
    raw = run("raw", "big.xlsx")
    raw_rate = raw["rows"] / raw["seconds"]
    ratio = rate / raw_rate
    log(
        f"baseline raw executemany of the same pre-parsed rows, one transaction: "
        f"{raw['seconds']:.1f} s = {raw_rate:,.0f} rows/s"
    )
    log(
        f"ratio import/raw: {ratio:.2f} (goal >= {GOALS['raw']}) "
        f"{'OK' if ratio >= GOALS['raw'] else 'BELOW GOAL'}"
    )
    peak = imported["peak_mb"]
    log(
        f"peak memory of the import at {N:,} rows: {peak:,.0f} MB = "
        f"{peak * 1024 * 1024 / N:,.0f} bytes/row (goal < {GOALS['memory_gb']} GB) "
        f"{'OK' if peak < GOALS['memory_gb'] * 1024 else 'ABOVE GOAL'}"
    )
    other = imported.get("colleague") or {}
    if other.get("writes"):
        log(
            f"a colleague (another process) registering an elder every 0.5 s during the merge: "
            f"{other['writes']} writes, longest wait {other['max_wait']:.1f} s, "
            f"{other['refused']} refused (SQLite's busy timeout is 10 s; PostgreSQL "
            f"does not make them wait)"
        )
    ours = run("import", "slice.xlsx")
    iex = run("iex", "slice.xlsx")
    ours_rate = SLICE / ours["seconds"]
    iex_rate = iex["rows"] / iex["seconds"]
    log(
        f"django-import-export, use_bulk=True, {SLICE:,}-row slice end to end: "
        f"{iex['seconds']:.1f} s = {iex_rate:,.0f} rows/s (of which loading the file "
        f"{iex['load_s']:.1f} s)"
    )
    log(
        f"ours on the same slice: {ours['seconds']:.1f} s = {ours_rate:,.0f} rows/s; "
        f"ratio {ours_rate / iex_rate:.1f}x (at {N:,} rows: {rate / iex_rate:.1f}x) "
        f"(goal >= {GOALS['iex']:.0f}x) "
        f"{'OK' if ours_rate / iex_rate >= GOALS['iex'] else 'BELOW GOAL'}"
    )
    log(
        f"ours importing the slice a second time (nothing changes): "
        f"{ours['again_seconds']:.1f} s, {ours['again_unchanged']:,} unchanged, "
        f"{ours['again_created']} created"
    )


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--phase":
        child(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    else:
        main()
