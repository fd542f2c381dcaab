"""Take the screenshots of the user guide (docs/user-guide/img/) from a throwaway demo server.

Run from the project root:

    .venv/bin/python docs/screenshots.py            # every screenshot
    .venv/bin/python docs/screenshots.py login rule  # only those whose name contains a word

It starts its own demo server (a fresh SQLite file in a temporary directory, the demo
loaded), logs in as the demo users of yanglao/demo/users.py and saves PNGs. Nothing
outside docs/user-guide/img/ is written. Needs Playwright (a dev dependency) and
Debian's Chromium with the Noto CJK fonts (`make sysdeps`).

Some shots change the demo data (an account is locked, a local rule is added, an
account is created, a sheet imported); they run in the order below so that each page
shows what the one before it did.
"""

from __future__ import annotations

import ast
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from yanglao.demo.server import demo_server, launch_browser  # noqa: E402


def _demo_password() -> str:
    """DEMO_PASSWORD from yanglao/demo/users.py, read without importing Django."""
    tree = ast.parse((ROOT / "yanglao" / "demo" / "users.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DEMO_PASSWORD" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise RuntimeError("DEMO_PASSWORD not found in yanglao/demo/users.py")


DEMO_PASSWORD = _demo_password()

OUT = ROOT / "docs" / "user-guide" / "img"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A page shorter than this is shot whole; a longer one only as far as the viewport shows.
FULL_PAGE_LIMIT = 1300
RULE = "facility.operating_subsidy.day_care_with_meals"


class Shooter:
    def __init__(self, browser, base_url: str, only: list[str]) -> None:
        self.browser = browser
        self.base_url = base_url
        self.only = only
        self.taken: list[Path] = []
        self._contexts = []

    def wanted(self, name: str) -> bool:
        return not self.only or any(word in name for word in self.only)

    def page(self, *, phone: bool = False) -> Page:
        options = {"base_url": self.base_url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        else:
            options.update(viewport=DESKTOP)
        context = self.browser.new_context(**options)
        self._contexts.append(context)
        return context.new_page()

    def login(self, username: str, *, phone: bool = False) -> Page:
        page = self.page(phone=phone)
        page.goto("/accounts/login/")
        page.get_by_role("textbox", name="账号").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/workbench/")
        return page

    def shot(self, page: Page, name: str, *, full: bool | None = None) -> None:
        """Save img/<name>.png; ``full`` None: the whole page when it is short."""
        if not self.wanted(name):
            return
        page.wait_for_load_state("networkidle")
        if full is None:
            height = page.evaluate("document.documentElement.scrollHeight")
            full = height <= FULL_PAGE_LIMIT
        path = OUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=full, animations="disabled", caret="hide")
        self.taken.append(path)
        print(f"  {path.relative_to(ROOT)}  ({path.stat().st_size // 1024} KB)")

    def close(self) -> None:
        for context in self._contexts:
            context.close()


def login_pages(s: Shooter) -> None:
    page = s.page()
    page.goto("/accounts/login/")
    s.shot(page, "login")
    page.get_by_role("textbox", name="账号").fill("zy_visitor")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    s.shot(page, "login-error")
    # 长治市潞州区's administrator is used nowhere else: lock the account with five
    # wrong passwords, so the lockout message, the audit log and the security
    # workbench have something to show.
    for _ in range(6):
        page.goto("/accounts/login/")
        page.get_by_role("textbox", name="账号").fill("cz_luzhou")
        page.get_by_label("密码").fill("Wrong-Passw0rd")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
    s.shot(page, "login-locked")
    phone = s.page(phone=True)
    phone.goto("/accounts/login/")
    s.shot(phone, "phone-login")


def workbenches(s: Shooter) -> None:
    for username, name in (
        ("ll_city", "workbench-city"),
        ("zy_county", "workbench-county"),
        ("zy_jinluo", "workbench-township"),
        ("zy_village", "workbench-village"),
        ("zy_party", "workbench-party"),
        ("zy_facility", "workbench-facility"),
        ("zy_visitor", "workbench-visitor"),
        ("sysadmin", "workbench-sysadmin"),
        ("secadmin", "workbench-security"),
        ("auditor", "workbench-audit"),
    ):
        if s.wanted(name):
            s.shot(s.login(username), name)
    if s.wanted("user-menu"):
        page = s.login("zy_county")
        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="退出登录").wait_for()
        s.shot(page, "user-menu", full=False)


def phone_pages(s: Shooter) -> None:
    if not s.wanted("phone-"):
        return
    page = s.login("zy_visitor", phone=True)
    s.shot(page, "phone-workbench", full=False)
    page = s.login("zy_jinluo", phone=True)
    s.shot(page, "phone-workbench-township", full=False)
    page.get_by_role("button", name="菜单").click()
    page.locator("#navbar-menu.show").wait_for()
    s.shot(page, "phone-menu", full=False)


def region_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/regions/141129/")
    s.shot(page, "regions-county", full=False)
    page.get_by_placeholder("名称、代码或拼音首字母（如 zy）").fill("nqz")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=region-children]')"
        ".innerText.includes('金罗镇')"
    )
    s.shot(page, "regions-search", full=False)
    page.goto("/regions/141129101/")
    s.shot(page, "regions-township", full=False)
    page.goto("/regions/141129101/edit/")
    s.shot(page, "region-edit")
    page.get_by_label("户籍60岁以上").fill("99999")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    s.shot(page, "region-edit-error")
    page.goto("/regions/import/")
    s.shot(page, "region-import")
    sheet = Path(tempfile.mkdtemp()) / "金罗镇网格.csv"
    sheet.write_text(
        "区划代码,名称,上级代码,层级\n"
        "141129101201001,金罗村第一网格,141129101201,网格\n"
        "141129101201002,金罗村第二网格,141129101201,网格\n"
        "141129101202001,道棠村第一网格,141129101202,网格\n"
        "14112910120100,金罗村第三网格,141129101201,网格\n"
        "141125100201001,柳林县某网格,141125100201,网格\n",
        encoding="utf-8",
    )
    page.get_by_label("区划表（.xlsx 或 .csv）").set_input_files(str(sheet))
    page.get_by_role("button", name="导入").click()
    page.get_by_test_id("import-result").wait_for()
    s.shot(page, "region-import-result")
    page = s.login("zy_village")
    page.goto("/regions/141129101201/")
    s.shot(page, "regions-village", full=False)


def policy_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/policy/rules/?region=141129&on=2021-06-01")
    s.shot(page, "policy-rules", full=False)
    page.goto(f"/policy/rules/{RULE}/?region=141129")
    s.shot(page, "rule-detail")
    page.get_by_role("link", name="设置本地取值").click()
    page.wait_for_url(f"**/{RULE}/override/**")
    # A local value for 金罗镇 without its source document: refused, field by field.
    page.get_by_label("参数 min_per_year").fill("35000")
    page.get_by_label("适用区划代码").fill("141129101")
    page.get_by_label("生效日期").fill("2024-01-01")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    page.locator("[data-field-error]").first.scroll_into_view_if_needed()
    s.shot(page, "rule-override-error", full=False)
    # The same, with its source, on a fresh form.
    page.goto(f"/policy/rules/{RULE}/override/?region=141129")
    page.get_by_label("参数 min_per_year").fill("35000")
    page.get_by_label("适用区划代码").fill("141129101")
    page.get_by_label("生效日期").fill("2024-01-01")
    page.get_by_label("依据文件名称").fill("金罗镇养老服务提升方案（演示）")
    page.get_by_label("文号").fill("金政发〔2024〕1号")
    page.get_by_label("条款").fill("二（三）")
    page.get_by_label("说明").fill("镇政府在县定标准上提高")
    page.get_by_label("说明").blur()
    s.shot(page, "rule-override", full=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/policy/rules/{RULE}/?region=141129101**")
    s.shot(page, "rule-detail-local")
    page.goto("/policy/targets/?region=141129")
    s.shot(page, "targets", full=False)
    page = s.login("zy_jinluo")
    page.goto(f"/policy/rules/{RULE}/?region=141129101")
    s.shot(page, "rule-detail-township")


def account_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/accounts/users/")
    s.shot(page, "users", full=False)
    page.goto("/accounts/users/new/")
    page.get_by_role("textbox", name="账号").fill("zy_jinluo_wgy")
    page.get_by_label("姓名").fill("赵小红")
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("所属区划代码").fill("141125100")
    page.get_by_label("角色").select_option("visitor")
    page.get_by_label("初始密码").fill("abc123")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    s.shot(page, "user-create-error")
    page.get_by_label("所属区划代码").fill("141129101201")
    page.get_by_label("初始密码").fill("")
    s.shot(page, "user-create")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("new-password").wait_for()
    s.shot(page, "user-detail-new")
    page.goto("/accounts/users/?q=zy_visitor")
    page.get_by_role("link", name="zy_visitor", exact=True).click()
    page.wait_for_url("**/accounts/users/*/")
    s.shot(page, "user-detail")
    page.goto("/accounts/users/?q=zy_jinluo_wgy")
    page.get_by_role("link", name="zy_jinluo_wgy", exact=True).click()
    page.get_by_role("link", name="编辑").click()
    page.wait_for_url("**/edit/")
    s.shot(page, "user-edit")
    page = s.login("secadmin")
    page.goto("/accounts/users/?q=cz_luzhou")
    page.get_by_role("link", name="cz_luzhou", exact=True).click()
    page.wait_for_url("**/accounts/users/*/")
    s.shot(page, "user-detail-locked")


def security_pages(s: Shooter) -> None:
    page = s.login("auditor")
    page.goto("/accounts/audit/")
    s.shot(page, "audit", full=False)
    page.goto("/accounts/audit/?outcome=failed")
    s.shot(page, "audit-failed", full=False)
    page = s.login("zy_county")
    page.goto("/accounts/2fa/setup/")
    s.shot(page, "totp-setup")
    page.goto("/accounts/password/")
    s.shot(page, "password-change")
    page.get_by_label("原密码").fill(DEMO_PASSWORD)
    page.get_by_label("新密码", exact=True).fill("abcdefgh")
    page.get_by_label("再次输入新密码").fill("abcdefgh")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    s.shot(page, "password-change-error")
    page = s.login("zy_visitor")
    page.goto("/regions/141129/")
    s.shot(page, "forbidden")


STEPS: list[Callable[[Shooter], None]] = [
    login_pages,
    workbenches,
    phone_pages,
    region_pages,
    policy_pages,
    account_pages,
    security_pages,
]


def main(argv: list[str]) -> int:
    only = argv[1:]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yanglao-shots-") as tmp:
        print("starting a demo server (migrate + load_demo, about a minute)…")
        with demo_server(Path(tmp)) as base_url, sync_playwright() as playwright:
            browser = launch_browser(playwright)
            shooter = Shooter(browser, base_url, only)
            try:
                for step in STEPS:
                    print(f"{step.__name__}:")
                    step(shooter)
            finally:
                shooter.close()
                browser.close()
    print(f"{len(shooter.taken)} screenshots in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
