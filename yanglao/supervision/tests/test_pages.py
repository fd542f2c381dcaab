"""Every supervision page renders for the roles that use it, the phone checklist saves,
and the lists export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.supervision.models import FindingStatus, Inspection, InspectionStatus

from .conftest import TOWNSHIP, VILLAGE, checklist_codes


def test_the_inspection_pages_render(client, officer, recorded, plan):
    held = recorded()
    planned = plan()
    finding = held.findings.first()
    client.force_login(officer)
    for url, text in (
        ("/supervision/", "督查检查"),
        ("/supervision/?week=this", "金罗村幸福小院"),
        ("/supervision/inspections/new/", "安排检查"),
        (f"/supervision/inspections/{held.pk}/", "发现问题与整改"),
        (f"/supervision/inspections/{planned.pk}/", "本次将使用的检查表"),
        (f"/supervision/inspections/{planned.pk}/edit/", "修改检查计划"),
        (f"/supervision/inspections/{planned.pk}/record/", "消防设施设备齐全有效"),
        (f"/supervision/inspections/{held.pk}/findings/new/", "添加问题"),
        ("/supervision/findings/", "整改问题"),
        ("/supervision/overdue/", "逾期未整改"),
        (f"/supervision/findings/{finding.pk}/", "整改记录"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_checklist_saves_from_the_phone_form(client, officer, plan):
    inspection = plan()
    client.force_login(officer)
    today = timezone.localdate().isoformat()
    data = {"inspected_on": today, "inspectors": "张福平", "summary": "总体良好"}
    for code in checklist_codes():
        data[f"result__{code}"] = "pass"
    data["result__fire.equipment"] = "fail"
    data["note__fire.equipment"] = "灭火器过期"
    data["severity__fire.equipment"] = "critical"
    response = client.post(f"/supervision/inspections/{inspection.pk}/record/", data)
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.RECORDED
    finding = inspection.findings.get()
    assert finding.severity == "critical" and finding.description == "灭火器过期"


def test_a_missing_result_is_shown_on_its_card(client, officer, plan):
    inspection = plan()
    client.force_login(officer)
    response = client.post(
        f"/supervision/inspections/{inspection.pk}/record/",
        {"inspected_on": timezone.localdate().isoformat(), "inspectors": "张福平"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "请选择“建立并落实安全管理制度”的结果" in page
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PLANNED


def test_the_operator_reports_and_the_officer_reinspects_on_the_finding_page(
    client, officer, operator, recorded
):
    finding = recorded().findings.get(item_code="fire.equipment")
    client.force_login(operator)
    page = client.get(f"/supervision/findings/{finding.pk}/").content.decode()
    assert "报告已整改" in page and "保存复查结果" not in page
    response = client.post(
        f"/supervision/findings/{finding.pk}/", {"action": "submit", "note": "已更换灭火器"}
    )
    assert response.status_code == 302
    client.force_login(officer)
    response = client.post(
        f"/supervision/findings/{finding.pk}/",
        {"action": "reinspect", "result": "pass", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED


def test_closing_with_open_findings_says_why(client, officer, recorded):
    inspection = recorded()
    client.force_login(officer)
    response = client.post(f"/supervision/inspections/{inspection.pk}/", {"action": "close"})
    assert response.status_code == 409
    assert "未复查销号" in response.content.decode()


def test_the_lists_export_to_excel(client, officer, recorded):
    recorded()
    client.force_login(officer)
    for url, header in (
        ("/supervision/?export=xlsx", "检查对象"),
        ("/supervision/findings/?export=xlsx", "整改期限"),
        ("/supervision/overdue/?export=xlsx", "逾期天数"),
        ("/supervision/evaluations/?export=xlsx", "运营方"),
        ("/supervision/evaluations/flagged/?export=xlsx", "合格线"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(BytesIO(response.content)).active
        assert header in [c.value for c in sheet[2]], url


def test_the_findings_export_holds_the_rows(client, officer, recorded):
    recorded()
    client.force_login(officer)
    sheet = load_workbook(BytesIO(client.get("/supervision/findings/?export=xlsx").content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2 and {r[0] for r in rows} == {"金罗村幸福小院"}


def test_the_operator_sees_its_findings_and_not_the_evaluation_form(client, operator, recorded):
    recorded()
    client.force_login(operator)
    assert "厨房地面油污" in client.get("/supervision/findings/").content.decode()
    assert client.get("/supervision/evaluations/new/").status_code == 403
    assert client.get("/supervision/inspections/new/").status_code == 403


@pytest.mark.parametrize(
    ("url", "role", "region"),
    [
        ("/supervision/", "visitor", VILLAGE),
        ("/supervision/evaluations/", "village_officer", VILLAGE),
        ("/supervision/inspections/new/", "village_officer", VILLAGE),
        ("/supervision/evaluations/new/", "township_officer", TOWNSHIP),
    ],
)
def test_a_role_that_may_not_use_a_page_gets_403(client, make_user, url, role, region):
    client.force_login(make_user(role, region))
    response = client.get(url)
    assert response.status_code == 403 and "无权" in response.content.decode()


def test_a_sibling_county_gets_404_for_an_inspection_page(client, make_user, recorded):
    inspection = recorded()
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/supervision/inspections/{inspection.pk}/").status_code == 404


def test_the_workbench_shows_the_supervision_panel(client, officer, recorded):
    recorded(on=timezone.localdate() - dt.timedelta(days=40))
    client.force_login(officer)
    page = client.get("/workbench/").content.decode()
    assert "督查整改" in page and "逾期未整改" in page and "本周计划检查" in page


def test_the_menu_offers_supervision_to_officers_and_operators_only(client, make_user):
    for role, region, shown in (
        ("county_admin", "141129", True),
        ("facility_operator", "141129100", True),
        ("visitor", VILLAGE, False),
    ):
        client.force_login(make_user(role, region))
        page = client.get("/workbench/").content.decode()
        assert ('href="/supervision/"' in page) is shown, role
