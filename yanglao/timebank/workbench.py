"""Workbench panels of the time bank: a volunteer's balance; the officers' pool and this
month's hours. (Hours waiting for confirmation belong to the services app's panel.)"""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.dashboard.panels import Item, Panel, register

from . import selectors, services
from .models import Entry, EntryKind


@register(frozenset({Role.VISITOR}))
def my_timebank_panel(user) -> Panel | None:
    account = selectors.my_account(user)
    if account is None:
        if selectors.my_person(user) is None:
            return None
        return Panel(
            title=_("时间银行"), order=15, note=_("参加志愿服务，服务时长会存入时间银行。")
        )
    start, _end = selectors.month_bounds(timezone.localdate())
    earned = Entry.objects.filter(
        account=account, kind=EntryKind.EARN, amount__gt=0, created_at__gte=start
    ).aggregate(t=Sum("amount"))["t"]
    url = reverse("timebank:my")
    return Panel(
        title=_("时间银行"),
        order=15,
        items=[
            Item(_("余额（小时）"), str(account.balance), url, "success"),
            Item(_("本月记入（小时）"), str(earned or selectors.ZERO), url),
        ],
    )


@register(services.TIMEBANK_READERS)
def timebank_panel(user) -> Panel | None:
    figures = selectors.month_figures(user, timezone.localdate())
    pools = selectors.pools_for(user).aggregate(t=Sum("balance"))["t"]
    items = [
        Item(_("本月服务记入（小时）"), str(figures["earned"]), reverse("timebank:report")),
        Item(_("本月服务志愿者"), figures["volunteers"], reverse("timebank:report")),
        Item(
            _("志愿者账户"),
            selectors.accounts_for(user).count(),
            reverse("timebank:accounts"),
        ),
    ]
    if pools is not None:
        items.insert(0, Item(_("互助池余额（小时）"), str(pools), reverse("timebank:pools")))
    return Panel(title=_("时间银行"), order=25, items=items)
