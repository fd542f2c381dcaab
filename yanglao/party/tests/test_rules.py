"""The requirement rules from tables: pure functions, no database."""

from __future__ import annotations

import pytest

from yanglao.party import rules

PARAMS = {
    rules.OWN_RULE: {
        "staff_full_members_min": 3,
        "obligation": "must",
        "violation_if_missing": True,
    },
    rules.JOINT_RULE: {
        "staff_full_members_below": 3,
        "obligation": "may",
        "violation_if_missing": False,
    },
    rules.NO_MEMBERS_RULE: {
        "staff_full_members": 0,
        "obligation": "may",
        "violation_if_missing": False,
    },
    rules.ELDER_RULE: {
        "resident_full_members_min": 3,
        "obligation": "may",
        "violation_if_missing": False,
    },
    rules.DISPATCH_RULE: {"dispatched_by": "public_side", "in_principle": True},
}
RULES = {k: rules.RuleInput(k, k, v, "doc") for k, v in PARAMS.items()}
OWNERSHIPS = ["public", "public_built_private_run", "private_public_aid", "private"]


def by_id(reqs):
    return {r.rule_id: r for r in reqs}


@pytest.mark.parametrize("ownership", OWNERSHIPS)
@pytest.mark.parametrize(
    ("staff", "own", "joint", "none"),
    [(0, False, False, True), (1, False, True, False), (2, False, True, False),
     (3, True, False, False), (5, True, False, False)],
)  # fmt: skip
def test_what_applies_for_each_number_of_full_staff_members(ownership, staff, own, joint, none):
    reqs = by_id(rules.evaluate(rules.Facts(ownership, staff, 0, frozenset()), RULES))
    assert reqs[rules.OWN_RULE].applies is own
    assert reqs[rules.JOINT_RULE].applies is joint
    assert reqs[rules.NO_MEMBERS_RULE].applies is none
    # Only the must is flagged, and only when it applies and is not met.
    flagged = {r.rule_id for r in reqs.values() if r.flag}
    assert flagged == ({rules.OWN_RULE} if own else set())
    assert reqs[rules.DISPATCH_RULE].applies is (ownership == "public_built_private_run")
    assert not reqs[rules.DISPATCH_RULE].flag  # 原则上: a principle, never a violation


@pytest.mark.parametrize("staff", [3, 5])
def test_an_own_organization_meets_the_must(staff):
    facts = rules.Facts("public", staff, 0, frozenset({rules.OWN_ORG}))
    own = by_id(rules.evaluate(facts, RULES))[rules.OWN_RULE]
    assert own.applies and own.met and not own.flag
    assert own.obligation == rules.MUST


def test_a_joint_organization_does_not_meet_the_must_at_three():
    facts = rules.Facts("private", 3, 0, frozenset({rules.JOINT_ORG}))
    assert by_id(rules.evaluate(facts, RULES))[rules.OWN_RULE].flag


@pytest.mark.parametrize(("residents", "applies"), [(0, False), (2, False), (3, True), (6, True)])
def test_an_elder_branch_may_form_at_three_full_resident_members(residents, applies):
    elder = by_id(rules.evaluate(rules.Facts("public", 0, residents, frozenset()), RULES))[
        rules.ELDER_RULE
    ]
    assert elder.applies is applies
    assert elder.obligation == rules.MAY and not elder.flag


def test_the_numbers_come_from_the_rule():
    raised = dict(RULES)
    raised[rules.OWN_RULE] = rules.RuleInput(
        rules.OWN_RULE, "", {**PARAMS[rules.OWN_RULE], "staff_full_members_min": 4}, ""
    )
    own = by_id(rules.evaluate(rules.Facts("public", 3, 0, frozenset()), raised))[rules.OWN_RULE]
    assert not own.applies


@pytest.mark.parametrize(
    ("reaches", "covered"),
    [({"own_org"}, True), ({"joint_org"}, True), ({"instructor"}, True),
     ({"elder_branch"}, False), (set(), False)],
)  # fmt: skip
def test_coverage_counts_own_joint_and_instructor_only(reaches, covered):
    assert rules.covered(reaches, ["own_org", "joint_org", "instructor"]) is covered


def test_presence_meetings_and_themed_shortfalls():
    presence = rules.RuleInput("p", "", {"min_half_days_per_week": 1}, "")
    assert rules.presence_shortfall(0, presence) == 1
    assert rules.presence_shortfall(2, presence) == 0
    routine = rules.RuleInput("r", "", {"meetings": ["a", "b", "c"]}, "")
    assert rules.missing_meetings({"b"}, routine) == ["a", "c"]
    themed = rules.RuleInput("t", "", {"min_per_quarter": 1}, "")
    assert rules.themed_shortfall(0, themed) == 1 and rules.themed_shortfall(1, themed) == 0
