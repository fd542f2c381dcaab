"""Workbench panels: facilities with gaps or compliance problems (officers), and the
operator's own facility."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.dashboard.panels import Item, Panel, register

from . import compliance, selectors, standards


@register(selectors.READERS)
def facilities_panel(user) -> Panel | None:
    qs = selectors.facilities(user)
    total = qs.count()
    if not total:
        return None
    overdue = gapped = 0
    book = compliance.rule_book()
    for facility in qs[:500]:
        problems = compliance.problems(facility, book=book)
        overdue += any(i.state == compliance.OVERDUE for i in problems)
        gapped += bool(standards.gaps(facility, book=book) or problems)
    return Panel(
        title=_("养老服务设施"),
        order=20,
        items=[
            Item(_("设施总数"), total, reverse("facilities:list")),
            Item(
                _("有差距或合规问题"),
                gapped,
                reverse("facilities:gaps"),
                "warning" if gapped else "",
            ),
            Item(
                _("逾期事项（备案、证照）"),
                overdue,
                reverse("facilities:gaps"),
                "danger" if overdue else "",
            ),
        ],
    )


@register(frozenset({Role.FACILITY_OPERATOR}))
def my_facility_panel(user) -> Panel | None:
    facilities = list(selectors.visible(user)[:5])
    if not facilities:
        return None
    items = []
    book = compliance.rule_book()
    for f in facilities:
        n = len(compliance.problems(f, book=book)) + len(standards.gaps(f, book=book))
        items.append(
            Item(
                f.name, n, reverse("facilities:detail", args=[f.pk]), "warning" if n else "success"
            )
        )
    return Panel(title=_("本机构待办（差距与合规事项）"), order=4, items=items)
