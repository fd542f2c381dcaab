"""Reads of the dashboard: the stored figures of a region in the reader's scope, of its
child regions and its history. Nothing here reads the raw tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope
from yanglao.policy import indicators
from yanglao.regions.models import Level, Region

from . import metrics
from .compute import Window, group_labels, window_for
from .models import RegionFigures
from .roles import INSIGHT_READERS

TREND_DAYS = 90
MAX_TREND_DAYS = 730

STATUS_TONES = {"met": "success", "behind": "warning", "overdue": "danger", "not_measured": ""}


def region_for(user, code: str | None = None) -> Region:
    """The region asked for, in the reader's scope (404 outside it)."""
    if getattr(user, "role", None) not in INSIGHT_READERS:
        raise Forbidden()
    if not code:
        return user.region
    return get_in_scope(Region.objects.all(), user, field="", code=code)


def latest(user) -> RegionFigures | None:
    """The latest figures of the reader's own region (the workbench panel)."""
    region = region_for(user)
    return (
        RegionFigures.objects.filter(region=region)
        .order_by("-day")
        .only("figures", "computed_at", "day")
        .first()
    )


def crumbs(region: Region, user) -> list[Region]:
    """The regions from the reader's own region down to ``region`` (the drill-down path);
    the reader may go back up to their own region, no further."""
    codes = [c for c in region.path.split(".") if c]
    rows = {r.code: r for r in Region.objects.filter(code__in=codes)}
    out = []
    for code in codes:
        r = rows.get(code)
        if r is not None and r.level >= user.region.level:
            out.append(r)
    return out


@dataclass
class Tile:
    figure: metrics.Figure
    value: str
    raw: float | None
    url: str

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def tone(self) -> str:
        return self.figure.tone if self.raw else ""


@dataclass
class SectionView:
    section: metrics.Section
    tiles: list[Tile]


@dataclass
class ChildRow:
    region: Region
    figures: dict
    cells: list[Tile]
    has_data: bool


@dataclass
class Dashboard:
    region: Region
    crumbs: list[Region]
    current: RegionFigures | None
    window: Window | None
    sections: list[SectionView] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    trend: dict = field(default_factory=dict)  # {"days": [...], "series": {key: [...]}}
    columns: list[metrics.Figure] = field(default_factory=list)  # of the children table

    @property
    def figures(self) -> dict:
        return self.current.figures if self.current else {}

    def tile(self, key: str) -> Tile | None:
        for s in self.sections:
            for t in s.tiles:
                if t.key == key:
                    return t
        return None

    @property
    def headlines(self) -> list[Tile]:
        return [t for s in self.sections for t in s.tiles if t.figure.headline]


# The columns of the child-region table: the figures a drill-down compares.
CHILD_COLUMNS = (
    "elders.total",
    "elders.risk.high",
    "visits.rate",
    "visits.overdue",
    "alerts.open",
    "orders.window",
    "facilities.beds_per_thousand",
    "party.coverage",
)


def _tiles(
    figures: list[metrics.Figure], values: dict, code: str, w: Window, role: str, roles, cache
):
    return [
        Tile(f, f.display(values), f.raw(values), metrics.url_for(f, code, w, role, roles, cache))
        for f in figures
    ]


def _visible(section: metrics.Section, figures: list[metrics.Figure], values: dict):
    """Figures worth a tile: elders' groups, ages and abilities only when someone is in
    them (the packs define groups for places far away)."""
    if section.key != "elders":
        return figures
    return [
        f
        for f in figures
        if f.key == "elders.total" or f.key.startswith("elders.risk.") or values.get(f.key)
    ]


def dashboard(user, code: str | None = None, *, days: int = TREND_DAYS) -> Dashboard:
    region = region_for(user, code)
    current = RegionFigures.objects.filter(region=region).order_by("-day").first()
    view = Dashboard(region=region, crumbs=crumbs(region, user), current=current, window=None)
    if current is None:
        return view
    w = window_for(current.day, current.computed_at)
    view.window = w
    roles = metrics.link_roles()
    cache: dict = {}
    role = user.role
    values = current.figures
    all_sections = metrics.sections(group_labels(current.day))
    shown: list[metrics.Figure] = []
    for section in all_sections:
        figures = _visible(section, section.figures, values)
        shown += figures
        view.sections.append(
            SectionView(section, _tiles(figures, values, region.code, w, role, roles, cache))
        )
    by_key = {f.key: f for s in all_sections for f in s.figures}
    columns = view.columns = [by_key[k] for k in CHILD_COLUMNS]
    stored = {
        r.region_id: r.figures
        for r in RegionFigures.objects.filter(parent_code=region.code, day=current.day).only(
            "region_id", "figures"
        )
    }
    children = Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code")
    rows = []
    for child in children:
        figs = stored.get(child.code, {})
        cells = _tiles(columns, figs, child.code, w, role, roles, cache) if figs else []
        rows.append(ChildRow(child, figs, cells, bool(figs)))
    # Regions with something in them first, then the rest in code order.
    view.children = sorted(rows, key=lambda r: (not r.has_data, r.region.code))
    view.targets = [
        {
            **t,
            "tone": STATUS_TONES.get(t["status"], ""),
            "status_label": str(indicators.STATUS_LABELS.get(t["status"], t["status"])),
        }
        for t in current.targets
    ]
    history = (
        RegionFigures.objects.filter(
            region=region, day__gte=current.day - dt.timedelta(days=days), day__lte=current.day
        )
        .order_by("day")
        .values_list("day", "figures")
    )
    days_list, series = [], {f.key: [] for f in shown}
    for day, figs in history:
        days_list.append(day.isoformat())
        for f in shown:
            raw = f.raw(figs)
            series[f.key].append(None if raw is None else round(raw, 2))
    view.trend = {"days": days_list, "series": series}
    return view


def child_level_label(region: Region) -> str:
    if region.level + 1 > Level.GRID:
        return ""
    return str(Level(region.level + 1).label)


def as_of(view: Dashboard) -> dt.datetime | None:
    return timezone.localtime(view.current.computed_at) if view.current else None


def trend(
    user, code: str, *, metric: str, days: int = TREND_DAYS
) -> tuple[Region, metrics.Figure, list[tuple[dt.date, float | None]]]:
    """The daily values of one figure of a region in scope, oldest first."""
    region = region_for(user, code)
    errors: dict[str, list[str]] = {}
    if not 1 <= days <= MAX_TREND_DAYS:
        errors["days"] = [_("天数应在 1 到 %(n)s 之间") % {"n": MAX_TREND_DAYS}]
    latest = RegionFigures.objects.filter(region=region).order_by("-day").first()
    on = latest.day if latest else timezone.localdate()
    figure = next(
        (f for s in metrics.sections(group_labels(on)) for f in s.figures if f.key == metric),
        None,
    )
    if figure is None:
        errors["metric"] = [_("没有这项指标：%(m)s") % {"m": metric}]
    if errors:
        raise ValidationFailed(fields=errors)
    points: list[tuple[dt.date, float | None]] = []
    if latest is not None:
        since = latest.day - dt.timedelta(days=days)
        for day, figures in (
            RegionFigures.objects.filter(region=region, day__gt=since, day__lte=latest.day)
            .order_by("day")
            .values_list("day", "figures")
        ):
            points.append((day, figure.raw(figures)))
    return region, figure, points
