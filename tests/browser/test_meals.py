"""Meal aid on a phone and a hospital appointment in a 助医 order, in Chromium: the care
home's operator records a dinner from the workbench card; a county officer books a slot
(departments and slots come by htmx), sees it on the list and cancels it."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def test_the_operator_records_a_dinner_on_a_phone(phone):
    login(phone, "zy_facility")
    phone.get_by_text("今日助餐：宁乡镇敬老院老年餐桌").wait_for()
    phone.get_by_role("link", name="晚餐").first.click()
    phone.wait_for_url(re.compile(r".*/services/meals/\d+/day/(\?.*)?$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    phone.locator("label[for=meal-dinner]").click()
    phone.locator("#meal-q").fill("王")
    matches = phone.get_by_test_id("meal-matches")
    matches.wait_for()
    row = matches.locator(".list-group-item", has=phone.get_by_test_id("record-meal")).first
    name = row.locator(".fs-3").inner_text()
    row.get_by_test_id("record-meal").click()
    phone.wait_for_url(re.compile(r".*/day/\?.*"))
    assert f"已记录：{name} 晚餐" in phone.locator(".alert").first.inner_text()
    records = phone.get_by_test_id("meal-records").inner_text()
    assert name in records and "晚餐" in records


def test_a_county_officer_books_and_cancels_an_appointment(page):
    login(page, "zy_county")
    page.goto("/services/?help=medical&status=open")
    page.get_by_test_id("orders").locator("tbody a").first.click()
    page.wait_for_url(re.compile(r".*/services/\d+/$"))
    form = page.get_by_test_id("appointment-form")
    form.wait_for()  # loaded into the order page by htmx
    tcm = page.locator("#appt-hospital option", has_text="中医医院").get_attribute("value")
    page.locator("#appt-hospital").select_option(tcm)
    page.locator("#appt-department option", has_text="针灸推拿科").wait_for(state="attached")
    page.locator("#appt-department").select_option(label="针灸推拿科")
    slots = page.get_by_test_id("appointment-slots")
    slots.locator("label").nth(2).wait_for()
    time = slots.locator("label").nth(2).inner_text()
    slots.locator("label").nth(2).click()
    page.get_by_test_id("book-appointment").click()
    page.wait_for_url(re.compile(r".*/services/\d+/$"))
    assert "已预约" in page.locator(".alert").first.inner_text()
    booked = page.get_by_test_id("order-appointments")
    assert "针灸推拿科" in booked.inner_text() and time in booked.inner_text()

    page.goto("/services/appointments/")
    assert "针灸推拿科" in page.get_by_test_id("appointments").inner_text()
    page.get_by_test_id("appointments").locator("tbody tr", has_text="针灸推拿科").locator(
        "a"
    ).last.click()
    booked = page.get_by_test_id("order-appointments")
    row = booked.locator("tbody tr", has_text="针灸推拿科")
    row.locator("summary", has_text="取消挂号").click()
    row.get_by_placeholder("取消原因（必填）").fill("家属改约")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="确认取消").click()
    assert "号源已释放" in page.locator(".alert").first.inner_text()
