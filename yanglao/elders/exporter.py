"""Export of the filtered elder list to .xlsx (导出).

Masked by default: ID numbers as ``141129********1234`` and phones as ``138****5678``.
Full values only for the roles in ``SENSITIVE_VIEWERS`` asking for them explicitly
(``?full=1``); every export is logged with whether it carried full values, and every cell
that Excel could read as a formula is neutralised (``core.exports``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import SENSITIVE_VIEWERS
from yanglao.core.errors import Forbidden, error_response
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.masking import mask_phone
from yanglao.people.services import reveal_id

from .models import Elder
from .services import age_on


class GroupLabels:
    """The target groups of each elder, from the policy rules loaded once, resolved once
    per region and evaluated on the elder's facts (no query per row)."""

    def __init__(self, on: dt.date):
        from . import categories

        self.on = on
        self._categories = categories
        self._rules = categories.group_rule_data()
        self._per_path: dict[str, list] = {}

    def __call__(self, elder: Elder) -> str:
        groups = self._per_path.get(elder.region_path)
        if groups is None:
            groups = self._per_path[elder.region_path] = self._categories.applicable_groups(
                elder.region_path, self.on, self._rules
            )
        facts = self._categories.facts_of(elder, self.on)
        results = self._categories.evaluate_groups(groups, facts, with_trace=False)
        return "、".join(sorted({g.label for g in results if g.matched}))


def columns(full: bool, on: dt.date) -> list[Column]:
    groups = GroupLabels(on)

    def id_number(e: Elder) -> str:
        if full:
            return reveal_id(e.person)
        return e.person.masked_id_number

    def phone(e: Elder) -> str:
        return e.person.phone if full else mask_phone(e.person.phone)

    def age(e: Elder) -> Any:
        return age_on(e.person.birth_date, on) if e.person.birth_date else ""

    return [
        Column(_("姓名"), lambda e: e.person.name, 10),
        Column(_("身份证号"), id_number, 22),
        Column(_("性别"), lambda e: e.person.get_sex_display(), 6),
        Column(_("年龄"), age, 6),
        Column(_("联系电话"), phone, 14),
        Column(_("所属村(社区)"), lambda e: e.region.name, 16),
        Column(_("区划代码"), lambda e: e.region_id, 14),
        Column(_("居住情况"), lambda e: e.get_living_situation_display(), 14),
        Column(_("救助类别"), lambda e: e.get_welfare_display(), 10),
        Column(_("目标人群"), groups, 30),
        Column(_("风险等级"), lambda e: e.get_risk_level_display(), 8),
        Column(_("能力等级"), lambda e: e.get_ability_level_display() or _("尚未评估"), 10),
        Column(_("长护险失能等级"), lambda e: "" if e.ltc_grade is None else e.ltc_grade, 10),
        Column(_("状态"), lambda e: e.get_status_display(), 8),
    ]


def _rows(queryset) -> Iterator[Elder]:
    qs = queryset.select_related("person", "region")
    if not qs.ordered:
        qs = qs.order_by("pk")
    yield from qs.iterator(chunk_size=2000)


def export_elders(request, actor, queryset, filters: dict, full: bool) -> HttpResponse:
    """The filtered list as .xlsx. ``full`` (``?full=1``) is refused (403) to roles
    without the permission to see full ID numbers and phones."""
    if full and actor.role not in SENSITIVE_VIEWERS:
        return error_response(request, Forbidden(_("您的角色无权导出完整的身份证号和电话")))
    on = timezone.localdate()
    shown = {str(k): str(v) for k, v in filters.items() if v not in (None, "")}
    if full:
        shown[_("完整信息")] = _("是")
    return xlsx_response(
        request=request,
        actor=actor,
        title=_("老年人档案"),
        filename=_("老年人档案"),
        columns=columns(full, on),
        rows=_rows(queryset),
        filters=shown,
        object_type="Elder",
        full_values=full,
    )
