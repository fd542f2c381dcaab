"""The policy engine: pure functions over rule data (no ORM, no I/O).

A rule set for a region applies to everything below it. For a region and a date, the
applicable rows of a rule id are those attached to the region or an ancestor and valid
on that date. Their parameters are laid one over the other from the most general region
to the most specific (a county's value overrides its city's, which overrides its
province's, which overrides the nation's); within one region the latest start wins. The
answer carries the trace: which row gave which parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RuleData:
    pk: int
    rule_id: str
    title: str
    kind: str
    region_code: str
    region_path: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    params: dict[str, Any]
    source: str
    local_default: bool = False
    created_seq: int = 0


@dataclass(frozen=True)
class TraceStep:
    rule: RuleData
    params_used: tuple[str, ...]
    overridden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    rule_id: str
    title: str
    kind: str
    params: dict[str, Any]
    param_source: dict[str, RuleData]
    trace: tuple[TraceStep, ...] = field(default_factory=tuple)

    @property
    def decisive(self) -> RuleData:
        return self.trace[-1].rule

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


def is_ancestor_or_self(rule_path: str, region_path: str) -> bool:
    return region_path == rule_path or region_path.startswith(rule_path + ".")


def in_force(rule: RuleData, on: dt.date) -> bool:
    if rule.valid_from is not None and on < rule.valid_from:
        return False
    return not (rule.valid_to is not None and on > rule.valid_to)


def expired(rule: RuleData, on: dt.date) -> bool:
    return rule.valid_to is not None and on > rule.valid_to


def _specificity(rule: RuleData) -> tuple:
    return (
        rule.region_path.count("."),
        rule.valid_from or dt.date.min,
        rule.created_seq,
    )


def resolve(
    rule_id: str, rules: Iterable[RuleData], region_path: str, on: dt.date
) -> Resolution | None:
    """The value of ``rule_id`` for the region at ``region_path`` on ``on``, with trace."""
    applicable = sorted(
        (
            r
            for r in rules
            if r.rule_id == rule_id
            and is_ancestor_or_self(r.region_path, region_path)
            and in_force(r, on)
        ),
        key=_specificity,
    )
    if not applicable:
        return None
    params: dict[str, Any] = {}
    source: dict[str, RuleData] = {}
    steps: list[TraceStep] = []
    for rule in applicable:
        overridden = tuple(k for k in rule.params if k in params)
        params.update(rule.params)
        for key in rule.params:
            source[key] = rule
        steps.append(TraceStep(rule=rule, params_used=tuple(rule.params), overridden=overridden))
    top = applicable[-1]
    return Resolution(
        rule_id=rule_id,
        title=top.title,
        kind=top.kind,
        params=params,
        param_source=source,
        trace=tuple(steps),
    )


def resolve_all(rules: Iterable[RuleData], region_path: str, on: dt.date) -> list[Resolution]:
    rules = list(rules)
    ids = sorted({r.rule_id for r in rules})
    out = []
    for rule_id in ids:
        resolution = resolve(rule_id, rules, region_path, on)
        if resolution is not None:
            out.append(resolution)
    return out


def compare(value: float, comparator: str, threshold: float) -> bool:
    if comparator == ">=":
        return value >= threshold
    if comparator == "<=":
        return value <= threshold
    if comparator == ">":
        return value > threshold
    if comparator == "<":
        return value < threshold
    if comparator == "==":
        return value == threshold
    raise ValueError(f"unknown comparator {comparator!r}")
