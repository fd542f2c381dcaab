"""Ranking urban community care project applications (城镇社区养老幸福工程排序): a pure
function over the five factor scores and the weights from the policy pack.

Each application's score is the weighted sum of its factor scores (0–100). Ties are
broken by the county's priority (a county that evaluated well last year comes first,
urban_project.county_evaluation), then by the earlier application (smaller id). The
reasons list every factor with its score, weight and contribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class Candidate:
    id: int
    scores: Mapping[str, Decimal | int | str | None]
    priority: bool = False


@dataclass(frozen=True)
class Reason:
    factor: str
    label: str
    score: Decimal
    weight: Decimal
    points: Decimal


@dataclass(frozen=True)
class Ranked:
    id: int
    rank: int
    total: Decimal
    priority: bool
    reasons: tuple[Reason, ...]
    tied_with: tuple[int, ...] = ()  # ids with the same total (before priority and order)


def score(
    scores: Mapping[str, Decimal | int | str | None],
    weights: Mapping[str, Decimal],
    labels: Mapping[str, str],
) -> tuple[Decimal, tuple[Reason, ...]]:
    reasons = []
    for factor, weight in weights.items():
        value = Decimal(str(scores.get(factor) or 0))
        reasons.append(
            Reason(
                factor, labels.get(factor, factor), value, weight, (value * weight).quantize(TWO)
            )
        )
    total = sum((r.points for r in reasons), Decimal(0)).quantize(TWO)
    return total, tuple(reasons)


def rank(
    candidates: Sequence[Candidate],
    weights: Mapping[str, Decimal],
    labels: Mapping[str, str] | None = None,
) -> list[Ranked]:
    labels = labels or {}
    scored = [(c, *score(c.scores, weights, labels)) for c in candidates]
    scored.sort(key=lambda t: (-t[1], not t[0].priority, t[0].id))
    by_total: dict[Decimal, list[int]] = {}
    for c, total, _reasons in scored:
        by_total.setdefault(total, []).append(c.id)
    return [
        Ranked(
            id=c.id,
            rank=n,
            total=total,
            priority=c.priority,
            reasons=reasons,
            tied_with=tuple(i for i in by_total[total] if i != c.id),
        )
        for n, (c, total, reasons) in enumerate(scored, start=1)
    ]


def weights_from(params: Mapping[str, object], factors: Sequence[str]) -> dict[str, Decimal]:
    """The weights of the named factors from a rule's params (missing ones weigh 0)."""
    return {f: Decimal(str(params.get(f, "0"))) for f in factors}
