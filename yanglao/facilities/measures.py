"""Measures of the facility targets in the packs: beds per 1,000 elders, the share of
care-type beds, villages with a care facility, the nursing-care central home's beds,
one-stop complexes, and urban communities with a care facility. Each counts operating
facilities (on the day asked) in the region and links to them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from yanglao.core.scope import path_q
from yanglao.policy.indicators import Measurement, register
from yanglao.regions.models import Level, Region

from .models import Facility, FacilityStatus, FacilityType


def operating(region: Region, on: dt.date):
    """Facilities of the region in operation on ``on``."""
    return Facility.objects.filter(path_q(region.path, "region_path")).filter(
        Q(status__in=(FacilityStatus.OPERATING, FacilityStatus.SUSPENDED))
        | Q(status=FacilityStatus.CLOSED, closed_on__gt=on),
        Q(opened_on__isnull=True) | Q(opened_on__lte=on),
    )


def _url(region: Region, **params) -> str:
    return reverse("facilities:list") + "?" + urlencode({"region": region.code, **params})


def _ratio(n, d) -> Decimal:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001")) if d else Decimal(0)


def _village_paths(region: Region, on: dt.date) -> set[str]:
    """The village-level paths that hold an operating facility (a path's first six parts:
    nation, province, city, county, township, village)."""
    paths = operating(region, on).values_list("region_path", flat=True).distinct()
    return {".".join(p.split(".")[:6]) for p in paths if p.count(".") >= 5}


def _villages(region: Region):
    return Region.objects.filter(path_q(region.path, "path"), level=Level.VILLAGE)


@register("care_beds_per_thousand_elders", _("每千名老年人养老床位数"))
def beds_per_thousand(region: Region, on: dt.date) -> Measurement | None:
    elders = region.registered_60 or region.resident_60
    if not elders:
        return None
    beds = operating(region, on).aggregate(n=Sum("beds"))["n"] or 0
    return Measurement(
        value=(Decimal(beds) * 1000 / Decimal(elders)).quantize(Decimal("0.01")),
        numerator=beds,
        denominator=elders,
        url=_url(region),
        note=str(_("户籍60岁以上人口")),
    )


@register("care_type_bed_share", _("护理型床位占比"))
def care_type_bed_share(region: Region, on: dt.date) -> Measurement | None:
    totals = operating(region, on).aggregate(beds=Sum("beds"), nursing=Sum("nursing_beds"))
    if not totals["beds"]:
        return None
    return Measurement(
        value=_ratio(totals["nursing"] or 0, totals["beds"]),
        numerator=totals["nursing"] or 0,
        denominator=totals["beds"],
        url=_url(region),
    )


@register("village_care_facility_share", _("建有养老服务设施的行政村比例"))
def village_care_facility_share(region: Region, on: dt.date) -> Measurement | None:
    villages = list(_villages(region).values_list("path", flat=True))
    if not villages:
        return None
    covered = len(set(villages) & _village_paths(region, on))
    return Measurement(
        value=_ratio(covered, len(villages)),
        numerator=covered,
        denominator=len(villages),
        url=_url(region),
    )


@register("nursing_care_central_home_beds_in_use", _("护理型中心敬老院床位数"))
def central_home_beds(region: Region, on: dt.date) -> Measurement | None:
    qs = operating(region, on).filter(type=FacilityType.NURSING_CARE_CENTRAL_HOME)
    beds = qs.aggregate(n=Max("beds"))["n"]
    if beds is None:
        return Measurement(value=Decimal(0), url=_url(region, type="nursing_care_central_home"))
    return Measurement(value=Decimal(beds), url=_url(region, type="nursing_care_central_home"))


@register("community_complex_count", _("社区居家养老一站式综合服务体数量"))
def community_complexes(region: Region, on: dt.date) -> Measurement | None:
    n = operating(region, on).filter(type=FacilityType.COMMUNITY_COMPLEX).count()
    return Measurement(value=Decimal(n), numerator=n, url=_url(region, type="community_complex"))


@register("urban_community_care_facility_share", _("建有养老服务设施的城市社区比例"))
def urban_community_share(region: Region, on: dt.date) -> Measurement | None:
    communities = list(
        _villages(region).filter(name__endswith="社区").values_list("path", flat=True)
    )
    if not communities:
        return None
    covered = len(set(communities) & _village_paths(region, on))
    return Measurement(
        value=_ratio(covered, len(communities)),
        numerator=covered,
        denominator=len(communities),
        url=_url(region),
    )
