"""Who pays what (费用分担): the government subsidy share from the elder's welfare status
and target groups, the street/community and donation shares, and the rest paid by the
elder or, when the family pays, by the family.

The rule is ``service.payment_shares`` (``meal.payment_shares`` for meals, falling back
to the former): the Changzhi seed names the four payers of meal aid (政府补助一点、街道社区
支出一点、社会捐助一点、老人及其家属缴纳一点) without ratios, so the ratios are local
defaults. Amounts are rounded to the fen; the personal share takes the rounding so the
shares add up to the amount exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from yanglao.elders import categories
from yanglao.elders.models import Welfare
from yanglao.policy.selectors import lookup

from .models import Payer

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass
class Share:
    payer: str
    ratio: Decimal
    amount: Decimal
    trace: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(Payer(self.payer).label)


def _ratio(value) -> Decimal:
    try:
        r = Decimal(str(value))
    except ArithmeticError:
        return ZERO
    return min(max(r, ZERO), Decimal(1))


def _rule(kind: str, region, on: dt.date):
    res = lookup("meal.payment_shares", region, on) if kind == "meal" else None
    return res or lookup("service.payment_shares", region, on)


def ratios_for(elder, *, kind: str = "service", on: dt.date | None = None) -> list[Share]:
    """The ratios (amount left at zero) that apply to ``elder`` for a service or a meal."""
    on = on or timezone.localdate()
    res = _rule(kind, elder.region, on)
    if res is None:
        return [Share(Payer.ELDER, Decimal(1), ZERO, {"reason": "no rule: the elder pays"})]
    source = {"rule_id": res.rule_id, "title": res.title}
    gov, why = ZERO, ""
    by_welfare = res.get("government_by_welfare") or {}
    if elder.welfare in by_welfare and _ratio(by_welfare[elder.welfare]) > gov:
        gov = _ratio(by_welfare[elder.welfare])
        why = str(Welfare(elder.welfare).label)
    by_group = res.get("government_by_group") or {}
    if by_group:
        groups = {g.code: g.label for g in categories.groups_for(elder, on) if g.matched}
        for code, value in by_group.items():
            if code in groups and _ratio(value) > gov:
                gov, why = _ratio(value), groups[code]
    community = _ratio(res.get("community", "0"))
    donation = _ratio(res.get("donation", "0"))
    # The public shares never exceed the whole; community and donation shrink first.
    community = min(community, Decimal(1) - gov)
    donation = min(donation, Decimal(1) - gov - community)
    personal = Decimal(1) - gov - community - donation
    return [
        Share(Payer.GOVERNMENT, gov, ZERO, {**source, "because": why}),
        Share(Payer.COMMUNITY, community, ZERO, source),
        Share(Payer.DONATION, donation, ZERO, source),
        Share(Payer.ELDER, personal, ZERO, source),
    ]


def split(amount: Decimal, ratios: list[Share], *, family_pays: bool = False) -> list[Share]:
    """The amounts of ``amount`` by the ratios; the personal share goes to the family when
    the family pays, and takes the rounding. Zero shares are left out."""
    out: list[Share] = []
    public_total = ZERO
    personal_ratio = ZERO
    trace: dict = {}
    for s in ratios:
        if s.payer == Payer.ELDER:
            personal_ratio, trace = s.ratio, s.trace
            continue
        value = (amount * s.ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        public_total += value
        if value:
            out.append(Share(s.payer, s.ratio, value, s.trace))
    personal = amount - public_total
    if personal:
        out.append(
            Share(Payer.FAMILY if family_pays else Payer.ELDER, personal_ratio, personal, trace)
        )
    return out


def shares_for(
    elder, amount: Decimal, *, kind: str = "service", family_pays: bool = False, on=None
) -> list[Share]:
    return split(amount, ratios_for(elder, kind=kind, on=on), family_pays=family_pays)
