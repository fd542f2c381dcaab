"""The weekly visit on a phone: a visitor logs in on a phone-sized screen, opens this
week's list, records a door visit with one urgent finding, and an officer then sees
the resulting alert. Also: a form filled in while the connection is down is kept on the
phone and sent once when it comes back."""

from __future__ import annotations

from tests.browser.conftest import login


def _fill_visit(phone, note: str) -> None:
    phone.get_by_text("上门", exact=True).click()
    for item in ("health", "mental_state", "hygiene", "living_environment"):
        phone.locator(f"label[for=c-{item}-fine]").click()
    phone.locator("label[for=c-safety-urgent]").click()
    phone.locator("textarea[name=note_safety]").fill(note)


def test_a_visitor_records_an_urgent_finding_and_the_officer_sees_the_alert(
    phone, browser, base_url
):
    login(phone, "zy_visitor")
    # The workbench's own panel leads to this week's list.
    phone.locator("a[href='/visits/my/'] >> visible=true").first.click()
    phone.wait_for_url("**/visits/my/")
    items = phone.locator("[data-testid=week-list] a")
    assert items.count() >= 1
    name = items.first.locator(".fw-bold").inner_text()
    items.first.click()
    phone.wait_for_url("**/visits/new/**")
    assert phone.viewport_size["width"] == 390
    # the form fits the phone: no sideways scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    _fill_visit(phone, "煤炉烟道堵塞，屋里有煤烟味")
    phone.get_by_test_id("submit-visit").click()
    phone.wait_for_url("**/visits/*/")
    assert "紧急" in phone.get_by_test_id("checks").inner_text()
    assert "查看告警" in phone.content()

    officer = browser.new_context(base_url=base_url, locale="zh-CN")
    page = officer.new_page()
    login(page, "zy_jinluo")
    page.goto("/alerts/?status=unresolved&source=visit")
    alerts = page.get_by_test_id("alerts")
    assert name in alerts.inner_text()
    alerts.get_by_text("探访发现紧急情况：安全情况").first.click()
    assert "煤炉烟道堵塞" in page.content()
    officer.close()


def test_a_form_filled_offline_is_kept_and_sent_once_when_back_online(phone):
    login(phone, "zy_visitor")
    phone.goto("/visits/my/")
    phone.locator("[data-testid=week-list] a").nth(1).click()
    phone.wait_for_url("**/visits/new/**")
    _fill_visit(phone, "离线时发现：门锁坏了")
    phone.context.set_offline(True)
    phone.get_by_test_id("submit-visit").click()
    status = phone.locator("[data-offline-status]")
    status.wait_for(state="visible")
    assert "保存在手机上" in status.inner_text()
    queued = phone.evaluate("JSON.parse(localStorage.getItem('yanglao.visitQueue')).length")
    assert queued == 1
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(50):  # wait_for_function evaluates strings: the CSP forbids that
        left = phone.evaluate("JSON.parse(localStorage.getItem('yanglao.visitQueue')).length")
        if left == 0:
            break
        phone.wait_for_timeout(200)
    assert left == 0
    # Once, not twice: the page of that elder's visits shows it a single time.
    phone.goto("/alerts/?status=unresolved&source=visit")
    assert phone.content().count("门锁坏了") <= 1
