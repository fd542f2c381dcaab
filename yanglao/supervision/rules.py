"""Pure functions over the supervision rules (no ORM, no I/O; messages through gettext):
the checklist of a target, the default rectification deadline, the escalation step a
finding has reached, and the score of an operator evaluation against the pass mark. Every
number comes from the rule's parameters; the tests feed them tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CHECKLIST_RULE = "supervision.checklist"
RECTIFICATION_RULE = "supervision.rectification"
ESCALATION_RULE = "supervision.escalation"
METHODS_RULE = "supervision.methods"
SCHEME_RULE = "operator_evaluation.scheme"
CHANGZHI_EVALUATION_RULE = "urban_project.operator_evaluation"
TARGETS = ("facility", "region")
ONE_DECIMAL = Decimal("0.1")


# ------------------------------------------------------------------ checklist


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    section: str
    section_label: str
    label: str
    guide: str
    basis: str
    seed: str
    targets: tuple[str, ...]


def checklist_items(params: Mapping[str, Any], target: str) -> list[ChecklistItem]:
    """The items of the checklist that apply to a target kind, in the rule's order."""
    labels = dict(zip(params["sections"], params.get("section_labels") or [], strict=False))
    out = []
    for raw in params.get("items") or []:
        targets = tuple(raw.get("targets") or TARGETS)
        if target not in targets:
            continue
        out.append(
            ChecklistItem(
                code=raw["code"],
                section=raw["section"],
                section_label=labels.get(raw["section"], raw["section"]),
                label=raw["label"],
                guide=raw.get("guide", ""),
                basis=raw.get("basis", ""),
                seed=raw.get("seed", ""),
                targets=targets,
            )
        )
    return out


def validate_checklist(params: Mapping[str, Any], where: str) -> None:
    sections = params.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValueError(f"{where}: sections must be a non-empty list")
    labels = params.get("section_labels")
    if labels is not None and len(labels) != len(sections):
        raise ValueError(f"{where}: section_labels must match sections")
    items = params.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}: items must be a non-empty list")
    seen = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: items[{n}] must be a table")
        for key in ("code", "section", "label"):
            if not item.get(key):
                raise ValueError(f"{where}: items[{n}] needs {key}")
        if item["section"] not in sections:
            raise ValueError(f"{where}: items[{n}] section {item['section']!r} is not in sections")
        if item["code"] in seen:
            raise ValueError(f"{where}: items[{n}] code {item['code']!r} repeats")
        seen.add(item["code"])
        if set(item.get("targets") or TARGETS) - set(TARGETS):
            raise ValueError(f"{where}: items[{n}] targets must be facility and/or region")


# ------------------------------------------------------------------ deadlines


def default_deadline(params: Mapping[str, Any], severity: str, inspected_on: dt.date) -> dt.date:
    days = int(params["deadline_days"][severity])
    return inspected_on + dt.timedelta(days=days)


def latest_deadline(params: Mapping[str, Any], inspected_on: dt.date) -> dt.date | None:
    max_days = params.get("max_days")
    return None if max_days in (None, "") else inspected_on + dt.timedelta(days=int(max_days))


def validate_rectification(params: Mapping[str, Any], where: str) -> None:
    severities = params.get("severities") or []
    days = params.get("deadline_days")
    if not isinstance(days, Mapping):
        raise ValueError(f"{where}: deadline_days must be a table of severity = days")
    for severity in severities:
        value = days.get(severity)
        if not isinstance(value, int) or value < 1:
            raise ValueError(
                f"{where}: deadline_days.{severity} must be a whole number of days ≥ 1"
            )


# ------------------------------------------------------------------ escalation


def overdue_days(deadline: dt.date, today: dt.date) -> int:
    return max(0, (today - deadline).days)


def escalation_step(params: Mapping[str, Any], days_overdue: int) -> int:
    """How many levels above the responsible region a finding this many days overdue has
    reached (0: not yet)."""
    steps = [int(x) for x in params.get("after_overdue_days") or []]
    return sum(1 for threshold in steps if days_overdue >= threshold)


def escalation_code(responsible_path: str, step: int) -> str | None:
    """The region ``step`` levels above the responsible one (never the nation: the top is
    the province). None when there is nothing above."""
    if step <= 0:
        return None
    codes = [c for c in responsible_path.split(".") if c != "00"]
    above = codes[:-1]
    if not above:
        return None
    index = max(0, len(above) - step)
    return above[index]


def validate_escalation(params: Mapping[str, Any], where: str) -> None:
    steps = params.get("after_overdue_days")
    if not isinstance(steps, list) or not steps:
        raise ValueError(f"{where}: after_overdue_days must be a non-empty list")
    if any(not isinstance(s, int) or s < 1 for s in steps) or steps != sorted(set(steps)):
        raise ValueError(f"{where}: after_overdue_days must be increasing whole days ≥ 1")


# ------------------------------------------------------------------ operator evaluation


@dataclass(frozen=True)
class Satisfaction:
    rated: int
    satisfied: int
    average: Decimal | None
    low: int


@dataclass
class SectionScore:
    code: str
    label: str
    score: Decimal
    max_points: Decimal
    min_points: Decimal

    @property
    def short(self) -> bool:
        return self.score < self.min_points


@dataclass
class EvaluationResult:
    sections: list[SectionScore]
    total: Decimal
    pass_mark: Decimal
    passed: bool
    failed_sections: list[str]
    reasons: list[str] = field(default_factory=list)


def dec(value: Any) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(value) from None
    if not out.is_finite():
        raise ValueError(value)
    return out


def satisfaction_points(params: Mapping[str, Any], sat: Satisfaction) -> Decimal | None:
    """The satisfaction section's points from the ratings: the share of ratings at or
    above ``satisfied_min_rating`` times the section's maximum; None when there are fewer
    than ``min_ratings`` (the evaluators then enter it from other evidence)."""
    if sat.rated < int(params.get("min_ratings", 1)) or sat.rated == 0:
        return None
    top = dec(params["section_max"]["satisfaction"])
    return (top * sat.satisfied / sat.rated).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def score(params: Mapping[str, Any], scores: Mapping[str, Decimal]) -> EvaluationResult:
    """Total against the pass mark, and every section against its minimum share (the seed:
    failing any one of quality, management or satisfaction is enough to replace)."""
    labels = dict(zip(params["sections"], params.get("section_labels") or [], strict=False))
    share = dec(params.get("section_min_share", "0"))
    sections = []
    for code in params["sections"]:
        top = dec(params["section_max"][code])
        sections.append(
            SectionScore(
                code=code,
                label=labels.get(code, code),
                score=scores[code],
                max_points=top,
                min_points=(top * share).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP),
            )
        )
    total = sum((s.score for s in sections), Decimal("0")).quantize(ONE_DECIMAL)
    pass_mark = dec(params["pass_mark"])
    failed = [s.code for s in sections if s.short]
    reasons = []
    if total < pass_mark:
        reasons.append(_("总分 %(t)s 低于合格线 %(p)s") % {"t": total, "p": pass_mark})
    for s in sections:
        if s.short:
            reasons.append(
                _("%(l)s %(s)s 分，低于该项最低 %(m)s 分")
                % {"l": s.label, "s": s.score, "m": s.min_points}
            )
    return EvaluationResult(
        sections=sections,
        total=total,
        pass_mark=pass_mark,
        passed=not reasons,
        failed_sections=failed,
        reasons=reasons,
    )


def validate_scheme(params: Mapping[str, Any], where: str) -> None:
    sections = params.get("sections")
    tops = params.get("section_max")
    if not isinstance(sections, list) or not sections or not isinstance(tops, Mapping):
        raise ValueError(f"{where}: sections and section_max are required")
    if set(sections) != set(tops):
        raise ValueError(f"{where}: section_max must give every section, and only those")
    try:
        total = sum(dec(tops[s]) for s in sections)
        mark = dec(params["pass_mark"])
        share = dec(params.get("section_min_share", "0"))
    except (KeyError, ValueError):
        raise ValueError(f"{where}: pass_mark and section_max must be decimal strings") from None
    if not Decimal("0") < mark <= total:
        raise ValueError(f"{where}: pass_mark must be above 0 and at most the sum of section_max")
    if not Decimal("0") <= share <= Decimal("1"):
        raise ValueError(f"{where}: section_min_share must be between 0 and 1")
    if "satisfaction" not in sections:
        raise ValueError(f"{where}: the scheme needs a satisfaction section")


def check_scores(
    params: Mapping[str, Any], raw: Mapping[str, Any], *, skip: Sequence[str] = ()
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Parse entered section scores (0 to the section's maximum, one decimal)."""
    out: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for code in params["sections"]:
        if code in skip:
            continue
        value = raw.get(code)
        top = dec(params["section_max"][code])
        if value in (None, ""):
            errors[code] = [_("请填写得分（0–%(m)s）") % {"m": top}]
            continue
        try:
            points = dec(value)
        except ValueError:
            errors[code] = [_("得分应为数字")]
            continue
        if points < 0 or points > top:
            errors[code] = [_("得分应在 0 到 %(m)s 之间") % {"m": top}]
            continue
        out[code] = points.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return out, errors
