"""Workbench panels: what visits and pairing need from the user today."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core.scope import scoped
from yanglao.dashboard.panels import Item, Panel, register

from . import pairing, schedule, selectors
from .models import Compliance, FollowUp, FollowUpStatus, Period


@register(frozenset({Role.VISITOR}))
def my_visits_panel(user) -> Panel | None:
    visitor = pairing.visitor_for_user(user)
    if visitor is None:
        return Panel(
            title=_("我的探访"),
            order=5,
            note=_("您的账号还没有登记为探访员，请联系村(社区)工作人员。"),
        )
    rows = selectors.week_list(visitor)
    overdue = sum(1 for r in rows if r["state"] == "overdue")
    due = sum(1 for r in rows if r["state"] == "due")
    done = sum(1 for r in rows if r["state"] == "done")
    follow = FollowUp.objects.filter(assignee=user, status=FollowUpStatus.OPEN).count()
    url = reverse("visits:my_week")
    return Panel(
        title=_("我的探访"),
        order=5,
        items=[
            Item(_("已逾期"), overdue, url, "danger" if overdue else ""),
            Item(_("本周待访"), due, url, "warning" if due else ""),
            Item(_("本周已访"), done, url, "success" if done else ""),
            Item(
                _("待办跟进事项"), follow, reverse("visits:follow_ups"), "warning" if follow else ""
            ),
        ],
    )


@register(VISIT_OFFICERS)
def visits_panel(user) -> Panel | None:
    today = timezone.localdate()
    counts = selectors.due_counts(user, today)
    unpaired = pairing.unpaired_elders(user, today=today).count()
    follow = (
        scoped(FollowUp.objects.all(), user, path_lookup="region_path")
        .filter(status=FollowUpStatus.OPEN)
        .count()
    )
    week = schedule.week_start(today)
    own = Compliance.objects.filter(
        region=user.region, period=Period.WEEK, period_start=week
    ).first()
    rate = f"{own.visited * 100 // own.due}%" if own and own.due else "—"
    return Panel(
        title=_("探访"),
        order=10,
        items=[
            Item(
                _("探访逾期"),
                counts["overdue"],
                reverse("visits:overdue"),
                "danger" if counts["overdue"] else "",
            ),
            Item(_("本周应访"), counts["this_week"], reverse("visits:overdue")),
            Item(_("本周完成率"), rate, reverse("visits:compliance")),
            Item(
                _("未结对的重点老人"),
                unpaired,
                reverse("visits:unpaired"),
                "warning" if unpaired else "",
            ),
            Item(
                _("待处理跟进事项"),
                follow,
                reverse("visits:follow_ups"),
                "warning" if follow else "",
            ),
        ],
    )
