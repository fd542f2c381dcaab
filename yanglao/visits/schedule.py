"""The visit schedule: who must be visited, how often, and by when.

The requirements come from ``visit.schedule.*`` rules of the policy packs (``group``: a
target group code of ``elder.group.*``; ``period``: week or month; ``required``: visits
per period) and from the elder's current care plan (一人一策: visits per week). The
strictest applies. A week is an ISO week, Monday to Sunday, in Asia/Shanghai.

``VisitDue.due_on`` is the last day of the period in which the next visit is needed:
the elder is overdue when it is before today. A period that ends without its visits
keeps ``due_on`` at its end (overdue) until a visit is recorded.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from yanglao.core.scope import path_q

from .models import Period, Visit, VisitDue

SCHEDULE_PREFIX = "visit.schedule."


def validate_schedule_params(params: Mapping[str, Any], where: str = "params") -> None:
    if not isinstance(params.get("group"), str) or not params["group"]:
        raise ValueError(f"{where}.group: 需要目标人群代码（elder.group.* 的 code）")
    if params.get("period") not in Period.values:
        raise ValueError(f"{where}.period: 只能是 week 或 month")
    required = params.get("required")
    if not isinstance(required, int) or isinstance(required, bool) or not 1 <= required <= 14:
        raise ValueError(f"{where}.required: 每周期次数须为 1 到 14 的整数")


# ------------------------------------------------------------------ time


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of ``moment`` in the project's time zone (Asia/Shanghai)."""
    return timezone.localtime(moment).date()


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the period containing ``day``."""
    if period == Period.WEEK:
        start = week_start(day)
        return start, start + dt.timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def next_period_end(period: str, day: dt.date) -> dt.date:
    _start, end = period_bounds(period, day)
    return period_bounds(period, end + dt.timedelta(days=1))[1]


def previous_period(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    start, _end = period_bounds(period, day)
    return period_bounds(period, start - dt.timedelta(days=1))


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def due_on_for(
    period: str, required: int, done: int, today: dt.date, previous_done: int | None
) -> dt.date:
    """The due date given this period's visits (``done``) and the previous period's
    (``previous_done``; None for an elder new to the schedule)."""
    if done >= required:
        return next_period_end(period, today)
    if previous_done is None or previous_done >= required:
        return period_bounds(period, today)[1]
    return previous_period(period, today)[1]


# ------------------------------------------------------------------ requirements


@dataclass(frozen=True)
class Requirement:
    period: str
    required: int
    rule: str

    def stricter_than(self, other: Requirement) -> bool:
        # Weekly beats monthly; within a period, more visits beat fewer.
        mine = (self.period == Period.WEEK, self.required)
        theirs = (other.period == Period.WEEK, other.required)
        return mine > theirs


def _schedule_rules():
    from yanglao.policy.models import PolicyRule
    from yanglao.policy.selectors import to_data

    rows = PolicyRule.objects.filter(
        is_active=True, rule_id__startswith=SCHEDULE_PREFIX
    ).select_related("region")
    return [to_data(r, r.region.path) for r in rows]


def requirements(
    *, elders_q: Q | None = None, today: dt.date, paths: dict[int, str] | None = None
) -> dict[int, list[Requirement]]:
    """For every active elder (matching ``elders_q``) who must be visited: the rules that
    apply. Set-based: one query per schedule rule row and one for care plans."""
    from yanglao.elders.categories import group_q
    from yanglao.elders.models import CarePlan, Elder, ElderStatus
    from yanglao.policy import engine
    from yanglao.regions.models import Region

    rules = _schedule_rules()
    out: dict[int, list[Requirement]] = {}
    base = Elder.objects.filter(status=ElderStatus.ACTIVE)
    if elders_q is not None:
        base = base.filter(elders_q)
    regions = {r.code: r for r in Region.objects.filter(code__in={d.region_code for d in rules})}
    for rule_id in sorted({d.rule_id for d in rules}):
        rows = [d for d in rules if d.rule_id == rule_id]
        for path in sorted({d.region_path for d in rows}):
            resolution = engine.resolve(rule_id, rows, path, today)
            if resolution is None:
                continue
            params = resolution.params
            try:
                validate_schedule_params(params)
            except ValueError:
                continue
            region = regions[path.rsplit(".", 1)[-1]]
            qs = base.filter(path_q(path, "region_path"))
            # A deeper row of the same rule governs its own subtree.
            for deeper in {d.region_path for d in rows}:
                if deeper.startswith(path + "."):
                    qs = qs.exclude(path_q(deeper, "region_path"))
            qs = qs.filter(group_q(params["group"], region, today))
            need = Requirement(params["period"], int(params["required"]), rule_id)
            for pk, elder_path in qs.values_list("pk", "region_path").iterator(chunk_size=5000):
                out.setdefault(pk, []).append(need)
                if paths is not None:
                    paths[pk] = elder_path
    plans = CarePlan.objects.filter(is_current=True, elder__status=ElderStatus.ACTIVE)
    if elders_q is not None:
        plans = plans.filter(elder__in=base)
    for pk, per_week, elder_path in plans.values_list(
        "elder_id", "visits_per_week", "elder__region_path"
    ):
        if per_week:
            out.setdefault(pk, []).append(Requirement(Period.WEEK, per_week, "care_plan"))
            if paths is not None:
                paths[pk] = elder_path
    return out


def strictest(needs: Iterable[Requirement]) -> tuple[Requirement, str]:
    needs = list(needs)
    best = needs[0]
    for need in needs[1:]:
        if need.stricter_than(best):
            best = need
    return best, ",".join(sorted({n.rule for n in needs}))


def _counts(pks: list[int], start: dt.date, end: dt.date) -> dict[int, tuple[int, Any]]:
    """Visits per elder between two local dates (inclusive) and the latest visit time."""
    out: dict[int, tuple[int, Any]] = {}
    for i in range(0, len(pks), 900):
        chunk = pks[i : i + 900]
        rows = (
            Visit.objects.filter(
                elder_id__in=chunk,
                visited_at__gte=local_midnight(start),
                visited_at__lt=local_midnight(end + dt.timedelta(days=1)),
            )
            .values("elder_id")
            .annotate(n=Count("id"), last=Max("visited_at"))
        )
        for row in rows:
            out[row["elder_id"]] = (row["n"], row["last"])
    return out


def refresh_schedule(*, elders: Q | None = None, today: dt.date | None = None) -> int:
    """Recompute ``VisitDue`` for every active elder (or those matching ``elders``, a Q on
    Elder). Elders no longer due lose their row. Returns the number of rows kept."""
    from yanglao.elders.models import Elder

    today = today or timezone.localdate()
    paths: dict[int, str] = {}
    needs = requirements(elders_q=elders, today=today, paths=paths)
    current = VisitDue.objects.all()
    if elders is not None:
        current = current.filter(elder__in=Elder.objects.filter(elders))
    existing = {d.elder_id: d for d in current.iterator(chunk_size=5000)}
    pks = sorted(needs)
    by_period: dict[str, list[int]] = {}
    chosen: dict[int, tuple[Requirement, str]] = {}
    for pk in pks:
        chosen[pk] = strictest(needs[pk])
        by_period.setdefault(chosen[pk][0].period, []).append(pk)
    rows: list[VisitDue] = []
    for period, members in by_period.items():
        start, end = period_bounds(period, today)
        prev_start, prev_end = previous_period(period, today)
        now_counts = _counts(members, start, end)
        prev_counts = _counts(members, prev_start, prev_end)
        for pk in members:
            need, rule_ids = chosen[pk]
            done, last = now_counts.get(pk, (0, None))
            old = existing.get(pk)
            previous = None if old is None else prev_counts.get(pk, (0, None))[0]
            due = due_on_for(period, need.required, done, today, previous)
            if old is not None and old.due_on < due and done < need.required:
                due = old.due_on  # still overdue since then: keep the earlier date
            last_at = last or (old.last_visit_at if old else None)
            rows.append(
                VisitDue(
                    elder_id=pk,
                    region_path=paths[pk],
                    period=period,
                    required=need.required,
                    rules=rule_ids[:300],
                    period_start=start,
                    done_in_period=done,
                    last_visit_at=last_at,
                    due_on=due,
                )
            )
    # An elder new to the schedule may have been visited before: show that last visit.
    unknown = [row.elder_id for row in rows if row.last_visit_at is None]
    latest: dict[int, Any] = {}
    for i in range(0, len(unknown), 900):
        latest.update(
            Visit.objects.filter(elder_id__in=unknown[i : i + 900])
            .values("elder_id")
            .annotate(last=Max("visited_at"))
            .values_list("elder_id", "last")
        )
    for row in rows:
        if row.last_visit_at is None:
            row.last_visit_at = latest.get(row.elder_id)
    with transaction.atomic():
        gone = [pk for pk in existing if pk not in needs]
        for i in range(0, len(gone), 900):
            VisitDue.objects.filter(elder_id__in=gone[i : i + 900]).delete()
        VisitDue.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["elder"],
            update_fields=[
                "region_path",
                "period",
                "required",
                "rules",
                "period_start",
                "done_in_period",
                "last_visit_at",
                "due_on",
                "updated_at",
            ],
        )
    return len(rows)


def visit_counted(elder, visited_at: dt.datetime, today: dt.date | None = None) -> None:
    """A visit was recorded: count it in its period and move the due date."""
    due = VisitDue.objects.select_for_update().filter(elder=elder).first()
    if due is None:
        return
    today = today or timezone.localdate()
    day = local_date(visited_at)
    start, end = period_bounds(due.period, today)
    if due.period_start != start:
        due.period_start = start
        due.done_in_period = 0
    if start <= day <= end:
        due.done_in_period += 1
    if due.last_visit_at is None or visited_at > due.last_visit_at:
        due.last_visit_at = visited_at
    if due.done_in_period >= due.required:
        due.due_on = next_period_end(due.period, today)
    elif day >= start:
        # Seen in this period: no longer overdue; the rest is due by the period's end.
        due.due_on = max(due.due_on, end)
    due.save(
        update_fields=["period_start", "done_in_period", "last_visit_at", "due_on", "updated_at"]
    )
