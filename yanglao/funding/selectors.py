"""Reads of funding, always scoped to the caller's region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope
from yanglao.facilities.compliance import source_of
from yanglao.facilities.models import FacilityType
from yanglao.policy.models import PolicyRule
from yanglao.policy.selectors import ancestor_rules, lookup
from yanglao.regions.models import Region

from . import rules

# Who may estimate and read funding: the civil-affairs administrators and the township
# officers who prepare applications.
FUNDING_USERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER})


def require_user(actor) -> None:
    if getattr(actor, "role", None) not in FUNDING_USERS:
        raise Forbidden()


def region_in_scope(actor, code: str) -> Region:
    return get_in_scope(Region.objects.all(), actor, field="", code=code)


def in_urban_district(region: Region) -> bool:
    """Whether the region is, or lies in, an urban district (市辖区)."""
    codes = region.path.split(".")
    return Region.objects.filter(code__in=codes, is_urban_district=True).exists()


def funding_rules(region: Region, on: dt.date) -> list:
    """The award and subsidy rules in force for the region on the date, resolved."""
    prefix_q = Q()
    for prefix in rules.PREFIXES:
        prefix_q |= Q(rule_id__startswith=prefix)
    ids = sorted(set(ancestor_rules(region).filter(prefix_q).values_list("rule_id", flat=True)))
    order = {p: n for n, p in enumerate(rules.PREFIXES)}
    ids.sort(key=lambda i: (next(n for p, n in order.items() if i.startswith(p)), i))
    resolved = [lookup(rule_id, region, on) for rule_id in ids]
    return [r for r in resolved if r is not None]


def estimate(
    *,
    actor,
    region_code: str,
    facility_type: str,
    on_date: dt.date,
    floor_area_m2: Decimal | None = None,
    star_rating: int | None = None,
    provides_meals: bool | None = None,
    county_funded: bool | None = None,
) -> rules.Estimate:
    """Every award and subsidy for a facility of a type in a region (issue 7, item 1)."""
    require_user(actor)
    region = region_in_scope(actor, region_code)
    if facility_type not in FacilityType.values:
        raise ValidationFailed(fields={"facility_type": [_("未知的设施类型")]})
    if floor_area_m2 is not None and floor_area_m2 <= 0:
        raise ValidationFailed(fields={"floor_area_m2": [_("建筑面积应大于 0")]})
    if star_rating is not None and not 1 <= star_rating <= 5:
        raise ValidationFailed(fields={"star_rating": [_("星级应为 1 至 5")]})
    resolved = funding_rules(region, on_date)
    decisive = {r.decisive.pk: r.rule_id for r in resolved}
    seeds = dict(PolicyRule.objects.filter(pk__in=decisive).values_list("pk", "source_seed"))
    sources = {r.rule_id: (str(source_of(r)), seeds.get(r.decisive.pk, "")) for r in resolved}
    titles = {}
    for r in resolved:
        for required in r.get("requires") or []:
            if required not in titles:
                found = lookup(required, region, on_date)
                titles[required] = found.title if found else required
    facts = rules.Facts(
        facility_type=facility_type,
        floor_area_m2=floor_area_m2,
        star_rating=star_rating,
        provides_meals=provides_meals,
        county_funded=county_funded,
        on_date=on_date,
        is_urban_district=in_urban_district(region),
    )
    return rules.estimate(facts, resolved, sources=sources, titles=titles)
