"""The region at a glance: a city officer opens the dashboard of 吕梁市, drills down
through the county and a township to a village, and from the village's overdue figure
to the list behind it and into an overdue elder's file. The big screen draws its charts."""

from __future__ import annotations

from tests.browser.conftest import login


def _drill_to_child_with_overdue(page) -> str:
    """Follow the child region with the most overdue elders; returns its code."""
    cells = page.locator("[data-testid$='-visits.overdue'][data-value]")
    best, code = 0.0, ""
    for i in range(cells.count()):
        cell = cells.nth(i)
        value = float(cell.get_attribute("data-value") or 0)
        if value > best:
            best, code = value, cell.get_attribute("data-testid").split("-")[1]
    assert code, "no child region has overdue elders"
    page.get_by_test_id(f"drill-{code}").click()
    page.wait_for_url(f"**/insights/{code}/")
    return code


def test_a_city_officer_drills_from_the_city_down_to_an_overdue_elder(page):
    login(page, "ll_city")
    page.goto("/insights/")
    page.wait_for_url("**/insights/1411/")
    assert "区域概览：吕梁市" in page.locator("h2.page-title").inner_text()
    assert "数据截至" in page.get_by_test_id("as-of").inner_text()
    # ECharts drew a trend for the figures (SVG, vendored, no inline script).
    page.wait_for_selector("[data-spark] svg")
    assert page.locator("[data-spark] svg").count() > 10
    assert page.locator("#child-chart svg").count() == 1

    county = _drill_to_child_with_overdue(page)
    assert county == "141129"
    assert "中阳县" in page.get_by_test_id("breadcrumb").inner_text()
    town = _drill_to_child_with_overdue(page)
    assert len(town) == 9
    village = _drill_to_child_with_overdue(page)
    assert len(village) == 12 and village.startswith(town)

    overdue = page.get_by_test_id("figure-visits.overdue")
    assert int(overdue.inner_text().replace(",", "")) > 0
    overdue.click()
    page.wait_for_url(f"**/visits/overdue/?region={village}")
    elder = page.locator("table a[href^='/elders/']").first
    name = elder.inner_text()
    elder.click()
    page.wait_for_url("**/elders/*/")
    assert name in page.locator("h2.page-title").inner_text()


def test_the_big_screen_fills_the_wall_with_charts(page):
    login(page, "ll_city")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/insights/1411/")
    page.get_by_test_id("screen-link").click()
    page.wait_for_url("**/insights/1411/screen/")
    page.wait_for_selector("#screen-trend svg")
    for chart in ("#screen-trend", "#screen-children", "#screen-risk"):
        assert page.locator(f"{chart} svg").count() == 1, chart
    assert page.locator(".screen-kpi").count() >= 8
    colour = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour == "rgb(11, 20, 38)"  # the dark wall layout
    # Nothing scrolls sideways on the wall.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
