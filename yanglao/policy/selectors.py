"""Reads of policy: which rules apply to a region on a date, with their trace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from yanglao.regions.models import Region

from . import engine
from .models import PolicyRule, RuleKind


def to_data(rule: PolicyRule, region_path: str) -> engine.RuleData:
    return engine.RuleData(
        pk=rule.pk,
        rule_id=rule.rule_id,
        title=rule.title,
        kind=rule.kind,
        region_code=rule.region_id,
        region_path=region_path,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        params=rule.params,
        source=rule.source_text,
        local_default=rule.local_default,
        created_seq=0 if rule.pack_id else rule.pk,
    )


def ancestor_rules(region: Region, *, rule_id: str | None = None) -> QuerySet[PolicyRule]:
    codes = region.path.split(".")
    qs = PolicyRule.objects.filter(is_active=True, region_id__in=codes).select_related("region")
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    return qs


def _data(rules) -> tuple[list[engine.RuleData], dict[int, PolicyRule]]:
    rows = list(rules)
    return [to_data(r, r.region.path) for r in rows], {r.pk: r for r in rows}


def lookup(rule_id: str, region: Region, on: dt.date | None = None) -> engine.Resolution | None:
    """Which value of ``rule_id`` applies to ``region`` on ``on`` (default today)."""
    on = on or timezone.localdate()
    data, _rows = _data(ancestor_rules(region, rule_id=rule_id))
    return engine.resolve(rule_id, data, region.path, on)


class RuleBook:
    """``lookup`` for many regions with one query: the rules whose ids start with one of
    ``prefixes`` are read once and resolved in memory (lists and workbench panels that
    check hundreds of records). Ids it does not hold are looked up as usual."""

    def __init__(self, prefixes: tuple[str, ...], on: dt.date | None = None):
        from django.db.models import Q

        self.prefixes = prefixes
        self.on = on or timezone.localdate()
        match = Q()
        for prefix in prefixes:
            match |= Q(rule_id__startswith=prefix)
        self.data, _rows = _data(
            PolicyRule.objects.filter(match, is_active=True).select_related("region")
        )
        self._memo: dict[tuple, engine.Resolution | None] = {}

    def lookup(self, rule_id: str, region: Region, on: dt.date | None = None):
        if not rule_id.startswith(self.prefixes):
            return lookup(rule_id, region, on)
        key = (rule_id, region.path, on or self.on)
        if key not in self._memo:
            self._memo[key] = engine.resolve(rule_id, self.data, region.path, key[2])
        return self._memo[key]


def lookup_param(rule_id: str, param: str, region: Region, on: dt.date | None = None, default=None):
    resolution = lookup(rule_id, region, on)
    return default if resolution is None else resolution.get(param, default)


@dataclass
class RuleRow:
    """One line of the policy page."""

    resolution: engine.Resolution
    rule: PolicyRule  # the decisive row
    status: str  # in_force


@dataclass
class PolicyView:
    in_force: list[RuleRow]
    expired: list[PolicyRule]
    upcoming: list[PolicyRule]


def policy_for(region: Region, on: dt.date, *, kind: str = "", q: str = "") -> PolicyView:
    rules = ancestor_rules(region)
    if kind:
        rules = rules.filter(kind=kind)
    data, rows = _data(rules.order_by("rule_id", "region_id"))
    if q:
        needle = q.lower()
        data = [
            d
            for d in data
            if needle in d.rule_id.lower()
            or needle in d.title.lower()
            or needle in d.source.lower()
        ]
    in_force = [
        RuleRow(resolution=res, rule=rows[res.decisive.pk], status="in_force")
        for res in engine.resolve_all(data, region.path, on)
    ]
    in_force.sort(key=lambda row: (-row.rule.region.level, row.resolution.rule_id))
    expired = [rows[d.pk] for d in data if engine.expired(d, on)]
    upcoming = [rows[d.pk] for d in data if d.valid_from and on < d.valid_from]
    return PolicyView(in_force=in_force, expired=expired, upcoming=upcoming)


def rule_versions(rule_id: str, region: Region) -> list[PolicyRule]:
    return list(ancestor_rules(region, rule_id=rule_id).order_by("region__path", "valid_from"))


def rules_below(rule_id: str, region: Region) -> QuerySet[PolicyRule]:
    """Local values set for regions under this one (a county sees its townships' rules)."""
    return (
        PolicyRule.objects.filter(
            rule_id=rule_id, is_active=True, region__path__startswith=region.path + "."
        )
        .select_related("region", "created_by")
        .order_by("region__path", "valid_from")
    )


def known_rule_ids() -> QuerySet:
    return (
        PolicyRule.objects.filter(is_active=True, pack__isnull=False)
        .values_list("rule_id", "title")
        .distinct()
        .order_by("rule_id")
    )


def targets_for(region: Region, on: dt.date) -> list[engine.Resolution]:
    data, _rows = _data(ancestor_rules(region).filter(kind=RuleKind.TARGET))
    # A target stays on the list after its deadline (that is when it matters most), so
    # resolve targets as of the later of the chosen day and each rule's start.
    out = []
    for rule_id in sorted({d.rule_id for d in data}):
        candidates = [d for d in data if d.rule_id == rule_id]
        res = engine.resolve(rule_id, candidates, region.path, on)
        if res is None:
            starts = [d.valid_from for d in candidates if d.valid_from and d.valid_from > on]
            if starts:
                res = engine.resolve(rule_id, candidates, region.path, min(starts))
        if res is not None:
            out.append(res)
    out.sort(key=lambda r: (r.params.get("deadline", ""), r.rule_id))
    return out
