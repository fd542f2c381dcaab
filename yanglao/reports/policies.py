"""The public policy compilation (政策汇编) of a region: the policy rules in force there,
in plain words, each with its source (document, number, clause, the words quoted),
grouped in chapters like the Sanming notice (seed 000) lays out its work: targets, what
elders are entitled to, facilities, Party building, money, supervision and publicity.

Public by design (no login): only policy text is shown, never a record. Local defaults
(values no document gives) are not policy and are left out; so are the platform's
technical rules (page design, ID checks, assessment scales).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.errors import NotFound
from yanglao.policy.models import PolicyRule, RuleKind
from yanglao.policy.selectors import policy_for
from yanglao.regions.models import Region

# (key, title, rule id prefixes); the first chapter whose prefix matches takes a rule.
CHAPTERS: list[tuple[str, object, tuple[str, ...]]] = [
    ("targets", gettext_lazy("目标任务"), ()),
    (
        "elders",
        gettext_lazy("老年人可以享受的关爱和服务"),
        (
            "elder.group.",
            "visit.",
            "pairing.",
            "home_care.",
            "home_service.",
            "service.",
            "meal",
            "time_bank.",
            "volunteer.",
            "registry.one_archive",
            "platform.",
            "culture.",
            "medical.",
        ),
    ),
    (
        "facilities",
        gettext_lazy("养老服务设施建设与管理"),
        ("facility.", "beds.", "happiness_home.", "centre.", "urban_project.", "institution."),
    ),
    ("party", gettext_lazy("党建引领"), ("party.",)),
    ("funding", gettext_lazy("资金保障"), ("funding.",)),
    (
        "supervision",
        gettext_lazy("督促指导与宣传"),
        ("supervision.", "evaluation.", "publicity.", "rights.", "sanming."),
    ),
    ("other", gettext_lazy("其他"), ("",)),
]
NUMERALS = "一二三四五六七八九十"
# Chapter overrides for rules whose id prefix says less than their subject.
MONEY_PREFIXES = (
    "facility.star_award.",
    "facility.construction_award.",
    "facility.operating_subsidy.",
    "urban_project.award.",
    "centre.registration_evaluation_award",
    "funding.",
)
# Rules of the platform's own workings, not of elder care.
TECHNICAL = (
    "ui.",
    "identity.",
    "registry.code_tables",
    "assessment.",
    "institution.grading",
    "home_service.process",
    "elder_card.",
    "device.",
)


@dataclass
class Item:
    title: str
    region: str  # the region that set it
    valid: str
    source: str
    quote: str
    rule_id: str


@dataclass
class Chapter:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Compilation:
    region: Region
    on: dt.date
    chapters: list[Chapter]

    @property
    def count(self) -> int:
        return sum(len(c.items) for c in self.chapters)


def chapter_of(rule_id: str, kind: str) -> str:
    if kind == RuleKind.TARGET:
        return "targets"
    if rule_id.startswith(MONEY_PREFIXES):
        return "funding"
    for key, _title, prefixes in CHAPTERS[1:]:
        if any(rule_id.startswith(p) for p in prefixes):
            return key
    return "other"


def _valid(rule: PolicyRule) -> str:
    if rule.valid_from and rule.valid_to:
        return _("%(a)s 起至 %(b)s") % {"a": rule.valid_from, "b": rule.valid_to}
    if rule.valid_from:
        return _("%(a)s 起施行") % {"a": rule.valid_from}
    return ""


def _source(rule: PolicyRule) -> str:
    doc = rule.source_doc
    if doc and not doc.startswith("《") and not doc[:1].isascii():
        doc = f"《{doc}》"
    return " ".join(p for p in (doc, rule.source_number, rule.source_clause) if p)


def public_region(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise NotFound(_("没有这个区划"))
    return region


def compilation(region: Region, on: dt.date | None = None) -> Compilation:
    on = on or timezone.localdate()
    chapters = {key: Chapter(key, str(title)) for key, title, _p in CHAPTERS}
    for row in policy_for(region, on).in_force:
        rule = row.rule
        if rule.local_default or rule.rule_id.startswith(TECHNICAL):
            continue
        chapters[chapter_of(rule.rule_id, rule.kind)].items.append(
            Item(
                title=rule.title,
                region=rule.region.name,
                valid=_valid(rule),
                source=_source(rule),
                quote=rule.source_quote if rule.source_seed.endswith(".txt") else "",
                rule_id=rule.rule_id,
            )
        )
    kept = [c for c in chapters.values() if c.items]
    for number, chapter in enumerate(kept):
        chapter.items.sort(key=lambda i: i.rule_id)
        chapter.title = f"{NUMERALS[number]}、{chapter.title}"
    return Compilation(region=region, on=on, chapters=kept)
