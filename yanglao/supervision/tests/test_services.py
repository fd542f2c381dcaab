"""Inspections, findings, overdue rectifications and their escalation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.notify.models import Message
from yanglao.policy import services as policy_services
from yanglao.supervision import selectors, services
from yanglao.supervision.models import FindingStatus, InspectionStatus

from .conftest import COUNTY, SIBLING, TOWNSHIP, VILLAGE, all_pass, checklist_codes, deadline_days

MARCH = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def at(day: dt.date) -> dt.datetime:
    """Noon in Beijing on that day."""
    return dt.datetime.combine(day, dt.time(4, tzinfo=dt.UTC))


def test_the_checklist_comes_from_the_policy_rule(plan, officer):
    inspection = plan()
    assert inspection.checklist_trace["rule_id"] == "supervision.checklist"
    assert inspection.checklist_trace["local_default"] is True
    codes = checklist_codes()
    assert "fire.equipment" in codes and "money.earmarked" in codes
    # A region item only: no fire or food items when a township's work is inspected.
    assert "fire.equipment" not in checklist_codes("region", TOWNSHIP)


def test_a_county_may_change_its_checklist_and_the_next_inspection_uses_it(plan, officer):
    policy_services.rule_override(
        actor=officer,
        rule_id="supervision.checklist",
        region_code=COUNTY,
        params={
            "sections": ["fire"],
            "section_labels": ["消防"],
            "items": [{"code": "fire.drill", "section": "fire", "label": "每季度消防演练"}],
        },
        valid_from=dt.date(2020, 1, 1),
        local_default=True,
        note="县里只查消防",
    )
    inspection = plan()
    with pytest.raises(ValidationFailed) as missing:
        services.inspection_record(
            actor=officer, inspection=inspection, inspected_on=timezone.localdate(), results={}
        )
    assert "results.fire.drill" in missing.value.fields
    services.inspection_record(
        actor=officer,
        inspection=inspection,
        inspected_on=timezone.localdate(),
        results={"fire.drill": {"result": "pass"}},
    )
    assert [i.code for i in inspection.items.all()] == ["fire.drill"]


def test_every_item_needs_a_result_and_a_failed_one_a_description(plan, officer):
    inspection = plan()
    results = all_pass(**{"fire.equipment": {"result": "fail", "severity": "major"}})
    del results["safety.rules"]
    with pytest.raises(ValidationFailed) as error:
        services.inspection_record(
            actor=officer, inspection=inspection, inspected_on=timezone.localdate(), results=results
        )
    assert "results.safety.rules" in error.value.fields
    assert "results.fire.equipment.description" in error.value.fields
    assert "请写明" in error.value.fields["results.fire.equipment.description"][0]
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.PLANNED and not inspection.items.exists()


def test_a_failed_item_becomes_a_finding_with_the_rule_deadline(recorded, operator):
    inspection = recorded()
    assert inspection.status == InspectionStatus.RECORDED
    findings = {f.item_code: f for f in inspection.findings.all()}
    today = timezone.localdate()
    fire = findings["fire.equipment"]
    assert fire.deadline == today + dt.timedelta(days=deadline_days("major"))
    assert fire.description == "2具灭火器过期"  # the note, when no description is written
    assert fire.responsible == "山西康乐养老服务有限公司"
    assert fire.responsible_region_id == TOWNSHIP
    assert findings["hygiene.environment"].deadline == today + dt.timedelta(
        days=deadline_days("minor")
    )
    # The operator is told (整改通知).
    assert Message.objects.filter(to_user=operator, subject__startswith="整改通知").exists()
    assert AuditEvent.objects.filter(action="supervision.inspection_record").exists()


def test_a_deadline_must_fall_after_the_inspection_and_within_the_rule_maximum(plan, officer):
    today = timezone.localdate()
    for deadline, word in ((today, "晚于"), (today + dt.timedelta(days=400), "不能超过")):
        inspection = plan()
        with pytest.raises(ValidationFailed) as error:
            services.inspection_record(
                actor=officer,
                inspection=inspection,
                inspected_on=today,
                results=all_pass(
                    **{
                        "food.rules": {
                            "result": "fail",
                            "severity": "minor",
                            "description": "无留样记录",
                            "deadline": deadline.isoformat(),
                        }
                    }
                ),
            )
        assert word in error.value.fields["results.food.rules.deadline"][0]


def test_illegal_moves_are_conflicts(recorded, officer):
    inspection = recorded()
    with pytest.raises(Conflict) as again:
        services.inspection_record(
            actor=officer, inspection=inspection, inspected_on=timezone.localdate(), results={}
        )
    assert again.value.code == "illegal_transition"
    with pytest.raises(Conflict):
        services.inspection_cancel(actor=officer, inspection=inspection, reason="x")
    with pytest.raises(Conflict) as open_findings:
        services.inspection_close(actor=officer, inspection=inspection)
    assert open_findings.value.code == "findings_open"
    finding = inspection.findings.first()
    services.finding_reinspect(actor=officer, finding=finding, passed=True, on=timezone.localdate())
    with pytest.raises(Conflict):
        services.finding_reinspect(
            actor=officer, finding=finding, passed=True, on=timezone.localdate()
        )
    with pytest.raises(Conflict):
        services.finding_submit(actor=officer, finding=finding, note="done")


def test_reinspection_closes_or_reopens_and_the_inspection_closes_when_all_are_closed(
    recorded, officer, operator
):
    inspection = recorded()
    fire, hygiene = inspection.findings.order_by("item_code")
    today = timezone.localdate()
    services.finding_submit(actor=operator, finding=fire, note="已更换灭火器")
    fire.refresh_from_db()
    assert fire.status == FindingStatus.SUBMITTED
    with pytest.raises(ValidationFailed) as no_deadline:
        services.finding_reinspect(actor=officer, finding=fire, passed=False, on=today, note="x")
    assert "new_deadline" in no_deadline.value.fields
    services.finding_reinspect(
        actor=officer,
        finding=fire,
        passed=False,
        on=today,
        note="仍有1具未换",
        new_deadline=today + dt.timedelta(days=5),
    )
    fire.refresh_from_db()
    assert fire.status == FindingStatus.OPEN and fire.reinspections == 1
    assert fire.deadline == today + dt.timedelta(days=5)
    for f in (fire, hygiene):
        services.finding_reinspect(actor=officer, finding=f, passed=True, on=today)
    services.inspection_close(actor=officer, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CLOSED
    kinds = list(fire.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "reinspect_fail", "reinspect_pass"]


def test_another_operator_may_not_report_a_rectification(recorded, make_user):
    finding = recorded().findings.first()
    stranger = make_user("facility_operator", TOWNSHIP)
    with pytest.raises(Forbidden):
        services.finding_submit(actor=stranger, finding=finding, note="x")


def test_overdue_means_deadline_passed_and_not_closed(recorded, officer):
    with time_machine.travel(MARCH, tick=False):
        inspection = recorded()
        fire = inspection.findings.get(item_code="fire.equipment")
    deadline = fire.deadline
    with time_machine.travel(at(deadline), tick=False):
        assert not selectors.overdue(officer).filter(pk=fire.pk).exists()
    with time_machine.travel(at(deadline + dt.timedelta(days=1)), tick=False):
        overdue = selectors.overdue(officer)
        assert fire.pk in {f.pk for f in overdue}
        assert selectors.days_overdue(overdue.get(pk=fire.pk)) == 1
        services.finding_reinspect(
            actor=officer, finding=fire, passed=True, on=timezone.localdate()
        )
        assert not selectors.overdue(officer).filter(pk=fire.pk).exists()


def test_an_overdue_rectification_climbs_one_level_then_two(recorded, officer, operator, make_user):
    township = make_user("township_officer", TOWNSHIP)
    city = make_user("city_admin", "1411")
    with time_machine.travel(MARCH, tick=False):
        inspection = recorded()
        fire = inspection.findings.get(item_code="fire.equipment")
    day_one = fire.deadline + dt.timedelta(days=1)
    with time_machine.travel(at(day_one), tick=False):
        assert services.escalate_overdue() >= 1
        assert services.escalate_overdue() == 0  # twice on a day changes nothing
    fire.refresh_from_db()
    assert fire.escalation_level == 1 and fire.escalated_to_id == COUNTY
    topic = f"finding:{fire.pk}"
    told = set(Message.objects.filter(topic=topic).values_list("to_user_id", flat=True))
    assert {officer.pk, township.pk, operator.pk} <= told
    assert city.pk not in told
    assert fire.pk in {f.pk for f in selectors.findings(officer, escalated="here")}
    assert AuditEvent.objects.filter(action="supervision.finding_escalate").exists()
    later = fire.deadline + dt.timedelta(days=15)
    with time_machine.travel(at(later), tick=False):
        services.escalate_overdue()
    fire.refresh_from_db()
    assert fire.escalation_level == 2 and fire.escalated_to_id == "1411"
    assert Message.objects.filter(topic=topic, to_user=city).exists()
    assert fire.pk in {f.pk for f in selectors.findings(city, escalated="here")}
    assert fire.events.filter(kind="escalated").count() == 2


def test_a_failed_reinspection_starts_the_escalation_again(recorded, officer):
    with time_machine.travel(MARCH, tick=False):
        fire = recorded().findings.get(item_code="fire.equipment")
    day_one = fire.deadline + dt.timedelta(days=1)
    with time_machine.travel(at(day_one), tick=False):
        services.escalate_overdue()
        services.finding_reinspect(
            actor=officer,
            finding=fire,
            passed=False,
            on=day_one,
            note="未整改",
            new_deadline=day_one + dt.timedelta(days=10),
        )
    fire.refresh_from_db()
    assert fire.escalation_level == 0 and fire.escalated_to is None


def test_the_command_escalates_as_of_a_date(recorded):
    with time_machine.travel(MARCH, tick=False):
        fire = recorded().findings.get(item_code="fire.equipment")
    call_command(
        "escalate_rectifications", "--date", (fire.deadline + dt.timedelta(days=2)).isoformat()
    )
    fire.refresh_from_db()
    assert fire.escalation_level == 1


def test_an_unannounced_visit_is_hidden_below_the_organizer_until_held(
    plan, officer, operator, make_user
):
    township = make_user("township_officer", TOWNSHIP)
    inspection = plan(kind="unannounced")
    assert inspection in selectors.inspections(officer)
    assert not selectors.inspections(township).filter(pk=inspection.pk).exists()
    assert not selectors.inspections(operator).filter(pk=inspection.pk).exists()
    with pytest.raises(NotFound):
        selectors.inspection_get(township, inspection.pk)
    services.inspection_record(
        actor=officer, inspection=inspection, inspected_on=timezone.localdate(), results=all_pass()
    )
    assert selectors.inspection_get(township, inspection.pk) == inspection
    assert selectors.inspections(operator).filter(pk=inspection.pk).exists()


def test_a_township_may_not_record_the_county_inspection(plan, make_user):
    township = make_user("township_officer", TOWNSHIP)
    inspection = plan()
    with pytest.raises(Forbidden):
        services.inspection_record(
            actor=township, inspection=inspection, inspected_on=timezone.localdate(), results={}
        )


def test_a_sibling_county_sees_nothing_and_plans_nothing_here(recorded, facility, make_user):
    inspection = recorded()
    finding = inspection.findings.first()
    sibling = make_user("county_admin", SIBLING)
    with pytest.raises(NotFound):
        selectors.inspection_get(sibling, inspection.pk)
    with pytest.raises(NotFound):
        selectors.finding_get(sibling, finding.pk)
    assert not selectors.inspections(sibling).exists()
    assert not selectors.findings(sibling).exists()
    with pytest.raises(ValidationFailed) as error:
        services.inspection_plan(
            actor=sibling,
            data={
                "target_kind": "facility",
                "facility_id": facility.pk,
                "kind": "planned",
                "planned_on": "2026-03-01",
                "inspectors": "x",
            },
        )
    assert "facility_id" in error.value.fields
    with pytest.raises(NotFound):
        services.finding_reinspect(
            actor=sibling, finding=finding, passed=True, on=timezone.localdate()
        )
    assert AuditEvent.objects.filter(actor=sibling, action="access.out_of_scope").exists()


def test_a_region_inspection_of_a_township(officer):
    inspection = services.inspection_plan(
        actor=officer,
        data={
            "target_kind": "region",
            "region_code": TOWNSHIP,
            "kind": "planned",
            "planned_on": timezone.localdate().isoformat(),
            "inspectors": "张福平",
        },
    )
    services.inspection_record(
        actor=officer,
        inspection=inspection,
        inspected_on=timezone.localdate(),
        results=all_pass(
            "region",
            TOWNSHIP,
            **{
                "records.ledger": {
                    "result": "fail",
                    "severity": "minor",
                    "description": "巡访台账缺10月记录",
                }
            },
        ),
    )
    finding = inspection.findings.get()
    assert finding.responsible == "金罗镇" and finding.responsible_region_id == TOWNSHIP


def test_bad_plans_name_the_field(officer):
    with pytest.raises(ValidationFailed) as error:
        services.inspection_plan(
            actor=officer,
            data={
                "target_kind": "facility",
                "facility_id": "x",
                "kind": "spot",
                "planned_on": "3/1",
            },
        )
    assert {"facility_id", "kind", "planned_on", "inspectors"} <= set(error.value.fields)


def test_a_village_officer_may_not_plan(make_user):
    with pytest.raises(Forbidden):
        services.inspection_plan(actor=make_user("village_officer", VILLAGE), data={})
