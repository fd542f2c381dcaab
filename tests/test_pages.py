"""Every page a user sees renders, for the roles that may see it, and the navigation
shows each role only what it may use."""

from __future__ import annotations

import pytest

SUBSIDY = "facility.operating_subsidy.day_care_with_meals"

PAGES = [
    # url, role, region, text on the page
    ("/workbench/", "county_admin", "141129", "目标任务"),
    ("/workbench/", "visitor", "141129101201", "工作台"),
    ("/workbench/", "audit_admin", "14", "安全事件"),
    ("/workbench/", "facility_operator", "141129100", "工作台"),
    ("/regions/141129/", "county_admin", "141129", "金罗镇"),
    ("/regions/141129101/edit/", "county_admin", "141129", "户籍总人口"),
    ("/regions/import/", "county_admin", "141129", "导入区划表"),
    ("/policy/rules/", "county_admin", "141129", "适用的政策规则"),
    (f"/policy/rules/{SUBSIDY}/", "township_officer", "141129101", "依据链"),
    (f"/policy/rules/{SUBSIDY}/override/", "county_admin", "141129", "设置本地取值"),
    ("/policy/targets/", "party_officer", "141129", "目标任务"),
    ("/accounts/users/", "county_admin", "141129", "账号管理"),
    ("/accounts/users/new/", "township_officer", "141129101", "新建账号"),
    ("/accounts/audit/", "audit_admin", "14", "审计日志"),
    ("/accounts/access-log/", "security_admin", "14", "访问日志"),
    ("/accounts/password/", "visitor", "141129101201", "修改密码"),
    ("/accounts/2fa/setup/", "county_admin", "141129", "双因素认证"),
    ("/timebank/my/", "visitor", "141129101201", "我的时间银行"),
    ("/timebank/accounts/", "county_admin", "141129", "志愿者账户"),
    ("/timebank/pools/141129/", "county_admin", "141129", "困难老人互助池"),
    ("/timebank/report/", "township_officer", "141129101", "月度报表"),
    ("/services/meals/", "county_admin", "141129", "助餐点"),
    ("/services/meals/", "facility_operator", "141129100", "没有助餐点"),
    ("/services/meals/new/", "township_officer", "141129101", "设立助餐点"),
    ("/services/meals/summary/", "county_admin", "141129", "助餐月度汇总"),
    ("/services/appointments/", "village_officer", "141129101201", "预约挂号"),
    ("/party/", "party_officer", "141129", "党组织"),
    ("/party/members/", "township_officer", "141129101", "党员"),
    ("/party/institutions/", "county_admin", "141129", "机构党建"),
    ("/party/coverage/", "party_officer", "141129", "党组织覆盖情况"),
    ("/party/activities/", "village_officer", "141129101201", "党建活动"),
    ("/party/activities/new/", "party_officer", "141129", "记录活动"),
    ("/party/missing/", "county_admin", "141129", "缺项提醒"),
    ("/planning/", "county_admin", "141129", "建设任务表"),
    ("/planning/", "township_officer", "141129101", "建设任务表"),
    ("/planning/projects/", "city_admin", "1404", "城镇社区养老幸福工程申报"),
    ("/planning/projects/new/", "county_admin", "140403", "申报城镇社区养老幸福工程"),
    ("/planning/evaluations/", "county_admin", "140403", "县区绩效考核"),
    ("/funding/", "county_admin", "141129", "奖补估算"),
    ("/funding/", "city_admin", "1404", "奖补估算"),
    ("/funding/grants/", "county_admin", "141129", "奖补资金台账"),
    ("/funding/grants/", "township_officer", "141129101", "奖补资金台账"),
    ("/funding/running-costs/", "county_admin", "141129", "运营经费来源"),
    ("/funding/evaluation/", "city_admin", "3504", "县级评估奖补"),
    ("/funding/budget/", "county_admin", "141129", "预算测算"),
    ("/funding/budget/?year=2021&provides_meals=yes", "county_admin", "141129", "假设取值"),
    ("/reports/", "county_admin", "141129", "月度报告"),
    ("/reports/141129/2026-Q3/", "county_admin", "141129", "发现的问题"),
    ("/reports/141129101/2026-10/", "township_officer", "141129101", "巡视探访"),
    ("/reports/cards/141129101201/", "village_officer", "141129101201", "明白卡"),
    ("/supervision/", "county_admin", "141129", "督查检查"),
    ("/supervision/", "facility_operator", "141129100", "没有符合条件的检查"),
    ("/supervision/inspections/new/", "township_officer", "141129101", "安排检查"),
    ("/supervision/findings/", "village_officer", "141129101201", "整改问题"),
    ("/supervision/overdue/", "city_admin", "1411", "逾期未整改"),
    ("/supervision/evaluations/", "county_admin", "140403", "运营方年度评估"),
    ("/supervision/evaluations/new/", "county_admin", "141129", "查看证据"),
    ("/supervision/evaluations/flagged/", "party_officer", "141129", "建议调整的运营方"),
    ("/insights/141129/", "county_admin", "141129", "区域概览：中阳县"),
    ("/insights/141129101/screen/", "township_officer", "141129101", "养老服务大屏"),
    ("/interop/", "county_admin", "141129", "机构系统报送"),
    ("/interop/", "facility_operator", "141129100", "还没有报送批次"),
    ("/interop/exports/", "township_officer", "141129101", "代码表"),
]


@pytest.mark.parametrize(("url", "role", "region", "text"), PAGES)
def test_the_page_renders(client, make_user, url, role, region, text):
    client.force_login(make_user(role, region))
    response = client.get(url)
    assert response.status_code == 200, url
    assert text in response.content.decode()


def test_the_user_pages_render(client, make_user):
    admin = make_user("county_admin", "141129")
    target = make_user("visitor", "141129101201")
    client.force_login(admin)
    assert "API 令牌" in client.get(f"/accounts/users/{target.pk}/").content.decode()
    assert "编辑账号" in client.get(f"/accounts/users/{target.pk}/edit/").content.decode()


def test_the_centre_and_rating_pages_render(client, make_user):
    from yanglao.facilities import centres, ratings, services

    city = make_user("city_admin", "3504")
    home = services.facility_save(
        actor=city,
        data={
            "name": "岭背村农村幸福院",
            "type": "happiness_home",
            "region": "350424103201",
            "ownership": "public",
        },
    )
    centre = centres.centre_save(
        actor=city,
        village_code="350424103201",
        data={"registered_name": "岭背村养老服务中心", "facility_id": home.pk},
    )
    rating = ratings.rating_record(actor=city, facility=home, rated_on="2025-06-01", stars=5)
    client.force_login(city)
    for url, text in (
        (f"/facilities/centres/{centre.pk}/", "待完善事项"),
        (f"/facilities/centres/{centre.pk}/edit/", "修改村级养老服务中心"),
        (f"/facilities/ratings/{rating.pk}/", "暂缓"),
        (f"/facilities/{home.pk}/ratings/", "岭背村农村幸福院"),
        (f"/facilities/{home.pk}/ratings/new/", "岭背村农村幸福院"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_login_page_and_the_api_docs_render_without_login(client, db):
    assert "登录" in client.get("/accounts/login/").content.decode()
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
    assert client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("Yanglao")


def test_pages_need_a_login(client, db):
    for url in ("/workbench/", "/regions/141129/", "/policy/rules/", "/accounts/users/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "region", "visible", "hidden"),
    [
        (
            "visitor",
            "141129101201",
            ["工作台", "时间银行"],
            ["账号管理", "政策规则", "审计日志", "区划"],
        ),
        (
            "county_admin",
            "141129",
            ["区划", "政策规则", "目标任务", "账号管理", "时间银行", "助餐"],
            ["审计日志"],
        ),
        ("audit_admin", "14", ["审计日志"], ["账号管理", "时间银行", "助餐"]),
        ("village_officer", "141129101201", ["区划", "政策规则"], ["账号管理", "审计日志"]),
    ],
)
def test_the_navigation_shows_only_what_the_role_may_use(
    client, make_user, role, region, visible, hidden
):
    client.force_login(make_user(role, region))
    page = client.get("/workbench/").content.decode()
    nav = page.split('id="navbar-menu"')[1].split("</ul>")[0]
    for label in visible:
        assert label in nav, label
    for label in hidden:
        assert label not in nav, label


@pytest.mark.parametrize(
    ("url", "role", "region"),
    [
        ("/accounts/users/", "visitor", "141129101201"),
        ("/reports/", "facility_operator", "141129100"),
        ("/insights/141129101201/", "visitor", "141129101201"),
        ("/accounts/audit/", "county_admin", "141129"),
        ("/regions/141129101/edit/", "township_officer", "141129101"),
        (f"/policy/rules/{SUBSIDY}/override/", "township_officer", "141129101"),
    ],
)
def test_a_page_the_role_may_not_use_answers_403_in_chinese(client, make_user, url, role, region):
    client.force_login(make_user(role, region))
    response = client.get(url)
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_an_unknown_page_answers_404_in_chinese(client, make_user):
    client.force_login(make_user("county_admin", "141129"))
    response = client.get("/regions/999999/")
    assert response.status_code == 404 and "不在您的管辖范围内" in response.content.decode()


def test_pages_carry_the_security_headers(client, make_user):
    client.force_login(make_user("county_admin", "141129"))
    response = client.get("/workbench/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_loads_anything_from_outside(client, make_user):
    import re

    client.force_login(make_user("county_admin", "141129"))
    for url, *_rest in PAGES[:8]:
        page = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', page), url
