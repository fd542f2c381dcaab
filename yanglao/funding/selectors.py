"""Reads of funding, always scoped to the caller's region."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Outcome
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.facilities.compliance import source_of
from yanglao.facilities.measures_sanming import registered_centre_coverage
from yanglao.facilities.models import Facility, FacilityType
from yanglao.facilities.ratings import counties_under
from yanglao.policy import indicators
from yanglao.policy.models import PolicyRule
from yanglao.policy.selectors import ancestor_rules, lookup
from yanglao.regions.models import Region

from . import rules
from .models import FundingSource, GrantLine, GrantStatus, LineKind, PayerLevel

MATCH_RULE = "urban_project.award.county_match"
MATCH_PAYMENT = "urban_project.county_match_payment"

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
    return estimate_in(
        region,
        facility_type=facility_type,
        on_date=on_date,
        floor_area_m2=floor_area_m2,
        star_rating=star_rating,
        provides_meals=provides_meals,
        county_funded=county_funded,
    )


def apply_overrides(resolved: list, overrides: dict[str, dict[str, str]] | None) -> list:
    """The rules with some parameter values replaced, in memory only (a what-if: the rule
    itself is not changed)."""
    if not overrides:
        return resolved
    return [
        dc_replace(r, params={**r.params, **overrides[r.rule_id]}) if r.rule_id in overrides else r
        for r in resolved
    ]


def estimate_in(
    region: Region,
    *,
    facility_type: str,
    on_date: dt.date,
    floor_area_m2: Decimal | None = None,
    star_rating: int | None = None,
    provides_meals: bool | None = None,
    county_funded: bool | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
    urban: bool | None = None,
) -> rules.Estimate:
    """The estimate for a region already checked to be in scope."""
    if facility_type not in FacilityType.values:
        raise ValidationFailed(fields={"facility_type": [_("未知的设施类型")]})
    if floor_area_m2 is not None and floor_area_m2 <= 0:
        raise ValidationFailed(fields={"floor_area_m2": [_("建筑面积应大于 0")]})
    if star_rating is not None and not 1 <= star_rating <= 5:
        raise ValidationFailed(fields={"star_rating": [_("星级应为 1 至 5")]})
    resolved = apply_overrides(funding_rules(region, on_date), overrides)
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
        is_urban_district=in_urban_district(region) if urban is None else urban,
    )
    notes = {}
    payment = lookup(MATCH_PAYMENT, region, on_date)
    if payment is not None:
        notes[MATCH_RULE] = _("拨付：%(title)s（%(rule)s，%(source)s）。") % {
            "title": payment.title,
            "rule": payment.rule_id,
            "source": source_of(payment),
        }
    return rules.estimate(facts, resolved, sources=sources, titles=titles, notes=notes)


# ---------------------------------------------------------------- the grants ledger


@dataclass
class Spending:
    line: GrantLine
    allowed: bool | None  # None: no rule on uses applies
    use_label: str


@dataclass
class GrantState:
    """A grant as its ledger lines leave it."""

    grant: uuid.UUID
    facility: Facility
    year: int
    payer_level: str
    kind: str
    rule_id: str
    amount: Decimal
    status: str
    lines: list[GrantLine] = field(default_factory=list)
    spending: list[Spending] = field(default_factory=list)
    match_due: dt.date | None = None
    match_missed: bool = False
    disbursed_on: dt.date | None = None

    @property
    def spent(self) -> Decimal:
        return sum((s.line.amount for s in self.spending), Decimal("0.00"))

    @property
    def outside_uses(self) -> list[Spending]:
        return [s for s in self.spending if s.allowed is False]

    @property
    def status_label(self) -> str:
        return str(GrantStatus(self.status).label)

    @property
    def payer_label(self) -> str:
        return str(PayerLevel(self.payer_level).label)


def lines_in_scope(actor):
    require_user(actor)
    return scoped(GrantLine.objects.all(), actor, path_lookup="region_path")


def spending_uses(
    region: Region, on: dt.date | None = None
) -> tuple[set[str] | None, dict[str, str]]:
    rule = lookup("urban_project.spending", region, on or timezone.localdate())
    labels = {
        "infrastructure": _("基础设施建设"),
        "fit_out": _("装修装饰"),
        "repair_renovation": _("维修改造"),
        "equipment": _("设施设备购置"),
        "rent": _("房屋租赁"),
        "running_costs": _("运行经费"),
    }
    if rule is None:
        return None, labels
    for codes, names in (("allowed", "allowed_labels"), ("forbidden", "forbidden_labels")):
        labels.update(zip(rule.get(codes) or [], rule.get(names) or [], strict=False))
    return set(rule.get("allowed") or []), labels


def _match_due(region: Region, year: int, on: dt.date) -> dt.date | None:
    rule = lookup("urban_project.county_match_payment", region, on)
    if rule is None:
        return None
    return dt.date(year + int(rule["pay_year_offset"]), int(rule["pay_before_month"]), 1)


def grant_states(
    actor,
    *,
    facility_id: int | None = None,
    year: int | None = None,
    grant: uuid.UUID | None = None,
    today: dt.date | None = None,
    region_code: str = "",
) -> list[GrantState]:
    """The grants in the caller's scope, folded from their lines, with the flags: spending
    outside the allowed uses, a county match not paid by its deadline."""
    today = today or timezone.localdate()
    qs = lines_in_scope(actor).exclude(grant=None).select_related("facility__region")
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if year:
        qs = qs.filter(year=year)
    if grant:
        qs = qs.filter(grant=grant)
    if region_code:  # a region below the scope (the dashboard's drill-down links here)
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    states: dict[uuid.UUID, GrantState] = {}
    rules_cache: dict[tuple, object] = {}
    for line in qs.order_by("seq"):
        state = states.get(line.grant)
        if line.line_kind == LineKind.GRANT:
            state = states[line.grant] = GrantState(
                grant=line.grant,
                facility=line.facility,
                year=line.year,
                payer_level=line.payer_level,
                kind=line.kind,
                rule_id=line.rule_id,
                amount=line.amount,
                status=line.status,
            )
        if state is None:
            continue
        state.lines.append(line)
        if line.line_kind == LineKind.STATUS:
            state.status, state.amount = line.status, line.amount
            if line.status == GrantStatus.DISBURSED:
                state.disbursed_on = line.on_date
        elif line.line_kind == LineKind.GRANT and line.status == GrantStatus.DISBURSED:
            state.disbursed_on = line.on_date
        elif line.line_kind == LineKind.SPENDING:
            key = ("uses", line.facility.region_id)
            if key not in rules_cache:
                rules_cache[key] = spending_uses(line.facility.region, today)
            allowed, labels = rules_cache[key]
            state.spending.append(
                Spending(
                    line=line,
                    allowed=None if allowed is None else line.use in allowed,
                    use_label=str(labels.get(line.use, line.use)),
                )
            )
    for state in states.values():
        if state.payer_level == PayerLevel.COUNTY and state.kind == rules.Kind.COUNTY_MATCH:
            state.match_due = _match_due(state.facility.region, state.year, today)
            if state.match_due is not None:
                paid = state.disbursed_on
                state.match_missed = (paid is None and today >= state.match_due) or (
                    paid is not None and paid >= state.match_due
                )
    return sorted(states.values(), key=lambda s: (-s.year, s.facility.name, str(s.grant)))


def grant_get(actor, grant: uuid.UUID) -> GrantState:
    found = grant_states(actor, grant=grant)
    if not found:
        if GrantLine.objects.filter(grant=grant).exists():
            audit.record(
                actor=actor,
                action="access.out_of_scope",
                outcome=Outcome.DENIED,
                detail={"model": "GrantLine", "lookup": {"grant": str(grant)}},
            )
        raise NotFound()
    return found[0]


def running_costs(actor, *, facility_id: int, year: int) -> dict:
    """A facility's running-cost shares for a year: amount and share of the total by source."""
    lines = lines_in_scope(actor).filter(
        line_kind=LineKind.RUNNING_COST, facility_id=facility_id, year=year
    )
    totals = {s: Decimal("0.00") for s in FundingSource.values}
    for line in lines:
        totals[line.source] += line.amount
    total = sum(totals.values(), Decimal("0.00"))
    return {
        "facility_id": facility_id,
        "year": year,
        "total": total,
        "shares": [
            {
                "source": s,
                "label": str(FundingSource(s).label),
                "amount": totals[s],
                "share": (totals[s] / total * 100).quantize(Decimal("0.1")) if total else None,
            }
            for s in FundingSource.values
        ],
    }


def facility_for_funding(actor, facility_id: int) -> Facility:
    require_user(actor)
    return get_in_scope(
        Facility.objects.select_related("region"), actor, path_lookup="region_path", pk=facility_id
    )


# ---------------------------------------------------------------- county evaluation tiers

EVALUATION_RULE = "centre.registration_evaluation_award"
EVALUATION_INDICATOR = "registered_centre_coverage"


@dataclass
class CountyRow:
    county: Region
    value: Decimal
    numerator: int | None
    denominator: int | None
    rank: int
    tier_label: str
    amount: Decimal


@dataclass
class Evaluation:
    region: Region
    year: int
    on: dt.date
    rule: object | None
    source: str
    indicator: str
    indicator_label: str
    rows: list[CountyRow]
    unmeasured: list[Region]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


def county_evaluation(actor, *, region_code: str, year: int, tier_sizes: list[int]) -> Evaluation:
    """The Sanming year-end award tiers of the counties under a region, from their ranking
    on the registered-centre coverage the policy names, measured at the year's end."""
    require_user(actor)
    region = region_in_scope(actor, region_code)
    on = dt.date(year, 12, 31)
    rule = lookup(EVALUATION_RULE, region, on)
    label = str(indicators.label(EVALUATION_INDICATOR))
    measure = registered_centre_coverage
    if rule is None:
        return Evaluation(region, year, on, None, "", EVALUATION_INDICATOR, label, [], [])
    measured: dict[str, tuple[Region, object]] = {}
    unmeasured: list[Region] = []
    for county in counties_under(region):
        m = measure(county, on)
        if m is None:
            unmeasured.append(county)
        else:
            measured[county.code] = (county, m)
    tiers = [str(t) for t in rule["tiers"]]
    tier_labels = list(rule.get("tier_labels") or [str(n + 1) for n in range(len(tiers))])
    ranked = rules.tier_awards(
        [(code, m.value) for code, (_c, m) in measured.items()], tiers, tier_sizes
    )
    rows = [
        CountyRow(
            county=measured[r.key][0],
            value=r.value,
            numerator=measured[r.key][1].numerator,
            denominator=measured[r.key][1].denominator,
            rank=r.rank,
            tier_label=tier_labels[r.tier] if r.tier is not None else "",
            amount=r.amount,
        )
        for r in ranked
    ]
    return Evaluation(
        region, year, on, rule, str(source_of(rule)), EVALUATION_INDICATOR, label, rows, unmeasured
    )
