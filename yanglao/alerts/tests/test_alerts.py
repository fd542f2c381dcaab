"""Alerts: escalation with a frozen clock, devices and their webhook, check-ins."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from yanglao.alerts import checkins, devices, services
from yanglao.alerts.models import Alert, AlertEvent, CheckIn, DeviceReading
from yanglao.elders import services as elders
from yanglao.notify.models import Message
from yanglao.people.idnumbers import make_id_number

T0 = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
VILLAGE = "141129101201"


@pytest.fixture
def elder(county):
    e = elders.elder_register(
        actor=county,
        name="王秀英",
        region_code=VILLAGE,
        id_number=make_id_number("141129", dt.date(1938, 6, 1), 301),
        living_situation="alone",
    )
    elders.contact_add(
        actor=county,
        elder=e,
        name="王建国",
        relation="child",
        phone="13911112222",
        is_emergency=True,
    )
    return e


@pytest.fixture
def officers(make_user):
    return {
        "village": make_user("village_officer", VILLAGE),
        "township": make_user("township_officer", "141129101"),
    }


def steps(alert):
    return list(alert.events.values_list("kind", "step_name"))


@pytest.mark.django_db
def test_escalation_walks_the_chain_as_deadlines_pass(elder, officers, county):
    from yanglao.visits import pairing

    visitor = pairing.visitor_register(
        actor=county, name="李春梅", phone="13800001111", kind="grid_worker", region_code=VILLAGE
    )
    pairing.pair(actor=county, visitor=visitor, elders=[elder], starts_on=dt.date(2026, 1, 1))
    with time_machine.travel(T0, tick=False):
        alert = services.alert_raise(
            elder=elder, source="manual", level="urgent", title="邻居反映老人两天未出门"
        )
    assert alert.step_name == "family"
    assert Message.objects.filter(channel="sms", to_phone="13911112222").exists()
    # 29 minutes: nothing moves.
    assert services.escalate_due(now=T0 + dt.timedelta(minutes=29)) == 0
    # 31 minutes: the family did not answer → the paired visitor (SMS: no account).
    assert services.escalate_due(now=T0 + dt.timedelta(minutes=31)) == 1
    alert.refresh_from_db()
    assert alert.step_name == "visitor"
    assert Message.objects.filter(to_phone="13800001111").exists()
    # 3 hours later, nobody acknowledged: community (60 min) and township (60 min).
    assert services.escalate_due(now=T0 + dt.timedelta(hours=3)) == 2
    alert.refresh_from_db()
    assert alert.step_name == "township"
    assert Message.objects.filter(to_user=officers["township"]).exists()
    assert [k for k, _s in steps(alert)].count("escalated") == 3
    # The last step stays; acknowledging stops it.
    assert services.escalate_due(now=T0 + dt.timedelta(hours=9)) == 0
    services.acknowledge(actor=officers["township"], alert=alert)
    services.resolve(actor=officers["township"], alert=alert, note="已上门，老人感冒，已送医")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolution.startswith("已上门")


@pytest.mark.django_db
def test_steps_with_nobody_are_skipped_and_recorded(county, officers):
    lonely = elders.elder_register(
        actor=county,
        name="孙福来",
        region_code=VILLAGE,
        id_number=make_id_number("141129", dt.date(1936, 2, 2), 302),
    )
    alert = services.alert_raise(elder=lonely, source="manual", level="warning", title="测试")
    assert alert.step_name == "community"  # no family phone, no paired visitor
    notes = [e.note for e in alert.events.filter(kind="note")]
    assert any("家属" in n for n in notes) and any("结对探访员" in n for n in notes)


@pytest.mark.django_db
def test_acknowledgement_stops_escalation(elder, officers):
    alert = services.alert_raise(elder=elder, source="manual", level="urgent", title="t", now=T0)
    services.acknowledge(actor=officers["village"], alert=alert)
    assert services.escalate_due(now=T0 + dt.timedelta(hours=5)) == 0


@pytest.mark.django_db
def test_a_sibling_county_cannot_handle_the_alert(elder, make_user):
    from yanglao.core.errors import Forbidden

    alert = services.alert_raise(elder=elder, source="manual", level="urgent", title="t")
    with pytest.raises(Forbidden):
        services.acknowledge(actor=make_user("county_admin", "141125"), alert=alert)


# ------------------------------------------------------------------ devices


@pytest.fixture
def meter(elder, county):
    device, secret = devices.device_register(
        actor=county, elder=elder, kind="water_meter", serial="WM-0001"
    )
    return device, secret


def post(client, device, secret, readings, *, ts=None, nonce="n-1", signature=None):
    body = json.dumps({"readings": readings}).encode()
    ts = str(int(ts if ts is not None else time.time()))
    sig = signature or devices.sign(secret, ts, nonce, body)
    return client.post(
        "/api/v1/devices/readings",
        data=body,
        content_type="application/json",
        HTTP_X_DEVICE_ID=device.serial,
        HTTP_X_TIMESTAMP=ts,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=sig,
    )


def at(hours_ago: float) -> str:
    return (timezone.now() - dt.timedelta(hours=hours_ago)).isoformat()


@pytest.mark.django_db
def test_a_signed_call_stores_readings_and_low_use_raises_an_alert(client, meter):
    device, secret = meter
    response = post(
        client,
        device,
        secret,
        [
            {"at": at(13), "kind": "meter", "value": 100.0},
            {"at": at(0.1), "kind": "meter", "value": 100.004},
        ],
    )
    assert response.status_code == 200, response.content
    assert DeviceReading.objects.filter(device=device).count() == 2
    alert = Alert.objects.get(source="water_low")
    assert alert.level == "urgent"


@pytest.mark.django_db
def test_high_use_in_a_day_raises_an_alert(client, meter):
    device, secret = meter
    post(
        client,
        device,
        secret,
        [
            {"at": at(13), "kind": "meter", "value": 10},
            {"at": at(6), "kind": "meter", "value": 11},
            {"at": at(0.2), "kind": "meter", "value": 12.5},
        ],
    )
    assert Alert.objects.filter(source="water_high").exists()
    assert not Alert.objects.filter(source="water_low").exists()


@pytest.mark.django_db
def test_a_meter_going_backwards_is_flagged_not_negative_use(client, meter):
    device, secret = meter
    post(
        client,
        device,
        secret,
        [
            {"at": at(13), "kind": "meter", "value": 500},
            {"at": at(6), "kind": "meter", "value": 0.2},
            {"at": at(0.2), "kind": "meter", "value": 0.5},
        ],
    )
    assert Alert.objects.filter(source="device", title__contains="倒退").exists()
    assert not Alert.objects.filter(source="water_low").exists()


@pytest.mark.django_db
def test_sos_raises_an_urgent_alert_at_once(client, meter):
    device, secret = meter
    response = post(client, device, secret, [{"at": at(0), "kind": "sos"}])
    assert response.status_code == 200
    assert Alert.objects.get(source="sos").level == "urgent"


@pytest.mark.django_db
def test_ningbo_haishu_uses_its_own_threshold(make_user, client):
    officer = make_user("county_admin", "330203")
    from yanglao.regions.models import Level, Region

    town = Region.objects.filter(code__startswith="330203", level=Level.TOWNSHIP).first()
    e = elders.elder_register(
        actor=officer,
        name="周阿婆",
        region_code=town.code,
        id_number=make_id_number("330203", dt.date(1937, 3, 3), 303),
        living_situation="alone",
    )
    device, _secret = devices.device_register(
        actor=officer, elder=e, kind="water_meter", serial="WM-NB-1"
    )
    rule = devices.water_rule(device)
    assert rule["low"] == Decimal("0.008") and rule["low_hours"] == 24


@pytest.mark.django_db
def test_the_webhook_refuses_bad_calls(client, meter):
    device, secret = meter
    good = [{"at": at(0), "kind": "sos"}]
    assert post(client, device, secret, good, signature="0" * 64).status_code == 401
    assert post(client, device, "wrong-secret", good).status_code == 401
    assert post(client, device, secret, good, ts=time.time() - 3600).status_code == 401
    assert post(client, device, secret, good, nonce="once").status_code == 200
    replay = post(client, device, secret, good, nonce="once")
    assert replay.status_code == 409
    bad = post(client, device, secret, [{"at": at(0), "kind": "meter", "value": "lots"}], nonce="x")
    assert bad.status_code == 422
    assert "readings.0.value" in bad.json()["error"]["fields"]
    unknown = client.post(
        "/api/v1/devices/readings",
        data=b"{}",
        content_type="application/json",
        HTTP_X_DEVICE_ID="NOPE",
        HTTP_X_TIMESTAMP=str(int(time.time())),
        HTTP_X_NONCE="n",
        HTTP_X_SIGNATURE="00",
    )
    assert unknown.status_code == 401
    from yanglao.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="device.webhook", outcome="denied").count() >= 4


# ------------------------------------------------------------------ check-ins


@pytest.mark.django_db
def test_a_missed_check_in_raises_one_alert(elder, county):
    plan = checkins.plan_create(
        actor=county,
        elder=elder,
        method="light_on",
        deadline=dt.time(9, 0),
        starts_on=dt.date(2026, 11, 1),
    )
    before = dt.datetime(2026, 11, 24, 0, 30, tzinfo=dt.UTC)  # 08:30 Beijing
    assert checkins.raise_missed(now=before) == 0
    after = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing
    assert checkins.raise_missed(now=after) == 1
    checkins.raise_missed(now=after + dt.timedelta(minutes=10))
    assert Alert.objects.filter(source="checkin_missed").count() == 1
    assert plan.pk


@pytest.mark.django_db
def test_a_check_in_before_the_deadline_raises_nothing(elder, county):
    plan = checkins.plan_create(
        actor=county,
        elder=elder,
        method="knock",
        deadline=dt.time(9, 0),
        starts_on=dt.date(2026, 11, 1),
    )
    # 23:30 UTC on the 23rd is 07:30 on the 24th in Beijing: that day's check-in.
    early = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    checkin = checkins.check_in(plan=plan, actor=county, now=early)
    assert checkin.day == dt.date(2026, 11, 24)
    assert checkins.raise_missed(now=dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)) == 0
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_check_ins_are_only_for_elders_living_alone(county):
    from yanglao.core.errors import ValidationFailed

    e = elders.elder_register(
        actor=county,
        name="刘秀芝",
        region_code=VILLAGE,
        id_number=make_id_number("141129", dt.date(1944, 4, 4), 304),
        living_situation="with_family",
    )
    with pytest.raises(ValidationFailed) as info:
        checkins.plan_create(actor=county, elder=e, method="knock", deadline=dt.time(9))
    assert "elder" in info.value.fields
    assert AlertEvent.objects.count() == 0


@pytest.mark.django_db
def test_an_officer_raises_an_alert_through_the_api(api, county, elder):
    api.as_user(county)
    response = api.post(
        "/api/v1/alerts", {"elder_id": elder.pk, "level": "urgent", "title": "邻居反映两天未出门"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "manual" and body["step_name"] == "family"
    assert [e["kind"] for e in body["events"]][:2] == ["raised", "notified"]
    empty = api.post("/api/v1/alerts", {"elder_id": elder.pk, "level": "urgent", "title": " "})
    assert empty.status_code == 422 and "title" in empty.json()["error"]["fields"]
