"""A bath from a phone call to a follow-up: an officer takes the request and dispatches
it, the provider accepts, starts and finishes it on a phone-sized page, the family
answers the survey (no login) with a low rating, and the community's follow-up appears."""

from __future__ import annotations

import datetime as dt
import re

from tests.browser.conftest import login


def _next_workday() -> str:
    day = dt.date.today() + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return f"{day.isoformat()}T10:00"


def test_phone_request_to_dispatch_to_phone_finish_to_low_rating_follow_up(
    page, phone, browser, base_url
):
    login(page, "zy_county")
    page.goto("/services/new/?q=王")
    page.get_by_test_id("elder-matches").locator("a").first.click()
    name = page.locator("[data-testid=order-form] .card-header .fw-bold").inner_text()
    page.get_by_label("服务项目").select_option("bath_home")
    page.get_by_label("预约服务时间").fill(_next_workday())
    page.get_by_label("申请人", exact=True).fill("王丽")
    page.get_by_label("与老人关系").fill("女儿")
    page.locator("#requester_phone").fill("13800009999")
    page.get_by_test_id("order-submit").click()
    page.wait_for_url(re.compile(r".*/services/\d+/$"))
    order_url = page.url
    number = page.locator("h2.page-title").inner_text().split()[1]
    proposals = page.get_by_test_id("proposals")
    proposals.locator(".list-group-item", has_text="中阳县康乐居家养老服务中心").get_by_role(
        "button"
    ).click()
    assert "已派单" in page.locator("h2.page-title").inner_text()
    assert "中阳县康乐居家养老服务中心" in page.get_by_test_id("order-provider").inner_text()

    # The provider, on a phone.
    login(phone, "zy_service")
    phone.goto("/services/mine/")
    card = phone.get_by_test_id("my-orders").locator(".list-group-item", has_text=number)
    assert name in card.inner_text()
    card.get_by_role("button", name="接单").click()
    phone.wait_for_url("**/services/mine/")
    phone.get_by_test_id("my-orders").locator(".list-group-item", has_text=number).get_by_role(
        "link", name="开始服务"
    ).click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    phone.get_by_test_id("start").click()
    phone.get_by_label("服务记录").fill("助浴完成，老人皮肤无破损")
    phone.get_by_test_id("finish").click()
    assert "已完成" in phone.locator("h2.page-title").inner_text()

    # The survey link went to the family's phone; the officer's page shows it too.
    page.goto(order_url)
    link = page.get_by_test_id("survey-link").get_attribute("href")
    family = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    survey = family.new_page()
    survey.goto(link.replace("http://127.0.0.1:8000", base_url))
    assert "长辈版" in survey.content()
    assert float(survey.evaluate("getComputedStyle(document.body).fontSize").rstrip("px")) >= 18
    box = survey.get_by_test_id("rate-2").bounding_box()
    assert box["height"] >= 60
    survey.get_by_test_id("rate-2").click()
    survey.locator("#comment").fill("来晚了一个小时")
    survey.get_by_test_id("survey-submit").click()
    assert "谢谢您的评价" in survey.content()
    survey.goto(link.replace("http://127.0.0.1:8000", base_url))
    assert "已经评价过了" in survey.content()
    family.close()

    # The low rating opened a follow-up for the community.
    page.goto(order_url)
    assert "2 分" in page.get_by_test_id("order-rating").inner_text()
    assert "来晚了" in page.get_by_test_id("order-follow-ups").inner_text()
    page.goto("/visits/follow-ups/?status=open")
    assert number in page.get_by_test_id("follow-ups").inner_text()
