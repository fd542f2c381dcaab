"""An htmx request that meets an outage (503) says so on the page (issue 10, item 7):
the live search of the region page, answered 503 as the server answers while the
database is down, shows the server's message at the top; the next request that
succeeds takes it away."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import login

PAGE_503 = (
    Path(__file__).resolve().parents[2] / "yanglao" / "static" / "errors" / "503.html"
).read_text()


def test_a_live_search_during_an_outage_says_the_service_is_unavailable(page):
    login(page, "zy_county")
    page.goto("/regions/141129/")
    down = {"on": True}

    def outage(route, request):
        if down["on"] and request.headers.get("hx-request"):
            route.fulfill(status=503, body=PAGE_503, content_type="text/html; charset=utf-8")
        else:
            route.continue_()

    page.route("**/regions/141129/**", outage)
    search = page.get_by_placeholder("名称、代码或拼音首字母（如 zy）")
    search.fill("nqz")
    banner = page.locator("#yl-unavailable")
    banner.wait_for(state="visible")
    assert banner.inner_text() == "服务暂不可用，请稍后再试"
    assert banner.get_attribute("role") == "alert"

    down["on"] = False  # back: the next search works and the message goes
    search.fill("jl")
    banner.wait_for(state="detached")
    assert "金罗镇" in page.get_by_test_id("region-children").inner_text()
