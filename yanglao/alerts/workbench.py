"""Workbench panels: open alerts and today's check-ins."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.dashboard.panels import Item, Panel, register

from . import checkins, selectors


@register(VISIT_OFFICERS | {Role.VISITOR})
def alerts_panel(user) -> Panel | None:
    alerts = selectors.alerts_for(user, status="unresolved")
    open_count = alerts.count()
    urgent = alerts.filter(level="urgent").count()
    today = checkins.today_list(user)
    missed = sum(1 for r in today if r["state"] == "missed")
    waiting = sum(1 for r in today if r["state"] == "waiting")
    url = reverse("alerts:list")
    return Panel(
        title=_("告警与签到"),
        order=6,
        items=[
            Item(_("未解除的告警"), open_count, url, "warning" if open_count else ""),
            Item(
                _("其中紧急"),
                urgent,
                f"{url}?status=unresolved&level=urgent",
                "danger" if urgent else "",
            ),
            Item(
                _("今日未按时签到"), missed, reverse("alerts:checkins"), "danger" if missed else ""
            ),
            Item(_("今日待签到"), waiting, reverse("alerts:checkins")),
        ],
    )
