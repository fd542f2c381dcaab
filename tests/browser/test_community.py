"""Community life in the browser: the village officer creates an activity, the visitor
signs a paired elder up on a phone-sized page, the officer takes attendance at the door
(on a phone too), closes the activity with a summary, and the public disclosure list of
the village's donations is there without donors who chose anonymity."""

from __future__ import annotations

import datetime as dt
import re

from tests.browser.conftest import login

VILLAGE = "141129101201"


def test_create_sign_up_by_visitor_attendance_and_the_disclosure_list(
    page, phone, browser, base_url
):
    login(page, "zy_village")
    page.goto("/community/activities/new/")
    held = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    page.get_by_label("活动标题").fill("浏览器测试：防诈骗讲座")
    page.get_by_label("活动类型").select_option("legal_antifraud")
    page.get_by_label("日期").fill(held)
    page.get_by_label("开始时间").fill("09:30")
    page.get_by_label("活动所在区划").select_option(VILLAGE)
    page.get_by_label("地点").fill("村委会会议室")
    page.get_by_label("名额").fill("20")
    page.get_by_test_id("activity-save").click()
    page.wait_for_url(re.compile(r".*/community/activities/\d+/$"))
    activity_url = page.url

    # The visitor, on a phone, signs up one of the elders paired with them.
    login(phone, "zy_visitor")
    phone.goto(activity_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    first = phone.get_by_test_id("signup-matches").locator("form").first
    name = first.locator(".fw-bold").inner_text().split()[0]
    with phone.expect_navigation():
        first.get_by_role("button", name="报名").click()
    assert phone.get_by_test_id("activity-errors").count() == 0, phone.content()
    signups = phone.get_by_test_id("signups")
    assert name in signups.inner_text()
    assert "探访员代报" in signups.inner_text()

    # The officer takes attendance at the door, on a phone of their own.
    door = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone = door.new_page()
    login(phone, "zy_village")
    phone.goto(activity_url)
    row = phone.get_by_test_id("signups").locator("label", has_text=name)
    row.locator("input[type=checkbox]").check()
    with phone.expect_navigation():
        phone.get_by_test_id("take-attendance").click()
    assert "已签到" in phone.get_by_test_id("signups").locator("label", has_text=name).inner_text()
    assert "已签到 1 人" in phone.content()

    # Close with a summary; the activity then shows it and takes no more sign-ups.
    page.goto(activity_url)
    page.get_by_label("活动小结").fill("到场老人认真听讲，领取了防诈骗宣传册。")
    with page.expect_navigation():
        page.get_by_role("button", name="结束活动并保存小结").click()
    assert "到场老人认真听讲" in page.content()
    assert page.get_by_test_id("signup-matches").count() == 0

    # The disclosure list of the village (public, no login), printable.
    door.close()
    public = browser.new_context(locale="zh-CN", base_url=base_url)
    anonymous = public.new_page()
    anonymous.goto(f"/community/donations/disclosure/{VILLAGE}/")
    text = anonymous.content()
    assert "公示" in text and "乡贤白建国" in text
    assert "在太原务工的子女" not in text and "匿名" in text
    public.close()
