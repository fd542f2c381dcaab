"""The upper-level export: columns, code tables, masking, formats, scope, the log."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from yanglao.core.models import AccessLog
from yanglao.interop import codes, services

from .conftest import VILLAGE


def test_code_tables_follow_the_standards(api, officer):
    tables = {t["name"]: t for t in api.as_user(officer).get("/api/v1/interop/code-tables").json()}
    assert {c["code"]: c["label"] for c in tables["gender"]["codes"]} == {
        "0": "未知的性别",
        "1": "男性",
        "2": "女性",
        "9": "未说明的性别",
    }
    assert "GB/T 2261.1" in tables["gender"]["source"]
    living = {c["code"]: c["label"] for c in tables["living_situation"]["codes"]}
    assert living["1"] == "独居" and living["8"] == "养老机构" and len(living) == 8
    assert [c["code"] for c in tables["ability_level"]["codes"]] == ["0", "1", "2", "3", "4"]
    assert "nursing_care_central_home" in {c["code"] for c in tables["facility_type"]["codes"]}
    assert [c["code"] for c in tables["ltc_grade"]["codes"]] == ["0", "1", "2", "3", "4", "5"]


def test_the_elder_export_carries_codes_and_masks(api, officer, operator, home, elder_at):
    elder, number = elder_at(
        name="张桂兰", phone="13812345678", living_situation="alone", welfare="minimum_allowance"
    )
    services.feed_residents(
        actor=operator, facility=home, residents=[{"id_number": number, "name": "张桂兰"}]
    )
    party = api.as_user(officer)
    data = party.get("/api/v1/interop/exports/elders", data={"region": VILLAGE}).json()
    assert data["count"] == 1
    row = data["items"][0]
    assert row["elder_id"] == elder.pk
    assert row["id_number"] == number[:6] + "********" + number[-4:]
    assert row["phone"] == "138****5678"
    assert row["gender_code"] == codes.GENDER_OF_SEX[elder.person.sex]
    assert row["living_situation_code"] == "1" and row["living_situation"] == "独居"
    assert row["welfare_code"] == "minimum_allowance" and row["welfare"] == "低保"
    assert row["region_code"] == VILLAGE and row["county_code"] == "141129"
    assert row["facility_name"] == "宁乡镇敬老院" and row["facility_id"] == home.pk
    assert row["ability_level_code"] is None and row["rural"] in ("0", "1")
    columns = {c["key"]: c for c in data["columns"]}
    assert columns["gender_code"]["code_table"] == "gender"
    assert columns["living_situation_code"]["header"] == "居住情况代码"
    full = party.get("/api/v1/interop/exports/elders", data={"region": VILLAGE, "full": "true"})
    assert full.json()["items"][0]["id_number"] == number
    logs = AccessLog.objects.filter(kind="export", actor=officer).order_by("at")
    assert [log.detail["full_values"] for log in logs] == [False, True]
    assert logs[0].detail["format"] == "json" and logs[0].detail["rows"] == 1


def test_full_values_are_refused_to_roles_without_the_permission(api, make_user, elder_at):
    elder_at()
    party = make_user("party_officer", "141129")
    api.as_user(party)
    assert api.get("/api/v1/interop/exports/elders", data={"full": "true"}).status_code == 403
    masked = api.get("/api/v1/interop/exports/elders").json()
    assert masked["count"] >= 1 and all("*" in r["id_number"] for r in masked["items"])


def test_a_region_outside_the_scope_is_not_found(api, make_user):
    township = make_user("township_officer", "141129101")
    api.as_user(township)
    assert api.get("/api/v1/interop/exports/elders", data={"region": "141129"}).status_code == 404
    assert (
        api.get("/api/v1/interop/exports/facilities", data={"region": "141125"}).status_code == 404
    )
    assert (
        api.get("/api/v1/interop/exports/elders", data={"region": "141129101"}).status_code == 200
    )
    operator = make_user("facility_operator", "141129100")
    assert api.as_user(operator).get("/api/v1/interop/exports/elders").status_code == 403


def test_facilities_and_services_in_xlsx_and_csv(api, officer, home):
    api.as_user(officer)
    response = api.get("/api/v1/interop/exports/facilities", data={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[1])
    assert headers[:5] == ["设施编号", "名称", "设施类型代码", "设施类型", "运营模式代码"]
    mine = next(r for r in rows[2:] if r[1] == "宁乡镇敬老院")
    assert mine[2] == "nursing_home" and mine[3] == "敬老院/特困人员供养机构"
    csv = api.get("/api/v1/interop/exports/services", data={"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff工单号,档案编号,老人姓名")
    bad = api.get(
        "/api/v1/interop/exports/services",
        data={"date_from": "2026-02-01", "date_to": "2026-01-01"},
    )
    assert bad.status_code == 422 and "date_to" in bad.json()["error"]["fields"]
    assert api.get("/api/v1/interop/exports/pets").status_code == 422
    assert AccessLog.objects.filter(actor=officer, kind="export").count() == 2


def test_the_user_guide_documents_every_column_and_code_table():
    from pathlib import Path

    from yanglao.interop import export

    guide = (Path(__file__).resolve().parents[3] / "docs" / "user-guide" / "interop.md").read_text(
        encoding="utf-8"
    )
    for kind, make in export.FIELDS.items():
        for field in make(False):
            assert f"| {field.header} | `{field.key}` |" in guide, (kind, field.key)
    for table in codes.TABLES:
        assert f"### 代码表 {table.name}" in guide, table.name
        for code, label in table.codes:
            assert f"| `{code}` | {label} |" in guide, (table.name, code)
