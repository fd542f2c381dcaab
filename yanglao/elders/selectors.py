"""Reads of the registry, always scoped to the caller's region (the file's region path)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.policy.engine import resolve_all
from yanglao.policy.selectors import ancestor_rules, lookup, to_data
from yanglao.regions.models import Region

from .assessment import add_months
from .categories import group_q
from .models import Elder, Transfer

SORTS = {
    "name": ("person__name_pinyin", "pk"),
    "-age": ("person__birth_date", "pk"),
    "age": ("-person__birth_date", "pk"),
    "risk": ("risk_rank", "pk"),
    "recent": ("-updated_at", "pk"),
}


def search_q(q: str) -> Q:
    """One box for everything staff type: a name, pinyin initials (zs), full pinyin,
    the last four characters of an ID number, or a phone number."""
    q = q.strip()
    if not q:
        return Q()
    if re.fullmatch(r"\d{3}[\dXx]", q):
        return Q(person__id_tail=q.upper()) | Q(person__phone__endswith=q)
    if q.isdigit():
        return Q(person__phone__startswith=q) | Q(person__phone__endswith=q)
    if re.fullmatch(r"[A-Za-z]+", q):
        # Prefix as a range, not LIKE: the indexes on initials and pinyin then serve it
        # (a million files: ~0.1 s instead of ~0.8 s).
        low = q.lower()
        up = low[:-1] + chr(ord(low[-1]) + 1)
        return Q(person__name_initials__gte=low, person__name_initials__lt=up) | Q(
            person__name_pinyin__gte=low, person__name_pinyin__lt=up
        )
    return Q(person__name__startswith=q) | Q(person__name__contains=q)


def age_band_q(age_min: int | None, age_max: int | None, on: dt.date) -> Q:
    """Ages as birth-date ranges: age is never stored, so it never goes stale."""
    q = Q()
    if age_min is not None:
        q &= Q(person__birth_date__lte=_years_before(on, age_min))
    if age_max is not None:
        q &= Q(person__birth_date__gt=_years_before(on, age_max + 1))
    return q


def due_cutoff(on: dt.date, months: int) -> dt.date:
    """The latest last-assessment date that is due on ``on`` (the inverse of
    assessment.is_due, month ends included), so the filter and the flag agree."""
    cutoff = add_months(on, -months)
    if on.day == calendar.monthrange(on.year, on.month)[1]:
        cutoff = cutoff.replace(day=calendar.monthrange(cutoff.year, cutoff.month)[1])
    return cutoff


def assessment_interval_months(region: Region, on: dt.date) -> int:
    res = lookup("assessment.routine_interval", region, on)
    return int(res.get("interval_months", 12)) if res else 12


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


@dataclass
class ElderFilters:
    q: str = ""
    region: str = ""
    group: str = ""
    risk: str = ""
    ability: str = ""
    age_min: int | None = None
    age_max: int | None = None
    status: str = "active"
    sort: str = "name"
    plan: str = ""  # "missing": high risk without a current plan; "due": review due
    assess: str = ""  # "due": last assessment older than the interval (or never)
    id_warning: bool = False  # only files whose ID number carries a warning


def elders_for(
    actor, filters: ElderFilters | None = None, *, on: dt.date | None = None
) -> QuerySet[Elder]:
    filters = filters or ElderFilters()
    on = on or timezone.localdate()
    qs = scoped(Elder.objects.select_related("person", "region"), actor, path_lookup="region_path")
    if filters.region:
        region = Region.objects.filter(code=filters.region).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if filters.q:
        qs = qs.filter(search_q(filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.risk:
        qs = qs.filter(risk_level=filters.risk)
    if filters.ability == "none":
        qs = qs.filter(ability_level="")
    elif filters.ability:
        qs = qs.filter(ability_level=filters.ability)
    if filters.age_min is not None or filters.age_max is not None:
        qs = qs.filter(age_band_q(filters.age_min, filters.age_max, on))
    if filters.plan == "missing":
        qs = qs.filter(risk_level="high").exclude(care_plans__is_current=True)
    elif filters.plan == "due":
        qs = qs.filter(
            care_plans__is_current=True, care_plans__review_on__lte=on + dt.timedelta(days=7)
        )
    if filters.id_warning:
        qs = qs.exclude(id_warning="")
    if filters.assess == "due":
        months = assessment_interval_months(actor.region, on)
        qs = qs.filter(
            Q(last_assessed_on__isnull=True) | Q(last_assessed_on__lte=due_cutoff(on, months))
        )
    if filters.group:
        # An unknown region code has emptied the list above; the groups still need a region.
        scope_region = (
            Region.objects.filter(code=filters.region).first() if filters.region else None
        ) or actor.region
        qs = qs.filter(group_q(filters.group, scope_region, on))
    if filters.sort == "risk":
        # high, medium, low: the stored codes do not sort that way by themselves.
        qs = qs.annotate(
            risk_rank=Case(
                When(risk_level="high", then=0), When(risk_level="medium", then=1), default=2
            )
        )
    return qs.order_by(*SORTS.get(filters.sort, SORTS["name"]))


def elder_get(actor, pk: int) -> Elder:
    return get_in_scope(
        Elder.objects.select_related("person", "region", "region__parent"),
        actor,
        path_lookup="region_path",
        pk=pk,
    )


def transfers_for(actor, *, status: str = "") -> QuerySet[Transfer]:
    """Both sides see a transfer: the region it leaves and the region it goes to."""
    path = actor.region.path
    qs = Transfer.objects.filter(
        path_q(path, "from_region__path") | path_q(path, "to_region__path")
    ).select_related("elder__person", "from_region", "to_region", "requested_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def transfer_get(actor, pk: int) -> Transfer:
    transfer = transfers_for(actor).filter(pk=pk).first()
    if transfer is None:
        raise NotFound()
    return transfer


def can_see(actor, elder: Elder) -> bool:
    return in_subtree(elder.region_path, actor.region.path)


def groups_available(region: Region, on: dt.date) -> list[tuple[str, str]]:
    """The target groups whose rules apply to the region: (code, label) for the filter."""
    out = []
    for res in policy_view(region, on):
        if res.rule_id.startswith("elder.group."):
            out.append((res.params.get("code", res.rule_id), res.params.get("label", res.title)))
    return sorted(set(out))


def policy_view(region: Region, on: dt.date):
    return resolve_all([to_data(r, r.region.path) for r in ancestor_rules(region)], region.path, on)
