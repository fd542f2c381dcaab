"""Main flows in headless Chromium: log in, the workbench, the region tree, the policy page."""

from __future__ import annotations

from tests.browser.conftest import login


def test_a_county_officer_logs_in_and_browses(page):
    login(page, "zy_county")
    assert page.get_by_test_id("workbench").is_visible()
    assert page.get_by_role("heading", name="工作台").is_visible()
    # Many entries fold into dropdowns: regions sit under "区划与政策".
    page.get_by_role("button", name="区划与政策").click()
    page.get_by_role("link", name="区划", exact=True).first.click()
    page.wait_for_url("**/regions/141129/")
    children = page.get_by_test_id("region-children")
    assert "金罗镇" in children.inner_text() and "车鸣峪乡" in children.inner_text()
    page.get_by_role("link", name="金罗镇").click()
    page.wait_for_url("**/regions/141129101/")
    assert "中阳县" in page.get_by_test_id("breadcrumb").inner_text()
    # Search narrows the list as one types (htmx).
    page.get_by_role("link", name="中阳县").click()
    page.get_by_placeholder("名称、代码或拼音首字母（如 zy）").fill("nqz")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=region-children]')"
        ".innerText.includes('金罗镇')"
    )
    assert "暖泉镇" in page.get_by_test_id("region-children").inner_text()


def test_the_policy_page_for_zhongyang_on_1_june_2021(page):
    login(page, "zy_county")
    page.goto("/policy/rules/")
    page.get_by_label("日期").fill("2021-06-01")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**on=2021-06-01**")
    table = page.get_by_test_id("rules-in-force").inner_text()
    for place in ("中阳县", "吕梁市", "山西省", "全国"):
        assert place in table
    assert "002_1ca3c7f38532df77.txt" in table
    page.get_by_role("link", name="提供用餐的日间照料中心县级运营补贴每年不低于3万元").click()
    assert "依据链" in page.content()


def test_a_wrong_password_explains_itself(page):
    page.goto("/accounts/login/")
    page.get_by_label("账号").fill("zy_visitor")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert "账号或密码不正确" in page.content()


def test_the_workbench_works_on_a_phone(phone):
    login(phone, "zy_visitor")
    assert phone.get_by_test_id("workbench").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


def test_an_administrator_creates_a_user(page):
    login(page, "zy_county")
    page.goto("/accounts/users/new/")
    page.get_by_role("textbox", name="账号").fill("browser_made")
    page.get_by_label("姓名").fill("赵小红")
    page.get_by_label("所属区划代码").fill("141129101201")
    page.get_by_label("角色").select_option("visitor")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_test_id("new-password").is_visible()
