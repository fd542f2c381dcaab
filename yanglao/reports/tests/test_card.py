"""明白卡: what it says comes from the elder's file and the rules in force, with sources;
the visitor's phone is printed, the elder's ID number never; batch print; scope; the
public policy page without login."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.core.models import AccessLog
from yanglao.policy import services as policy
from yanglao.reports import card as cards
from yanglao.services import meals

from .conftest import VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder(elder_of, visitor_of, county):
    e = elder_of(
        name="张桂兰",
        born=dt.date(1940, 3, 1),
        living_situation="alone",
        welfare="minimum_allowance",
        phone="13912345678",
    )
    visitor_of(e, name="李春梅", phone="13800001111")
    meals.meal_point_create(
        actor=county, name="金罗村互助餐桌", region_code=VILLAGE, meal_price="10", delivers=True
    )
    return e


def entitlement(card, kind):
    return next(e for e in card.entitlements if e.kind == kind)


def test_the_card_names_the_groups_and_what_the_rules_give(elder, county):
    card = cards.card_for(county, elder.pk)
    assert set(card.groups) == {"每周巡访对象", "特殊困难老年人"}
    visits = entitlement(card, "visits")
    # Weekly (Zhongyang) is stricter than the national monthly floor: one line, weekly.
    assert "每周至少 1 次" in visits.text and visits.rule_id == "visit.schedule.weekly_visit"
    assert "中办发〔2020〕22号" in visits.source
    assert [e.kind for e in card.entitlements].count("visits") == 1
    service = entitlement(card, "service")  # 低保: 50% (national local default)
    assert "政府补助 50%" in service.text and "您自己付 50%" in service.text
    assert service.source == "本地规定（政策文件未定具体数值）"
    meal = entitlement(card, "meal")
    assert meal.lines == ["金罗村互助餐桌：每餐 10.00 元，补助 5.00 元，您付 5.00 元（可送餐）"]
    assert "低偿服务" in entitlement(card, "nursing_home").text
    assert entitlement(card, "timebank").rule_id == "time_bank.pool_grant"
    assert "生活照料" in entitlement(card, "services").text
    assert [(v.name, v.phone, v.is_lead) for v in card.visitors] == [
        ("李春梅", "13800001111", True)
    ]
    assert (card.hotline.phone, card.hotline.label) == ("12349", "养老服务热线")


def test_an_elder_in_no_group_gets_no_visit_line(elder_of, county):
    plain = elder_of(name="王有福", born=dt.date(1960, 1, 1), living_situation="with_family")
    card = cards.card_for(county, plain.pk)
    assert card.groups == []
    kinds = {e.kind for e in card.entitlements}
    assert "visits" not in kinds and "nursing_home" not in kinds and "timebank" not in kinds
    assert "可以请人上门服务，费用按价格表自己付（100%）" in entitlement(card, "service").text
    assert card.visitors == []


def test_a_local_hotline_overrides_the_default(elder, county):
    policy.rule_override(
        actor=county,
        rule_id=cards.HOTLINE,
        region_code=VILLAGE,
        params={"label": "金罗村养老服务电话", "phones": "0358-3361234, 12349"},
        valid_from=dt.date(2026, 1, 1),
        local_default=True,
        note="村委会值班电话",
    )
    card = cards.card_for(county, elder.pk)
    assert (card.hotline.label, card.hotline.phone) == ("金罗村养老服务电话", "0358-3361234、12349")


def test_the_card_page_prints_in_large_type_without_the_id_number(client, county, elder):
    client.force_login(county)
    response = client.get(f"/reports/card/{elder.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "明白卡" in page and "长辈版" in page and "张桂兰" in page
    assert "13800001111" in page  # the visitor's phone is for the elder to use
    assert "13912345678" not in page and "139****5678" not in page  # not the elder's own
    assert elder.person.id_tail not in page.replace("13800001111", "")
    assert "--card-body: 22px" in page and "reports/card.css" in page
    log = AccessLog.objects.filter(actor=county, kind="export").latest("at")
    assert log.detail["object_type"] == "ElderCard" and log.detail["elders"] == [elder.pk]


def test_the_type_size_follows_the_aging_friendly_rule(elder, county):
    policy.rule_override(
        actor=county,
        rule_id=cards.UI_RULE,
        region_code="141129",
        params={"body_font_min_px": 26, "line_height_min": "1.6"},
        valid_from=dt.date(2026, 1, 1),
        source_doc="本县长辈版页面规定",
    )
    card = cards.card_for(county, elder.pk)
    assert (card.body_px, card.line_height) == (26, "1.6")


def test_a_village_prints_one_card_per_elder(client, county, elder, elder_of):
    elder_of(name="刘桂芳", born=dt.date(1950, 6, 1), living_situation="spouse_only")
    moved = elder_of(name="赵长福", born=dt.date(1945, 8, 1))
    from yanglao.elders import services as elders

    elders.elder_set_status(actor=county, elder=moved, status="moved", on=dt.date(2026, 1, 10))
    elder_of(name="王有福", region="141129101202")  # another village
    client.force_login(county)
    page = client.get(f"/reports/cards/{VILLAGE}/").content.decode()
    assert page.count('data-testid="card"') == 2
    assert "张桂兰" in page and "刘桂芳" in page and "赵长福" not in page and "王有福" not in page
    log = AccessLog.objects.filter(actor=county, kind="export").latest("at")
    assert log.detail["printed"] == 2
    assert client.get("/reports/cards/141129101/").status_code == 404  # not a village


def test_cards_outside_the_scope_are_not_found(client, make_user, elder):
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/reports/card/{elder.pk}/").status_code == 404
    assert client.get(f"/reports/cards/{VILLAGE}/").status_code == 404
    client.force_login(make_user("facility_operator", "141129100"))
    assert client.get(f"/reports/card/{elder.pk}/").status_code == 403


def test_the_api_gives_the_card(api, county, elder):
    body = api.as_user(county).get(f"/api/v1/reports/cards/{elder.pk}").json()
    assert body["name"] == "张桂兰" and body["visitors"][0]["phone"] == "13800001111"
    assert {"visits", "service", "meal"} <= {e["kind"] for e in body["entitlements"]}
    assert "id_number" not in body


def test_the_policy_page_is_public_and_names_sources(client, db):
    response = client.get("/p/policies/350430/")  # 建宁县, 三明市
    page = response.content.decode()
    assert response.status_code == 200 and "长辈版" in page
    assert "五星级农村幸福院市级奖补每个3万元" in page
    assert "关于在全市农村建立“党建+养老服务中心”工作机制的通知" in page
    assert "建宁县为老志愿服务“时间银行”" in page  # the county's own rule
    assert "本地默认" not in page and "ui.elder_pages" not in page
    assert "一、目标任务" in page and "资金保障" in page
    assert "12349" in page
    assert client.get("/p/policies/999999/").status_code == 404
    body = client.get("/api/v1/reports/policies/141129").json()
    titles = [i["title"] for ch in body["chapters"] for i in ch["items"]]
    assert "农村重点老年人每周至少巡访一次（乡镇组织，电话问候或上门）" in titles
    assert not any("三明" in i["source"] for ch in body["chapters"] for i in ch["items"])
