"""Measures of the visit targets: the national monthly visit rate of elders in special
difficulty (``visit.special_difficulty_monthly.2025``) and Zhongyang's weekly visit system
(``visit.priority_weekly.system.2021``: every township organising weekly visits)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from yanglao.core.scope import path_q
from yanglao.elders import categories
from yanglao.elders.models import Elder, ElderStatus
from yanglao.policy.indicators import Measurement, register
from yanglao.regions.models import Region

from . import schedule
from .models import Period, Visit, VisitDue


def _ratio(n: int, d: int) -> Decimal:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001")) if d else Decimal(0)


def last_full_month(on: dt.date) -> tuple[dt.date, dt.date]:
    end = on.replace(day=1)
    start = (end - dt.timedelta(days=1)).replace(day=1)
    return start, end


@register("special_difficulty_monthly_visit_rate", _("特殊困难老年人月探访率"))
def special_difficulty_monthly(region: Region, on: dt.date) -> Measurement | None:
    """Elders of the group ``special_difficulty`` (active on ``on``) visited at least once
    in the last complete month ÷ all of them."""
    start, end = last_full_month(on)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    group = Elder.objects.filter(
        path_q(region.path, "region_path"), status=ElderStatus.ACTIVE
    ).filter(categories.group_q("special_difficulty", region, on))
    total = group.count()
    if not total:
        return None
    visited = group.filter(
        Exists(
            Visit.objects.filter(elder=OuterRef("pk"), visited_at__gte=since, visited_at__lt=until)
        )
    ).count()
    return Measurement(
        value=_ratio(visited, total),
        numerator=visited,
        denominator=total,
        url=reverse("visits:list") + "?" + urlencode({"region": region.code}),
        note=str(_("%(m)s 月内至少探访一次") % {"m": start.strftime("%Y-%m")}),
    )


def _township(path: str) -> str:
    return ".".join(path.split(".")[:5])


@register("priority_visit_system_established", _("乡镇按周组织巡访的比例"))
def weekly_system(region: Region, on: dt.date) -> Measurement | None:
    """Townships with elders on a weekly schedule that visited at least one of them in
    the last complete ISO week ÷ all such townships (1 = the system runs everywhere)."""
    weekly = VisitDue.objects.filter(path_q(region.path, "region_path"), period=Period.WEEK)
    towns = {_township(p) for p in weekly.values_list("region_path", flat=True).distinct()}
    towns.discard("")
    if not towns:
        return None
    last_week = schedule.week_start(on) - dt.timedelta(days=7)
    visited = {
        _township(p)
        for p in Visit.objects.filter(path_q(region.path, "region_path"), week_start=last_week)
        .values_list("region_path", flat=True)
        .distinct()
    }
    running = len(towns & visited)
    return Measurement(
        value=_ratio(running, len(towns)),
        numerator=running,
        denominator=len(towns),
        url=reverse("visits:compliance") + "?" + urlencode({"region": region.code}),
        note=str(_("上一自然周（%(w)s 起）有探访记录的乡镇") % {"w": last_week}),
    )
