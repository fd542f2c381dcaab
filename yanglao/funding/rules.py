"""The funding estimator's arithmetic: pure functions over resolved policy rules.

No ORM and no I/O here (STYLE.md): the selector looks the rules up for a region and a
date and hands them over as ``engine.Resolution`` objects; this module decides which of
them apply to the facts, computes each part from the rule's own parameters and writes
out the arithmetic. Every number comes from a rule's params: the award families are
recognised by the shape of their parameters, never by a number in the code.

Families (rule-id prefixes in ``policy/packs``):

- ``facility.star_award.*``: a fixed amount per facility of a type at a star rating
  (三明 五星/四星农村幸福院).
- ``facility.construction_award.*``: a fixed amount per facility of a type, with
  conditions (三明 县乡自筹标准幸福院; 吕梁 日间照料中心/幸福小院).
- ``facility.operating_subsidy.*``: a yearly floor ("不低于") per facility of a type,
  optionally depending on whether it serves meals (中阳).
- ``urban_project.award.province``: yuan per m² of built area up to a cap that depends
  on whether the project lies in an urban district (山西, via 长治).
- ``urban_project.award.city_topup`` / ``urban_project.award.county_match``: a share of
  the province's award, the county's a floor (长治).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.errors import ValidationFailed
from yanglao.policy.engine import Resolution

# Rule-id prefixes the selector reads; the order is the order of the parts.
PREFIXES = (
    "facility.star_award.",
    "facility.construction_award.",
    "facility.operating_subsidy.",
    "urban_project.award.",
)
PROVINCE_AWARD = "urban_project.award.province"
# The urban-project rules name project types, not a facility type: they are the awards
# of the facility type "城镇社区养老幸福工程".
URBAN_PROJECT_TYPE = "urban_community_project"

LEVELS = ("province", "city", "county")
CENT = Decimal("0.01")


class Kind:
    STAR_AWARD = "star_award"
    CONSTRUCTION_AWARD = "construction_award"
    OPERATING_SUBSIDY = "operating_subsidy"
    AREA_AWARD = "area_award"
    CITY_TOPUP = "city_topup"
    COUNTY_MATCH = "county_match"


KIND_LABELS = {
    Kind.STAR_AWARD: gettext_lazy("星级奖补"),
    Kind.CONSTRUCTION_AWARD: gettext_lazy("建设奖补"),
    Kind.OPERATING_SUBSIDY: gettext_lazy("运营补贴（每年）"),
    Kind.AREA_AWARD: gettext_lazy("按面积奖补"),
    Kind.CITY_TOPUP: gettext_lazy("市级补助"),
    Kind.COUNTY_MATCH: gettext_lazy("县级配套"),
}


@dataclass(frozen=True)
class Facts:
    facility_type: str
    floor_area_m2: Decimal | None = None
    star_rating: int | None = None
    provides_meals: bool | None = None
    county_funded: bool | None = None
    on_date: dt.date | None = None
    is_urban_district: bool = False


@dataclass(frozen=True)
class Part:
    payer_level: str
    kind: str
    amount: Decimal
    minimum: bool
    rule_id: str
    title: str
    source: str
    explanation: str
    seed: str = ""

    @property
    def amount_text(self) -> str:
        return f"{self.amount:,.2f}"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class Estimate:
    parts: list[Part] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.parts), Decimal("0.00"))

    @property
    def total_text(self) -> str:
        return f"{self.total:,.2f}"

    def by_level(self) -> dict[str, Decimal]:
        out = {level: Decimal("0.00") for level in LEVELS}
        for p in self.parts:
            out[p.payer_level] = out.get(p.payer_level, Decimal("0.00")) + p.amount
        return out


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """12,345.00 as the explanation writes it (no trailing .00 on whole yuan)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{money(value):,}"


def _number(value: Decimal) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _conditions(res: Resolution) -> str:
    labels = res.get("condition_labels") or []
    if not labels:
        return ""
    return _("条件（据所填情况无法核实，请自行确认）：%(c)s。") % {"c": "、".join(labels)}


def _requires(res: Resolution, titles: dict[str, str]) -> str:
    names = [titles.get(r, r) for r in res.get("requires") or []]
    if not names:
        return ""
    return _("前提（据所填情况无法核实，请自行确认）：%(c)s。") % {"c": "；".join(names)}


class _Need:
    """Collects the facts the applicable rules need but the request did not give."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, res: Resolution) -> None:
        self.fields.setdefault(name, []).append(
            _("规则 %(rule)s（%(title)s）需要此项") % {"rule": res.rule_id, "title": res.title}
        )


def estimate(
    facts: Facts,
    rules: list[Resolution],
    *,
    sources: dict[str, tuple[str, str]] | None = None,
    titles: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> Estimate:
    """Every award and subsidy of ``rules`` that applies to ``facts``.

    ``sources`` maps a rule id to (source text, seed file); ``titles`` maps rule ids named
    in a rule's ``requires`` to their titles; ``notes`` adds a sentence to a rule's part
    (another rule that bears on it, such as when a county match must be paid). Raises
    ``ValidationFailed`` naming each fact a rule of this facility type needs and the
    request left out."""
    sources = sources or {}
    titles = titles or {}
    notes = notes or {}
    need = _Need()
    out = Estimate()
    by_id = {r.rule_id: r for r in rules}

    def part(res: Resolution, kind: str, amount: Decimal, explanation: str, minimum=False):
        source, seed = sources.get(res.rule_id, ("", ""))
        out.parts.append(
            Part(
                payer_level=str(res.get("payer", "")),
                kind=kind,
                amount=money(amount),
                minimum=minimum,
                rule_id=res.rule_id,
                title=res.title,
                source=source,
                seed=seed,
                explanation=f"{explanation.strip()} {notes.get(res.rule_id, '')}".strip(),
            )
        )

    for res in rules:
        if "facility_type" not in res.params or res.get("facility_type") != facts.facility_type:
            continue
        extra = " ".join(s for s in (_conditions(res), _requires(res, titles)) if s)
        if "star" in res.params:
            if facts.star_rating is None:
                need.add("star_rating", res)
                continue
            if int(res["star"]) != facts.star_rating:
                continue
            amount = Decimal(res["amount"])
            text = _("%(star)s 星级，每个 %(amount)s 元。") % {
                "star": res["star"],
                "amount": yuan(amount),
            }
            part(res, Kind.STAR_AWARD, amount, f"{text} {extra}")
        elif "amount" in res.params:
            needs_county_funds = "built_with_county_or_township_funds" in (
                res.get("conditions") or []
            )
            if needs_county_funds:
                if facts.county_funded is None:
                    need.add("county_funded", res)
                    continue
                if not facts.county_funded:
                    continue
            amount = Decimal(res["amount"])
            text = _("每个 %(amount)s 元。") % {"amount": yuan(amount)}
            part(res, Kind.CONSTRUCTION_AWARD, amount, f"{text} {extra}")
        elif "min_per_year" in res.params:
            if "serves_meals" in res.params:
                if facts.provides_meals is None:
                    need.add("provides_meals", res)
                    continue
                if bool(res["serves_meals"]) != facts.provides_meals:
                    continue
            amount = Decimal(res["min_per_year"])
            text = _("每年不低于 %(amount)s 元，按下限计入合计。") % {"amount": yuan(amount)}
            part(res, Kind.OPERATING_SUBSIDY, amount, f"{text} {extra}", minimum=True)

    province = by_id.get(PROVINCE_AWARD)
    if facts.facility_type == URBAN_PROJECT_TYPE and province is not None:
        if facts.floor_area_m2 is None:
            need.add("floor_area_m2", province)
        else:
            _urban_project(facts, province, by_id, part)

    if need.fields:
        raise ValidationFailed(fields=need.fields)
    return out


def _urban_project(facts: Facts, province: Resolution, by_id, part) -> None:
    area = Decimal(facts.floor_area_m2)
    rate = Decimal(province["rate_per_m2"])
    if facts.is_urban_district:
        cap = Decimal(province["cap_m2_urban_district"])
        where = _("市辖区")
    else:
        cap = Decimal(province["cap_m2_other"])
        where = _("非市辖区")
    counted = min(area, cap)
    award = money(rate * counted)
    text = _("%(rate)s 元/m² × %(counted)s m² = %(award)s 元。") % {
        "rate": _number(rate),
        "counted": _number(counted),
        "award": yuan(award),
    }
    if area > cap:
        text += " " + _(
            "实际建筑面积 %(area)s m² 超过%(where)s奖补上限 %(cap)s m²，"
            "超出的 %(over)s m² 不计奖补。"
        ) % {
            "area": _number(area),
            "where": where,
            "cap": _number(cap),
            "over": _number(area - cap),
        }
    else:
        text += " " + _("%(where)s奖补上限 %(cap)s m²，未超出。") % {
            "where": where,
            "cap": _number(cap),
        }
    part(province, Kind.AREA_AWARD, award, text)

    topup = by_id.get("urban_project.award.city_topup")
    if topup is not None:
        share = Decimal(topup["share_of_province_award"])
        amount = money(award * share)
        part(
            topup,
            Kind.CITY_TOPUP,
            amount,
            _("省级奖补 %(award)s 元 × %(pct)s%% = %(amount)s 元。")
            % {"award": yuan(award), "pct": _number(share * 100), "amount": yuan(amount)},
        )
    match = by_id.get("urban_project.award.county_match")
    if match is not None:
        share = Decimal(match["min_share_of_province_award"])
        amount = money(award * share)
        part(
            match,
            Kind.COUNTY_MATCH,
            amount,
            _("省级奖补 %(award)s 元 × 不低于 %(pct)s%% = 至少 %(amount)s 元，按下限计入合计。")
            % {"award": yuan(award), "pct": _number(share * 100), "amount": yuan(amount)},
            minimum=True,
        )


# ---------------------------------------------------------------- county evaluation tiers


@dataclass(frozen=True)
class Ranked:
    key: str  # the county code
    value: Decimal
    rank: int
    tier: int | None  # 0-based index into the rule's tiers; None: no award
    amount: Decimal


def tier_awards(
    values: list[tuple[str, Decimal]], tiers: list[str], sizes: list[int]
) -> list[Ranked]:
    """Rank counties by an indicator (highest first; ties share a rank and a tier) and
    give the first ``sizes[0]`` the first tier's amount, the next ``sizes[1]`` the second,
    and so on. The tier amounts are the rule's; how many counties each tier takes the
    seed does not say, so the caller supplies it. A county at zero gets no award."""
    if len(sizes) != len(tiers):
        raise ValidationFailed(
            fields={"tier_sizes": [_("应填写 %(n)s 档的名额") % {"n": len(tiers)}]}
        )
    if any(s < 0 for s in sizes):
        raise ValidationFailed(fields={"tier_sizes": [_("名额不能为负数")]})
    ordered = sorted(values, key=lambda kv: (-kv[1], kv[0]))
    bounds: list[int] = []
    total = 0
    for size in sizes:
        total += size
        bounds.append(total)
    out: list[Ranked] = []
    rank = 0
    prev_value: Decimal | None = None
    tier_of_prev: int | None = None
    for position, (key, value) in enumerate(ordered):
        if value != prev_value:
            rank = position + 1
            tier = next((t for t, b in enumerate(bounds) if position < b), None)
        else:
            tier = tier_of_prev  # a tie shares the tier of the county it ties with
        if value <= 0:
            tier = None  # nothing registered: no award for registration work
        amount = Decimal(tiers[tier]) if tier is not None else Decimal("0")
        out.append(Ranked(key=key, value=value, rank=rank, tier=tier, amount=money(amount)))
        prev_value, tier_of_prev = value, tier
    return out
