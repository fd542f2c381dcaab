"""Reads of planning, always in the reader's scope.

A task table belongs to its region (a county): officers of that region or above read
all of it. A township officer reads only the rows of their own township (rule 1: the
county's other figures are not theirs), so neither the totals row nor its check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from yanglao.accounts.roles import Role
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.facilities.compliance import source_of
from yanglao.facilities.models import Facility, FacilityStatus
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Region

from . import ranking, services, tasks
from .models import CountyEvaluation, EvaluationResult, ProjectApplication, ProjectStatus, TaskTable

READERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.PARTY_OFFICER})
# A resettlement-site day-care centre is told by its name until facilities carry a flag.
RESETTLEMENT_MARK = "安置点"


def _reader(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "role", "") in READERS


def tables(user) -> QuerySet[TaskTable]:
    if not _reader(user):
        return TaskTable.objects.none()
    qs = TaskTable.objects.select_related("region")
    region = user.region
    # The table's region in scope, or (for a township officer) a row of theirs in it.
    return (
        qs.filter(path_q(region.path, "region_path") | path_q(region.path, "rows__township__path"))
        .distinct()
        .order_by("region_path", "-year_from", "id")
    )


def table_get(user, pk: int) -> TaskTable:
    if not _reader(user):
        raise NotFound()
    table = tables(user).filter(pk=pk).first()
    if table is None:
        get_in_scope(TaskTable.objects.all(), user, path_lookup="region_path", pk=pk)
        raise NotFound()
    return table


def whole_table(user, table: TaskTable) -> bool:
    return in_subtree(table.region_path, user.region.path)


@dataclass
class Cell:
    key: str
    printed: int | None
    mismatch: tasks.Mismatch | None = None
    built: int | None = None  # facilities built, for task columns
    planned_through: int | None = None


@dataclass
class RowView:
    row: object
    cells: list[Cell] = field(default_factory=list)


@dataclass
class TableView:
    table: TaskTable
    columns: list[dict]
    rows: list[RowView]
    mismatches: list[tasks.Mismatch]
    whole: bool
    on: dt.date


def built_counts(table: TaskTable, on: dt.date) -> dict[tuple[str, str, bool, int], int]:
    """(township code, facility type, resettlement?, year opened) -> facilities built:
    operating (or suspended) on ``on``, opened from the table's first year on."""
    types = {c["type"] for c in table.columns if c["kind"] == tasks.TASK}
    townships = {
        r.township.path: r.township_id for r in table.rows.select_related("township") if r.township
    }
    out: dict[tuple[str, str, bool, int], int] = defaultdict(int)
    qs = Facility.objects.filter(
        path_q(table.region_path, "region_path"),
        type__in=types,
        opened_on__gte=dt.date(table.year_from, 1, 1),
        opened_on__lte=on,
    ).filter(
        Q(status__in=(FacilityStatus.OPERATING, FacilityStatus.SUSPENDED))
        | Q(status=FacilityStatus.CLOSED, closed_on__gt=on)
    )
    for path, type_, name, opened in qs.values_list("region_path", "type", "name", "opened_on"):
        township_path = ".".join(path.split(".")[:5])
        code = townships.get(township_path)
        if code:
            out[(code, type_, RESETTLEMENT_MARK in name, opened.year)] += 1
    return out


def table_view(user, table: TaskTable, on: dt.date) -> TableView:
    whole = whole_table(user, table)
    rows = list(table.rows.select_related("township").order_by("position"))
    if not whole:
        rows = [r for r in rows if r.township and in_subtree(r.township.path, user.region.path)]
    plain = [tasks.Row(r.label, r.is_total, r.values) for r in rows]
    mismatches = tasks.check(table.columns, plain) if whole else []
    at = {(m.row, m.column): m for m in mismatches}
    counts = built_counts(table, on)
    views = []
    for row, plain_row in zip(rows, plain, strict=True):
        view = RowView(row)
        for col in table.columns:
            cell = Cell(col["key"], row.values.get(col["key"]), at.get((row.label, col["key"])))
            if col["kind"] == tasks.TASK:
                cell.planned_through = tasks.planned_through(table.columns, plain_row, col)
                if row.is_total:
                    codes = [r.township_id for r in rows if r.township_id]
                else:
                    codes = [row.township_id] if row.township_id else []
                cell.built = sum(
                    n
                    for (code, type_, resettle, year), n in counts.items()
                    if code in codes
                    and type_ == col["type"]
                    and resettle == col["resettlement"]
                    and year <= col["year"]
                )
            view.cells.append(cell)
        views.append(view)
    return TableView(table, table.columns, views, mismatches, whole, on)


# ---------------------------------------------------------------- applications


def applications(user, *, year: int | None = None, status: str = "") -> QuerySet:
    if not _reader(user):
        return ProjectApplication.objects.none()
    qs = scoped(
        ProjectApplication.objects.select_related("county", "community"),
        user,
        path_lookup="region_path",
    )
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "county_id", "id")


def application_get(user, pk: int) -> ProjectApplication:
    if not _reader(user):
        raise NotFound()
    return get_in_scope(
        ProjectApplication.objects.select_related("county", "community"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


RANKED_STATUSES = (
    ProjectStatus.COUNTY_PASSED,
    ProjectStatus.APPROVED,
    ProjectStatus.BUILDING,
    ProjectStatus.ACCEPTED,
    ProjectStatus.OPERATING,
    ProjectStatus.EVALUATED,
)


@dataclass
class RankingView:
    rows: list[tuple[ranking.Ranked, ProjectApplication]]
    weights: dict
    labels: dict
    weights_source: str
    factors_source: str


def ranked(user, year: int) -> RankingView:
    """The applications past county screening for ``year``, ranked by the weighted five
    factors (weights from urban_project.ranking_weights at the reader's region)."""
    apps = list(applications(user, year=year).filter(status__in=RANKED_STATUSES))
    region: Region = user.region if _reader(user) else None
    names, labels = services.factors(region) if region else ([], {})
    weights_rule = lookup(services.WEIGHTS_RULE, region) if region else None
    factors_rule = lookup(services.FACTORS_RULE, region) if region else None
    weights = ranking.weights_from(weights_rule.params if weights_rule else {}, names)
    good = set(
        CountyEvaluation.objects.filter(
            county_id__in={a.county_id for a in apps}, year=year - 1, result=EvaluationResult.GOOD
        ).values_list("county_id", flat=True)
    )
    by_id = {a.pk: a for a in apps}
    result = ranking.rank(
        [ranking.Candidate(a.pk, a.scores, a.county_id in good) for a in apps], weights, labels
    )
    return RankingView(
        rows=[(r, by_id[r.id]) for r in result],
        weights=weights,
        labels=labels,
        weights_source=source_of(weights_rule) if weights_rule else "",
        factors_source=source_of(factors_rule) if factors_rule else "",
    )


def evaluations(user) -> QuerySet[CountyEvaluation]:
    if not _reader(user):
        return CountyEvaluation.objects.none()
    return scoped(
        CountyEvaluation.objects.select_related("county"), user, path_lookup="region_path"
    ).order_by("-year", "county_id")
