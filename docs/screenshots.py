"""Take the screenshots of the user guide (docs/user-guide/img/) from a throwaway demo server.

Run from the project root:

    .venv/bin/python docs/screenshots.py            # every screenshot
    .venv/bin/python docs/screenshots.py login rule  # only those whose name contains a word

It starts its own demo server (a fresh SQLite file in a temporary directory, the demo
loaded), logs in as the demo users of yanglao/demo/users.py and saves PNGs. Nothing
outside docs/user-guide/img/ is written. Needs Playwright (a dev dependency) and
Debian's Chromium with the Noto CJK fonts (`make sysdeps`).

Some shots change the demo data (an account is locked, a local rule is added, an
account is created, a sheet imported; in the elder registry an elder is registered,
assessed and given a care plan, the locked account is unlocked to ask for her file, and
a small list of elders is imported); they run in the order below so that each page shows
what the one before it did.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from yanglao.demo.server import demo_server, launch_browser  # noqa: E402
from yanglao.people.idnumbers import make_id_number  # noqa: E402 - no Django needed


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

    def shot(
        self, page: Page, name: str, *, full: bool | None = None, element: str | None = None
    ) -> None:
        """Save img/<name>.png; ``full`` None: the whole page when it is short;
        ``element``: only the element this selector finds."""
        if not self.wanted(name):
            return
        page.wait_for_load_state("networkidle")
        path = OUT / f"{name}.png"
        if element is not None:
            page.locator(element).first.screenshot(
                path=str(path), animations="disabled", caret="hide"
            )
        else:
            if full is None:
                height = page.evaluate("document.documentElement.scrollHeight")
                full = height <= FULL_PAGE_LIMIT
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


# ---------------------------------------------------------------- the elder registry

# A fictional elder whose file the registry shots follow: registered through the form in
# 金罗村, assessed, given a care plan, her full ID number viewed, then asked for by 潞州区.
VILLAGE = "141129101201"  # 中阳县金罗镇金罗村, zy_village's village
LUZHOU_COMMUNITY = "140403001001"  # 长治市潞州区长兴社区, in cz_luzhou's district
ELDER_NAME = "任桂兰"
ELDER_ID = make_id_number("141129", dt.date(1941, 5, 12), 246)
# The demo assessment: 53 of 90 points (能力中度受损), raised one level for dementia.
SCORES = {
    **dict.fromkeys(("eating", "grooming", "bathing", "dressing_upper", "dressing_lower"), "2"),
    **dict.fromkeys(("urine_control", "bowel_control", "toileting"), "2"),
    **dict.fromkeys(("bed_mobility", "bed_chair_transfer", "walking", "stairs"), "2"),
    **dict.fromkeys(
        (
            "time_orientation",
            "place_orientation",
            "person_orientation",
            "memory",
            "understanding",
            "expression",
        ),
        "3",
    ),
    "aggression": "1",
    "depression": "1",
    "consciousness": "2",
    "vision": "1",
    "hearing": "1",
    "daily_affairs": "2",
    "transport": "1",
    "social_contact": "2",
}


def _wrong_check_character(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def elder_list_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/elders/")
    s.shot(page, "elder-list", full=False)
    page.get_by_label("风险等级").select_option("high")
    page.get_by_label("排序").select_option("-age")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/elders/?*risk=high*")
    s.shot(page, "elder-list-high", full=False)


def elder_file_pages(s: Shooter) -> None:
    page = s.login("zy_village")
    page.goto("/elders/new/")
    # Refused, field by field: a wrong check character, letters in the phone number, a
    # village outside 金罗村.
    page.get_by_label("姓名", exact=True).fill(ELDER_NAME)
    page.get_by_label("身份证号", exact=True).fill(_wrong_check_character(ELDER_ID))
    page.get_by_label("联系电话", exact=True).fill("0358-33a")
    page.get_by_label("所属村(社区)代码").fill("141129101202")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    s.shot(page, "elder-create-error", full=False)
    page.goto("/elders/new/")
    page.get_by_label("姓名", exact=True).fill(ELDER_NAME)
    page.get_by_label("身份证号", exact=True).fill(ELDER_ID)
    page.get_by_label("联系电话", exact=True).fill("13834561234")
    page.get_by_label("住址").fill("金罗村三组 12 号")
    page.get_by_label("所属村(社区)代码").fill(VILLAGE)
    page.get_by_label("居住情况").select_option("alone")
    page.get_by_label("留守（子女外出务工）").check()
    page.get_by_label("有人照料").uncheck()
    page.get_by_label("子女不在本县").check()
    page.get_by_label("救助类别").select_option("minimum_allowance")
    page.get_by_label("紧急联系人姓名").fill("任建军")
    page.get_by_label("与老人关系").select_option("child")
    page.get_by_label("紧急联系人电话").fill("13912345678")
    page.get_by_label("联系人居住在本县").uncheck()
    page.get_by_label("联系人居住在本县").blur()
    s.shot(page, "elder-create", full=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/elders/*/")
    detail = page.url
    s.shot(page, "elder-detail-new", full=False)

    page.goto(detail + "assessments/new/")
    s.shot(page, "elder-assessment-form", full=False)
    page.get_by_label("评估员").fill("王芳、李建华")
    page.get_by_label("确诊失智（痴呆）或精神科疾病").check()
    for code, score in SCORES.items():
        page.locator(f"select[data-item={code}]").select_option(score)
    page.get_by_role("button", name="保存评估").click()
    page.wait_for_url("**/assessments/*/")
    s.shot(page, "elder-assessment", full=True)

    page.goto(detail + "care-plan/")
    page.get_by_label("主要需求").fill("独居，子女在外地务工；行动不便，需要定期送药和助餐")
    page.get_by_label("帮扶措施").fill(
        "网格员每周上门两次，检查用药和居住安全；\n村幸福院每日送餐；\n党员李春梅结对，每天电话问候"
    )
    page.get_by_label("责任人").fill("王秀兰（村委会）、李春梅（网格员）")
    page.get_by_label("每周探访次数").fill("2")
    page.get_by_label("紧急联系人及电话").fill("任建军（儿子）139****5678")
    page.get_by_label("应急处置流程").fill(
        "发现异常先拨打 120，同时通知儿子和村委会；村委会 30 分钟内到场"
    )
    page.get_by_label("复核日期").fill((dt.date.today() + dt.timedelta(days=90)).isoformat())
    page.get_by_label("复核日期").blur()
    s.shot(page, "elder-care-plan", full=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(detail)
    s.shot(page, "elder-detail", full=True)
    # The decisions written out: every trace opened.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    s.shot(page, "elder-detail-rules", element=".col-lg-6:has([data-testid=groups])")
    page.get_by_role("button", name="查看完整号码（记录日志）").click()
    page.get_by_test_id("full-id").wait_for()
    s.shot(page, "elder-reveal", element=".card:has(#id-number)")
    # An export of the list, for the access log below.
    page.goto("/elders/?risk=high")
    with page.expect_download():
        page.get_by_role("link", name="导出 Excel").click()


def elder_transfer_pages(s: Shooter) -> None:
    # cz_luzhou was locked by login_pages: the security administrator unlocks it.
    page = s.login("secadmin")
    page.goto("/accounts/users/?q=cz_luzhou")
    page.get_by_role("link", name="cz_luzhou", exact=True).click()
    page.get_by_role("button", name="解除锁定").click()
    page.wait_for_load_state()
    # 潞州区 registers the same ID number: 409, with a button to ask for the file.
    page = s.login("cz_luzhou")
    page.goto("/elders/new/")
    page.get_by_label("姓名", exact=True).fill(ELDER_NAME)
    page.get_by_label("身份证号", exact=True).fill(ELDER_ID)
    page.get_by_label("所属村(社区)代码").fill(LUZHOU_COMMUNITY)
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("id-conflict").wait_for()
    s.shot(page, "elder-conflict", full=False)
    page.get_by_role("button", name="申请把该档案转入本辖区").click()
    page.wait_for_url("**/elders/transfers/")
    s.shot(page, "elder-transfer-requested", full=False)
    page = s.login("zy_village")
    page.goto("/elders/transfers/")
    s.shot(page, "elder-transfers", full=False)


def elder_import_pages(s: Shooter) -> None:
    page = s.login("zy_village")
    page.goto("/elders/import/")
    page.get_by_text("模板的列", exact=True).click()
    s.shot(page, "elder-import")

    def number(year: int, seq: int) -> str:
        return make_id_number("141129", dt.date(year, 3, 8), seq)

    head = (
        "姓名,身份证号,联系电话,住址,所属村(社区)代码,户籍/常住,居住情况,留守,有人照料,"
        "无子女,子女不在本县,救助类别,计生特殊家庭,孤寡,党员,长护险失能等级,备注"
    )
    rows = [
        # good: code 1 (独居), 15-digit number, words
        f"冯玉珍,{number(1944, 402)},13934561111,金罗村一组,{VILLAGE},户籍且常住,1,否,否,"
        "否,是,低保,否,否,否,,",
        f"冯德明,{number(1950, 413)},,金罗村一组,{VILLAGE},户籍,空巢,是,是,否,是,无,否,否,是,,",
        f"贺秀英,141129380611042,,金罗村二组,{VILLAGE},,3,,,,,,,,,1,",
        # bad
        f"贺长福,{_wrong_check_character(number(1946, 415))},,,{VILLAGE},,,,,,,,,,,,",
        f"田志刚,{number(1975, 417)},,,{VILLAGE},,,,,,,,,,,,",
        f"田桂英,{number(1949, 422)},,,141129101202,,,,,,,,,,,,",
        f"温来福,{number(1942, 431)},,,{VILLAGE},,9,可能,,,,,,,,,",
        f"冯玉珍,{number(1944, 402)},,,{VILLAGE},,,,,,,,,,,,",
    ]
    sheet = Path(tempfile.mkdtemp()) / "金罗村老人.csv"
    sheet.write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page.get_by_label("老年人信息表（.xlsx 或 .csv）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并导入").click()
    page.get_by_test_id("import-counts").wait_for()
    s.shot(page, "elder-import-result")


def elder_workbench_pages(s: Shooter) -> None:
    # After the imports and the transfer request: the registry panel has work on it.
    s.shot(s.login("zy_village"), "elder-workbench-village", full=False)
    page = s.login("zy_county")
    s.shot(page, "elder-workbench-county", full=False)
    page.get_by_role("link", name="高风险老人未制定一人一策").click()
    page.wait_for_url("**/elders/?plan=missing")
    s.shot(page, "elder-list-from-workbench", full=False)


def elder_phone_and_log_pages(s: Shooter) -> None:
    page = s.login("zy_village", phone=True)
    page.goto("/elders/")
    s.shot(page, "elder-phone-list", full=False)
    page = s.login("auditor")
    page.goto("/accounts/access-log/")
    s.shot(page, "elder-access-log", full=False)


def visit_pages(s: Shooter) -> None:
    # The visitor on a phone: this week's list, the visit form, the recorded visit.
    page = s.login("zy_visitor", phone=True)
    s.shot(page, "visit-phone-workbench", full=False)
    page.goto("/visits/my/")
    s.shot(page, "visit-phone-week", full=False)
    page.locator("[data-testid=week-list] a").first.click()
    page.wait_for_url("**/visits/new/**")
    s.shot(page, "visit-phone-form", full=True)
    page.locator("label[for=m-door]").click()
    for item in ("health", "mental_state", "hygiene", "living_environment"):
        page.locator(f"label[for=c-{item}-fine]").click()
    page.locator("label[for=c-safety-urgent]").click()
    page.locator("textarea[name=note_safety]").fill("煤炉烟道堵塞，屋里有煤烟味")
    s.shot(page, "visit-phone-form-urgent", full=False)
    page.get_by_test_id("submit-visit").click()
    page.wait_for_url("**/visits/*/")
    s.shot(page, "visit-phone-recorded", full=True)
    # The officers: overdue, compliance, follow-ups, visitors and pairing.
    page = s.login("zy_county")
    s.shot(page, "visit-county-workbench", full=False)
    page.goto("/visits/overdue/")
    s.shot(page, "visit-overdue", full=False)
    page.goto("/visits/compliance/")
    s.shot(page, "visit-compliance")
    page.goto("/visits/compliance/?region=141129101")
    s.shot(page, "visit-compliance-township")
    page.goto("/visits/follow-ups/")
    s.shot(page, "visit-follow-ups", full=False)
    page.goto("/visits/visitors/")
    s.shot(page, "pairing-visitors", full=False)
    page.locator("[data-testid=visitors] a").first.click()
    page.wait_for_url("**/visits/visitors/*/")
    s.shot(page, "pairing-visitor", full=False)
    page.goto("/visits/unpaired/")
    s.shot(page, "pairing-unpaired", full=False)
    # Alerts, check-ins, devices, messages.
    page = s.login("zy_jinluo")
    page.goto("/alerts/")
    s.shot(page, "alert-list", full=False)
    page.get_by_test_id("alerts").locator("a").first.click()
    page.wait_for_url("**/alerts/*/")
    s.shot(page, "alert-detail", full=False)
    page.goto("/alerts/checkins/")
    s.shot(page, "alert-checkins", full=False)
    page.goto("/messages/?view=log")
    s.shot(page, "alert-messages", full=False)
    page = s.login("zy_county")
    page.goto("/alerts/devices/")
    s.shot(page, "alert-devices", full=False)
    page.goto("/alerts/?source=water_low")
    page.get_by_test_id("alerts").locator("a").first.click()
    page.wait_for_url("**/alerts/*/")
    s.shot(page, "alert-water-low", full=False)
    page = s.login("zy_visitor", phone=True)
    page.goto("/alerts/checkins/")
    s.shot(page, "alert-phone-checkins", full=False)


def service_pages(s: Shooter) -> None:
    # Officers: the order list, taking a phone request, an order with its proposals.
    page = s.login("zy_county")
    page.goto("/services/")
    s.shot(page, "service-orders", full=False)
    page.goto("/services/new/?q=王")
    s.shot(page, "service-new-search", full=False)
    page.get_by_test_id("elder-matches").locator("a").first.click()
    page.get_by_label("服务项目").select_option("bath_home")
    page.get_by_label("申请人", exact=True).fill("王丽")
    page.get_by_label("与老人关系").fill("女儿")
    s.shot(page, "service-new-form", full=True)
    page.get_by_test_id("order-submit").click()
    page.wait_for_url("**/services/*/")
    s.shot(page, "service-order-proposals", full=True)
    page.goto("/services/?status=done")
    page.get_by_test_id("orders").locator("tbody a").first.click()
    page.wait_for_url("**/services/*/")
    s.shot(page, "service-order-done", full=True)
    survey_link = page.get_by_test_id("survey-link").get_attribute("href")
    page.goto("/services/?rating=low")
    page.get_by_test_id("orders").locator("tbody a").first.click()
    s.shot(page, "service-order-low-rating", full=True)
    page.goto("/services/providers/")
    s.shot(page, "service-providers", full=False)
    page.get_by_test_id("providers").locator("a").first.click()
    page.wait_for_url("**/services/providers/*/")
    s.shot(page, "service-provider", full=False)
    page.goto("/services/catalogue/")
    s.shot(page, "service-catalogue", full=False)
    page.goto("/services/ratings/")
    s.shot(page, "service-ratings")
    page.goto("/workbench/")
    s.shot(
        page,
        "service-workbench-panel",
        element=".workbench-card:has(.card-title:text-is('居家服务'))",
    )
    page.goto("/elders/?q=王")
    page.get_by_test_id("elder-list").locator("tbody a").first.click()
    s.shot(page, "service-elder-file", element="[data-testid=elder-services]")
    # The provider on a phone.
    phone = s.login("zy_service", phone=True)
    phone.goto("/services/mine/")
    s.shot(phone, "service-phone-mine", full=False)
    phone.get_by_test_id("my-orders").locator("a.btn").first.click()
    s.shot(phone, "service-phone-order", full=False)
    # Elders and families: the request page and the survey (长辈版, no login).
    public = s.page(phone=True)
    public.goto("/s/r/demo-request/")
    s.shot(public, "service-public-request", full=False)
    public.locator("label.elder-choice", has_text="居家保洁").click()
    public.locator("#large-text").click()
    s.shot(public, "service-public-request-large", full=False)
    if survey_link:
        public.goto("/s/survey/" + survey_link.split("/s/survey/")[1])
        s.shot(public, "service-public-survey", full=False)


def meal_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/services/meals/")
    s.shot(page, "meal-points", full=False)
    page.get_by_test_id("meal-points").locator("tbody a").first.click()
    page.wait_for_url("**/services/meals/*/")
    point_url = page.url
    s.shot(page, "meal-point", full=False)
    page.goto(point_url + "statement/")
    s.shot(page, "meal-statement", full=False)
    page.goto("/services/meals/summary/")
    s.shot(page, "meal-summary", full=False)
    phone = s.login("zy_facility", phone=True)
    phone.goto("/services/meals/")
    phone.get_by_test_id("meal-points").locator("tbody a").first.click()
    phone.wait_for_url("**/services/meals/*/")
    phone.goto(phone.url + "day/")
    s.shot(phone, "meal-phone-day", full=False)
    # Appointments: the list and a 助医 order with its booking card.
    page.goto("/services/appointments/")
    s.shot(page, "appointment-list", full=False)
    href = page.get_by_test_id("appointments").locator("tbody a[href*='#appointments']").first
    page.goto(href.get_attribute("href"))
    s.shot(page, "appointment-order", element="[data-testid=order-appointments]")


def timebank_pages(s: Shooter) -> None:
    phone = s.login("zy_visitor", phone=True)
    phone.goto("/timebank/my/")
    s.shot(phone, "timebank-phone-my", full=False)
    page = s.login("zy_county")
    page.goto("/timebank/accounts/")
    s.shot(page, "timebank-accounts", full=False)
    page.get_by_test_id("accounts").locator("tbody a").first.click()
    page.wait_for_url("**/timebank/accounts/*/")
    s.shot(page, "timebank-account", full=False)
    txn = page.locator("a[href*='/timebank/txn/']").first.get_attribute("href")
    page.goto("/timebank/pools/141129/")
    s.shot(page, "timebank-pool", full=False)
    page.goto("/timebank/report/")
    s.shot(page, "timebank-report", full=False)
    if txn:
        page.goto(txn)
        s.shot(page, "timebank-txn", full=False)


def facility_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/facilities/")
    s.shot(page, "facility-list", full=False)
    page.goto("/facilities/gaps/")
    s.shot(page, "facility-gaps", full=False)
    page.get_by_test_id("gap-list").get_by_role("link", name="枝柯镇日间照料中心").click()
    page.wait_for_url("**/facilities/*/")
    s.shot(page, "facility-detail-gap", full=False)
    page.goto("/facilities/?q=宁乡镇敬老院")
    page.get_by_test_id("facilities").locator("tbody a").first.click()
    page.wait_for_url("**/facilities/*/")
    s.shot(page, "facility-compliance", element="[data-testid=compliance]")
    page.goto("/facilities/new/")
    s.shot(page, "facility-form", full=False)


def sanming_pages(s: Shooter) -> None:
    page = s.login("sm_city")
    page.goto("/facilities/centres/")
    s.shot(page, "centre-list", full=False)
    page.goto("/facilities/centres/?issue=chairman")
    page.get_by_test_id("centre-list").locator("tbody a").first.click()
    page.wait_for_url("**/facilities/centres/*/")
    s.shot(page, "centre-detail", full=False)
    page.goto("/facilities/centres/coverage/")
    s.shot(page, "centre-coverage", full=False)
    if s.wanted("rating-awards"):
        # The five-star home whose centre lacks the 万寿延 plaque: its award is withheld.
        page.goto("/facilities/ratings/?stars=5")
        links = page.get_by_test_id("rating-list").locator("tbody a[href^='/facilities/ratings/']")
        urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
        for url in urls:
            page.goto(url)
            if page.get_by_test_id("awards").get_by_text("暂缓").count():
                s.shot(page, "rating-awards", full=False)
                break
    page = s.login("zy_county")
    page.goto("/facilities/ratings/?q=金罗镇敬老院")
    page.get_by_test_id("rating-list").locator(
        "tbody a[href^='/facilities/ratings/']"
    ).first.click()
    page.wait_for_url("**/facilities/ratings/*/")
    s.shot(page, "rating-detail-grade", full=True)


def planning_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/planning/")
    page.get_by_test_id("task-tables").locator("tbody a").first.click()
    page.wait_for_url("**/planning/tables/*/")
    s.shot(page, "planning-table", full=True)
    page = s.login("cz_luzhou")
    page.goto("/planning/projects/")
    s.shot(page, "planning-projects", full=False)


def funding_pages(s: Shooter) -> None:
    page = s.login("cz_luzhou")
    page.goto("/funding/")
    page.get_by_label("区划代码").fill("140403")
    page.get_by_label("设施类型").select_option("urban_community_project")
    page.get_by_label("按哪一天有效的规则").fill("2024-06-30")
    page.get_by_label("实际建筑面积（m²）").fill("2500")
    page.get_by_test_id("estimate-submit").click()
    page.get_by_test_id("estimate-result").wait_for()
    s.shot(page, "funding-estimate", full=True)
    page = s.login("zy_county")
    page.goto("/funding/grants/")
    s.shot(page, "funding-grants", full=False)
    page.goto("/funding/budget/")
    s.shot(page, "funding-budget", full=False)


def community_pages(s: Shooter) -> None:
    page = s.login("zy_village")
    page.goto("/community/activities/")
    s.shot(page, "community-activities", full=False)
    page.locator("table a").first.click()
    s.shot(page, "community-activity", full=False)
    page.goto("/community/activities/new/")
    s.shot(page, "community-activity-new", full=True)
    page.goto("/community/activities/isolated/")
    s.shot(page, "community-isolated", full=False)
    county = s.login("zy_county")
    county.goto("/community/counts/")
    s.shot(county, "community-counts", full=False)
    county.goto("/community/donations/disclosure/141129101201/")
    s.shot(county, "community-disclosure", full=True)
    # The elder's own page, reached from the request link the village makes.
    county.goto("/elders/?region=141129101201")
    county.locator("table a").first.click()
    county.get_by_test_id("elder-services").get_by_role("button", name="生成链接").click()
    path = re.search(r"/s/r/[\w-]+/", county.content())
    assert path, "the request link is shown once after it is made"
    phone = s.page(phone=True)
    phone.goto(path.group(0) + "activities/")
    s.shot(phone, "community-elder-signup", full=False)
    visitor = s.login("zy_visitor", phone=True)
    page.goto("/community/activities/?date_from=" + dt.date.today().isoformat())
    page.locator("table a").first.click()
    visitor.goto(page.url)
    s.shot(visitor, "community-visitor-signup", full=False)


def report_pages(s: Shooter) -> None:
    page = s.login("zy_county")
    page.goto("/reports/")
    s.shot(page, "reports-index", full=False)
    page.get_by_test_id("latest-month").click()
    s.shot(page, "reports-month", full=False)
    village = s.login("zy_village")
    village.goto("/reports/cards/141129101201/")
    s.shot(village, "reports-card", element="[data-testid=card]")
    public = s.page(phone=True)
    public.goto("/p/policies/350430/")
    s.shot(public, "reports-policies", full=False)


def dashboard_pages(s: Shooter) -> None:
    page = s.login("ll_city")
    page.goto("/insights/1411/")
    page.wait_for_selector("[data-spark] svg")
    s.shot(page, "dashboard-city", full=False)
    page.goto("/insights/141129/")
    page.wait_for_selector("#child-chart svg")
    s.shot(page, "dashboard-children", element="[data-testid=children]")
    s.shot(page, "dashboard-targets", element="[data-testid=targets]")
    wall = s.browser.new_context(
        base_url=s.base_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1920, "height": 1080},
        storage_state=page.context.storage_state(),
    )
    s._contexts.append(wall)
    screen = wall.new_page()
    screen.goto("/insights/1411/screen/")
    screen.wait_for_selector("#screen-trend svg")
    s.shot(screen, "dashboard-screen", full=False)
    phone = s.login("zy_jinluo", phone=True)
    phone.goto("/insights/141129101/")
    phone.wait_for_selector("[data-spark] svg")
    s.shot(phone, "phone-dashboard", full=False)


STEPS: list[Callable[[Shooter], None]] = [
    login_pages,
    workbenches,
    phone_pages,
    region_pages,
    policy_pages,
    account_pages,
    security_pages,
    elder_list_pages,
    elder_file_pages,
    elder_transfer_pages,
    elder_import_pages,
    elder_workbench_pages,
    elder_phone_and_log_pages,
    visit_pages,
    service_pages,
    meal_pages,
    timebank_pages,
    facility_pages,
    planning_pages,
    funding_pages,
    sanming_pages,
    community_pages,
    report_pages,
    dashboard_pages,
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
