"""Visits at scale: the overdue list of a county and the weekly compliance of a city at
1,000,000 elders and 10,000,000 visit records, against raw SQL doing the same.

Data: elders by the generator's database path across every demo village; the schedule
from the policy packs (``refresh_schedule``, timed: it is a nightly job); visits written
in bulk over the past weeks for every scheduled elder (weekly ones each week, monthly
ones each month; a share of weekly elders missed last week, so the overdue list is
real); then the nightly compliance job (timed). Server time is measured in-process.

    BENCH_ELDERS=20000 BENCH_VISITS=200000 python -m bench bench.visits   # quick
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

N = int(os.environ.get("BENCH_ELDERS", "1000000"))
VISITS = int(os.environ.get("BENCH_VISITS", "10000000"))
REPEAT = 7
GOAL_MS = 200.0
CHUNK = 50_000


def log(text: str) -> None:
    print(text, flush=True)


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    result = fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def prepare():
    from yanglao.accounts import services as accounts
    from yanglao.demo.elders import generate_into_db
    from yanglao.demo.regions import load_villages
    from yanglao.policy.loader import load_packs
    from yanglao.regions.importer import import_national

    call_command("migrate", verbosity=0)
    import_national(settings.REGION_DATA_DIR)
    load_villages()
    load_packs()
    county, _p = accounts.user_create(
        actor=None, username="bench_county", region_code="141129", role="county_admin"
    )
    city, _p = accounts.user_create(
        actor=None, username="bench_city", region_code="1411", role="city_admin"
    )
    started = time.perf_counter()
    result = generate_into_db(N, seed=2026)
    log(f"generated {result.created:,} elders in {time.perf_counter() - started:.0f} s")
    return county, city


def schedule_and_visits() -> None:
    from yanglao.visits import compliance, schedule
    from yanglao.visits.models import Visit, VisitDue

    today = timezone.localdate()
    started = time.perf_counter()
    rows = schedule.refresh_schedule(today=today - dt.timedelta(days=7))
    log(
        f"schedule (nightly job) a week ago: {rows:,} elders to visit, "
        f"{time.perf_counter() - started:.1f} s"
    )
    dues = list(VisitDue.objects.values_list("elder_id", "region_path", "period", "required"))
    weekly = sum(1 for d in dues if d[2] == "week")
    monthly = len(dues) - weekly
    per_week = weekly + monthly * 12 / 52
    weeks = max(2, min(520, round(VISITS / max(per_week, 1))))
    log(f"{weekly:,} weekly and {monthly:,} monthly elders; {weeks} weeks of visits")
    this_week = schedule.week_start(today)
    rng = random.Random(7)
    table = Visit._meta.db_table
    columns = (
        "elder_id, region_path, method, visited_at, week_start, checks, worst, note, photo, "
        "client_key, created_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', NULL, %s)"  # noqa: S608
    fine = '{"health": {"level": "fine", "note": ""}, "safety": {"level": "fine", "note": ""}}'
    concern = '{"health": {"level": "concern", "note": "血压偏高"}}'
    now = timezone.now()
    written = 0
    started = time.perf_counter()
    batch: list[tuple] = []

    def flush():
        nonlocal batch
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    f"COPY {table} (elder_id, region_path, method, visited_at, week_start, "
                    "checks, worst, note, photo, created_at) FROM STDIN"
                ) as copy:
                    for r in batch:
                        copy.write_row((*r[:7], "", "", r[7]))
            else:
                cursor.executemany(sql, batch)
        batch = []

    for back in range(weeks, -1, -1):
        week = this_week - dt.timedelta(days=7 * back)
        for elder_id, path, period, required in dues:
            if written >= VISITS:
                break
            if period == "month" and week.day > 7:
                continue  # monthly elders: the first week of each month
            if back == 1 and period == "week" and elder_id % 100 < 8:
                continue  # 8 % missed last week: overdue now
            if back == 0 and rng.random() < 0.6:
                continue  # this week is under way
            if rng.random() < 0.04:
                continue
            for _n in range(required if period == "week" else 1):
                day = week + dt.timedelta(days=rng.randint(0, 6 if back else 0))
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17))))
                worry = rng.random() < 0.05
                batch.append(
                    (
                        elder_id,
                        path,
                        "door" if rng.random() < 0.6 else "phone",
                        min(at, now),
                        week,
                        concern if worry else fine,
                        "concern" if worry else "fine",
                        now,
                    )
                )
                written += 1
            if len(batch) >= CHUNK:
                flush()
    # The skips above leave the total a little short of VISITS: top it up with older
    # weeks (before the first one written), so the recent weeks stay as they are.
    back = weeks
    while written < VISITS and dues:
        back += 1
        week = this_week - dt.timedelta(days=7 * back)
        for elder_id, path, _period, _required in dues:
            if written >= VISITS:
                break
            at = timezone.make_aware(
                dt.datetime.combine(week + dt.timedelta(days=rng.randint(0, 6)), dt.time(10))
            )
            batch.append((elder_id, path, "door", at, week, fine, "fine", now))
            written += 1
            if len(batch) >= CHUNK:
                flush()
    if batch:
        flush()
    elapsed = time.perf_counter() - started
    log(f"wrote {written:,} visits in {elapsed:.0f} s ({written / elapsed:,.0f} rows/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    schedule.refresh_schedule(today=today)
    log(f"schedule (nightly job) today: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    compliance.compute(this_week - dt.timedelta(days=7))
    rows = compliance.compute(this_week)
    log(
        f"compliance (nightly job), two weeks over {written:,} visits: "
        f"{time.perf_counter() - started:.1f} s, {rows:,} region rows a week"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


OVERDUE_SQL = """
SELECT {columns}
FROM visits_visitdue d
{joins}
WHERE d.region_path IN (
        SELECT path FROM regions_region WHERE path = %s OR (path > %s AND path < %s))
  AND d.due_on < %s
{tail}
"""


def raw_overdue(path: str, today: dt.date):
    params = [path, path + ".", path + "/", today]
    count_sql = OVERDUE_SQL.format(columns="COUNT(*)", joins="", tail="")
    inner = OVERDUE_SQL.format(
        columns="d.elder_id, d.period, d.due_on, d.last_visit_at",
        joins="",
        tail="ORDER BY d.due_on, d.elder_id LIMIT 50",
    )
    # The first page, then its elders' names and villages (as one would write it).
    page_sql = (
        "SELECT d.elder_id, p.name, r.name, d.period, d.due_on, d.last_visit_at "  # noqa: S608
        f"FROM ({inner}) d JOIN elders_elder e ON e.person_id = d.elder_id "
        "JOIN people_person p ON p.id = d.elder_id JOIN regions_region r ON r.code = e.region_id"
    )
    group_sql = OVERDUE_SQL.format(
        columns="d.region_path, COUNT(*)", joins="", tail="GROUP BY d.region_path"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            count = cursor.fetchone()[0]
            cursor.execute(page_sql, params)
            cursor.fetchall()
            cursor.execute(group_sql, params)
            cursor.fetchall()
        return count

    return run


def raw_compliance_read(city_code: str, week: dt.date):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.region_id, r.name, c.due, c.visited FROM visits_compliance c "
                "JOIN regions_region r ON r.code = c.region_id "
                "WHERE c.period = 'week' AND c.period_start = %s "
                "AND (c.region_id = %s OR r.parent_id = %s)",
                [week, city_code, city_code],
            )
            return cursor.fetchall()

    return run


def raw_compliance_compute(city_path: str, week: dt.date):
    sql = """
    SELECT substr(d.region_path, 1, %s) AS child, COUNT(*),
           SUM(CASE WHEN COALESCE(v.n, 0) >= d.required THEN 1 ELSE 0 END)
    FROM visits_visitdue d
    LEFT JOIN (SELECT elder_id, COUNT(*) AS n FROM visits_visit WHERE week_start = %s
               GROUP BY elder_id) v ON v.elder_id = d.elder_id
    WHERE d.period = 'week' AND d.region_path > %s AND d.region_path < %s
    GROUP BY child
    """
    width = len(city_path) + 8  # ".141129" after the city's path

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, [width, week, city_path + ".", city_path + "/"])
            return cursor.fetchall()

    return run


def report(label: str, ms: float, base: float, results: list) -> None:
    ok = ms < GOAL_MS
    results.append(ok)
    log(
        f"{label:<46} {ms:7.1f} ms  ratio to raw SQL {ms / base:5.2f}  "
        f"(goal < {GOAL_MS:.0f} ms) {'OK' if ok else 'FAIL'}"
    )


def main() -> int:
    from django.test.utils import CaptureQueriesContext

    from yanglao.regions.models import Region
    from yanglao.visits import schedule, selectors

    log(
        f"database: {connection.vendor}; elders: {N:,} (BENCH_ELDERS); "
        f"visits: {VISITS:,} (BENCH_VISITS)"
    )
    county, city = prepare()
    schedule_and_visits()
    today = timezone.localdate()
    week = schedule.week_start(today)
    results: list[bool] = []
    county_path = Region.objects.get(code="141129").path
    city_path = Region.objects.get(code="1411").path

    raw_ms, count = timed(raw_overdue(county_path, today))
    log(f"\n(a) overdue list, county officer of 中阳县: {count:,} overdue elders")
    log(f"raw SQL (count + first 50 + per-village counts): {raw_ms:7.1f} ms")

    def via_selector():
        qs = selectors.overdue(county, today=today)
        n = qs.count()
        rows = list(qs[:50])
        areas = selectors.overdue_by_area(county, today=today)
        return n, rows, areas

    ms, _r = timed(via_selector)
    report("selectors.overdue + overdue_by_area", ms, raw_ms, results)
    client = Client()
    client.force_login(county)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/visits/overdue/").status_code == 200
    log(f"page /visits/overdue/ runs {len(queries)} queries (no per-row queries)")
    ms, _r = timed(lambda: client.get("/visits/overdue/"))
    report("page /visits/overdue/", ms, raw_ms, results)
    ms, _r = timed(lambda: client.get("/api/v1/visits/overdue"))
    report("API /api/v1/visits/overdue", ms, raw_ms, results)

    read_ms, rows = timed(raw_compliance_read("1411", week))
    compute_ms, _rows = timed(raw_compliance_compute(city_path, week), repeat=3)
    log(f"\n(b) compliance of 吕梁市 this week ({len(rows)} rows)")
    log(
        f"raw SQL reading the nightly figures: {read_ms:7.1f} ms; raw SQL computing them "
        f"from the visits instead: {compute_ms:7.1f} ms"
    )
    city_client = Client()
    city_client.force_login(city)
    ms, _r = timed(lambda: selectors.compliance(city, period_start=today))
    report("selectors.compliance", ms, read_ms, results)
    page_ms, _r = timed(lambda: city_client.get("/visits/compliance/"))
    report("page /visits/compliance/", page_ms, read_ms, results)
    ms, _r = timed(lambda: city_client.get("/api/v1/visits/compliance"))
    report("API /api/v1/visits/compliance", ms, read_ms, results)
    log(f"(the raw computation from the visits takes {compute_ms / page_ms:,.1f}× the page)")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
