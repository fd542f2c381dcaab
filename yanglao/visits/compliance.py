"""The weekly visit compliance (visited / due) of every region, computed nightly.

One GROUP BY over the schedule and the week's visits per village, then a roll-up by path
prefixes in Python over the few thousand village rows, so a city or a province reads
one row. "Due" is the elders who must be visited weekly under the current schedule;
"visited" those with at least their required number of visits in the week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from . import schedule
from .models import Compliance, Period, Visit, VisitDue

SQL = """
SELECT d.region_path,
       COUNT(*),
       SUM(CASE WHEN COALESCE(v.n, 0) >= d.required THEN 1 ELSE 0 END)
FROM {due} d
LEFT JOIN (
    SELECT elder_id, COUNT(*) AS n FROM {visit} WHERE week_start = %s GROUP BY elder_id
) v ON v.elder_id = d.elder_id
WHERE d.period = %s
GROUP BY d.region_path
"""


def compute(period_start: dt.date, *, period: str = Period.WEEK, now=None) -> int:
    """Compute the compliance rows of one week for every region. Returns rows written."""
    from yanglao.regions.models import Region

    week = schedule.week_start(period_start)
    now = now or timezone.now()
    sql = SQL.format(due=VisitDue._meta.db_table, visit=Visit._meta.db_table)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with connection.cursor() as cursor:
        cursor.execute(sql, [week, Period.WEEK])
        for path, due, visited in cursor.fetchall():
            parts = path.split(".")
            for i in range(1, len(parts) + 1):
                total = totals[".".join(parts[:i])]
                total[0] += due
                total[1] += visited or 0
    codes = {path.rsplit(".", 1)[-1]: path for path in totals}
    known = set(Region.objects.filter(code__in=list(codes)).values_list("code", flat=True))
    rows = [
        Compliance(
            region_id=code,
            region_path=codes[code],
            period=Period.WEEK,
            period_start=week,
            due=totals[codes[code]][0],
            visited=totals[codes[code]][1],
            computed_at=now,
        )
        for code in known
    ]
    with transaction.atomic():
        Compliance.objects.filter(period=Period.WEEK, period_start=week).delete()
        Compliance.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
