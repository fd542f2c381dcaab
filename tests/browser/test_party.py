"""The Ningbo city officer opens the Party coverage page and sees the demo's figures."""

from __future__ import annotations

from tests.browser.conftest import login


def test_the_city_officer_sees_party_coverage(page):
    login(page, "nb_city")
    page.goto("/party/coverage/")
    table = page.get_by_test_id("party-coverage")
    public = table.locator("tr", has_text="公办").first
    cells = public.locator("td")
    assert int(cells.nth(1).inner_text()) >= 2  # public care institutions in Ningbo
    assert "%" in cells.nth(7).inner_text()
    public.locator("td").nth(1).locator("a").click()
    page.wait_for_url("**/party/institutions/**")
    assert "海曙区颐乐园" in page.get_by_test_id("party-institutions").inner_text()
