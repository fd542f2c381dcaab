"""Risk level (风险等级): low, medium or high, computed from the elder's target groups,
household and welfare facts and ability level by the rule ``elder.risk_weights``.

The rule's params are ``medium_threshold``, ``high_threshold`` and ``factors``: a list of
``{code, label, points, when}``, where ``when`` is a condition in the language of
``yanglao.elders.categories`` that may also read ``groups`` (the codes of the target
groups the elder belongs to). The score is the sum of the points of the factors that
hold; the reasons name them. Later capabilities add facts (recent alerts, visit
findings) to the same table of factors.

The level is derived data: ``refresh_risk`` stores it on the elder without an audit row,
and a nightly job recomputes every active elder, because age-based groups change on
birthdays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yanglao.policy import engine

from . import categories
from .models import Elder, RiskLevel

RISK_RULE = "elder.risk_weights"
LEVEL_TEXT = {RiskLevel.LOW: "低风险", RiskLevel.MEDIUM: "中风险", RiskLevel.HIGH: "高风险"}


@dataclass(frozen=True)
class RiskResult:
    level: str
    score: int
    reasons: list[str]
    trace: list[str] = field(default_factory=list)
    rule_id: str = RISK_RULE
    source: str = ""


def validate_risk_params(params: Mapping[str, Any], where: str = "params") -> None:
    """Raise ``categories.ExpressionError`` for a malformed risk rule."""
    for key in ("medium_threshold", "high_threshold"):
        value = params.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise categories.ExpressionError(f"{where}.{key}: an integer is needed")
    if params["medium_threshold"] > params["high_threshold"]:
        raise categories.ExpressionError(f"{where}: medium_threshold is above high_threshold")
    factors = params.get("factors")
    if not isinstance(factors, list):
        raise categories.ExpressionError(f"{where}.factors: a list of factors is needed")
    seen = set()
    for index, factor in enumerate(factors):
        here = f"{where}.factors[{index}]"
        if not isinstance(factor, Mapping) or set(factor) != {"code", "label", "points", "when"}:
            raise categories.ExpressionError(f"{here}: a factor is {{code, label, points, when}}")
        if factor["code"] in seen:
            raise categories.ExpressionError(f"{here}: code {factor['code']!r} is listed twice")
        seen.add(factor["code"])
        if isinstance(factor["points"], bool) or not isinstance(factor["points"], int):
            raise categories.ExpressionError(f"{here}.points: an integer is needed")
        categories.validate(factor["when"], sql=False, where=f"{here}.when")


def level_for(score: int, medium_threshold: int, high_threshold: int) -> str:
    if score >= high_threshold:
        return RiskLevel.HIGH
    if score >= medium_threshold:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def assess(
    facts: Mapping[str, Any],
    group_codes: Iterable[str],
    rule: engine.Resolution | None,
    *,
    with_trace: bool = True,
    group_labels: Mapping[str, str] | None = None,
) -> RiskResult:
    """Pure: the risk of one elder from its facts, its matched group codes and the
    resolved risk rule. ``group_labels`` (code to label) only words the trace."""
    if rule is None:
        return RiskResult(
            level=RiskLevel.LOW,
            score=0,
            reasons=[],
            trace=["没有适用的风险规则，按低风险处理"] if with_trace else [],
            source="",
        )
    facts = {
        **facts,
        "groups": sorted(set(group_codes)),
        categories.GROUP_LABELS: dict(group_labels or {}),
    }
    medium, high = int(rule["medium_threshold"]), int(rule["high_threshold"])
    score = 0
    reasons: list[str] = []
    trace: list[str] = []
    for factor in rule.get("factors", []):
        lines: list[str] | None = [] if with_trace else None
        held = categories.evaluate(factor["when"], facts, lines, depth=1)
        points = int(factor["points"])
        if held:
            score += points
            reasons.append(f"{factor['label']}（+{points}分）")
        if with_trace:
            trace.append(f"{'✓' if held else '✗'} {factor['label']}：{points}分")
            trace.extend(lines)
    level = level_for(score, medium, high)
    if with_trace:
        trace.append(
            f"合计 {score} 分（{medium} 分起为中风险，{high} 分起为高风险）→ {LEVEL_TEXT[level]}"
        )
        basis = "本地默认值" if rule.decisive.local_default else categories.source_of(rule)
        trace.append(f"依据：{rule.rule_id}「{rule.title}」（{basis}）")
    return RiskResult(
        level=level,
        score=score,
        reasons=reasons,
        trace=trace,
        rule_id=rule.rule_id,
        source=categories.source_of(rule),
    )


def _rule_data(region_codes: Iterable[str] | None = None) -> list[engine.RuleData]:
    from yanglao.policy.models import PolicyRule
    from yanglao.policy.selectors import to_data

    qs = PolicyRule.objects.filter(is_active=True).filter(
        Q(rule_id=RISK_RULE) | Q(rule_id__startswith=categories.GROUP_PREFIX)
    )
    if region_codes is not None:
        qs = qs.filter(region_id__in=list(region_codes))
    return [to_data(r, r.region.path) for r in qs.select_related("region")]


def compute_risk(elder: Elder, on: dt.date) -> RiskResult:
    """The elder's risk level on ``on`` with its score, reasons (Chinese) and trace."""
    rules = _rule_data(elder.region_path.split("."))
    facts = categories.facts_of(elder, on)
    groups = categories.evaluate_groups(
        categories.applicable_groups(elder.region_path, on, rules), facts, with_trace=False
    )
    rule = engine.resolve(RISK_RULE, rules, elder.region_path, on)
    labels = {g.code: g.label for g in groups}
    return assess(facts, (g.code for g in groups if g.matched), rule, group_labels=labels)


def refresh_risk(elder: Elder, on: dt.date | None = None) -> Elder:
    """Store the elder's risk level (derived data: no audit row)."""
    result = compute_risk(elder, on or timezone.localdate())
    elder.risk_level = result.level
    elder.risk_computed_at = timezone.now()
    elder.save(update_fields=["risk_level", "risk_computed_at"])
    return elder


_FACT_COLUMNS = [
    spec.column for spec in categories.FIELDS.values() if spec.column and "__" not in spec.column
]


def refresh_risks(queryset: QuerySet[Elder], on: dt.date, *, chunk_size: int = 2000) -> int:
    """Recompute and store the risk level of every elder in ``queryset`` on ``on``.

    Reads in primary-key order, ``chunk_size`` at a time (keyset pages: memory stays
    flat and no cursor is held open while writing), resolves the rules once per region,
    and writes each chunk in one transaction with one UPDATE per level. Every elder's
    ``risk_computed_at`` is set. Returns how many elders changed level."""
    rules = _rule_data()
    per_region: dict[str, tuple[list[engine.Resolution], engine.Resolution | None]] = {}
    now = timezone.now()
    changed = 0
    last_pk = None
    base = (
        queryset.select_related("person")
        .only(
            "pk", "region_path", "risk_level", "person__birth_date", "person__sex", *_FACT_COLUMNS
        )
        .order_by("pk")
    )
    while True:
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        elders = list(page[:chunk_size])
        if not elders:
            break
        by_level: dict[str, list[int]] = {}
        recent = categories.recent_facts([e.pk for e in elders], on)
        for elder in elders:
            path = elder.region_path
            if path not in per_region:
                per_region[path] = (
                    categories.applicable_groups(path, on, rules),
                    engine.resolve(RISK_RULE, rules, path, on),
                )
            groups, rule = per_region[path]
            facts = categories.facts_of(elder, on, recent[elder.pk])
            matched = [
                g.code
                for g in categories.evaluate_groups(groups, facts, with_trace=False)
                if g.matched
            ]
            level = assess(facts, matched, rule, with_trace=False).level
            if level != elder.risk_level:
                changed += 1
            by_level.setdefault(level, []).append(elder.pk)
        with transaction.atomic():
            for level, pks in by_level.items():
                Elder.objects.filter(pk__in=pks).update(risk_level=level, risk_computed_at=now)
        last_pk = elders[-1].pk
    return changed
