"""Measures of the Sanming targets (``policy/packs/sanming.toml``): registered village
centres, their 万寿延 mark, and the five- and four-star happiness homes per county."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from yanglao.policy.indicators import Measurement, register
from yanglao.regions.models import Level, Region

from . import centres, ratings


def _url(name: str, **params) -> str:
    try:
        base = reverse(f"facilities:{name}")
    except NoReverseMatch:  # the facilities pages are not routed in this deployment
        return ""
    return f"{base}?{urlencode(params)}" if params else base


def _ratio(n: int, d: int) -> Decimal:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001")) if d else Decimal("0")


@register(centres.COVERAGE_INDICATOR, _("农村养老服务中心民非组织建制村覆盖率"))
def registered_centre_coverage(region: Region, on: dt.date) -> Measurement | None:
    cov = centres.coverage_of(region, on)
    if not cov.villages:
        return None
    return Measurement(
        value=_ratio(cov.registered, cov.villages),
        numerator=cov.registered,
        denominator=cov.villages,
        url=_url("centre_coverage", region=region.code),
    )


@register(centres.HOME_SHARE_INDICATOR, _("建有农村幸福院的建制村中已登记中心的比例"))
def happiness_home_village_centre_registration_share(
    region: Region, on: dt.date
) -> Measurement | None:
    cov = centres.coverage_of(region, on)
    if not cov.home_villages:
        return None
    return Measurement(
        value=_ratio(cov.home_villages_registered, cov.home_villages),
        numerator=cov.home_villages_registered,
        denominator=cov.home_villages,
        url=_url("centre_coverage", region=region.code),
    )


@register(centres.MARK_INDICATOR, _("已登记中心中悬挂“万寿延”标识的比例"))
def registered_centre_mark_share(region: Region, on: dt.date) -> Measurement | None:
    cov = centres.coverage_of(region, on)
    if not cov.registered:
        return None
    return Measurement(
        value=_ratio(cov.registered_with_mark, cov.registered),
        numerator=cov.registered_with_mark,
        denominator=cov.registered,
        url=_url("centre_list", region=region.code, registered="1", mark="0"),
    )


def _per_county(region: Region, on: dt.date, star: int) -> Measurement | None:
    """A county's count; above a county the lowest county's count (each county must
    reach the target), naming that county. Below a county the target does not apply."""
    if region.level > Level.COUNTY:
        return None
    counties = ratings.counties_under(region)
    if not counties:
        return None
    counts = [(ratings.county_star_count(c, star, on), c) for c in counties]
    lowest, county = min(counts, key=lambda pair: (pair[0], pair[1].code))
    note = "" if region.level == Level.COUNTY else str(_("最少的县：%(c)s") % {"c": county.name})
    return Measurement(
        value=Decimal(lowest),
        numerator=lowest,
        url=_url("rating_stars", region=region.code),
        note=note,
    )


@register("five_star_happiness_homes_per_county", _("每县五星级农村幸福院数"))
def five_star_happiness_homes_per_county(region: Region, on: dt.date) -> Measurement | None:
    return _per_county(region, on, 5)


@register("four_star_happiness_homes_per_county", _("每县四星级农村幸福院数"))
def four_star_happiness_homes_per_county(region: Region, on: dt.date) -> Measurement | None:
    return _per_county(region, on, 4)
