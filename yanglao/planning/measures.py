"""Measures of the planning targets: one-stop complexes built per county in the target's
period, task lists made, and resettlement sites with a day-care centre. Each links to
the records behind it. ``qualifying_community_complex_share`` is not measured: which
communities "qualify" (具备条件) is recorded nowhere yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yanglao.core.scope import path_q
from yanglao.facilities.measures import _url, operating
from yanglao.facilities.models import FacilityType
from yanglao.policy.indicators import Measurement, register
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Level, Region

from .models import TaskTable
from .selectors import RESETTLEMENT_MARK

NEW_PER_COUNTY_RULE = "community_complex.new_per_county.2023"
RESETTLEMENT_RULE = "facility.resettlement_site_coverage.2020"


def _counties(region: Region) -> list[Region]:
    if region.level == Level.COUNTY:
        return [region]
    return list(
        Region.objects.filter(
            path_q(region.path, "path"), level=Level.COUNTY, valid_to__isnull=True
        ).order_by("code")
    )


@register("community_complex_new_per_county", _lazy("每个县区新建一站式综合服务体数"))
def new_per_county(region: Region, on: dt.date) -> Measurement | None:
    """The fewest complexes any county opened in the target's period (each county must
    reach the threshold), naming that county."""
    rule = lookup(NEW_PER_COUNTY_RULE, region, on)
    if rule is None:
        return None
    start = dt.date.fromisoformat(str(rule.get("period_start")))
    end = min(on, dt.date.fromisoformat(str(rule.get("deadline"))))
    counties = _counties(region)
    if not counties:
        return None
    counts = []
    for county in counties:
        n = (
            operating(county, end)
            .filter(type=FacilityType.COMMUNITY_COMPLEX, opened_on__gte=start, opened_on__lte=end)
            .count()
        )
        counts.append((n, county))
    fewest, county = min(counts, key=lambda t: (t[0], t[1].code))
    return Measurement(
        value=Decimal(fewest),
        numerator=fewest,
        url=_url(county, type=FacilityType.COMMUNITY_COMPLEX),
        note=_("最少的县区：%(c)s（%(s)s 至 %(e)s 投入运营）")
        % {"c": county.name, "s": start, "e": end},
    )


@register("community_complex_task_list_made", _lazy("已制定一站式综合服务体建设任务清单"))
def task_list_made(region: Region, on: dt.date) -> Measurement | None:
    """1 when every county in the region has a task table with one-stop complex columns
    made by ``on``; the share otherwise."""
    counties = _counties(region)
    if not counties:
        return None
    made = set(
        TaskTable.objects.filter(
            region__in=counties, created_at__date__lte=on, columns__icontains="community_complex"
        ).values_list("region_id", flat=True)
    )
    value = (Decimal(len(made)) / Decimal(len(counties))).quantize(Decimal("0.0001"))
    return Measurement(
        value=value,
        numerator=len(made),
        denominator=len(counties),
        url=reverse("planning:tables"),
    )


@register("resettlement_site_day_care_share", _lazy("移民集中安置点配置日间照料中心比例"))
def resettlement_share(region: Region, on: dt.date) -> Measurement | None:
    """Operating day-care centres at resettlement sites (named 安置点) over the sites the
    rule counts."""
    rule = lookup(RESETTLEMENT_RULE, region, on)
    sites = int(rule.get("site_count") or 0) if rule else 0
    if not sites:
        return None
    n = (
        operating(region, on)
        .filter(type=FacilityType.DAY_CARE_CENTER, name__contains=RESETTLEMENT_MARK)
        .count()
    )
    return Measurement(
        value=(Decimal(min(n, sites)) / Decimal(sites)).quantize(Decimal("0.0001")),
        numerator=n,
        denominator=sites,
        url=_url(region, type=FacilityType.DAY_CARE_CENTER, q=RESETTLEMENT_MARK),
        note=_("按设施名称含“安置点”识别"),
    )
