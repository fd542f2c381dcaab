"""Service pages, the public request and survey pages, the API, and the time bank hand-off."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yanglao.core.models import AuditEvent
from yanglao.services import links, services, survey
from yanglao.services.models import Order, OrderStatus, RequestLink
from yanglao.visits import pairing
from yanglao.visits.models import FollowUp

from .conftest import TOWN, VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("facility_operator", TOWN)


@pytest.fixture
def world(county, elder_of, provider_of, operator, order_of):
    elder = elder_of()
    provider = provider_of()
    provider.users.add(operator)
    order = order_of(elder)
    return {"elder": elder, "provider": provider, "order": order}


def _tomorrow_at_ten() -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=1)).isoformat() + "T10:00"


def _done(county, operator, order, provider):
    order = services.order_assign(actor=county, order=order, provider=provider)
    order = services.order_accept(actor=operator, order=order)
    order = services.order_start(actor=operator, order=order)
    return services.order_finish(actor=operator, order=order, note="ok")


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/services/", "服务工单"),
        ("/services/?status=open&q=zgl&help=bath", "服务工单"),
        ("/services/new/", "受理服务申请"),
        ("/services/new/?q=张", "张桂兰"),
        ("/services/providers/", "康乐居家养老服务中心"),
        ("/services/providers/new/", "登记服务方"),
        ("/services/catalogue/", "上门助浴"),
        ("/services/ratings/", "满意度"),
    ],
)
def test_officer_pages_render(client, county, world, url, text):
    client.force_login(county)
    response = client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_order_detail_proposes_and_assigns_from_the_page(client, county, world):
    client.force_login(county)
    order = world["order"]
    page = client.get(f"/services/{order.pk}/").content.decode()
    assert "推荐服务方" in page and "康乐居家养老服务中心" in page and "费用分担" in page
    response = client.post(
        f"/services/{order.pk}/", {"action": "assign", "provider": world["provider"].pk}
    )
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ASSIGNED
    bad = client.post(f"/services/{order.pk}/", {"action": "cancel", "reason": ""})
    assert bad.status_code == 422 and "请填写取消原因" in bad.content.decode()


def test_new_order_form_explains_errors_and_creates(client, county, world):
    client.force_login(county)
    elder = world["elder"]
    bad = client.post(
        f"/services/new/?elder={elder.pk}",
        {"elder": elder.pk, "item": "", "scheduled_for": "", "channel": "phone"},
    )
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "请选择服务项目" in body and "请填写预约服务时间" in body
    ok = client.post(
        f"/services/new/?elder={elder.pk}",
        {
            "elder": elder.pk,
            "item": "bath_home",
            "scheduled_for": "2030-01-02T10:00",
            "channel": "phone",
            "quantity": "1",
        },
    )
    assert ok.status_code == 422  # more than 90 days ahead
    assert "90 天" in ok.content.decode()


def test_provider_phone_flow_and_elder_file(client, county, operator, world):
    order = services.order_assign(actor=county, order=world["order"], provider=world["provider"])
    client.force_login(operator)
    mine = client.get("/services/mine/").content.decode()
    assert world["elder"].person.name in mine
    client.post(f"/services/{order.pk}/", {"action": "accept", "next": "mine"})
    client.post(f"/services/{order.pk}/", {"action": "start"})
    client.post(f"/services/{order.pk}/", {"action": "finish", "note": "洗完了"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DONE
    # someone else's order is not there
    assert client.get("/services/providers/").status_code == 403
    client.force_login(county)
    file_page = client.get(f"/elders/{world['elder'].pk}/").content.decode()
    assert "居家服务" in file_page and "上门助浴" in file_page
    assert "预约挂号" in file_page


def test_provider_form_validates(client, county):
    client.force_login(county)
    response = client.post(
        "/services/providers/new/",
        {"name": "", "kind": "company", "region": "999", "areas": "", "work_start": "9"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "请填写名称" in body and "区划代码不存在" in body and "至少选择一个服务项目" in body
    ok = client.post(
        "/services/providers/new/",
        {
            "name": "阳光家政公司",
            "kind": "company",
            "region": TOWN,
            "areas": TOWN,
            "items": ["clean_home", "clean_laundry"],
            "work_days": ["1", "2", "3"],
            "work_start": "08:00",
            "work_end": "17:00",
            "daily_capacity": "6",
            "active": "on",
        },
    )
    assert ok.status_code == 302


def test_catalogue_edit_is_audited(client, county):
    from yanglao.services.models import ServiceItem

    item = ServiceItem.objects.get(code="bath_home")
    client.force_login(county)
    response = client.post(
        f"/services/catalogue/{item.pk}/edit/",
        {
            "name": "上门助浴",
            "unit": "次",
            "standard_minutes": "90",
            "price": "88",
            "deliverers": ["facility", "company"],
            "qualification": "care_worker",
            "active": "on",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.price == Decimal("88.00")
    assert AuditEvent.objects.filter(action="service.item_update").exists()


def test_public_request_page_via_link(client, county, world):
    elder = world["elder"]
    _link, token = links.create(actor=county, elder=elder)
    page = client.get(f"/s/r/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "长辈版" in body and "朗读" in body and "大字" in body
    missing = client.post(f"/s/r/{token}/", {"item": "clean_home"})
    assert missing.status_code == 422 and "请选择哪一天" in missing.content.decode()
    from django.utils import timezone

    tomorrow = (timezone.localdate() + __import__("datetime").timedelta(days=1)).isoformat()
    done = client.post(
        f"/s/r/{token}/", {"item": "clean_home", "day": tomorrow, "slot": "am", "note": "厨房"}
    )
    assert done.status_code == 200 and "已收到您的申请" in done.content.decode()
    order = Order.objects.filter(channel="self").get()
    assert order.elder == elder and order.note == "厨房"
    assert client.get("/s/r/not-a-token/").status_code == 404
    # a new link for the same holder replaces the old one
    links.create(actor=county, elder=elder)
    assert client.get(f"/s/r/{token}/").status_code == 404
    assert RequestLink.objects.filter(elder=elder, active=True).count() == 1


def test_public_survey_page(client, county, operator, world):
    order = _done(county, operator, world["order"], world["provider"])
    survey.send(order.pk)
    order.refresh_from_db()
    token = survey.make_token(order)
    page = client.get(f"/s/survey/{token}/")
    assert page.status_code == 200 and "您满意吗" in page.content.decode()
    bad = client.post(f"/s/survey/{token}/", {"rating": "9"})
    assert bad.status_code == 422 and "请选择 1 到 5 分" in bad.content.decode()
    ok = client.post(f"/s/survey/{token}/", {"rating": "1", "comment": "态度差"})
    assert "谢谢您的评价" in ok.content.decode()
    assert FollowUp.objects.filter(order=order).exists()
    again = client.get(f"/s/survey/{token}/")
    assert again.status_code == 409 and "已经评价过了" in again.content.decode()
    assert client.get("/s/survey/forged/").status_code == 404


def test_api_round_trip(api, county, operator, world, client):
    order = world["order"]
    listed = api.as_user(county).get("/api/v1/services/orders?status=open").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == order.number
    created = api.post(
        "/api/v1/services/orders",
        {
            "elder_id": world["elder"].pk,
            "item": "clean_home",
            "scheduled_for": _tomorrow_at_ten() + ":00+08:00",
            "channel": "phone",
        },
    )
    assert created.status_code == 201, created.content
    oid = created.json()["id"]
    props = api.get(f"/api/v1/services/orders/{oid}/proposals").json()
    assert props[0]["provider_id"] == world["provider"].pk
    bad = api.post(f"/api/v1/services/orders/{oid}/assign", {"provider_id": 999999})
    assert bad.status_code == 422 and "provider" in bad.json()["error"]["fields"]
    assert (
        api.post(f"/api/v1/services/orders/{oid}/assign", {"provider_id": props[0]["provider_id"]})
    ).status_code == 200
    api.as_user(operator)
    assert api.post(f"/api/v1/services/orders/{oid}/finish", {}).status_code == 409
    assert api.post(f"/api/v1/services/orders/{oid}/accept").status_code == 200
    assert api.post(f"/api/v1/services/orders/{oid}/start", {"latitude": 37.3}).status_code == 200
    done = api.post(f"/api/v1/services/orders/{oid}/finish", {"note": "好了"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert [o["id"] for o in api.get("/api/v1/services/my-orders?status=done").json()] == [oid]
    survey.send(oid)
    token = survey.make_token(Order.objects.get(pk=oid))
    answered = client.post(
        f"/api/v1/services/survey/{token}", {"rating": 5}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["rating"] == 5
    reused = client.post(
        f"/api/v1/services/survey/{token}", {"rating": 5}, content_type="application/json"
    )
    assert reused.status_code == 409
    rows = api.as_user(county).get("/api/v1/services/ratings").json()
    assert rows[0]["average"] == 5.0


def test_volunteer_hours_reach_the_time_bank_exactly_once(
    county, elder_of, provider_of, order_of, make_user
):
    from yanglao.timebank.models import Entry

    volunteer_user = make_user("visitor", VILLAGE)
    visitor = pairing.visitor_register(
        actor=county,
        name="赵志强",
        phone="13900001234",
        kind="volunteer",
        region_code=VILLAGE,
        user=volunteer_user,
    )
    provider = provider_of(
        "志愿者赵志强", kind="volunteer", items=("clean_home",), quals=(), person=visitor.person
    )
    elder = elder_of()
    order = order_of(elder, item="clean_home")  # 120 minutes
    order = services.order_assign(actor=county, order=order, provider=provider)
    order = services.order_accept(actor=volunteer_user, order=order)
    order = services.order_start(actor=volunteer_user, order=order)
    order = services.order_finish(actor=volunteer_user, order=order)
    assert not Entry.objects.filter(reference=f"order:{order.pk}").exists()
    services.order_rate(order=order, rating=5)
    lines = Entry.objects.filter(reference=f"order:{order.pk}")
    assert sorted(e.amount for e in lines) == [Decimal("-2.00"), Decimal("2.00")]
    with pytest.raises(services.Conflict):
        services.order_confirm(actor=county, order=order)
    assert Entry.objects.filter(reference=f"order:{order.pk}").count() == 2
    # An elder who cannot rate: the community confirms, once.
    other = order_of(elder, item="clean_home")
    other = services.order_assign(actor=county, order=other, provider=provider)
    for step in (services.order_accept, services.order_start, services.order_finish):
        other = step(actor=volunteer_user, order=other)
    services.order_confirm(actor=county, order=other)
    assert Entry.objects.filter(reference=f"order:{other.pk}").count() == 2
    services.order_rate(order=other, rating=4)
    assert Entry.objects.filter(reference=f"order:{other.pk}").count() == 2


def test_a_service_need_found_on_a_visit_becomes_an_order(client, county, world):
    import datetime as dt

    from django.utils import timezone

    need = FollowUp.objects.create(
        elder=world["elder"],
        region_path=world["elder"].region_path,
        kind="service_request",
        item="hygiene",
        level="concern",
        description="卫生环境：厨房需要上门保洁",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    client.force_login(county)
    listing = client.get("/visits/follow-ups/").content.decode()
    assert f"/services/new/?follow_up={need.pk}" in listing
    form = client.get(f"/services/new/?follow_up={need.pk}").content.decode()
    assert "厨房需要上门保洁" in form and world["elder"].person.name in form
    response = client.post(
        f"/services/new/?follow_up={need.pk}",
        {
            "follow_up": need.pk,
            "item": "clean_home",
            "scheduled_for": (timezone.localtime() + dt.timedelta(days=1)).strftime(
                "%Y-%m-%dT10:00"
            ),
            "channel": "visit",
            "quantity": "1",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get(follow_up=need)
    assert order.channel == "visit" and order.elder == world["elder"]


def test_a_visitor_asks_for_a_service_for_a_paired_elder_only(
    client, elder_of, paired, visitor_user, world
):
    mine = elder_of(name="刘桂芳")
    paired(mine)
    client.force_login(visitor_user)
    assert client.get(f"/services/new/?elder={mine.pk}").status_code == 200
    assert client.get(f"/services/new/?elder={world['elder'].pk}").status_code == 404
    response = client.post(
        f"/services/new/?elder={mine.pk}",
        {
            "elder": mine.pk,
            "item": "errand_shopping",
            "scheduled_for": _tomorrow_at_ten(),
            "channel": "visit",
            "quantity": "1",
        },
    )
    assert response.status_code == 302
    assert Order.objects.filter(elder=mine, channel="visit").exists()


def test_provider_and_item_pages_render(client, county, world):
    from yanglao.services.models import ServiceItem

    client.force_login(county)
    pk = world["provider"].pk
    detail = client.get(f"/services/providers/{pk}/").content.decode()
    assert "康乐居家养老服务中心" in detail and "养老护理员证" in detail
    edit = client.get(f"/services/providers/{pk}/edit/").content.decode()
    assert 'value="康乐居家养老服务中心"' in edit
    item = ServiceItem.objects.get(code="bath_home")
    assert "编辑服务项目" in client.get(f"/services/catalogue/{item.pk}/edit/").content.decode()
    order = world["order"]
    assert client.get(f"/services/{order.pk}/photo/start").status_code == 404
