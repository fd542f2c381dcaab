"""The supervision API: plan → record → overdue → report → re-inspect → close, the
evaluation, errors in the one body, and idempotent writes."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from yanglao.supervision.models import Inspection

from .conftest import VILLAGE


def test_the_whole_round_through_the_api(api, officer, operator, facility):
    api.as_user(officer)
    checklist = api.get("/api/v1/supervision/checklist", data={"region": VILLAGE}).json()
    assert checklist["rule"]["rule_id"] == "supervision.checklist"
    codes = [i["code"] for i in checklist["items"]]
    today = timezone.localdate()
    created = api.post(
        "/api/v1/supervision/inspections",
        {
            "target_kind": "facility",
            "facility_id": facility.pk,
            "kind": "unannounced",
            "planned_on": today.isoformat(),
            "inspectors": "张福平",
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    results = {code: {"result": "pass"} for code in codes}
    results["fire.equipment"] = {"result": "fail", "note": "灭火器过期", "severity": "major"}
    recorded = api.post(
        f"/api/v1/supervision/inspections/{pk}/record",
        {"inspected_on": today.isoformat(), "results": results},
    )
    assert recorded.status_code == 200, recorded.content
    body = recorded.json()
    assert body["status"] == "recorded" and body["findings"] == 1
    finding = body["finding_list"][0]
    again = api.post(
        f"/api/v1/supervision/inspections/{pk}/record",
        {"inspected_on": today.isoformat(), "results": results},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    later = dt.datetime.combine(
        dt.date.fromisoformat(finding["deadline"]) + dt.timedelta(days=3),
        dt.time(4, tzinfo=dt.UTC),
    )
    with time_machine.travel(later, tick=False):
        overdue = api.get("/api/v1/supervision/findings", data={"overdue": "true"}).json()
        assert [f["id"] for f in overdue["items"]] == [finding["id"]]
        assert overdue["items"][0]["days_overdue"] == 3
    api.as_user(operator)
    submitted = api.post(
        f"/api/v1/supervision/findings/{finding['id']}/submit", {"note": "已更换灭火器"}
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    api.as_user(officer)
    closed_early = api.post(f"/api/v1/supervision/inspections/{pk}/close")
    assert closed_early.status_code == 409
    assert closed_early.json()["error"]["code"] == "findings_open"
    passed = api.post(
        f"/api/v1/supervision/findings/{finding['id']}/reinspect",
        {"passed": True, "on": today.isoformat()},
    )
    assert passed.status_code == 200 and passed.json()["status"] == "closed"
    closed = api.post(f"/api/v1/supervision/inspections/{pk}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_a_bad_record_names_each_field_in_chinese(api, officer, plan):
    inspection = plan()
    response = api.as_user(officer).post(
        f"/api/v1/supervision/inspections/{inspection.pk}/record",
        {
            "inspected_on": timezone.localdate().isoformat(),
            "results": {"fire.equipment": {"result": "fail"}, "nonsense": {"result": "pass"}},
        },
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "results.nonsense" in fields and "results.safety.rules" in fields
    assert "results.fire.equipment.severity" in fields
    assert Inspection.objects.get(pk=inspection.pk).status == "planned"


def test_a_retried_plan_is_written_once(api, officer, facility):
    payload = {
        "target_kind": "facility",
        "facility_id": facility.pk,
        "kind": "planned",
        "planned_on": "2026-03-10",
        "inspectors": "张福平",
    }
    api.as_user(officer)
    first = api.post("/api/v1/supervision/inspections", payload, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/v1/supervision/inspections", payload, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Inspection.objects.filter(facility=facility).count() == 1


def test_the_patch_changes_a_plan_only_before_it_is_held(api, officer, plan, recorded):
    planned = plan()
    api.as_user(officer)
    moved = api.patch(f"/api/v1/supervision/inspections/{planned.pk}", {"planned_on": "2026-04-01"})
    assert moved.status_code == 200 and moved.json()["planned_on"] == "2026-04-01"
    held = recorded()
    refused = api.patch(f"/api/v1/supervision/inspections/{held.pk}", {"inspectors": "x"})
    assert refused.status_code == 409


def test_the_evaluation_through_the_api(api, officer, facility):
    year = timezone.localdate().year - 1
    api.as_user(officer)
    operators = api.get("/api/v1/supervision/operators").json()
    assert "山西康乐养老服务有限公司" in [o["name"] for o in operators]
    missing = api.post(
        "/api/v1/supervision/evaluations",
        {
            "year": year,
            "operator_name": "山西康乐养老服务有限公司",
            "scores": {"service_quality": "20", "internal_management": "15"},
            "evaluators": "中阳县民政局",
        },
    )
    assert missing.status_code == 422
    assert "satisfaction_note" in missing.json()["error"]["fields"]
    made = api.post(
        "/api/v1/supervision/evaluations",
        {
            "year": year,
            "operator_name": "山西康乐养老服务有限公司",
            "scores": {"service_quality": "20", "internal_management": "15", "satisfaction": "16"},
            "satisfaction_note": "入住老人座谈",
            "evaluators": "中阳县民政局",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["passed"] is False and body["flagged"] is True
    assert body["total"] == "51.0" and body["pass_mark"] == "60"
    assert {s["code"] for s in body["sections"] if s["short"]} == {
        "service_quality",
        "internal_management",
        "satisfaction",
    }
    flagged = api.get("/api/v1/supervision/evaluations", data={"result": "flagged"}).json()
    assert [e["id"] for e in flagged["items"]] == [body["id"]]
    resolved = api.post(
        f"/api/v1/supervision/evaluations/{body['id']}/resolve",
        {"resolution": "replaced", "note": "更换运营方"},
    )
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "replaced"
    assert api.get(f"/api/v1/supervision/evaluations/{body['id']}").status_code == 200


def test_a_visitor_is_refused(api, make_user):
    visitor = make_user("visitor", VILLAGE)
    response = api.as_user(visitor).get("/api/v1/supervision/inspections")
    assert response.status_code == 403
