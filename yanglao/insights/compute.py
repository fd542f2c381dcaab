"""The job that keeps the dashboard figures current (``yanglao refresh_figures``, Huey).

Each source below is one or a few set-based queries grouped by the region path copied on
the big tables (elders, visits, alerts, orders, ...): it returns, per leaf path, the
integer counts of its metrics. ``roll_up`` adds every leaf to each region on its path
(village -> township -> county -> city -> province -> nation), so every region that holds
anything gets one row a day. Target statuses are evaluated by the policy engine's
measures for the regions down to township level.

"As of" a day: windows (this ISO week, the last 30 days, this month, ages) are counted
from that day, records that carry a time (created, raised, acknowledged, resolved,
done) are counted as they stood at its end; what the tables keep only as a current
state (risk level, the visit schedule, order status, balances) is read as it is now.
So the rows written today are exact and a backfill of past days is an approximation
of those states (the demo's history).

``compute(within=path)`` counts the same figures for one subtree without writing: it is
what the dashboard would cost if it read the raw tables on every view (bench/dashboard.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.alerts.models import Alert, AlertLevel, AlertStatus
from yanglao.core.scope import path_q
from yanglao.elders import categories
from yanglao.elders.models import AbilityLevel, Elder, ElderStatus, RiskLevel
from yanglao.elders.selectors import age_band_q
from yanglao.facilities import measures as facility_measures
from yanglao.facilities.models import RESIDENTIAL_TYPES, Facility, FacilityType
from yanglao.funding.models import GrantLine, LineKind
from yanglao.party import rules as party_rules
from yanglao.party import selectors as party_selectors
from yanglao.policy import engine, indicators
from yanglao.policy import selectors as policy_selectors
from yanglao.regions.models import ROOT_CODE, Level, Region
from yanglao.services.models import OPEN_STATUSES, Order, OrderStatus
from yanglao.timebank.models import Account, AccountKind, Entry, EntryKind
from yanglao.visits import compliance
from yanglao.visits.models import FollowUp, FollowUpKind, FollowUpStatus, Period, Visit, VisitDue

from .models import RegionFigures
from .roles import INSIGHT_READERS

log = logging.getLogger(__name__)

# Reporting windows of the dashboard (a display choice, not policy).
WINDOW_DAYS = 30
# Daily rows are kept this long; older ones only on Mondays (a weekly trend).
KEEP_DAILY_DAYS = 92

AGE_BANDS: list[tuple[str, int | None, int | None]] = [
    ("under_70", None, 69),
    ("70_79", 70, 79),
    ("80_89", 80, 89),
    ("90_plus", 90, None),
]

Counts = dict[str, int]
Leaves = dict[str, Counts]


@dataclass(frozen=True)
class Window:
    """The day the figures are for, and the moments that bound it."""

    day: dt.date
    end: dt.datetime  # the end of the day, or now when the day is today

    @property
    def week(self) -> dt.date:
        return self.day - dt.timedelta(days=self.day.weekday())

    @property
    def since(self) -> dt.date:
        """The first day of the last ``WINDOW_DAYS`` days."""
        return self.day - dt.timedelta(days=WINDOW_DAYS - 1)

    @property
    def month(self) -> dt.date:
        return self.day.replace(day=1)


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window_for(day: dt.date | None = None, now: dt.datetime | None = None) -> Window:
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    return Window(day=day, end=min(now, day_start(day + dt.timedelta(days=1))))


def _add(leaves: Leaves, path: str, key: str, value) -> None:
    value = int(value or 0)
    if value:
        leaves[path][key] = leaves[path].get(key, 0) + value


def _within(qs, within: str | None, lookup: str = "region_path"):
    return qs.filter(path_q(within, lookup)) if within else qs


# ---------------------------------------------------------------- elders


def group_labels(day: dt.date) -> dict[str, str]:
    """Every target-group code the packs define (and local rules add) in force on the
    day, with its label."""

    data = categories.group_rule_data()
    out: dict[str, str] = {}
    for row in data:
        rows = [d for d in data if d.rule_id == row.rule_id]
        res = engine.resolve(row.rule_id, rows, row.region_path, day)
        if res is not None:
            out.setdefault(categories.code_of(res), str(res.get("label") or res.title))
    return dict(sorted(out.items()))


def active_elders_q(w: Window) -> Q:
    """Files open at the end of the day: created by then, and active, or closed after."""
    return Q(created_at__lt=w.end) & (Q(status=ElderStatus.ACTIVE) | Q(status_changed_on__gt=w.day))


def elders(w: Window, leaves: Leaves, within: str | None = None) -> None:
    root = Region.objects.get(code=ROOT_CODE)
    aggregates = {"elders.total": Count("pk")}
    for risk in RiskLevel.values:
        aggregates[f"elders.risk.{risk}"] = Count("pk", filter=Q(risk_level=risk))
    for level in AbilityLevel.values:
        aggregates[f"elders.ability.{level}"] = Count("pk", filter=Q(ability_level=level))
    aggregates["elders.ability.none"] = Count("pk", filter=Q(ability_level=""))
    for key, low, high in AGE_BANDS:
        aggregates[f"elders.age.{key}"] = Count("pk", filter=age_band_q(low, high, w.day))
    for code in group_labels(w.day):
        # The nation as the scope: each elder is judged by the rules of their own region.
        aggregates[f"elders.group.{code}"] = Count(
            "pk", filter=categories.group_q(code, root, w.day)
        )
    qs = _within(Elder.objects.filter(active_elders_q(w)), within)
    names = list(aggregates)
    # Django names annotations by identifier; map them back to the dotted keys.
    aliases = {f"m{i}": aggregates[name] for i, name in enumerate(names)}
    for row in qs.values("region_path").annotate(**aliases).order_by():
        for i, name in enumerate(names):
            _add(leaves, row["region_path"], name, row[f"m{i}"])


# ---------------------------------------------------------------- visits


def visits(w: Window, leaves: Leaves, within: str | None = None) -> None:

    # This week's compliance, with the nightly job's own query (due: weekly elders;
    # visited: those with their required visits this week), per village path.
    sql = compliance.SQL.format(due=VisitDue._meta.db_table, visit=Visit._meta.db_table)
    params: list = [w.week, Period.WEEK]
    if within:
        where = "WHERE d.period = %s"
        assert where in sql, "visits.compliance.SQL changed: update the subtree filter"
        if connection.vendor == "sqlite":  # a range, as core.scope.path_q writes it
            below, below_params = (
                "(d.region_path > %s AND d.region_path < %s)",
                [
                    within + ".",
                    within + "/",
                ],
            )
        else:
            below, below_params = "d.region_path LIKE %s", [within + ".%"]
        sql = sql.replace(where, f"{where} AND (d.region_path = %s OR {below})")
        params += [within, *below_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for path, due, visited in cursor.fetchall():
            _add(leaves, path, "visits.due", due)
            _add(leaves, path, "visits.visited", visited)
    week = _within(Visit.objects.filter(week_start=w.week, visited_at__lt=w.end), within)
    for path, n in week.values_list("region_path").annotate(n=Count("id")).order_by():
        _add(leaves, path, "visits.week", n)
    overdue = _within(VisitDue.objects.filter(due_on__lt=w.day), within)
    for path, n in overdue.values_list("region_path").annotate(n=Count("elder_id")).order_by():
        _add(leaves, path, "visits.overdue", n)
    open_q = Q(created_at__lt=w.end) & (
        Q(status=FollowUpStatus.OPEN) | Q(status=FollowUpStatus.DONE, done_at__gte=w.end)
    )
    follow_ups = _within(FollowUp.objects.filter(open_q), within)
    for row in (
        follow_ups.values("region_path")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(due_on__lt=w.day)),
            sat=Count("id", filter=Q(kind=FollowUpKind.SATISFACTION)),
        )
        .order_by()
    ):
        _add(leaves, row["region_path"], "followups.open", row["n"])
        _add(leaves, row["region_path"], "followups.overdue", row["late"])
        _add(leaves, row["region_path"], "followups.satisfaction", row["sat"])


# ---------------------------------------------------------------- alerts


def alerts(w: Window, leaves: Leaves, within: str | None = None) -> None:

    base = _within(Alert.objects.filter(raised_at__lt=w.end), within)
    unresolved = ~Q(status=AlertStatus.RESOLVED) | Q(resolved_at__gte=w.end)
    unacked = Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=w.end)
    for row in (
        base.filter(unresolved)
        .values("region_path")
        .annotate(
            n=Count("id"),
            urgent=Count("id", filter=Q(level=AlertLevel.URGENT)),
            unacked=Count("id", filter=unacked),
        )
        .order_by()
    ):
        _add(leaves, row["region_path"], "alerts.open", row["n"])
        _add(leaves, row["region_path"], "alerts.open_urgent", row["urgent"])
        _add(leaves, row["region_path"], "alerts.unacked", row["unacked"])
    recent = base.filter(raised_at__gte=day_start(w.since))
    for row in (
        recent.values("region_path")
        .annotate(n=Count("id"), escalated=Count("id", filter=Q(step__gt=0)))
        .order_by()
    ):
        _add(leaves, row["region_path"], "alerts.raised", row["n"])
        _add(leaves, row["region_path"], "alerts.escalated", row["escalated"])
    # How fast: the seconds from raised to acknowledged, summed (a mean when shown).
    for path, raised, acked in recent.filter(acknowledged_at__lt=w.end).values_list(
        "region_path", "raised_at", "acknowledged_at"
    ):
        _add(leaves, path, "alerts.acked", 1)
        _add(leaves, path, "alerts.ack_seconds", max(0, (acked - raised).total_seconds()))


# ---------------------------------------------------------------- home-care services


def services(w: Window, leaves: Leaves, within: str | None = None) -> None:

    base = _within(Order.objects.filter(created_at__lt=w.end), within)
    for path, n in (
        base.filter(status__in=OPEN_STATUSES)
        .values_list("region_path")
        .annotate(n=Count("id"))
        .order_by()
    ):
        _add(leaves, path, "orders.open", n)
    # The window by the service day, as the order list filters it (from/to).
    recent = base.filter(scheduled_for__date__gte=w.since, scheduled_for__date__lte=w.day)
    for row in (
        recent.values("region_path")
        .annotate(
            n=Count("id"),
            rated=Count("id", filter=Q(status=OrderStatus.RATED)),
            rating=Sum("rating", filter=Q(status=OrderStatus.RATED)),
            unrated=Count("id", filter=Q(status=OrderStatus.DONE)),
        )
        .order_by()
    ):
        _add(leaves, row["region_path"], "orders.window", row["n"])
        _add(leaves, row["region_path"], "orders.rated", row["rated"])
        _add(leaves, row["region_path"], "orders.rating_sum", row["rating"])
        _add(leaves, row["region_path"], "orders.unrated", row["unrated"])


# ---------------------------------------------------------------- time bank


def _hundredths(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def timebank(w: Window, leaves: Leaves, within: str | None = None) -> None:

    earned = Entry.objects.filter(
        account__kind=AccountKind.VOLUNTEER,
        kind=EntryKind.EARN,
        amount__gt=0,
        created_at__gte=day_start(w.month),
        created_at__lt=w.end,
    )
    for path, hours, people in (
        _within(earned, within, "account__region_path")
        .values_list("account__region_path")
        .annotate(h=Sum("amount"), n=Count("account", distinct=True))
        .order_by()
    ):
        _add(leaves, path, "timebank.earned", _hundredths(hours))
        _add(leaves, path, "timebank.volunteers", people)
    accounts = _within(Account.objects.filter(kind=AccountKind.VOLUNTEER), within)
    for path, balance in accounts.values_list("region_path").annotate(b=Sum("balance")).order_by():
        _add(leaves, path, "timebank.balance", _hundredths(balance))


# ---------------------------------------------------------------- facilities and Party


def village_path(path: str) -> str:
    """The village-level prefix of a path (nation.province.city.county.township.village),
    or "" for a path above village level."""
    parts = path.split(".")
    return ".".join(parts[:6]) if len(parts) >= 6 else ""


def facilities(w: Window, leaves: Leaves, within: str | None = None) -> set[str]:
    """Operating facilities, beds and nursing beds (as the bed target measures them).
    Returns the village paths that hold an operating facility."""

    root = Region.objects.get(code=ROOT_CODE)
    qs = _within(facility_measures.operating(root, w.day), within)
    covered: set[str] = set()
    for path, n, beds, nursing in (
        qs.values_list("region_path")
        .annotate(n=Count("id"), b=Sum("beds"), nb=Sum("nursing_beds"))
        .order_by()
    ):
        _add(leaves, path, "facilities.count", n)
        _add(leaves, path, "facilities.beds", beds)
        _add(leaves, path, "facilities.nursing_beds", nursing)
        if village_path(path):
            covered.add(village_path(path))
    return covered


def party(w: Window, leaves: Leaves, within: str | None = None) -> None:
    """Institutions Party work is to reach (the party app's institution list) and those
    an own organization, a joint organization or an instructor reaches."""

    qs = _within(
        party_selectors.operating(Facility.objects.all()).filter(
            type__in=[
                *RESIDENTIAL_TYPES,
                FacilityType.HOME_CARE_CENTER,
                FacilityType.COMMUNITY_STATION,
            ]
        ),
        within,
    )
    rows = list(qs.values_list("pk", "region_path"))
    if not rows:
        return
    reaches = party_selectors.reach_map(qs, w.day)
    counted = {party_rules.OWN_ORG, party_rules.JOINT_ORG, party_rules.INSTRUCTOR}
    for pk, path in rows:
        reach = reaches.get(pk, set())
        _add(leaves, path, "party.institutions", 1)
        _add(leaves, path, "party.reached", 1 if reach & counted else 0)
        _add(leaves, path, "party.own_org", 1 if party_rules.OWN_ORG in reach else 0)


# ---------------------------------------------------------------- money


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def money(w: Window, leaves: Leaves, within: str | None = None) -> None:
    """Grants by the status their ledger lines leave them in (the latest grant or status
    line dated on or before the day), and the spending recorded."""

    lines = _within(GrantLine.objects.filter(on_date__lte=w.day).exclude(grant=None), within)
    state: dict = {}
    for grant, path, status, amount in (
        lines.filter(line_kind__in=(LineKind.GRANT, LineKind.STATUS))
        .order_by("seq")
        .values_list("grant", "region_path", "status", "amount")
    ):
        state[grant] = (path, status, amount)
    for path, status, amount in state.values():
        _add(leaves, path, f"money.{status}", _fen(amount))
        _add(leaves, path, f"money.{status}.n", 1)
    for path, spent in (
        lines.filter(line_kind=LineKind.SPENDING)
        .values_list("region_path")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        _add(leaves, path, "money.spent", _fen(spent or Decimal(0)))


SOURCES: list[Callable[[Window, Leaves, str | None], object]] = [
    elders,
    visits,
    alerts,
    services,
    timebank,
    party,
    money,
]


# ---------------------------------------------------------------- roll-up


def prefixes(path: str) -> Iterable[str]:
    parts = path.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i])


def roll_up(leaves: Leaves) -> dict[str, Counts]:
    """Each leaf's counts added to every region on its path."""
    totals: dict[str, Counts] = defaultdict(dict)
    for path, counts in leaves.items():
        for prefix in prefixes(path):
            total = totals[prefix]
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
    return totals


def villages(totals: dict[str, Counts], covered: set[str], within: str | None = None) -> None:
    """Villages and communities (village-level regions; a community's name ends in 社区,
    as the facility measures tell them) under each region, and those with an operating
    facility. Only regions that hold something else get the counts."""
    qs = Region.objects.filter(level=Level.VILLAGE, valid_to__isnull=True)
    for path, name in _within(qs, within, "path").values_list("path", "name").iterator():
        kind = "communities" if name.endswith("社区") else "villages"
        has = path in covered
        for prefix in prefixes(path):
            total = totals.get(prefix)
            if total is None:
                continue
            total[f"{kind}.total"] = total.get(f"{kind}.total", 0) + 1
            if has:
                total[f"{kind}.covered"] = total.get(f"{kind}.covered", 0) + 1


def compute(w: Window, within: str | None = None) -> dict[str, Counts]:
    """Every figure of every region on the paths of the data (or of one subtree)."""
    leaves: Leaves = defaultdict(dict)
    for source in SOURCES:
        source(w, leaves, within)
    covered = facilities(w, leaves, within)
    totals = roll_up(leaves)
    if within:
        totals = {p: c for p, c in totals.items() if p == within or p.startswith(within + ".")}
    villages(totals, covered, within)
    return totals


# ---------------------------------------------------------------- targets


def target_rows(region: Region, day: dt.date) -> list[dict]:
    """Each target rule in force for the region with its status (the targets page's
    evaluation, kept with the figures)."""

    out = []
    for res in policy_selectors.targets_for(region, day):
        try:
            status = indicators.evaluate(res, region, day)
        except Exception:  # a broken measure must not stop the other figures
            log.exception("target %s in %s could not be measured", res.rule_id, region.code)
            status = None
        m = status.measurement if status else None
        decisive = res.decisive
        out.append(
            {
                "rule_id": res.rule_id,
                "title": res.title,
                "indicator": res.params.get("indicator", ""),
                "label": str(indicators.label(res.params.get("indicator", ""))),
                "comparator": res.params.get("comparator", ""),
                "threshold": str(res.params.get("threshold", "")),
                "deadline": str(res.params.get("deadline", "")),
                "status": status.status if status else "not_measured",
                "value": None if m is None else str(m.value),
                "numerator": None if m is None else m.numerator,
                "denominator": None if m is None else m.denominator,
                "url": "" if m is None else m.url,
                "note": "" if m is None else m.note,
                "source": decisive.source,
                "rule_region": decisive.region_code,
            }
        )
    return out


def target_regions() -> set[str]:
    """Regions above city level whose targets anyone reads on the dashboard (a reader's
    own region); from city down to township every region gets its targets."""
    return set(
        User.objects.filter(
            role__in=INSIGHT_READERS, is_active=True, region__level__lt=Level.CITY
        ).values_list("region_id", flat=True)
    )


# ---------------------------------------------------------------- the job


@dataclass
class RefreshResult:
    day: dt.date
    regions: int
    seconds: float


def refresh(day: dt.date | None = None, *, now: dt.datetime | None = None) -> RefreshResult:
    """Recompute and store every region's figures for ``day`` (today by default),
    replacing that day's rows. Target statuses are evaluated for today only: the page
    shows the current ones, and a measure counts what stands now."""
    started = time.perf_counter()
    now = now or timezone.now()
    w = window_for(day, now)
    totals = compute(w)
    regions = {
        r.path: r
        for r in Region.objects.filter(path__in=list(totals)).only(
            "code", "path", "level", "parent_id", "registered_60", "resident_60", "name"
        )
    }
    readers = target_regions()
    rows = []
    for path, figures in totals.items():
        region = regions.get(path)
        if region is None:  # a path copied on a record whose region row is gone
            continue
        population = region.registered_60 or region.resident_60
        if population:
            figures["population_60"] = population
        wanted = w.day == timezone.localdate(now) and (
            Level.CITY <= region.level <= Level.TOWNSHIP or region.code in readers
        )
        targets = target_rows(region, w.day) if wanted else []
        rows.append(
            RegionFigures(
                region_id=region.code,
                region_path=path,
                parent_code=region.parent_id or "",
                level=region.level,
                day=w.day,
                figures=figures,
                targets=targets,
                computed_at=now,
            )
        )
    with transaction.atomic():
        RegionFigures.objects.filter(day=w.day).delete()
        RegionFigures.objects.bulk_create(rows, batch_size=1000)
        prune(w.day)
    return RefreshResult(day=w.day, regions=len(rows), seconds=time.perf_counter() - started)


def prune(today: dt.date) -> int:
    """Older than ``KEEP_DAILY_DAYS``: keep Mondays only (a weekly trend)."""
    cutoff = today - dt.timedelta(days=KEEP_DAILY_DAYS)
    old = RegionFigures.objects.filter(day__lt=cutoff)
    # Django's week_day: 1 = Sunday ... 2 = Monday.
    deleted, _ = old.exclude(day__week_day=2).delete()
    return deleted
