"""The region at a glance at scale: the dashboard of a city (吕梁市) at 1,000,000 elders and
10,000,000 visit records, read from the figures the job keeps, against computing the
same figures straight from the raw tables.

Data: the elders, the schedule and the visits of ``bench.visits`` (its own helpers),
plus alerts (one for every 50 elders, some acknowledged, some resolved) and service
orders (one for every 10 elders over the last 30 days, some rated) written in bulk.
Then the job (``insights.compute.refresh``, timed: it runs every 15 minutes). Server
time is measured in-process (Django's test client), the median of several runs.

The baseline is ``compute.compute(window, within=<city path>)``: the same set-based
GROUP BYs the job runs, limited to the city's subtree, i.e. what a page reading the raw
tables on every view would have to do at the least (target measures not included, so
the ratio is a floor).

    BENCH_ELDERS=20000 BENCH_VISITS=200000 python -m bench bench.dashboard   # quick
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.visits import VISITS, N, log, prepare, schedule_and_visits, timed

GOAL_MS = 300.0
GOAL_RATIO = 20.0
CITY = "1411"


def alerts_and_orders() -> tuple[int, int]:
    """Alerts and orders written in bulk (as an import of older records would be)."""
    from yanglao.alerts.models import Alert
    from yanglao.elders.models import Elder
    from yanglao.services.models import Order, ServiceItem

    rng = random.Random(11)
    now = timezone.now()
    item = ServiceItem.objects.order_by("id").first()
    alerts, orders = [], []
    elders = Elder.objects.values_list("pk", "region_path").iterator(chunk_size=20_000)
    for n, (pk, path) in enumerate(elders):
        if n % 50 == 0:
            raised = now - dt.timedelta(minutes=rng.randint(10, 60 * 24 * 40))
            state = rng.random()
            acked = raised + dt.timedelta(minutes=rng.randint(2, 90)) if state < 0.85 else None
            alerts.append(
                Alert(
                    elder_id=pk,
                    region_path=path,
                    source="manual",
                    level="urgent" if rng.random() < 0.2 else "warning",
                    title="未见老人出门",
                    status="resolved" if state < 0.7 else "acknowledged" if acked else "open",
                    step=0 if acked and state < 0.6 else 1,
                    step_name="family",
                    raised_at=raised,
                    acknowledged_at=acked,
                    resolved_at=acked if state < 0.7 else None,
                )
            )
        if n % 10 == 0:
            when = now - dt.timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 8))
            done = when < now - dt.timedelta(days=1)
            rated = done and rng.random() < 0.7
            orders.append(
                Order(
                    number=f"B{n:09d}",
                    elder_id=pk,
                    region_path=path,
                    item=item,
                    unit_price=item.price,
                    amount=item.price,
                    status="rated" if rated else "done" if done else "requested",
                    channel="phone",
                    scheduled_for=when,
                    finished_at=when if done else None,
                    rating=rng.randint(3, 5) if rated else None,
                    rated_at=when if rated else None,
                )
            )
    with transaction.atomic():
        Alert.objects.bulk_create(alerts, batch_size=5000)
        Order.objects.bulk_create(orders, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(alerts), len(orders)


def main() -> int:
    from yanglao.insights import compute
    from yanglao.insights.models import RegionFigures
    from yanglao.regions.models import Region

    log(
        f"database: {connection.vendor}; elders: {N:,} (BENCH_ELDERS); "
        f"visits: {VISITS:,} (BENCH_VISITS)"
    )
    _county, city = prepare()
    schedule_and_visits()
    started = time.perf_counter()
    n_alerts, n_orders = alerts_and_orders()
    elapsed = time.perf_counter() - started
    log(f"wrote {n_alerts:,} alerts and {n_orders:,} orders in {elapsed:.0f} s")

    result = compute.refresh()
    log(
        f"the job (yanglao refresh_figures): {result.regions:,} regions in {result.seconds:.1f} s "
        f"(every 15 minutes)"
    )
    city_region = Region.objects.get(code=CITY)
    w = compute.window_for(result.day)

    def raw():
        return compute.compute(w, within=city_region.path)

    raw_ms, live = timed(raw, repeat=3)
    stored = RegionFigures.objects.get(region=city_region, day=result.day).figures
    same = {k: v for k, v in stored.items() if k != "population_60"} == live[city_region.path]
    log(
        f"\n吕梁市: {stored.get('elders.total', 0):,} elders, "
        f"{stored.get('visits.overdue', 0):,} overdue, {stored.get('alerts.open', 0):,} open alerts"
    )
    log(f"computing the figures straight from the raw tables: {raw_ms:9.1f} ms")
    log(f"the stored figures equal that computation: {'yes' if same else 'NO'}")

    client = Client()
    client.force_login(city)
    assert client.get("/insights/1411/").status_code == 200
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get("/insights/1411/")
    page_ms, _r = timed(lambda: client.get("/insights/1411/"))
    api_ms, _r = timed(lambda: client.get("/api/v1/insights/regions/1411"))
    screen_ms, _r = timed(lambda: client.get("/insights/1411/screen/"))
    results = [same]
    for label, ms in (
        ("page /insights/1411/", page_ms),
        ("API /api/v1/insights/regions/1411", api_ms),
        ("big screen /insights/1411/screen/", screen_ms),
    ):
        ok = ms < GOAL_MS and raw_ms / ms >= GOAL_RATIO
        results.append(ok)
        log(
            f"{label:<36} {ms:7.1f} ms  {raw_ms / ms:7.1f}× faster than the raw computation "
            f"(goal < {GOAL_MS:.0f} ms and ≥ {GOAL_RATIO:.0f}×) {'OK' if ok else 'FAIL'}"
        )
    raw_tables = ("elders_elder", "visits_visit", "alerts_alert", "services_order")
    touched = [q for q in queries if any(t in q for t in raw_tables)]
    results.append(not touched)
    log(f"(the page runs {len(queries)} queries, {len(touched)} on the raw tables)")
    if N < 1_000_000:
        log("quick size: the goals are for 1,000,000 elders and 10,000,000 visits")
        return 0 if same and not touched else 1
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
