"""Browser tests: Playwright (PyPI) driving Debian's Chromium against a demo server."""

from __future__ import annotations

import os

import pytest

from yanglao.demo.server import CHROMIUM, demo_server, launch_browser
from yanglao.demo.users import DEMO_PASSWORD


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is missing ({CHROMIUM}): run `make sysdeps` as root to install it")
    if os.environ.get("YANGLAO_BROWSER_BASE_URL"):  # a demo server already running (dev loop)
        yield os.environ["YANGLAO_BROWSER_BASE_URL"]
        return
    with demo_server(tmp_path_factory.mktemp("demo")) as url:
        yield url


@pytest.fixture(scope="session")
def browser(base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, base_url):
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    yield page
    context.close()


def login(page, username: str, password: str = DEMO_PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/")
