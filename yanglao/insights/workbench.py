"""Workbench panel: the region at a glance, one click from the workbench."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import selectors
from .roles import INSIGHT_READERS


@register(INSIGHT_READERS)
def insights_panel(user) -> Panel | None:
    row = selectors.latest(user)
    url = reverse("insights:region", args=[user.region_id])
    figures = row.figures if row else {}
    due = figures.get("visits.due", 0)
    rate = f"{figures.get('visits.visited', 0) * 100 / due:.1f}%" if due else "—"
    overdue = figures.get("visits.overdue", 0)
    alerts = figures.get("alerts.open", 0)
    return Panel(
        title=_("区域概览"),
        order=5,
        items=[
            Item(_("在册老人"), figures.get("elders.total", 0), url),
            Item(_("本周探访完成率"), rate, url),
            Item(_("逾期未访老人"), overdue, url, "danger" if overdue else ""),
            Item(_("未解除告警"), alerts, url, "warning" if alerts else ""),
            Item(_("大屏模式"), "→", reverse("insights:screen", args=[user.region_id])),
        ],
        note=(
            _("数据截至 %(t)s") % {"t": f"{timezone.localtime(row.computed_at):%Y-%m-%d %H:%M}"}
            if row
            else _("统计数据尚未生成")
        ),
    )
