"""The demo: findings in every state, escalations, a closed inspection, and last year's
evaluations (one passing on its services' ratings, one failing and flagged)."""

from __future__ import annotations

from yanglao.demo.elders import load_elders
from yanglao.demo.facilities import load_facilities
from yanglao.demo.services import load_services
from yanglao.demo.supervision import load_demo
from yanglao.demo.users import load_users
from yanglao.supervision.models import Finding, Inspection, OperatorEvaluation


def test_the_demo_shows_every_state(db):
    load_users()
    load_elders(600)
    load_facilities()
    load_services(orders=20)
    made = load_demo()
    assert made["inspections"] >= 8 and made["escalated"] >= 3
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert statuses == {"open", "submitted", "closed"}
    assert Finding.objects.filter(escalated_to__code="1404").exists()  # 潞州区 → 长治市
    assert Finding.objects.filter(escalated_to__code="141129").exists()
    assert Finding.objects.filter(reinspections__gte=1, status="open").exists()
    assert Inspection.objects.filter(status="closed").count() == 2
    assert Inspection.objects.filter(status="planned", kind="unannounced").exists()
    assert Inspection.objects.filter(target_kind="region").exists()
    passing = OperatorEvaluation.objects.get(operator_name="山西康乐养老服务有限公司")
    assert passing.passed and passing.satisfaction_from_ratings
    assert passing.evidence["ratings"]["rated"] >= 10
    failing = OperatorEvaluation.objects.get(operator_name="长治市银发家园养老服务有限公司")
    assert failing.flagged and not failing.passed
    assert failing.evidence["inspections"]["findings"] == 4
    assert load_demo() == {}  # idempotent
