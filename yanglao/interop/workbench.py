"""Workbench panel: nursing-home feed batches with rows that matched no elder file (an
ID to correct, a file to create or to transfer in)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import selectors

RECENT_DAYS = 30  # what "recent" means on the panel; not a policy figure


@register(selectors.READERS)
def feed_panel(user) -> Panel | None:
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    recent = selectors.batches_visible(user).filter(received_at__gte=since)
    total = recent.count()
    if not total:
        return None
    flagged = recent.filter(unmatched__gt=0)
    rows = flagged.aggregate(n=Sum("unmatched"))["n"] or 0
    url = reverse("interop:batches")
    return Panel(
        title=_("机构系统报送"),
        order=65,
        items=[
            Item(
                _("未匹配的在住老人（近 30 天）"),
                rows,
                f"{url}?unmatched=1",
                "warning" if rows else "",
            ),
            Item(_("有未匹配行的批次"), flagged.count(), f"{url}?unmatched=1"),
            Item(_("近 30 天报送批次"), total, url),
        ],
    )
