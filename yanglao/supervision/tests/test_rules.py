"""The pure rules of supervision, from tables."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from yanglao.supervision import rules

PACK = Path(__file__).resolve().parents[2] / "policy" / "packs" / "supervision.toml"

CHECKLIST = {
    "sections": ["safety", "fire"],
    "section_labels": ["安全管理", "消防"],
    "items": [
        {
            "code": "safety.rules",
            "section": "safety",
            "label": "制度",
            "targets": ["facility", "region"],
        },
        {"code": "fire.equipment", "section": "fire", "label": "灭火器", "targets": ["facility"]},
    ],
}
SCHEME = {
    "sections": ["service_quality", "internal_management", "satisfaction"],
    "section_labels": ["服务质量", "内部管理", "服务对象满意度"],
    "section_max": {"service_quality": "40", "internal_management": "30", "satisfaction": "30"},
    "pass_mark": "60",
    "section_min_share": "0.6",
    "satisfied_min_rating": 4,
    "min_ratings": 10,
}


def test_a_region_inspection_gets_only_the_items_for_regions():
    assert [i.code for i in rules.checklist_items(CHECKLIST, "facility")] == [
        "safety.rules",
        "fire.equipment",
    ]
    items = rules.checklist_items(CHECKLIST, "region")
    assert [i.code for i in items] == ["safety.rules"]
    assert items[0].section_label == "安全管理"


@pytest.mark.parametrize(
    "bad",
    [
        {**CHECKLIST, "items": CHECKLIST["items"] + [CHECKLIST["items"][0]]},
        {**CHECKLIST, "items": [{"code": "x", "section": "food", "label": "x"}]},
        {**CHECKLIST, "items": [{"code": "x", "section": "fire", "label": "x", "targets": ["x"]}]},
        {**CHECKLIST, "items": []},
    ],
)
def test_a_bad_checklist_is_refused_when_loaded(bad):
    with pytest.raises(ValueError):
        rules.validate_checklist(bad, "t")


@pytest.mark.parametrize(("severity", "days"), [("minor", 30), ("major", 15), ("critical", 7)])
def test_the_default_deadline_counts_the_rule_days_from_the_inspection(severity, days):
    params = {"deadline_days": {"minor": 30, "major": 15, "critical": 7}}
    on = dt.date(2026, 3, 10)
    assert rules.default_deadline(params, severity, on) == on + dt.timedelta(days=days)


@pytest.mark.parametrize(("days", "step"), [(0, 0), (1, 1), (14, 1), (15, 2), (400, 2)])
def test_the_escalation_step_follows_the_days_overdue(days, step):
    assert rules.escalation_step({"after_overdue_days": [1, 15]}, days) == step


@pytest.mark.parametrize(
    ("path", "step", "code"),
    [
        ("00.14.1411.141129.141129101", 1, "141129"),
        ("00.14.1411.141129.141129101", 2, "1411"),
        ("00.14.1411.141129.141129101", 3, "14"),
        ("00.14.1411.141129.141129101", 9, "14"),  # never above the province
        ("00.14.1411.141129.141129101", 0, None),
        ("00.14", 1, None),
    ],
)
def test_escalation_climbs_from_the_responsible_region(path, step, code):
    assert rules.escalation_code(path, step) == code


def test_escalation_steps_must_increase():
    with pytest.raises(ValueError):
        rules.validate_escalation({"after_overdue_days": [15, 1]}, "t")
    rules.validate_escalation({"after_overdue_days": [1, 15]}, "t")


def test_satisfaction_is_the_satisfied_share_of_the_section_maximum():
    sat = rules.Satisfaction(rated=10, satisfied=8, average=Decimal("4.1"), low=1)
    assert rules.satisfaction_points(SCHEME, sat) == Decimal("24.0")


def test_too_few_ratings_give_no_satisfaction_figure():
    sat = rules.Satisfaction(rated=9, satisfied=9, average=Decimal("5"), low=0)
    assert rules.satisfaction_points(SCHEME, sat) is None


def test_a_total_at_the_pass_mark_with_every_section_in_passes():
    scores = {
        k: Decimal(v)
        for k, v in [
            ("service_quality", "24"),
            ("internal_management", "18"),
            ("satisfaction", "18"),
        ]
    }
    result = rules.score(SCHEME, scores)
    assert result.total == Decimal("60.0") and result.passed and not result.reasons


def test_a_total_below_the_pass_mark_fails():
    scores = {
        "service_quality": Decimal("24"),
        "internal_management": Decimal("18"),
        "satisfaction": Decimal("17.9"),
    }
    result = rules.score(SCHEME, scores)
    assert not result.passed
    assert any("合格线" in r for r in result.reasons)
    assert result.failed_sections == ["satisfaction"]


def test_one_section_short_fails_even_with_a_good_total():
    """The seed: poor quality, poor management or dissatisfied elders is each enough."""
    scores = {
        "service_quality": Decimal("40"),
        "internal_management": Decimal("30"),
        "satisfaction": Decimal("12"),
    }
    result = rules.score(SCHEME, scores)
    assert result.total == Decimal("82.0")
    assert not result.passed and result.failed_sections == ["satisfaction"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {"service_quality": "41", "internal_management": "1", "satisfaction": "1"},
            "service_quality",
        ),
        (
            {"service_quality": "x", "internal_management": "1", "satisfaction": "1"},
            "service_quality",
        ),
        (
            {"service_quality": "1", "internal_management": "", "satisfaction": "1"},
            "internal_management",
        ),
        (
            {"service_quality": "1", "internal_management": "-1", "satisfaction": "1"},
            "internal_management",
        ),
    ],
)
def test_entered_scores_are_checked_against_the_section_maximum(raw, field):
    _scores, errors = rules.check_scores(SCHEME, raw)
    assert field in errors


def test_the_scheme_needs_a_pass_mark_within_the_sections():
    with pytest.raises(ValueError):
        rules.validate_scheme({**SCHEME, "pass_mark": "101"}, "t")
    with pytest.raises(ValueError):
        rules.validate_scheme({**SCHEME, "section_max": {"service_quality": "40"}}, "t")
    rules.validate_scheme(SCHEME, "t")


def test_every_checklist_item_quotes_its_seed():
    seeds = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("shared/seeds is not beside the checkout")
    data = tomllib.loads(PACK.read_text(encoding="utf-8"))
    checklist = next(r for r in data["rule"] if r["id"] == rules.CHECKLIST_RULE)
    rules.validate_checklist(checklist["params"], "pack")
    squash = {}
    for item in checklist["params"]["items"]:
        text = squash.setdefault(
            item["seed"], re.sub(r"\s+", "", (seeds / item["seed"]).read_text(encoding="utf-8"))
        )
        assert re.sub(r"\s+", "", item["basis"]) in text, item["code"]
    sections = {i["section"] for i in checklist["params"]["items"]}
    assert sections == {"safety", "fire", "food", "hygiene", "service", "records", "money_use"}
