"""Measures of the Party coverage targets (party_org_coverage_*): per region, the
institutions of the target's ownership or type that an own organization, a joint
organization or an instructor reaches (the rule's ``counts_as_covered``), over all of them."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yanglao.core.scope import path_q
from yanglao.facilities.models import Facility
from yanglao.policy.indicators import Measurement, register
from yanglao.regions.models import Region

from . import rules, selectors


def measure(indicator: str, region: Region, on: dt.date) -> Measurement | None:
    target = selectors.coverage_targets(region, on).get(indicator)
    if target is None:
        return None
    ownership = target.params.get("ownership", "")
    facility_type = target.params.get("facility_type", "")
    base = Facility.objects.filter(path_q(region.path, "region_path"))
    qs = selectors.population(base, ownership=ownership, facility_type=facility_type)
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return None
    reaches = selectors.reach_map(qs, on)
    counts = list(target.params.get("counts_as_covered", []))
    covered = sum(1 for i in ids if rules.covered(reaches.get(i, set()), counts))
    param = f"type={facility_type}" if facility_type else f"ownership={ownership}"
    return Measurement(
        value=(Decimal(covered) / Decimal(len(ids))).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        ),
        numerator=covered,
        denominator=len(ids),
        url=f"{reverse('party:institutions')}?region={region.code}&{param}",
        note=str(_("计入覆盖：%(kinds)s")) % {"kinds": "、".join(counts)},
    )


@register("party_org_coverage_public", _("公办养老机构党组织覆盖率"))
def coverage_public(region: Region, on: dt.date) -> Measurement | None:
    return measure("party_org_coverage_public", region, on)


@register("party_org_coverage_public_built_private_run", _("公建民营养老机构党组织覆盖率"))
def coverage_public_built_private_run(region: Region, on: dt.date) -> Measurement | None:
    return measure("party_org_coverage_public_built_private_run", region, on)


@register("party_org_coverage_private", _("民营养老机构党组织覆盖率"))
def coverage_private(region: Region, on: dt.date) -> Measurement | None:
    return measure("party_org_coverage_private", region, on)


@register("party_org_coverage_home_care_center", _("居家养老服务中心党组织覆盖率"))
def coverage_home_care_center(region: Region, on: dt.date) -> Measurement | None:
    return measure("party_org_coverage_home_care_center", region, on)
