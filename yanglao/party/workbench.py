"""Workbench panel: what Party work is missing this quarter and this week."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import selectors


@register(selectors.PARTY_USERS)
def party_panel(user) -> Panel | None:
    view = selectors.missing(user)
    if not view.total and not selectors.organizations(user).exists():
        return None
    url = reverse("party:missing")
    return Panel(
        title=_("党建"),
        order=30,
        items=[
            Item(_("本季度主题活动未开展"), len(view.themed), url, "danger" if view.themed else ""),
            Item(
                _("本周选派人员未到岗半天"),
                len(view.half_days),
                url,
                "warning" if view.half_days else "",
            ),
            Item(
                _("本季度“三会一课”未开齐"),
                len(view.meetings),
                url,
                "warning" if view.meetings else "",
            ),
        ],
    )
