"""Reads of supervision, always in the reader's scope.

Officers see the inspections and findings of their region. An unannounced inspection that
has not happened yet is seen only by the office that planned it and the offices above it
(a township officer does not learn of the county's unannounced visit to a home in the
township). Operators see the inspections and findings of the facilities they run, once
they have happened, and the evaluations of their own operation."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from yanglao.accounts.roles import Role
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.facilities.models import Facility, Ownership, StarRating
from yanglao.policy import selectors as policy_selectors
from yanglao.regions.models import Region
from yanglao.services.models import Order, Provider

from . import rules
from .models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    OperatorEvaluation,
)
from .roles import EVALUATION_READERS, OFFICERS, READERS

NOT_HAPPENED = (InspectionStatus.PLANNED, InspectionStatus.CANCELLED)


def _role(user) -> str:
    return getattr(user, "role", "") or ""


def _region_filter(qs: QuerySet, region_code: str, lookup: str = "region_path") -> QuerySet:
    if not region_code:
        return qs
    region = Region.objects.filter(code=region_code).only("path").first()
    return qs.filter(path_q(region.path, lookup)) if region else qs.none()


# ------------------------------------------------------------------ inspections


def _secret_q(user) -> Q:
    """Unannounced inspections not yet held: only for the planning office and above."""
    return (
        Q(kind=InspectionKind.PLANNED)
        | ~Q(status__in=NOT_HAPPENED)
        | path_q(user.region.path, "organizer_path")
    )


def inspections_visible(user) -> QuerySet[Inspection]:
    qs = Inspection.objects.select_related("facility", "region", "organizer_region")
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        return qs.filter(facility__operators=user).exclude(
            kind=InspectionKind.UNANNOUNCED, status__in=NOT_HAPPENED
        )
    if role not in OFFICERS or getattr(user, "region", None) is None:
        return qs.none()
    return scoped(qs, user, path_lookup="region_path").filter(_secret_q(user))


def inspections(
    user,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    target_kind: str = "",
    region_code: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    facility_id: int | None = None,
) -> QuerySet[Inspection]:
    qs = _region_filter(inspections_visible(user), region_code)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if target_kind:
        qs = qs.filter(target_kind=target_kind)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if date_from:
        qs = qs.filter(planned_on__gte=date_from)
    if date_to:
        qs = qs.filter(planned_on__lte=date_to)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(facility__name__contains=q)
            | Q(region__name__contains=q)
            | Q(inspectors__contains=q)
            | Q(facility__operator_name__contains=q)
        )
    open_q = Q(findings__status__in=(FindingStatus.OPEN, FindingStatus.SUBMITTED))
    return qs.annotate(
        finding_count=Count("findings", distinct=True),
        open_count=Count("findings", filter=open_q, distinct=True),
    ).order_by("-planned_on", "-id")


def inspection_get(user, pk: int) -> Inspection:
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        found = inspections_visible(user).filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found
    if role not in OFFICERS:
        raise NotFound()
    qs = Inspection.objects.select_related("facility", "region", "organizer_region")
    return get_in_scope(qs.filter(_secret_q(user)), user, path_lookup="region_path", pk=pk)


def planned_this_week(user, today: dt.date | None = None) -> QuerySet[Inspection]:
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    return inspections_visible(user).filter(
        status=InspectionStatus.PLANNED,
        planned_on__gte=monday,
        planned_on__lte=monday + dt.timedelta(days=6),
    )


# ------------------------------------------------------------------ findings


def findings_visible(user) -> QuerySet[Finding]:
    qs = Finding.objects.select_related(
        "inspection",
        "inspection__facility",
        "inspection__region",
        "responsible_region",
        "escalated_to",
        "responsible_user",
    )
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        return qs.filter(inspection__facility__operators=user)
    if role not in OFFICERS or getattr(user, "region", None) is None:
        return qs.none()
    return scoped(qs, user, path_lookup="region_path")


def overdue_q(today: dt.date) -> Q:
    """Deadline passed and not closed."""
    return Q(deadline__lt=today) & ~Q(status=FindingStatus.CLOSED)


def findings(
    user,
    *,
    q: str = "",
    status: str = "",
    severity: str = "",
    overdue: bool = False,
    escalated: str = "",
    region_code: str = "",
    today: dt.date | None = None,
) -> QuerySet[Finding]:
    """``escalated``: "here" (escalated to the user's own region), "any" (escalated at all)."""
    today = today or timezone.localdate()
    qs = _region_filter(findings_visible(user), region_code)
    if status == "unclosed":
        qs = qs.exclude(status=FindingStatus.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if escalated == "here":
        region = getattr(user, "region", None)
        qs = qs.filter(escalated_to=region) if region is not None else qs.none()
    elif escalated == "any":
        qs = qs.filter(escalation_level__gt=0)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(description__contains=q)
            | Q(item_label__contains=q)
            | Q(responsible__contains=q)
            | Q(inspection__facility__name__contains=q)
            | Q(inspection__region__name__contains=q)
        )
    if overdue:
        return qs.order_by("deadline", "id")
    return qs.order_by("status", "deadline", "id")


def overdue(user, today: dt.date | None = None, **filters) -> QuerySet[Finding]:
    return findings(user, overdue=True, today=today, **filters)


def finding_get(user, pk: int) -> Finding:
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        found = findings_visible(user).filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found
    if role not in OFFICERS:
        raise NotFound()
    qs = Finding.objects.select_related(
        "inspection",
        "inspection__facility",
        "inspection__region",
        "responsible_region",
        "escalated_to",
        "responsible_user",
    )
    return get_in_scope(qs, user, path_lookup="region_path", pk=pk)


def days_overdue(finding: Finding, today: dt.date | None = None) -> int:
    if finding.status == FindingStatus.CLOSED:
        return 0
    return rules.overdue_days(finding.deadline, today or timezone.localdate())


# ------------------------------------------------------------------ checklist


def checklist_for(
    region: Region, target: str, on: dt.date | None = None
) -> tuple[list[rules.ChecklistItem], object | None]:
    """The checklist items for a target kind at a region on a day, and the resolution
    (for its trace); ([], None) when no rule applies."""
    res = policy_selectors.lookup(rules.CHECKLIST_RULE, region, on)
    if res is None:
        return [], None
    return rules.checklist_items(res.params, target), res


def rule_summary(res) -> dict:
    """What a page shows of the rule a figure came from."""
    if res is None:
        return {}
    rule = res.decisive
    return {
        "rule_id": res.rule_id,
        "title": res.title,
        "source": rule.source,
        "local_default": rule.local_default,
        "region": rule.region_code,
    }


# ------------------------------------------------------------------ operator evaluation


def evaluations_visible(user) -> QuerySet[OperatorEvaluation]:
    qs = OperatorEvaluation.objects.select_related("region")
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        return qs.filter(facilities__operators=user).distinct()
    if role not in EVALUATION_READERS or getattr(user, "region", None) is None:
        return qs.none()
    return scoped(qs, user, path_lookup="region_path")


def evaluations(
    user,
    *,
    q: str = "",
    year: int | None = None,
    result: str = "",
    region_code: str = "",
) -> QuerySet[OperatorEvaluation]:
    qs = _region_filter(evaluations_visible(user), region_code)
    if year:
        qs = qs.filter(year=year)
    if result == "passed":
        qs = qs.filter(passed=True)
    elif result == "failed":
        qs = qs.filter(passed=False)
    elif result == "flagged":
        qs = qs.filter(flagged=True, resolution="")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(operator_name__contains=q) | Q(facilities__name__contains=q)).distinct()
    return qs.order_by("-year", "passed", "operator_name", "id")


def flagged(user, **filters) -> QuerySet[OperatorEvaluation]:
    return evaluations(user, result="flagged", **filters)


def evaluation_get(user, pk: int) -> OperatorEvaluation:
    role = _role(user)
    if role == Role.FACILITY_OPERATOR:
        found = evaluations_visible(user).filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found
    if role not in EVALUATION_READERS:
        raise NotFound()
    return get_in_scope(
        OperatorEvaluation.objects.select_related("region"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


THIRD_PARTY = (Ownership.PUBLIC_BUILT_PRIVATE_RUN, Ownership.PRIVATE_PUBLIC_AID)


def operators_in(region: Region, *, all_ownerships: bool = False) -> list[dict]:
    """Operators (运营方) of the facilities in a region: by default those running
    public-built private-run or publicly aided facilities (the seed's 市场主体)."""
    qs = Facility.objects.filter(path_q(region.path, "region_path")).exclude(operator_name="")
    if not all_ownerships:
        qs = qs.filter(ownership__in=THIRD_PARTY)
    rows = qs.values("operator_name").annotate(n=Count("id")).order_by("operator_name")
    return [{"name": r["operator_name"], "facilities": r["n"]} for r in rows]


def operator_facilities(region: Region, operator_name: str) -> QuerySet[Facility]:
    return (
        Facility.objects.filter(path_q(region.path, "region_path"), operator_name=operator_name)
        .select_related("region")
        .order_by("region_path", "name")
    )


def candidate_providers(region: Region, operator_name: str, facilities) -> QuerySet[Provider]:
    """The service providers whose rated orders speak for this operator: named as the
    operator, named after one of its facilities, or answering through the same accounts
    as the facilities' operators."""
    facilities = list(facilities)
    match = Q(name=operator_name)
    for facility in facilities:
        match |= Q(name__startswith=facility.name)
    operator_ids = list(
        Facility.operators.through.objects.filter(
            facility_id__in=[f.pk for f in facilities]
        ).values_list("user_id", flat=True)
    )
    if operator_ids:
        match |= Q(users__in=operator_ids)
    return (
        Provider.objects.filter(path_q(region.path, "region_path"))
        .exclude(kind="volunteer")
        .filter(match)
        .distinct()
        .order_by("name")
    )


def providers_in(region: Region) -> QuerySet[Provider]:
    """Every service provider of the region an evaluator may count (volunteers aside)."""
    return (
        Provider.objects.filter(path_q(region.path, "region_path"))
        .exclude(kind="volunteer")
        .order_by("name")
    )


def satisfaction_of(
    region: Region, year: int, providers, params: dict
) -> tuple[rules.Satisfaction, list[dict], list[dict]]:
    """The elders' ratings of these providers' orders in the region, rated in the year:
    overall, per provider, and the low ratings with their comments (evidence)."""
    threshold = int(params.get("satisfied_min_rating", 4))
    provider_ids = [p.pk for p in providers]
    qs = Order.objects.filter(
        path_q(region.path, "region_path"),
        provider_id__in=provider_ids,
        rating__isnull=False,
        rated_at__year=year,
    )
    per = list(
        qs.values("provider_id", "provider__name")
        .annotate(
            rated=Count("id"),
            satisfied=Count("id", filter=Q(rating__gte=threshold)),
            low=Count("id", filter=Q(rating__lte=2)),
            average=Avg("rating"),
        )
        .order_by("provider__name")
    )
    rated = sum(r["rated"] for r in per)
    satisfied = sum(r["satisfied"] for r in per)
    low = sum(r["low"] for r in per)
    total_points = sum((r["average"] or 0) * r["rated"] for r in per)
    average = Decimal(str(round(total_points / rated, 2))) if rated else None
    rows = [
        {
            "provider_id": r["provider_id"],
            "name": r["provider__name"],
            "rated": r["rated"],
            "satisfied": r["satisfied"],
            "low": r["low"],
            "average": str(round(r["average"], 2)) if r["average"] is not None else "",
        }
        for r in per
    ]
    lows = [
        {
            "order": o.number,
            "rating": o.rating,
            "comment": o.rating_comment,
            "rated_on": timezone.localtime(o.rated_at).date().isoformat() if o.rated_at else "",
        }
        for o in qs.filter(rating__lte=2).order_by("rated_at")[:20]
    ]
    return rules.Satisfaction(rated, satisfied, average, low), rows, lows


def inspection_evidence(facilities, year: int, today: dt.date | None = None) -> dict:
    """The year's inspections of these facilities: how many, the items failed by section,
    the findings by severity, and those still open or overdue."""
    today = today or timezone.localdate()
    ids = [f.pk for f in facilities]
    held = Inspection.objects.filter(
        facility_id__in=ids, inspected_on__year=year, status__in=("recorded", "closed")
    )
    failed = Counter(
        held.filter(items__result="fail").values_list("items__section_label", flat=True)
    )
    found = Finding.objects.filter(inspection__in=held)
    severity = Counter(found.values_list("severity", flat=True))
    rows = [
        {
            "id": f.pk,
            "facility": f.inspection.facility.name if f.inspection.facility_id else "",
            "item": f.item_label,
            "severity": f.severity,
            "description": f.description[:120],
            "deadline": f.deadline.isoformat(),
            "status": f.status,
            "overdue": f.status != FindingStatus.CLOSED and f.deadline < today,
        }
        for f in found.select_related("inspection__facility").order_by("deadline")[:50]
    ]
    return {
        "inspections": held.count(),
        "unannounced": held.filter(kind=InspectionKind.UNANNOUNCED).count(),
        "failed_items_by_section": dict(failed),
        "findings": found.count(),
        "findings_by_severity": dict(severity),
        "unclosed": found.exclude(status=FindingStatus.CLOSED).count(),
        "overdue": found.filter(overdue_q(today)).count(),
        "finding_rows": rows,
    }


def star_evidence(facilities, year: int) -> list[dict]:
    """The star rating or grade in force at the end of the year, per facility."""
    out = []
    end = dt.date(year, 12, 31)
    for facility in facilities:
        rating = (
            StarRating.objects.filter(facility=facility, rated_on__lte=end)
            .order_by("-rated_on", "-id")
            .first()
        )
        if rating is not None:
            out.append(
                {
                    "facility": facility.name,
                    "scheme": rating.scheme,
                    "stars": rating.stars,
                    "rated_on": rating.rated_on.isoformat(),
                }
            )
    return out


def counts_for_workbench(user, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    visible = findings_visible(user)
    region = getattr(user, "region", None)
    return {
        "overdue": visible.filter(overdue_q(today)).count(),
        "escalated_here": visible.filter(escalated_to=region)
        .exclude(status=FindingStatus.CLOSED)
        .count()
        if region is not None
        else 0,
        "awaiting_reinspection": visible.filter(status=FindingStatus.SUBMITTED).count(),
        "open": visible.exclude(status=FindingStatus.CLOSED).count(),
        "this_week": planned_this_week(user, today).count(),
    }


__all__ = ["READERS"]
