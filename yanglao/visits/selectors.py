"""Reads of visits, schedules and compliance: always in the reader's region scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.regions.models import Level, Region

from . import schedule
from .models import Compliance, FollowUp, FollowUpStatus, Period, Visit, VisitDue


def _region_filter(qs: QuerySet, user, region_code: str | None) -> QuerySet:
    qs = scoped(qs, user, path_lookup="region_path")
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    return qs


def _overdue_scope(user, region_code: str | None) -> QuerySet:
    """The schedule rows of the regions in scope, selected by exact region paths (a
    subquery over the region tree) rather than a path prefix: the index on
    (region_path, due_on) is then used for both columns, so only overdue rows are read
    (a prefix range on the path would read every scheduled elder of the county)."""
    scope = user.region
    if region_code:
        scope = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    paths = Region.objects.filter(path_q(scope.path, "path")).values("path")
    return VisitDue.objects.filter(region_path__in=paths)


def overdue(user, *, region_code: str | None = None, today: dt.date | None = None):
    """Elders whose visit is overdue (``due_on`` before today), oldest first."""
    today = today or timezone.localdate()
    # No join: the schedule holds active elders only (rows follow each elder's status
    # and region at once, see visits/signals.py), so the count, the page and the areas
    # are read from the index alone; ``with_elders`` loads the page's elders after.
    return _overdue_scope(user, region_code).filter(due_on__lt=today).order_by("due_on", "elder_id")


def with_elders(rows) -> list[VisitDue]:
    """The elders (person, village) of a page of schedule rows, in one query each."""
    from django.db.models import prefetch_related_objects

    rows = list(rows)
    prefetch_related_objects(rows, "elder__person", "elder__region")
    return rows


def overdue_by_area(
    user, *, region_code: str | None = None, today: dt.date | None = None
) -> list[dict]:
    """Overdue counts per township and, under each, per village (one GROUP BY on the
    village path, rolled up here)."""
    today = today or timezone.localdate()
    qs = _overdue_scope(user, region_code).filter(due_on__lt=today)
    per_village = dict(
        qs.values_list("region_path").annotate(n=Count("elder_id")).values_list("region_path", "n")
    )
    codes = {p.split(".")[-1] for p in per_village} | {
        p.split(".")[-2] for p in per_village if "." in p
    }
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    towns: dict[str, dict] = {}
    for path, n in per_village.items():
        parts = path.split(".")
        village, town = parts[-1], parts[-2] if len(parts) > 1 else parts[-1]
        entry = towns.setdefault(
            town, {"code": town, "name": names.get(town, town), "count": 0, "villages": []}
        )
        entry["count"] += n
        entry["villages"].append({"code": village, "name": names.get(village, village), "count": n})
    out = sorted(towns.values(), key=lambda t: -t["count"])
    for town in out:
        town["villages"].sort(key=lambda v: -v["count"])
    return out


def due_counts(user, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    qs = _overdue_scope(user, None)
    end = schedule.period_bounds(Period.WEEK, today)[1]
    return {
        "overdue": qs.filter(due_on__lt=today).count(),
        "this_week": qs.filter(due_on__gte=today, due_on__lte=end).count(),
    }


@dataclass
class ComplianceView:
    region: Region
    period_start: dt.date
    own: Compliance | None
    children: list[tuple[Region, Compliance | None]]


def compliance(
    user, *, region_code: str | None = None, period_start: dt.date | None = None
) -> ComplianceView:
    """The weekly compliance of a region in scope and of each of its child regions, as
    the nightly job computed it."""
    period_start = schedule.week_start(period_start or timezone.localdate())
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    rows = {
        c.region_id: c
        for c in Compliance.objects.filter(
            period=Period.WEEK, period_start=period_start, region__parent=region
        )
    }
    own = Compliance.objects.filter(
        period=Period.WEEK, period_start=period_start, region=region
    ).first()
    children = [
        (child, rows.get(child.code))
        for child in Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code")
    ]
    if region.level >= Level.TOWNSHIP:
        children = [(c, r) for c, r in children if r is not None]
    return ComplianceView(region=region, period_start=period_start, own=own, children=children)


def visits_for(user, *, region_code=None, week=None, method="", worst="", elder_id=None):
    qs = _region_filter(Visit.objects.all(), user, region_code)
    if week:
        qs = qs.filter(week_start=schedule.week_start(week))
    if method:
        qs = qs.filter(method=method)
    if worst:
        qs = qs.filter(worst=worst)
    if elder_id:
        qs = qs.filter(elder_id=elder_id)
    return qs.select_related("elder__person", "visitor__person").order_by("-visited_at", "-id")


def follow_ups_for(
    user,
    *,
    status: str = FollowUpStatus.OPEN,
    mine: bool = False,
    region_code: str = "",
    kind: str = "",
    overdue_on: dt.date | None = None,
):
    if mine:
        qs = FollowUp.objects.filter(assignee=user)
    else:
        qs = scoped(FollowUp.objects.all(), user, path_lookup="region_path")
    if status:
        qs = qs.filter(status=status)
    if region_code:  # a region below the scope (the dashboard's drill-down links here)
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if overdue_on:  # past their deadline on that day
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.select_related("elder__person", "assignee", "visit").order_by("due_on", "id")


def week_list(visitor, today: dt.date | None = None) -> list[dict]:
    """A visitor's elders for this week: overdue first, then due this week, then done."""
    from .pairing import elders_of_visitor

    today = today or timezone.localdate()
    start, end = schedule.period_bounds(Period.WEEK, today)
    elders = list(elders_of_visitor(visitor, today).select_related("person", "region", "visit_due"))
    seen = dict(
        Visit.objects.filter(elder__in=[e.pk for e in elders], week_start=start)
        .values_list("elder_id")
        .annotate(n=Count("id"))
        .values_list("elder_id", "n")
    )
    out = []
    for elder in elders:
        due = getattr(elder, "visit_due", None)
        done = seen.get(elder.pk, 0)
        if due is not None and due.due_on < today:
            state = "overdue"
        elif due is not None and due.due_on <= end:
            state = "due"
        else:
            state = "done" if done else "later"
        out.append({"elder": elder, "due": due, "done": done, "state": state})
    order = {"overdue": 0, "due": 1, "later": 2, "done": 3}
    out.sort(key=lambda r: (order[r["state"]], r["due"].due_on if r["due"] else end, r["elder"].pk))
    return out


def visit_get(user, pk: int) -> Visit:
    """One visit: a visitor sees the visits they recorded, officers those in scope."""
    from yanglao.accounts.roles import Role
    from yanglao.core.errors import NotFound

    qs = Visit.objects.select_related(
        "elder__person", "elder__region", "visitor__person", "recorded_by"
    )
    if user.role == Role.VISITOR:
        visit = qs.filter(pk=pk, recorded_by=user).first()
        if visit is None:
            raise NotFound()
        return visit
    return get_in_scope(qs, user, path_lookup="region_path", pk=pk)


def follow_up_get(user, pk: int) -> FollowUp:
    """One follow-up: assigned to the user, or in their scope."""
    from yanglao.core.errors import NotFound

    qs = FollowUp.objects.select_related("elder__region")
    mine = qs.filter(pk=pk, assignee=user).first()
    if mine is not None:
        return mine
    if user.role == "visitor":
        raise NotFound()
    return get_in_scope(qs, user, path_lookup="region_path", pk=pk)


def elder_for_visit(user, pk: int):
    """The elder a user may visit: a visitor's paired elder, or one in an officer's scope."""
    from yanglao.accounts.roles import Role
    from yanglao.core.errors import NotFound
    from yanglao.elders.selectors import elder_get

    from .pairing import elders_of_visitor, visitor_for_user

    if user.role == Role.VISITOR:
        visitor = visitor_for_user(user)
        if visitor is None or not elders_of_visitor(visitor).filter(pk=pk).exists():
            raise NotFound()
        from yanglao.elders.models import Elder

        return Elder.objects.select_related("person", "region").get(pk=pk)
    return elder_get(user, pk)


def elders_in_scope(user, pks) -> list:
    """Elders named by file number, those in the user's scope only, in one query."""
    from yanglao.elders.models import Elder

    return list(
        scoped(Elder.objects.select_related("person"), user, path_lookup="region_path").filter(
            pk__in=list(pks)
        )
    )
