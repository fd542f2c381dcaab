"""Workbench panel: files without a recorded legal basis, data requests to answer."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import selectors
from .models import RequestStatus
from .services import PRIVACY_WRITERS


@register(PRIVACY_WRITERS)
def privacy_panel(user) -> Panel | None:
    without = selectors.elders_without_basis(user).count()
    open_requests = selectors.requests_for(user, status=RequestStatus.OPEN)
    waiting = open_requests.count()
    overdue = open_requests.filter(due_on__lt=timezone.localdate()).count()
    if not (without or waiting):
        return None
    base = reverse("privacy:requests")
    return Panel(
        title=_("个人信息保护"),
        order=75,
        items=[
            Item(
                _("未登记处理依据的老人"),
                without,
                reverse("privacy:without_basis"),
                "warning" if without else "",
            ),
            Item(_("待答复的查阅/更正/删除请求"), waiting, f"{base}?status=open"),
            Item(_("逾期未答复"), overdue, f"{base}?overdue=1", "danger" if overdue else ""),
        ],
    )
