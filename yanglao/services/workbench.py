"""Workbench panels: orders waiting for dispatch, unrated and low-rated services,
satisfaction follow-ups, expiring qualifications, and the provider's own orders."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core.scope import scoped
from yanglao.dashboard.panels import Item, Panel, register

from . import selectors
from .models import Order, OrderStatus, Qualification


@register(VISIT_OFFICERS)
def services_panel(user) -> Panel | None:
    orders = scoped(Order.objects.all(), user, path_lookup="region_path")
    today = timezone.localdate()
    waiting = orders.filter(status=OrderStatus.REQUESTED).count()
    late = orders.filter(
        status__in=(OrderStatus.ASSIGNED, OrderStatus.ACCEPTED),
        scheduled_for__lt=timezone.now() - dt.timedelta(hours=2),
    ).count()
    unrated = orders.filter(status=OrderStatus.DONE).count()
    low = orders.filter(rating__lte=2, rated_at__date__gte=today - dt.timedelta(days=30)).count()
    from yanglao.visits.models import FollowUp, FollowUpKind, FollowUpStatus

    satisfaction = (
        scoped(FollowUp.objects.all(), user, path_lookup="region_path")
        .filter(kind=FollowUpKind.SATISFACTION, status=FollowUpStatus.OPEN)
        .count()
    )
    expiring = Qualification.objects.filter(
        provider__in=selectors.providers(user).values("pk"),
        expires_on__lte=today + dt.timedelta(days=30),
    ).count()
    base = reverse("services:orders")
    return Panel(
        title=_("居家服务"),
        order=15,
        items=[
            Item(_("待派单"), waiting, f"{base}?status=requested", "danger" if waiting else ""),
            Item(_("超时未开始"), late, f"{base}?status=open", "warning" if late else ""),
            Item(_("完成待评价"), unrated, f"{base}?rating=unrated", ""),
            Item(_("近30天不满意"), low, f"{base}?rating=low", "danger" if low else ""),
            Item(
                _("待回访"),
                satisfaction,
                reverse("visits:follow_ups") + "?status=open",
                "warning" if satisfaction else "",
            ),
            Item(
                _("资质30天内到期"),
                expiring,
                reverse("services:providers"),
                "warning" if expiring else "",
            ),
        ],
    )


@register(frozenset({Role.VISITOR, Role.FACILITY_OPERATOR}))
def my_orders_panel(user) -> Panel | None:
    ids = selectors.provider_ids_for(user)
    if not ids:
        return None
    qs = Order.objects.filter(provider_id__in=ids)
    today = timezone.localdate()
    url = reverse("services:my_orders")
    new = qs.filter(status=OrderStatus.ASSIGNED).count()
    todays = qs.filter(
        status__in=(OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS), scheduled_for__date__lte=today
    ).count()
    return Panel(
        title=_("我的服务单"),
        order=6,
        items=[
            Item(_("新派的单（待接）"), new, url, "danger" if new else ""),
            Item(_("今天要做"), todays, url, "warning" if todays else ""),
            Item(
                _("已完成"),
                qs.filter(status__in=(OrderStatus.DONE, OrderStatus.RATED)).count(),
                url + "?status=done",
                "",
            ),
        ],
    )
