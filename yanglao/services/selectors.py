"""Reads of orders, providers and ratings: always in the reader's region scope.

Officers see the orders of elders in their region. A provider's accounts (a facility
operator, a volunteer) see the orders assigned to their provider, wherever the elder
lives, and nothing else.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from yanglao.core import audit
from yanglao.core.errors import NotFound
from yanglao.core.models import Outcome
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.regions.models import Region

from .dispatch import ancestor_paths
from .models import OPEN_STATUSES, Order, OrderStatus, Provider, ServiceItem
from .services import OFFICERS


def provider_ids_for(user) -> list[int]:
    from yanglao.visits.models import Visitor

    ids = set(Provider.objects.filter(users=user).values_list("pk", flat=True))
    person = Visitor.objects.filter(user=user).values_list("person_id", flat=True).first()
    if person:
        ids |= set(Provider.objects.filter(person_id=person).values_list("pk", flat=True))
    return sorted(ids)


def _base() -> QuerySet[Order]:
    return Order.objects.select_related("elder__person", "elder__region", "item", "provider")


def orders(
    user,
    *,
    q: str = "",
    status: str = "",
    help: str = "",
    provider_id: int | None = None,
    region_code: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    rating: str = "",
) -> QuerySet[Order]:
    """The order list an officer sees (search by number, elder name or pinyin)."""
    qs = scoped(_base(), user, path_lookup="region_path")
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if help:
        qs = qs.filter(item__help=help)
    if provider_id:
        qs = qs.filter(provider_id=provider_id)
    if date_from:
        qs = qs.filter(scheduled_for__date__gte=date_from)
    if date_to:
        qs = qs.filter(scheduled_for__date__lte=date_to)
    if rating == "low":
        qs = qs.filter(rating__lte=2)
    elif rating == "unrated":
        qs = qs.filter(status=OrderStatus.DONE)
    q = (q or "").strip()
    if q:
        low = q.lower()
        qs = qs.filter(
            Q(number=q.upper())
            | Q(elder__person__name__contains=q)
            | Q(elder__person__name_initials__startswith=low)
            | Q(elder__person__name_pinyin__startswith=low)
        )
    return qs.order_by("-created_at", "-id")


def provider_orders(user, *, status: str = "") -> QuerySet[Order]:
    """The orders of the providers the user acts for (their phone list)."""
    qs = _base().filter(provider_id__in=provider_ids_for(user))
    if status == "open":
        qs = qs.filter(
            status__in=(OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS)
        )
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("scheduled_for", "id")


def order_get(user, pk: int) -> Order:
    """One order: an officer's in scope, or one assigned to a provider the user acts for."""
    if getattr(user, "role", "") in OFFICERS:
        return get_in_scope(_base(), user, path_lookup="region_path", pk=pk)
    order = _base().filter(pk=pk, provider_id__in=provider_ids_for(user)).first()
    if order is None:
        raise NotFound()
    return order


def elder_orders(elder, limit: int = 20) -> list[Order]:
    """An elder's recent orders, for the elder file (the caller has the elder in scope)."""
    return list(
        Order.objects.filter(elder=elder)
        .select_related("item", "provider")
        .order_by("-created_at")[:limit]
    )


def providers(user, *, q: str = "", kind: str = "", item: str = "", active: str = "1"):
    """Providers registered in the user's region, or serving an area in it or above it."""
    region = getattr(user, "region", None)
    if region is None:
        return Provider.objects.none()
    serving = Q(areas__path__in=ancestor_paths(region.path)) | path_q(region.path, "areas__path")
    qs = Provider.objects.filter(path_q(region.path, "region_path") | serving).distinct()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(phone__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if item:
        qs = qs.filter(items__code=item)
    if active == "1":
        qs = qs.filter(active=True)
    elif active == "0":
        qs = qs.filter(active=False)
    return qs.select_related("region").order_by("name", "id")


def provider_get(user, pk: int) -> Provider:
    provider = providers(user, active="").filter(pk=pk).first()
    if provider is None:
        if pk in provider_ids_for(user):
            return Provider.objects.get(pk=pk)
        if Provider.objects.filter(pk=pk).exists():
            audit.record(
                actor=user,
                action="access.out_of_scope",
                outcome=Outcome.DENIED,
                detail={"model": "Provider", "lookup": {"pk": str(pk)}},
            )
        raise NotFound()
    return provider


def expiring_qualifications(provider: Provider, within_days: int = 30) -> list:
    today = timezone.localdate()
    return [
        q
        for q in provider.qualifications.all()
        if q.expires_on is not None and q.expires_on <= today + dt.timedelta(days=within_days)
    ]


def provider_ratings(user, *, year: int | None = None) -> list[dict]:
    """Ratings rolled up per provider (for the operator evaluation): the orders of the
    user's scope rated in the year, the average, and the low ratings."""
    qs = scoped(Order.objects.filter(rating__isnull=False), user, path_lookup="region_path")
    if year:
        qs = qs.filter(rated_at__year=year)
    rows = (
        qs.values("provider_id", "provider__name", "provider__kind")
        .annotate(n=Count("id"), avg=Avg("rating"), low=Count("id", filter=Q(rating__lte=2)))
        .order_by("-n")
    )
    done = dict(
        scoped(
            Order.objects.filter(status__in=(OrderStatus.DONE, OrderStatus.RATED)),
            user,
            path_lookup="region_path",
        )
        .filter(**({"finished_at__year": year} if year else {}))
        .values_list("provider_id")
        .annotate(n=Count("id"))
    )
    out = []
    for r in rows:
        n_done = done.get(r["provider_id"], 0)
        out.append(
            {
                "provider_id": r["provider_id"],
                "name": r["provider__name"],
                "kind": r["provider__kind"],
                "rated": r["n"],
                "done": n_done,
                "average": round(float(r["avg"]), 2),
                "low": r["low"],
                "rate_of_rating": round(r["n"] / n_done, 3) if n_done else None,
            }
        )
    return out


def active_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(active=True)


def counts_for_workbench(user) -> dict:
    qs = scoped(Order.objects.all(), user, path_lookup="region_path")
    return {
        "requested": qs.filter(status=OrderStatus.REQUESTED).count(),
        "unrated": qs.filter(status=OrderStatus.DONE).count(),
        "in_progress": qs.filter(
            status__in=(OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS)
        ).count(),
    }


# The catalogue is national (no region), but reads still go through here.


def catalogue_items(*, category: str = "") -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.all()
    return qs.filter(category=category) if category else qs


def active_item(code: str) -> ServiceItem | None:
    return ServiceItem.objects.filter(code=code or "", active=True).first()


def item_get(pk: int) -> ServiceItem:
    item = ServiceItem.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


def provider_recent_orders(user, provider: Provider, limit: int = 20) -> list[Order]:
    """A provider's latest orders: an officer sees those of their region, the provider's
    own accounts all of them."""
    qs = _base().filter(provider=provider)
    if getattr(user, "role", "") in OFFICERS:
        qs = scoped(qs, user, path_lookup="region_path")
    elif provider.pk not in provider_ids_for(user):
        return []
    return list(qs.order_by("-created_at")[:limit])


def volunteers_in_scope(user, limit: int = 300):
    """Active volunteers of the user's region, to register one as a provider."""
    from yanglao.visits.models import Visitor, VisitorKind

    qs = Visitor.objects.filter(active=True, kind=VisitorKind.VOLUNTEER).select_related("person")
    return scoped(qs, user, path_lookup="region_path")[:limit]


def volunteer_person(user, raw) -> object | None:
    """The Person of a volunteer in the user's region (by visitor id), or None."""
    from yanglao.visits.models import Visitor

    try:
        pk = int(raw or 0)
    except (TypeError, ValueError):
        return None
    visitor = (
        scoped(Visitor.objects.select_related("person"), user, path_lookup="region_path")
        .filter(pk=pk)
        .first()
    )
    return visitor.person if visitor else None


def elders_matching(user, q: str) -> list:
    """Active elders in scope matching a name, pinyin initials or ID tail (the request form)."""
    qs = scoped(
        _elder_model().objects.select_related("person", "region"), user, path_lookup="region_path"
    )
    qs = qs.filter(status="active")
    q = q.strip()
    if not q:
        return []
    low = q.lower()
    return list(
        qs.filter(
            Q(person__name__contains=q)
            | Q(person__name_initials__startswith=low)
            | Q(person__name_pinyin__startswith=low)
            | Q(person__id_tail=q)
        ).order_by("person__name", "pk")[:20]
    )


def elder_in_scope(user, elder_id):
    """An elder the user may ask a service for: a visitor's paired elder, else in scope."""
    from yanglao.visits.selectors import elder_for_visit

    if getattr(user, "role", "") == "visitor":
        return elder_for_visit(user, int(elder_id))
    return get_in_scope(
        _elder_model().objects.select_related("person", "region"),
        user,
        path_lookup="region_path",
        pk=int(elder_id),
    )


def _elder_model():
    from yanglao.elders.models import Elder

    return Elder
