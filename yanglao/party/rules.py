"""What the Ningbo rules ask of one institution: pure functions over data (no ORM, no
I/O), tested from tables. The caller looks the rules up (``policy.selectors.lookup``) and
counts the members; every number here comes from a rule's parameters.

Only a broken *must* (都要) is flagged; a *may* (可以/可) that is not taken up is shown as
an option, never as a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MUST = "must"
MAY = "may"
IN_PRINCIPLE = "in_principle"

OWN_ORG = "own_org"
JOINT_ORG = "joint_org"
ELDER_BRANCH = "elder_branch"
INSTRUCTOR = "instructor"

OWN_RULE = "party.org_formation.own"
JOINT_RULE = "party.org_formation.joint"
NO_MEMBERS_RULE = "party.org_formation.no_members"
ELDER_RULE = "party.elder_branch"
DISPATCH_RULE = "party.dispatch.public_built_private_run"
PRESENCE_RULE = "party.dispatch.min_presence"
ROUTINE_RULE = "party.branch_routine"
FREQUENCY_RULE = "party.branch_routine.frequency"  # a local default: no seed gives one
FORMATION_RULES = (OWN_RULE, JOINT_RULE, NO_MEMBERS_RULE, ELDER_RULE, DISPATCH_RULE)


@dataclass(frozen=True)
class RuleInput:
    """The parts of a resolved rule the evaluation needs (a Resolution's view)."""

    rule_id: str
    title: str
    params: dict[str, Any]
    source: str = ""


@dataclass(frozen=True)
class Facts:
    ownership: str
    staff_full: int
    resident_full: int
    reaches: frozenset[str]  # own_org, joint_org, elder_branch, instructor
    public_side_head: bool = False  # a head or instructor dispatched by the public side
    org_sound: bool = False  # an own organization exists and met this quarter


@dataclass
class Requirement:
    rule_id: str
    title: str
    source: str
    obligation: str  # must, may, in_principle
    applies: bool
    met: bool
    flag: bool  # only a broken must
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _obligation(rule: RuleInput, default: str) -> str:
    return str(rule.params.get("obligation") or default)


def _int(rule: RuleInput, name: str) -> int:
    return int(rule.params[name])


def evaluate(facts: Facts, rules: dict[str, RuleInput]) -> list[Requirement]:
    """Each formation rule in force for the institution: whether it applies, how strongly,
    whether it is met and whether its breach is flagged."""
    out: list[Requirement] = []

    def add(rule: RuleInput, obligation: str, applies: bool, met: bool, reason: str) -> None:
        violation = bool(rule.params.get("violation_if_missing", obligation == MUST))
        out.append(
            Requirement(
                rule_id=rule.rule_id,
                title=rule.title,
                source=rule.source,
                obligation=obligation,
                applies=applies,
                met=met,
                flag=applies and not met and obligation == MUST and violation,
                reason=reason,
                params=rule.params,
            )
        )

    own = rules.get(OWN_RULE)
    if own is not None:
        floor = _int(own, "staff_full_members_min")
        add(
            own,
            _obligation(own, MUST),
            facts.staff_full >= floor,
            OWN_ORG in facts.reaches,
            f"staff_full={facts.staff_full} >= {floor}",
        )
    joint = rules.get(JOINT_RULE)
    none_rule = rules.get(NO_MEMBERS_RULE)
    none_count = _int(none_rule, "staff_full_members") if none_rule else None
    if joint is not None:
        below = _int(joint, "staff_full_members_below")
        add(
            joint,
            _obligation(joint, MAY),
            facts.staff_full < below and facts.staff_full != none_count,
            bool(facts.reaches & {OWN_ORG, JOINT_ORG}),
            f"staff_full={facts.staff_full} < {below}",
        )
    if none_rule is not None:
        add(
            none_rule,
            _obligation(none_rule, MAY),
            facts.staff_full == none_count,
            bool(facts.reaches & {OWN_ORG, JOINT_ORG, INSTRUCTOR}),
            f"staff_full={facts.staff_full} == {none_count}",
        )
    elder = rules.get(ELDER_RULE)
    if elder is not None:
        floor = _int(elder, "resident_full_members_min")
        add(
            elder,
            _obligation(elder, MAY),
            facts.resident_full >= floor,
            ELDER_BRANCH in facts.reaches,
            f"resident_full={facts.resident_full} >= {floor}",
        )
    dispatch = rules.get(DISPATCH_RULE)
    if dispatch is not None:
        # 原则上: the head comes from the public side, unless the organization is sound
        # (if_org_sound) — a principle, never flagged.
        obligation = IN_PRINCIPLE if dispatch.params.get("in_principle") else MUST
        add(
            dispatch,
            obligation,
            facts.ownership == "public_built_private_run",
            facts.public_side_head or facts.org_sound,
            f"ownership={facts.ownership}",
        )
    return out


def covered(reaches: frozenset[str] | set[str], counts_as_covered: list[str]) -> bool:
    """An institution is covered when an organization or Party work the target rule
    counts (own_org, joint_org, instructor) reaches it; nothing else counts."""
    return bool(set(reaches) & set(counts_as_covered))


def presence_shortfall(half_days: int, rule: RuleInput) -> int:
    """How many half-days a dispatched person still owes this week."""
    return max(0, _int(rule, "min_half_days_per_week") - half_days)


def missing_meetings(
    held: set[str] | dict[str, int], rule: RuleInput, frequency: RuleInput | None = None
) -> list[str]:
    """The routine meetings (三会一课) held fewer times in the period than the frequency
    rule's ``min_each`` (once, without one), in the rule's order. ``held`` is a set of the
    kinds held or a count per kind."""
    counts = held if isinstance(held, dict) else dict.fromkeys(held, 1)
    min_each = _int(frequency, "min_each") if frequency is not None else 1
    return [m for m in rule.params.get("meetings", []) if counts.get(m, 0) < min_each]


PERIODS = ("month", "quarter", "year")


def themed_shortfall(held: int, rule: RuleInput) -> int:
    return max(0, _int(rule, "min_per_quarter") - held)
