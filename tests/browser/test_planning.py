"""The Zhongyang task table as printed, with the totals that do not add up shown where
they are, and the Changzhi project ranking with its reasons."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def test_the_printed_task_table_shows_its_wrong_totals_in_place(page):
    login(page, "zy_county")
    page.goto("/planning/")
    page.get_by_test_id("task-tables").locator("tbody a").first.click()
    page.wait_for_url(re.compile(r".*/planning/tables/\d+/$"))
    check = page.get_by_test_id("totals-check").inner_text()
    assert "不符" in check and "合计" in check
    table = page.get_by_test_id("task-table")
    flagged = table.locator("td.bg-warning-lt")
    assert flagged.count() >= 2
    assert "≠" in flagged.first.inner_text()
    assert "76" in table.locator("tr", has_text="合计").inner_text()
