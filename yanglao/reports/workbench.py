"""Workbench panel: the latest work reports of the officer's own region."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register
from yanglao.regions.models import Level

from . import periods
from .views import REPORT_READERS


@register(REPORT_READERS)
def reports_panel(user) -> Panel | None:
    region = getattr(user, "region", None)
    if region is None:
        return None
    today = timezone.localdate()
    month = periods.latest_complete(periods.MONTH, today)
    quarter = periods.latest_complete(periods.QUARTER, today)
    items = [
        Item(_("上月月报"), month.label, reverse("reports:report", args=[region.code, month.code])),
        Item(
            _("上季度季报"),
            quarter.label,
            reverse("reports:report", args=[region.code, quarter.code]),
        ),
    ]
    if region.level == Level.VILLAGE:
        items.append(
            Item(
                _("打印本村明白卡"), _("全村"), reverse("reports:village_cards", args=[region.code])
            )
        )
    return Panel(
        title=_("工作报告"),
        order=80,
        items=items,
        note=_("月报、季报按记录即时生成，可打印、可导出 Excel"),
    )
