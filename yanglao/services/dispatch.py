"""Dispatch (派单): which providers may take an order, and in what order to propose them.

A provider qualifies when it is active, offers the item, is of a kind the item allows,
serves the elder's area (one of its areas is the elder's region or above it) and holds
the item's qualification, valid on the service day. Among those, the proposal puts the
available first (working that weekday and hour, under its daily capacity), then the
nearest (kilometres when both locations are known, else the distance in the region
tree), then the least loaded, then the best rated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.policy.selectors import lookup_param

from .models import OPEN_STATUSES, Order, OrderStatus, Provider

COUNTED = (*OPEN_STATUSES, OrderStatus.DONE, OrderStatus.RATED)


@dataclass
class Proposal:
    provider: Provider
    available: bool
    load: int
    distance_km: float | None
    tree_distance: int
    rating: float | None
    notes: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple:
        km = self.distance_km if self.distance_km is not None else math.inf
        return (not self.available, km, self.tree_distance, self.load, -(self.rating or 0))


def ancestor_paths(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _tree_distance(a: str, b: str) -> int:
    x, y = a.split("."), b.split(".")
    common = 0
    for p, q in zip(x, y, strict=False):
        if p != q:
            break
        common += 1
    return (len(x) - common) + (len(y) - common)


def qualified(order: Order):
    """Providers that may take ``order`` (the database does the filtering)."""
    item = order.item
    day = timezone.localtime(order.scheduled_for).date()
    qs = Provider.objects.filter(
        active=True,
        kind__in=item.deliverers or [],
        items=item,
        areas__path__in=ancestor_paths(order.region_path),
    )
    if item.qualification:
        qs = qs.filter(
            Q(qualifications__kind=item.qualification)
            & (Q(qualifications__expires_on__isnull=True) | Q(qualifications__expires_on__gte=day))
        )
    return qs.distinct()


def why_not(order: Order, provider: Provider) -> list[str]:
    """Why ``provider`` may not take ``order`` (empty when it may)."""
    item = order.item
    day = timezone.localtime(order.scheduled_for).date()
    out = []
    if not provider.active:
        out.append(_("该服务方已停用"))
    if provider.kind not in (item.deliverers or []):
        out.append(_("该类服务方不能提供此项目"))
    if not provider.items.filter(pk=item.pk).exists():
        out.append(_("该服务方未登记此服务项目"))
    if not provider.areas.filter(path__in=ancestor_paths(order.region_path)).exists():
        out.append(_("老人不在该服务方的服务区域内"))
    if item.qualification:
        valid = provider.qualifications.filter(kind=item.qualification).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )
        if not valid.exists():
            out.append(_("缺少有效资质：%(q)s") % {"q": item.get_qualification_display()})
    return out


def proposals(order: Order, limit: int | None = None) -> list[Proposal]:
    when = timezone.localtime(order.scheduled_for)
    day = when.date()
    providers = list(qualified(order))
    ids = [p.pk for p in providers]
    loads = dict(
        Order.objects.filter(provider_id__in=ids, status__in=COUNTED, scheduled_for__date=day)
        .exclude(pk=order.pk)
        .values_list("provider_id")
        .annotate(n=Count("id"))
    )
    ratings = dict(
        Order.objects.filter(provider_id__in=ids, rating__isnull=False)
        .values_list("provider_id")
        .annotate(a=Avg("rating"))
    )
    elder = order.elder
    out = []
    for p in providers:
        notes = []
        works = str(when.isoweekday()) in p.work_days
        in_hours = p.work_start <= when.time() < p.work_end
        load = loads.get(p.pk, 0)
        if not works:
            notes.append(_("当天不工作"))
        elif not in_hours:
            notes.append(_("不在工作时间"))
        if load >= p.daily_capacity:
            notes.append(_("当天已满（%(n)s 单）") % {"n": load})
        km = None
        if None not in (elder.latitude, elder.longitude, p.latitude, p.longitude):
            km = round(haversine_km(elder.latitude, elder.longitude, p.latitude, p.longitude), 1)
        out.append(
            Proposal(
                provider=p,
                available=works and in_hours and load < p.daily_capacity,
                load=load,
                distance_km=km,
                tree_distance=_tree_distance(order.region_path, p.region_path),
                rating=round(float(ratings[p.pk]), 2) if p.pk in ratings else None,
                notes=notes,
            )
        )
    out.sort(key=Proposal.sort_key)
    if limit is None:
        limit = int(lookup_param("service.dispatch", "max_proposals", elder.region, None, 5))
    return out[:limit]
