"""Region scope on every API endpoint.

A county officer of 中阳县 (141129) asks for things that belong to 柳林县 (141125), a
sibling county. Every read answers 404 as if the thing did not exist; every write is
refused and writes nothing. ``CASES`` must name every operation in the OpenAPI: a new
endpoint fails ``test_every_endpoint_has_a_scope_case`` until its case is added here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from yanglao.api import api as ninja_api
from yanglao.elders import services as transfer_services


def register_elder(actor, region: str, seq: int):
    import datetime as dt

    from yanglao.people.idnumbers import make_id_number

    return transfer_services.elder_register(
        actor=actor,
        name="张桂兰",
        region_code=region,
        id_number=make_id_number(region[:6], dt.date(1945, 1, 1), seq),
    )


INSIDE = "141129"
SIBLING = "141125"


@dataclass
class Case:
    path: dict[str, Any] = field(default_factory=dict)  # values may be callables of ctx
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    expect: int = 404
    # For lists: the items must not include anything outside the caller's scope.
    list_check: str = ""
    self_only: bool = False


def sibling_user(ctx):
    return ctx["sibling_user"].pk


def sibling_elder(ctx):
    return ctx["sibling_elder"].pk


def sibling_transfer(ctx):
    return ctx["sibling_transfer"].pk


ELDER_ID = {"elder_id": sibling_elder}


def sibling_provider(ctx):
    if "sibling_provider" not in ctx:
        from yanglao.services.services import provider_save

        ctx["sibling_provider"] = provider_save(
            actor=ctx["sibling_user"],
            data={
                "name": "柳林服务中心",
                "kind": "company",
                "region": "141125100",
                "areas": ["141125100"],
                "items": ["clean_home"],
                "work_days": "12345",
                "work_start": "08:00",
                "work_end": "18:00",
                "daily_capacity": 5,
            },
        )
    return ctx["sibling_provider"].pk


def sibling_order(ctx):
    if "sibling_order" not in ctx:
        import datetime as dt

        from django.utils import timezone

        from yanglao.services.models import ServiceItem
        from yanglao.services.services import order_create

        ctx["sibling_order"] = order_create(
            actor=ctx["sibling_user"],
            elder=ctx["sibling_elder"],
            item=ServiceItem.objects.get(code="clean_home"),
            scheduled_for=timezone.now() + dt.timedelta(days=1),
            channel="phone",
        )
    return ctx["sibling_order"].pk


ORDER_ID = {"order_id": sibling_order}
PROVIDER_BODY = {
    "name": "中阳服务中心",
    "kind": "company",
    "region": "141125100",
    "areas": ["141125100"],
    "items": ["clean_home"],
}


def sibling_alert(ctx):
    return ctx["sibling_alert"].pk


ALERT_ID = {"alert_id": sibling_alert}
FINE_CHECKS = {
    k: {"level": "fine"}
    for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/regions"): Case(query={"q": "柳林"}, list_check="region_code"),
    ("GET", "/api/v1/regions/{code}"): Case(path={"code": SIBLING}),
    ("GET", "/api/v1/regions/{code}/children"): Case(path={"code": SIBLING}),
    ("GET", "/api/v1/me"): Case(self_only=True),
    ("GET", "/api/v1/users"): Case(list_check="user_region"),
    ("POST", "/api/v1/users"): Case(
        body={"username": "intruder", "region": SIBLING, "role": "village_officer"}, expect=422
    ),
    ("GET", "/api/v1/users/{user_id}"): Case(path={"user_id": sibling_user}),
    ("PATCH", "/api/v1/users/{user_id}"): Case(
        path={"user_id": sibling_user}, body={"full_name": "x"}
    ),
    ("GET", "/api/v1/policy/rules"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/policy/lookup/{rule_id}"): Case(
        path={"rule_id": "facility.operating_subsidy.day_care_with_meals"},
        query={"region": SIBLING},
    ),
    ("GET", "/api/v1/policy/targets"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/elders"): Case(query={"q": "zgl"}, list_check="elder_region"),
    ("POST", "/api/v1/elders"): Case(
        body={"name": "张三", "id_number": "141125194501011236", "region": SIBLING}, expect=422
    ),
    ("GET", "/api/v1/elders/{elder_id}"): Case(path=ELDER_ID),
    ("PATCH", "/api/v1/elders/{elder_id}"): Case(path=ELDER_ID, body={"name": "x"}),
    ("POST", "/api/v1/elders/{elder_id}/status"): Case(
        path=ELDER_ID, body={"status": "moved", "on": "2026-01-01"}
    ),
    ("POST", "/api/v1/elders/{elder_id}/id-number"): Case(path=ELDER_ID, body={}),
    ("GET", "/api/v1/elders/{elder_id}/care-plan"): Case(path=ELDER_ID),
    ("PUT", "/api/v1/elders/{elder_id}/care-plan"): Case(
        path=ELDER_ID,
        body={
            "needs": "n",
            "interventions": "i",
            "responsible": "r",
            "visits_per_week": 1,
            "emergency_contacts": "e",
            "emergency_procedure": "p",
            "review_on": "2030-01-01",
        },
    ),
    ("POST", "/api/v1/elders/{elder_id}/transfer"): Case(
        path=ELDER_ID, body={"to_region": "141129101201"}
    ),
    ("GET", "/api/v1/elders/transfers"): Case(list_check="transfers"),
    ("POST", "/api/v1/elders/transfers"): Case(
        body={"id_number": "141125194501011236", "to_region": SIBLING}, expect=422
    ),
    ("POST", "/api/v1/elders/transfers/{transfer_id}/decision"): Case(
        path={"transfer_id": sibling_transfer}, body={"accept": True}
    ),
    ("GET", "/api/v1/elders/{elder_id}/assessments"): Case(path=ELDER_ID),
    ("POST", "/api/v1/elders/{elder_id}/assessments"): Case(
        path=ELDER_ID,
        body={"assessed_on": "2026-01-01", "reason": "first", "assessors": "x", "scores": {}},
    ),
    ("GET", "/api/v1/alerts"): Case(list_check="alerts"),
    ("GET", "/api/v1/alerts/{alert_id}"): Case(path=ALERT_ID),
    ("POST", "/api/v1/alerts"): Case(
        body={"elder_id": 0, "level": "urgent", "title": "x"},
    ),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): Case(path=ALERT_ID, body={}),
    ("POST", "/api/v1/alerts/{alert_id}/act"): Case(path=ALERT_ID, body={}),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): Case(path=ALERT_ID, body={"note": "x"}),
    # Devices sign their calls; a user's token is no signature.
    ("POST", "/api/v1/devices/readings"): Case(body={"readings": []}, expect=401),
    ("POST", "/api/v1/visits"): Case(
        body={
            "elder_id": 0,  # replaced by the sibling elder below
            "method": "door",
            "visited_at": "2026-11-24T10:00:00+08:00",
            "checks": FINE_CHECKS,
        },
    ),
    ("GET", "/api/v1/visits/overdue"): Case(list_check="elder_items"),
    ("GET", "/api/v1/visits/compliance"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/visits/my-week"): Case(list_check="empty"),
    ("GET", "/api/v1/visitors"): Case(list_check="visitors"),
    ("GET", "/api/v1/devices"): Case(list_check="devices"),
    ("POST", "/api/v1/checkins"): Case(body={"plan_id": 0}),
    ("GET", "/api/v1/messages"): Case(list_check="messages"),
    ("POST", "/api/v1/pairings"): Case(
        body={"visitor_id": 0, "elder_ids": [0], "starts_on": "2026-11-24"},
    ),
    ("GET", "/api/v1/pairings/unpaired"): Case(list_check="elder_items"),
    ("POST", "/api/v1/pairings/{pairing_id}/end"): Case(
        path={"pairing_id": lambda ctx: ctx["sibling_pairing"].pk},
        body={"on": "2026-11-24", "reason": "x"},
    ),
    ("GET", "/api/v1/services/items"): Case(list_check="global"),
    ("GET", "/api/v1/services/orders"): Case(list_check="elder_items"),
    ("POST", "/api/v1/services/orders"): Case(
        body={
            "elder_id": 0,
            "item": "clean_home",
            "scheduled_for": "2026-12-01T10:00:00+08:00",
            "channel": "phone",
        }
    ),
    ("GET", "/api/v1/services/orders/{order_id}"): Case(path=ORDER_ID),
    ("GET", "/api/v1/services/orders/{order_id}/proposals"): Case(path=ORDER_ID),
    ("POST", "/api/v1/services/orders/{order_id}/assign"): Case(
        path=ORDER_ID, body={"provider_id": 1}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/accept"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/decline"): Case(
        path=ORDER_ID, body={"reason": "x"}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/start"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/finish"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/cancel"): Case(
        path=ORDER_ID, body={"reason": "x"}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/rating"): Case(path=ORDER_ID, body={"rating": 5}),
    ("POST", "/api/v1/services/orders/{order_id}/confirm"): Case(path=ORDER_ID, body={}),
    ("GET", "/api/v1/services/my-orders"): Case(list_check="empty"),
    ("GET", "/api/v1/services/providers"): Case(list_check="visitors"),
    ("POST", "/api/v1/services/providers"): Case(body=PROVIDER_BODY, expect=422),
    ("GET", "/api/v1/services/providers/{provider_id}"): Case(
        path={"provider_id": sibling_provider}
    ),
    ("PUT", "/api/v1/services/providers/{provider_id}"): Case(
        path={"provider_id": sibling_provider}, body=PROVIDER_BODY
    ),
    ("GET", "/api/v1/services/ratings"): Case(list_check="empty"),
    ("POST", "/api/v1/services/survey/{token}"): Case(
        path={"token": "forged-token"}, body={"rating": 5}
    ),
    ("POST", "/api/v1/policy/rules"): Case(
        body={"rule_id": "x", "region": SIBLING, "params": {"a": 1}, "source_doc": "d"},
        expect=422,
    ),
}


def operations() -> set[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.add((method.upper(), path.rstrip("/") if path != "/api/v1/" else path))
    return ops


def test_every_endpoint_has_a_scope_case():
    missing = operations() - set(CASES)
    assert not missing, f"add a scope case for each new endpoint: {sorted(missing)}"
    stale = set(CASES) - operations()
    assert not stale, f"cases for endpoints that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize(("method", "template"), sorted(CASES))
def test_a_county_officer_cannot_reach_another_county(method, template, api, make_user):
    from yanglao.accounts.models import User
    from yanglao.core.models import AuditEvent
    from yanglao.policy.models import PolicyRule

    case = CASES[(method, template)]
    officer = make_user("county_admin", INSIDE)
    ctx = {"sibling_user": make_user("village_officer", SIBLING)}
    ctx["sibling_elder"] = register_elder(ctx["sibling_user"], "141125100", seq=7)
    ctx["sibling_transfer"] = transfer_services.transfer_offer(
        actor=ctx["sibling_user"], elder=ctx["sibling_elder"], to_region_code="141125101"
    )
    from yanglao.alerts.services import alert_raise

    ctx["sibling_alert"] = alert_raise(
        elder=ctx["sibling_elder"], source="manual", level="urgent", title="柳林县的告警"
    )
    from datetime import date

    from yanglao.alerts.devices import device_register
    from yanglao.visits.pairing import pair, visitor_register

    ctx["sibling_pairing"] = pair(
        actor=ctx["sibling_user"],
        visitor=visitor_register(
            actor=ctx["sibling_user"],
            name="柳林志愿者",
            phone="13700004321",
            kind="volunteer",
            region_code="141125100",
        ),
        elders=[ctx["sibling_elder"]],
        starts_on=date(2026, 1, 1),
    )[0]

    ctx["sibling_device"], _secret = device_register(
        actor=ctx["sibling_user"], elder=ctx["sibling_elder"], kind="sos_button", serial="LL-1"
    )
    path = template
    body = case.body
    if body is not None and body.get("elder_id") == 0:
        body = {**body, "elder_id": ctx["sibling_elder"].pk}
    if body is not None and body.get("plan_id") == 0:
        import datetime as dt

        from yanglao.alerts.checkins import plan_create

        elder = ctx["sibling_elder"]
        elder.living_situation = "alone"
        elder.save(update_fields=["living_situation"])
        plan = plan_create(
            actor=ctx["sibling_user"], elder=elder, method="knock", deadline=dt.time(9)
        )
        body = {**body, "plan_id": plan.pk}
    if body is not None and body.get("visitor_id") == 0:
        from yanglao.visits.pairing import visitor_register

        sibling_visitor = visitor_register(
            actor=ctx["sibling_user"],
            name="柳林探访员",
            phone="13700001234",
            kind="volunteer",
            region_code="141125100",
        )
        ctx["sibling_visitor"] = sibling_visitor
        body = {**body, "visitor_id": sibling_visitor.pk, "elder_ids": [ctx["sibling_elder"].pk]}
    for name, value in case.path.items():
        path = path.replace("{" + name + "}", str(value(ctx) if callable(value) else value))
    api.as_user(officer)
    before = (User.objects.count(), PolicyRule.objects.count())
    if method == "GET":
        response = api.get(path, data=case.query)
    elif method == "POST":
        response = api.post(path, body)
    elif method == "PUT":
        response = api.put(path, case.body)
    else:
        response = api.patch(path, case.body)
    if case.self_only:
        assert response.status_code == 200
        assert response.json()["region_code"] == INSIDE
        return
    if case.list_check == "global":
        assert response.status_code == 200
        return
    if case.list_check == "empty":
        assert response.status_code == 200 and response.json() == []
        return
    if case.list_check:
        assert response.status_code == 200
        items = response.json()["items"]
        if case.list_check == "region_code":
            assert all(i["path"].startswith(f"00.14.1411.{INSIDE}") for i in items)
            assert not any(i["code"].startswith(SIBLING) for i in items)
        elif case.list_check == "transfers":
            assert ctx["sibling_transfer"].pk not in {i["id"] for i in items}
        elif case.list_check == "visitors":
            assert all(i["region_code"].startswith(INSIDE) for i in items)
        elif case.list_check == "devices":
            assert ctx["sibling_device"].pk not in {i["id"] for i in items}
        elif case.list_check == "messages":
            assert all("柳林" not in i["subject"] for i in items)
        elif case.list_check == "alerts":
            assert ctx["sibling_alert"].pk not in {i["id"] for i in items}
        elif case.list_check == "elder_items":
            assert ctx["sibling_elder"].pk not in {i["elder_id"] for i in items}
        elif case.list_check == "elder_region":
            assert ctx["sibling_elder"].pk not in {i["id"] for i in items}
        else:
            assert all(i["region_code"].startswith(INSIDE) for i in items)
            assert ctx["sibling_user"].pk not in {i["id"] for i in items}
        return
    assert response.status_code == case.expect, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"]
    if method != "GET":
        assert (User.objects.count(), PolicyRule.objects.count()) == before
    if case.expect == 404 and method == "GET" and "{" in template:
        assert AuditEvent.objects.filter(actor=officer, action="access.out_of_scope").exists()


def test_the_sibling_officer_sees_their_own_county(api, make_user):
    officer = make_user("county_admin", SIBLING)
    response = api.as_user(officer).get(f"/api/v1/regions/{SIBLING}")
    assert response.status_code == 200
    assert response.json()["name"] == "柳林县"


def test_a_user_may_read_the_names_above_but_not_the_regions(api, make_user):
    officer = make_user("county_admin", INSIDE)
    api.as_user(officer)
    detail = api.get(f"/api/v1/regions/{INSIDE}").json()
    assert [c["name"] for c in detail["breadcrumb"]] == ["全国", "山西省", "吕梁市", "中阳县"]
    assert api.get("/api/v1/regions/1411").status_code == 404
    assert api.get("/api/v1/regions/14").status_code == 404
