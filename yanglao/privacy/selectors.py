"""Reads of the privacy app, every one scoped to the caller's region (rule 1)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yanglao.core.scope import get_in_scope, scoped
from yanglao.elders.models import Elder, ElderStatus
from yanglao.elders.selectors import search_q

from .models import Anonymisation, ConsentRecord, DataRequest, RequestStatus
from .services import PRIVACY_READERS


def _readable(actor) -> bool:
    return actor is not None and getattr(actor, "role", None) in PRIVACY_READERS


def consents_of(actor, elder: Elder) -> QuerySet[ConsentRecord]:
    qs = ConsentRecord.objects.filter(elder=elder).select_related("notice", "created_by")
    return scoped(qs, actor, path_lookup="region_path") if _readable(actor) else qs.none()


def consent_get(actor, pk: int) -> ConsentRecord:
    return get_in_scope(
        ConsentRecord.objects.select_related("elder", "elder__person"),
        actor,
        path_lookup="region_path",
        pk=pk,
    )


def in_force_q() -> Q:
    return Q(withdrawn_on__isnull=True)


def elders_without_basis(actor) -> QuerySet[Elder]:
    """在册老人 with no legal basis in force: the workbench item and its list."""
    if not _readable(actor):
        return Elder.objects.none()
    has_basis = ConsentRecord.objects.filter(in_force_q(), elder=OuterRef("pk"))
    return (
        scoped(Elder.objects.filter(status=ElderStatus.ACTIVE), actor, path_lookup="region_path")
        .filter(~Exists(has_basis))
        .select_related("person", "region")
    )


def requests_for(
    actor,
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    overdue: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[DataRequest]:
    if not _readable(actor):
        return DataRequest.objects.none()
    qs = scoped(
        DataRequest.objects.select_related("elder__person", "elder__region", "handled_by"),
        actor,
        path_lookup="region_path",
    )
    if q:
        qs = qs.filter(
            Q(requester_name__icontains=q)
            | Q(
                pk__in=DataRequest.objects.filter(
                    elder__in=Elder.objects.filter(search_q(q))
                ).values("pk")
            )
        )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=RequestStatus.OPEN, due_on__lt=timezone.localdate())
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    return qs.order_by("-received_on", "-id")


def request_get(actor, pk: int) -> DataRequest:
    if not _readable(actor):
        from yanglao.core.errors import Forbidden

        raise Forbidden()
    return get_in_scope(
        DataRequest.objects.select_related("elder", "elder__person", "elder__region", "handled_by"),
        actor,
        path_lookup="region_path",
        pk=pk,
    )


def requests_of(actor, elder: Elder) -> QuerySet[DataRequest]:
    return requests_for(actor).filter(elder=elder)


def anonymisation_of(elder: Elder) -> Anonymisation | None:
    return Anonymisation.objects.filter(elder=elder).first()


def elder_panel(actor, elder: Elder) -> dict | None:
    """What the elder file shows of its legal basis and requests (None: not for this role)."""
    if not _readable(actor):
        return None
    records = list(consents_of(actor, elder))
    return {
        "records": records,
        "in_force": [r for r in records if r.in_force],
        "requests": list(requests_of(actor, elder)[:10]),
        "anonymised": anonymisation_of(elder),
    }
