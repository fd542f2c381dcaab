"""Counts of community life that feed targets (issue 8 item 5), per region and per child
region: activities held and attended, activities at centres and facilities, the Changzhi
quarterly themed activities of township and community Party organizations (rule
``party.themed_activity_quarterly``: held against required, organizations short),
volunteer hours confirmed, donations received and spent. One grouped query per table;
rows are folded into the child regions by path prefix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from yanglao.core.scope import get_in_scope, path_q
from yanglao.party.models import Activity, ActivityKind, PartyOrganization
from yanglao.party.selectors import THEMED_RULE, _RuleCache, quarter_bounds
from yanglao.regions.models import Region

from .activities import COMMUNITY_KINDS
from .models import DonationLine, DonationLineKind, Signup, TeamService

ZERO = Decimal("0")


@dataclass
class Figures:
    region: Region
    activities: int = 0
    attendances: int = 0
    centre_activities: int = 0
    themed_required: int = 0
    themed_held: int = 0
    themed_orgs: int = 0
    themed_orgs_short: int = 0
    volunteer_hours: Decimal = ZERO
    donations_received: Decimal = ZERO
    donations_spent: Decimal = ZERO
    # Everything received less everything spent up to the end of the period (not only in it).
    donations_balance: Decimal = ZERO


@dataclass
class CountsView:
    region: Region
    date_from: dt.date
    date_to: dt.date
    quarter: tuple[dt.date, dt.date]
    total: Figures
    rows: list[Figures] = field(default_factory=list)
    centres: list[dict] = field(default_factory=list)


def _period(date_from, date_to) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or quarter_bounds(date_to)[0]
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return date_from, date_to


def counts(user, *, region_code: str = "", date_from=None, date_to=None) -> CountsView:
    """The figures for the user's region (or ``region_code`` within it) and each child."""
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    else:
        region = user.region
    date_from, date_to = _period(date_from, date_to)
    quarter = quarter_bounds(date_to)
    children = list(Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code"))
    rows = {c.path: Figures(c) for c in children}
    total = Figures(region)
    depth = region.path.count(".") + 1

    def bucket(path: str) -> Figures | None:
        parts = path.split(".")
        return rows.get(".".join(parts[: depth + 1])) if len(parts) > depth else None

    def add(path: str, name: str, value) -> None:
        setattr(total, name, getattr(total, name) + value)
        row = bucket(path)
        if row is not None:
            setattr(row, name, getattr(row, name) + value)

    inside = path_q(region.path, "region_path")
    held = Activity.objects.filter(
        inside,
        kind__in=[k.value for k in COMMUNITY_KINDS],
        held_on__gte=date_from,
        held_on__lte=date_to,
    )
    for path, n, at_centre in held.values_list("region_path").annotate(
        n=Count("pk"), c=Count("pk", filter=Q(facility__isnull=False))
    ):
        add(path, "activities", n)
        add(path, "centre_activities", at_centre)
    for path, n in (
        Signup.objects.filter(
            attended=True,
            activity__in=held,
        )
        .values_list("activity__region_path")
        .annotate(n=Count("pk"))
    ):
        add(path, "attendances", n)
    for path, hours in (
        TeamService.objects.filter(
            inside, confirmed_at__isnull=False, served_on__gte=date_from, served_on__lte=date_to
        )
        .values_list("region_path")
        .annotate(h=Sum("hours"))
    ):
        add(path, "volunteer_hours", hours or ZERO)
    for path, kind, amount in (
        DonationLine.objects.filter(inside, on_date__gte=date_from, on_date__lte=date_to)
        .values_list("region_path", "line_kind")
        .annotate(a=Sum("amount"))
    ):
        name = "donations_received" if kind == DonationLineKind.DONATION else "donations_spent"
        add(path, name, amount or ZERO)
    for path, kind, amount in (
        DonationLine.objects.filter(inside, on_date__lte=date_to)
        .values_list("region_path", "line_kind")
        .annotate(a=Sum("amount"))
    ):
        sign = 1 if kind == DonationLineKind.DONATION else -1
        add(path, "donations_balance", sign * (amount or ZERO))
    _themed(region, quarter, date_to, add)
    centres = list(
        held.filter(facility__isnull=False)
        .values("facility_id", "facility__name", "region_path")
        .annotate(n=Count("pk"))
        .order_by("-n", "facility__name")[:50]
    )
    return CountsView(region, date_from, date_to, quarter, total, list(rows.values()), centres)


def _themed(region: Region, quarter, on: dt.date, add) -> None:
    """Each township and community Party organization the rule names must hold its
    themed activities every quarter; count required, held (capped at required) and short."""
    orgs = list(
        PartyOrganization.objects.filter(path_q(region.path, "region_path"), active=True)
        .select_related("region")
        .only("pk", "tier", "region_path", "region__path", "region__code")
    )
    if not orgs:
        return
    held = dict(
        Activity.objects.filter(
            organization_id__in=[o.pk for o in orgs],
            kind=ActivityKind.THEMED,
            held_on__gte=quarter[0],
            held_on__lte=min(quarter[1], on),
        )
        .values_list("organization_id")
        .annotate(n=Count("pk"))
    )
    rule_for = _RuleCache(THEMED_RULE, on)
    for org in orgs:
        rule = rule_for(org.region)
        if rule is None or org.tier not in rule.params.get("organizers", []):
            continue
        try:
            need = int(rule.params.get("min_per_quarter", 0))
        except (TypeError, ValueError):
            continue
        n = held.get(org.pk, 0)
        add(org.region_path, "themed_orgs", 1)
        add(org.region_path, "themed_required", need)
        add(org.region_path, "themed_held", min(n, need))
        add(org.region_path, "themed_orgs_short", 1 if n < need else 0)
