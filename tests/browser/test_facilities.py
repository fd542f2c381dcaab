"""A county officer finds a facility with a gap on the gaps page, opens it and sees the
rule that sets the standard and where it comes from; an operator sees only their own
facility."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def test_an_officer_opens_a_facility_with_a_gap_and_sees_the_rule_and_source(page):
    login(page, "zy_county")
    page.goto("/facilities/gaps/?type=day_care_center")
    listing = page.get_by_test_id("gap-list")
    listing.get_by_role("link", name="枝柯镇日间照料中心").click()
    page.wait_for_url(re.compile(r".*/facilities/\d+/$"))
    gap = page.get_by_test_id("gap-area")
    assert "低于标准下限 150 m²" in gap.inner_text()
    assert "facility.standard.day_care_center" in gap.inner_text()
    assert "中阳县" in gap.inner_text()  # the source: the county's implementation plan
    assert "功能用房" in page.get_by_test_id("gap-rooms").inner_text()
    # The standards the rule sets are listed under the gaps, and nothing was refused.
    assert "建筑面积 150–500 m²" in page.get_by_test_id("gaps").inner_text()


def test_the_operator_sees_their_own_facility_and_its_overdue_items(page):
    login(page, "zy_facility")
    page.goto("/facilities/")
    rows = page.get_by_test_id("facilities").locator("tbody tr")
    assert rows.count() == 1 and "宁乡镇敬老院" in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/facilities/\d+/$"))
    compliance = page.get_by_test_id("compliance").inner_text()
    assert "养老机构备案" in compliance and "逾期" in compliance
