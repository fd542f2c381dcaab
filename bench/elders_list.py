"""The elder list at a million elders: the page /elders/ and /api/v1/elders with a region
filter and a pinyin-initials search, against a raw SQL query doing the same work (the
count and the first page of 50, sorted by pinyin), all on the same database.

The million elders are made by the generator's database path (the import's bulk
writer) across every demo village; the user is a county officer of 中阳县 searching
``zs`` in one of its towns. Server time is measured in-process (django.test.Client:
no network, the whole request through the middleware, views and templates).

    BENCH_ELDERS=100000 python -m bench bench.elders_list     # a quicker run
"""

from __future__ import annotations

import os
import statistics
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

N = int(os.environ.get("BENCH_ELDERS", "1000000"))
REPEAT = 7
Q = "zs"
GOAL_MS, GOAL_RATIO = 200.0, 1.5


def log(text: str) -> None:
    print(text, flush=True)


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """The median of ``repeat`` runs after one warm-up, in milliseconds."""
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
    user, _password = accounts.user_create(
        actor=None, username="bench_county", region_code="141129", role="county_admin"
    )
    started = time.perf_counter()
    result = generate_into_db(N, seed=2026)
    elapsed = time.perf_counter() - started
    log(
        f"generated {result.created:,} elders into the database in {elapsed:.0f} s "
        f"({result.created / elapsed:,.0f} rows/s, the import's bulk writer)"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a database in service has
    return user


def busiest_town(user) -> str:
    """The township of the user's county with the most elders."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(region_id, 1, 9) AS town, COUNT(*) FROM elders_elder "
            "WHERE region_id LIKE %s GROUP BY town ORDER BY 2 DESC LIMIT 1",
            [user.region_id + "%"],
        )
        return cursor.fetchone()[0]


RAW_SQL = """
SELECT {columns}
FROM elders_elder e
JOIN people_person p ON p.id = e.person_id
JOIN regions_region r ON r.code = e.region_id
WHERE (e.region_path = %s OR e.region_path LIKE %s)
  AND e.status = 'active'
  AND ((p.name_initials >= %s AND p.name_initials < %s)
       OR (p.name_pinyin >= %s AND p.name_pinyin < %s))
{tail}
"""


def raw_query(town_path: str, q: str):
    """The same work written by hand, as one would for this schema: the name prefix as
    ranges on the initials and the full pinyin (indexed: a LIKE on SQLite is
    case-insensitive and never uses a plain index), the subtree by its path, active
    files, the count and the first 50 sorted by pinyin with what the page shows."""
    upper = q[:-1] + chr(ord(q[-1]) + 1)
    params = [town_path, town_path + ".%", q, upper, q, upper]
    count_sql = RAW_SQL.format(columns="COUNT(*)", tail="")
    page_sql = RAW_SQL.format(
        columns=(
            "e.person_id, p.name, p.id_region, p.id_tail, p.birth_date, r.name, "
            "e.living_situation, e.left_behind, e.ability_level, e.risk_level, e.status"
        ),
        tail="ORDER BY p.name_pinyin, e.person_id LIMIT 50",
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            count = cursor.fetchone()[0]
            cursor.execute(page_sql, params)
            rows = cursor.fetchall()
        return count, rows

    return run


def main() -> None:
    from yanglao.elders import selectors
    from yanglao.regions.models import Region

    log(f"database: {connection.vendor}; elders: {N:,} (BENCH_ELDERS)")
    user = prepare()
    town = busiest_town(user)
    town_path = Region.objects.get(code=town).path
    log(f"user: county officer of 中阳县; search q={Q!r} in town {town}")

    raw_ms, (count, _rows) = timed(raw_query(town_path, Q))
    log(f"raw SQL (count + first 50): {raw_ms:7.1f} ms  ({count:,} matching elders)")

    def selector():
        qs = selectors.elders_for(user, selectors.ElderFilters(q=Q, region=town))
        return qs.count(), list(qs[:50])

    sel_ms, (sel_count, _page) = timed(selector)
    assert sel_count == count, (sel_count, count)
    results = [("selectors.elders_for (count + first 50)", sel_ms)]

    client = Client()
    client.force_login(user)
    for label, url in (
        ("list page /elders/", f"/elders/?q={Q}&region={town}"),
        ("API /api/v1/elders", f"/api/v1/elders?q={Q}&region={town}"),
    ):
        status = client.get(url).status_code
        if status != 200:
            log(f"{label}: answered {status}, not timed")
            continue
        ms, _response = timed(lambda url=url: client.get(url))
        results.append((label, ms))
    for label, ms in results:
        ratio = ms / raw_ms
        verdict = "OK" if ms < GOAL_MS and ratio <= GOAL_RATIO else "ABOVE GOAL"
        log(
            f"{label:42s} {ms:7.1f} ms  ratio to raw SQL {ratio:4.2f} "
            f"(goal < {GOAL_MS:.0f} ms and <= {GOAL_RATIO}x) {verdict}"
        )


if __name__ == "__main__":
    main()
