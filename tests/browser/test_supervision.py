"""Supervision in the browser: on a phone, a county officer records this week's planned
inspection from the checklist (one item failed becomes a finding with its deadline); a
district officer opens the operator flagged for replacement and sees why."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def test_an_officer_records_the_checklist_on_a_phone(phone):
    login(phone, "zy_county")
    phone.goto("/supervision/?week=this&kind=planned")
    phone.get_by_test_id("inspections").locator("tbody a").first.click()
    phone.wait_for_url(re.compile(r".*/supervision/inspections/\d+/$"))
    phone.get_by_test_id("record-inspection").click()
    phone.wait_for_url(re.compile(r".*/record/$"))
    cards = phone.locator("[data-testid^=item-]")
    assert cards.count() >= 10
    for n in range(cards.count()):
        cards.nth(n).locator("label", has_text="合格").first.click()
    fire = phone.get_by_test_id("item-fire.equipment")
    fire.locator("label", has_text="不合格").click()
    fire.locator("summary").click()
    fire.locator("select").select_option("major")
    fire.locator("textarea").fill("灭火器2具过期")
    phone.get_by_test_id("record-save").click()
    phone.wait_for_url(re.compile(r".*/supervision/inspections/\d+/$"))
    findings = phone.get_by_test_id("findings").inner_text()
    assert "消防设施设备齐全有效" in findings and "较重" in findings
    results = phone.get_by_test_id("checklist-results").inner_text()
    assert "不合格" in results and "合格" in results


def test_a_district_officer_sees_the_operator_to_replace_and_why(page):
    login(page, "cz_luzhou")
    page.goto("/supervision/evaluations/flagged/")
    page.get_by_role("link", name="长治市银发家园养老服务有限公司").click()
    page.wait_for_url(re.compile(r".*/supervision/evaluations/\d+/$"))
    flag = page.get_by_test_id("flag").inner_text()
    assert "建议调整运营方" in flag and "低于合格线 60" in flag
    assert "长民发〔2020〕65号" in flag
    assert "八一社区" in page.get_by_test_id("evidence-inspections").inner_text()
