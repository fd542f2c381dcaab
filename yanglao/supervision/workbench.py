"""Workbench panels: overdue rectifications (and those escalated to the user's own level),
inspections planned this week, rectifications waiting for re-inspection, and failing
operators still to be dealt with; for operators, their own open rectifications."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.dashboard.panels import Item, Panel, register

from . import selectors
from .roles import EVALUATORS, OFFICERS


@register(OFFICERS)
def supervision_panel(user) -> Panel | None:
    today = timezone.localdate()
    counts = selectors.counts_for_workbench(user, today)
    items = [
        Item(
            _("逾期未整改"),
            counts["overdue"],
            reverse("supervision:overdue"),
            "danger" if counts["overdue"] else "",
        ),
        Item(
            _("上报至本级的逾期整改"),
            counts["escalated_here"],
            reverse("supervision:overdue") + "?escalated=here",
            "danger" if counts["escalated_here"] else "",
        ),
        Item(
            _("已报整改待复查"),
            counts["awaiting_reinspection"],
            reverse("supervision:findings") + "?status=submitted",
            "warning" if counts["awaiting_reinspection"] else "",
        ),
        Item(
            _("本周计划检查"),
            counts["this_week"],
            reverse("supervision:inspections") + "?week=this",
        ),
    ]
    if user.role in EVALUATORS:
        failing = selectors.flagged(user).count()
        items.append(
            Item(
                _("评估不合格待处理的运营方"),
                failing,
                reverse("supervision:flagged"),
                "danger" if failing else "",
            )
        )
    return Panel(title=_("督查整改"), order=45, items=items)


@register(frozenset({Role.FACILITY_OPERATOR}))
def operator_panel(user) -> Panel | None:
    today = timezone.localdate()
    visible = selectors.findings_visible(user)
    open_count = visible.filter(status="open").count()
    late = visible.filter(selectors.overdue_q(today)).count()
    flagged = selectors.evaluations_visible(user).filter(flagged=True, resolution="").count()
    if not (open_count or late or flagged):
        return None
    items = [
        Item(
            _("待整改问题"),
            open_count,
            reverse("supervision:findings") + "?status=open",
            "warning" if open_count else "",
        ),
        Item(_("已逾期"), late, reverse("supervision:overdue"), "danger" if late else ""),
    ]
    if flagged:
        items.append(
            Item(
                _("年度评估不合格"),
                flagged,
                reverse("supervision:evaluations") + "?result=failed",
                "danger",
            )
        )
    return Panel(title=_("督查整改"), order=45, items=items)
