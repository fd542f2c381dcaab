"""Reads of the feed batches and stays, always in the reader's scope: officers see the
batches and residents of the facilities in their region; an operator sees only the
facilities they run (``Facility.operators``), like the facility registry itself."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yanglao.accounts.roles import Role
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.facilities import selectors as facility_selectors
from yanglao.regions.models import Region

from .models import FeedBatch, Residency

READERS = facility_selectors.READERS | {Role.FACILITY_OPERATOR}


def _is_operator(user) -> bool:
    return getattr(user, "role", "") == Role.FACILITY_OPERATOR


def batches_visible(user) -> QuerySet[FeedBatch]:
    qs = FeedBatch.objects.select_related("facility", "facility__region", "created_by")
    if _is_operator(user):
        return qs.filter(facility__operators=user)
    if getattr(user, "role", "") in facility_selectors.READERS:
        return scoped(qs, user, path_lookup="region_path")
    return qs.none()


def batches(
    user,
    *,
    q: str = "",
    kind: str = "",
    facility_id: int | None = None,
    unmatched: bool = False,
    region_code: str = "",
) -> QuerySet[FeedBatch]:
    qs = batches_visible(user)
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if unmatched:
        qs = qs.filter(unmatched__gt=0)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(facility__name__contains=q) | Q(facility__operator_name__contains=q))
    return qs.order_by("-received_at", "-id")


def batch_get(user, pk: int) -> FeedBatch:
    base = FeedBatch.objects.select_related("facility", "facility__region", "created_by")
    if _is_operator(user):
        batch = base.filter(pk=pk, facility__operators=user).first()
        if batch is None:
            raise NotFound()
        return batch
    if getattr(user, "role", "") not in facility_selectors.READERS:
        raise NotFound()
    return get_in_scope(base, user, path_lookup="region_path", pk=pk)


def facility_get(user, pk: int):
    """The facility, as the registry lets this user see it (404 otherwise)."""
    return facility_selectors.facility_get(user, pk)


def residents(user, facility, *, q: str = "", current: bool = True) -> QuerySet[Residency]:
    """The stays in a facility the caller may see (``facility`` from ``facility_get``)."""
    qs = Residency.objects.filter(facility=facility).select_related(
        "elder__person", "elder__region", "facility"
    )
    if current:
        qs = qs.filter(until__isnull=True)
    q = (q or "").strip()
    if q:
        low = q.lower()
        qs = qs.filter(
            Q(elder__person__name__contains=q)
            | Q(elder__person__name_initials__startswith=low)
            | Q(elder__person__name_pinyin__startswith=low)
            | Q(bed=q)
            | Q(room=q)
        )
    return qs.order_by("room", "bed", "elder__person__name_pinyin", "pk")


def residency_of(user, elder) -> Residency | None:
    """The elder's current stay, for the elder file (the caller has the elder in scope).
    The facility's name is shown even when the facility is outside the caller's region:
    where an elder of theirs lives is part of the file."""
    return (
        Residency.objects.filter(elder=elder, until__isnull=True)
        .select_related("facility", "facility__region")
        .first()
    )


def stays_of(elder, limit: int = 10) -> list[Residency]:
    return list(
        Residency.objects.filter(elder=elder)
        .select_related("facility")
        .order_by("-since", "-pk")[:limit]
    )


def resident_count(facility) -> int:
    return Residency.objects.filter(facility=facility, until__isnull=True).count()
