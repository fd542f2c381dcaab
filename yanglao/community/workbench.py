"""Workbench panel: elders who attended no activity for N days (the isolation flag)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import activities as svc


@register(svc.OFFICERS)
def isolation_panel(user) -> Panel | None:
    count = svc.isolated_elders(user).count()
    return Panel(
        title=_("社区活动"),
        order=60,
        items=[
            Item(
                _("长期未参加活动的老人"),
                count,
                reverse("community:isolated"),
                "warning" if count else "",
            ),
            Item(_("活动列表"), svc.activities(user).count(), reverse("community:activity_list")),
        ],
    )
