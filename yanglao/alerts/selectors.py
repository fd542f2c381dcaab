"""Reads of alerts, devices and check-ins: always in the reader's region scope (a visitor
sees the alerts of the elders paired with them)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from yanglao.accounts.roles import Role
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.regions.models import Region

from .models import Alert, AlertStatus, Device


def alerts_for(
    user,
    *,
    status: str = "",
    level: str = "",
    source: str = "",
    region_code: str = "",
    since: dt.date | None = None,
) -> QuerySet[Alert]:
    if getattr(user, "role", None) == Role.VISITOR:
        from yanglao.visits.pairing import active_pairings

        mine = active_pairings(timezone.localdate()).filter(
            visitor__user=user, elder=OuterRef("elder_id")
        )
        qs = Alert.objects.filter(Exists(mine))
    else:
        qs = scoped(Alert.objects.all(), user, path_lookup="region_path")
    if status == "unresolved":
        qs = qs.exclude(status=AlertStatus.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if source:
        qs = qs.filter(source=source)
    if region_code:  # a region below the scope (the dashboard's drill-down links here)
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if since:  # raised on or after this day (Asia/Shanghai)
        qs = qs.filter(raised_at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min)))
    open_first = Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.RESOLVED, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.select_related("elder__person").order_by(open_first, "-raised_at", "-id")


def devices_for(user) -> QuerySet[Device]:
    return (
        scoped(Device.objects.all(), user, path_lookup="region_path")
        .select_related("elder__person")
        .order_by("serial")
    )


def alert_get(user, pk: int) -> Alert:
    """One alert the user may see (a visitor: of the elders paired with them)."""
    if getattr(user, "role", None) == Role.VISITOR:
        alert = alerts_for(user).filter(pk=pk).first()
        if alert is None:
            raise NotFound()
        return alert
    return get_in_scope(
        Alert.objects.select_related("elder__person", "elder__region"),
        user,
        path_lookup="region_path",
        pk=pk,
    )
