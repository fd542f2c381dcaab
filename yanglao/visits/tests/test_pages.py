"""The visit, pairing, alert, check-in, device and message pages render and work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.alerts import checkins, devices
from yanglao.alerts.models import Alert
from yanglao.visits import compliance, schedule
from yanglao.visits.models import FollowUp, Visit


@pytest.fixture
def world(county, elder_of, paired, visitor_user):
    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    late = elder_of(born=dt.date(1939, 1, 1), living_situation="alone", name="刘桂芳")
    schedule.refresh_schedule(today=timezone.localdate() - dt.timedelta(days=14))
    schedule.refresh_schedule()
    visitor = paired(elder, late)
    compliance.compute(timezone.localdate())
    checkins.plan_create(actor=county, elder=elder, method="knock", deadline=dt.time(9))
    devices.device_register(actor=county, elder=elder, kind="water_meter", serial="WM-9")
    return {"elder": elder, "late": late, "visitor": visitor}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/visits/overdue/", "探访逾期"),
        ("/visits/compliance/", "每周探访完成率"),
        ("/visits/", "探访记录"),
        ("/visits/follow-ups/", "跟进事项"),
        ("/visits/visitors/", "探访员"),
        ("/visits/unpaired/", "未结对"),
        ("/alerts/", "告警"),
        ("/alerts/checkins/", "每日签到"),
        ("/alerts/devices/", "WM-9"),
        ("/messages/?view=log", "发送记录"),
        ("/workbench/", "探访逾期"),
    ],
)
def test_officer_pages_render(client, county, world, url, text):
    client.force_login(county)
    response = client.get(url)
    assert response.status_code == 200, url
    assert text in response.content.decode()


@pytest.mark.django_db
def test_the_visitor_records_a_visit_from_their_week_list(client, visitor_user, world, county):
    client.force_login(visitor_user)
    page = client.get("/visits/my/").content.decode()
    assert "刘桂芳" in page and "记录探访" in page
    assert "我的探访" in client.get("/workbench/").content.decode()
    elder = world["elder"]
    form = client.get(f"/visits/new/{elder.pk}/")
    assert form.status_code == 200 and "健康状况" in form.content.decode()
    data = {
        "method": "door",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "client_key": "k-1",
        **{f"check_{k}": "fine" for k in ("health", "mental_state", "hygiene")},
        "check_living_environment": "fine",
        "check_safety": "urgent",
        "note_safety": "煤炉烟道堵塞，有中毒危险",
    }
    response = client.post(f"/visits/new/{elder.pk}/", data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert client.get(response["Location"]).status_code == 200
    # sent again (a phone retrying): one visit
    client.post(f"/visits/new/{elder.pk}/", data)
    assert Visit.objects.count() == 1
    alert = Alert.objects.get(visit=visit)
    assert FollowUp.objects.filter(visit=visit, kind="alert").exists()
    # the officer sees the alert and acknowledges it
    client.force_login(county)
    assert "煤炉" in client.get(f"/alerts/{alert.pk}/").content.decode()
    client.post(f"/alerts/{alert.pk}/", {"action": "acknowledge"})
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    bad = client.post(f"/alerts/{alert.pk}/", {"action": "resolve", "note": ""})
    assert bad.status_code == 422 and "处置结果" in bad.content.decode()


@pytest.mark.django_db
def test_the_visit_form_explains_errors_by_field(client, county, world):
    client.force_login(county)
    elder = world["elder"]
    response = client.post(
        f"/visits/new/{elder.pk}/",
        {"method": "door", "visited_at": "", "check_health": "concern", "note_health": ""},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "请填写探访时间" in text and "请写明情况" in text
    assert not Visit.objects.exists()
    as_json = client.post(
        f"/visits/new/{elder.pk}/", {"method": "x"}, HTTP_ACCEPT="application/json"
    )
    assert as_json.status_code == 422 and "method" in as_json.json()["error"]["fields"]


@pytest.mark.django_db
def test_a_visitor_cannot_open_an_elder_not_paired_with_them(client, visitor_user, elder_of):
    other = elder_of(born=dt.date(1941, 1, 1), name="陈玉兰")
    client.force_login(visitor_user)
    assert client.get(f"/visits/new/{other.pk}/").status_code == 404
    assert client.get("/visits/overdue/").status_code == 403


@pytest.mark.django_db
def test_hand_over_in_one_step_from_the_visitor_page(client, county, world):
    from yanglao.visits import pairing

    successor = pairing.visitor_register(
        actor=county, name="赵志强", phone="13900002222", kind="volunteer", region_code="141129101"
    )
    client.force_login(county)
    old = world["visitor"]
    response = client.post(
        f"/visits/visitors/{old.pk}/",
        {"action": "hand_over", "to_visitor": successor.pk, "leave": "1", "reason": "外出务工"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.active
    assert pairing.lead_visitor(world["elder"]) == successor
    assert "外出务工" in client.get(f"/visits/visitors/{old.pk}/").content.decode()


@pytest.mark.django_db
def test_check_in_and_device_pages_work(client, county, world):
    client.force_login(county)
    plan = world["elder"].checkin_plans.get()
    response = client.post(f"/alerts/checkins/{plan.pk}/confirm/", {"fine": "1"})
    assert response.status_code == 302
    assert plan.checkins.count() == 1
    made = client.post(
        "/alerts/devices/", {"serial": "SOS-1", "kind": "sos_button", "elder": world["elder"].pk}
    )
    assert made.status_code == 200 and "只显示这一次" in made.content.decode()
    refused = client.post(
        "/alerts/checkins/plan/", {"elder": "999999", "method": "knock", "deadline": "09:00"}
    )
    assert refused.status_code == 422


@pytest.mark.django_db
def test_a_photo_is_kept_and_shown_only_in_scope(
    client, county, world, make_user, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(county)
    from tests.files import png as tiny_png

    png = tiny_png()
    data = {
        "method": "door",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **{
            f"check_{k}": "fine"
            for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
        },
        "photo": SimpleUploadedFile("door.png", png, content_type="image/png"),
        "latitude": "37.357000",
        "longitude": "111.183000",
    }
    response = client.post(f"/visits/new/{world['elder'].pk}/", data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f"/visits/{visit.pk}/photo" in page and "37.357" in page
    assert client.get(f"/visits/{visit.pk}/photo").status_code == 200
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/visits/{visit.pk}/photo").status_code == 404
