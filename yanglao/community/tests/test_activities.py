import datetime as dt

import pytest
import time_machine

from yanglao.community import activities as svc
from yanglao.community.models import Signup
from yanglao.core.errors import Conflict, Forbidden
from yanglao.elders import services as elder_services
from yanglao.people.idnumbers import make_id_number

VILLAGE = "141129101201"


@pytest.fixture
def officer(make_user):
    return make_user("village_officer", VILLAGE)


@pytest.fixture
def elders(officer):
    return [
        elder_services.elder_register(
            actor=officer,
            name=f"老人{i}",
            region_code=VILLAGE,
            id_number=make_id_number(VILLAGE[:6], dt.date(1945, 1, 1), 100 + i),
        )
        for i in range(3)
    ]


@pytest.fixture
def activity(officer):
    return svc.activity_create(
        actor=officer,
        data={
            "kind": "health_talk",
            "title": "健康讲座",
            "held_on": "2026-03-01",
            "capacity": 2,
            "venue": "村委会",
        },
    )


@pytest.fixture
def visitor_user(make_user, officer, elders):
    from yanglao.visits import pairing

    user = make_user("visitor", VILLAGE)
    county = officer
    visitor = pairing.visitor_register(
        actor=county,
        name="李春梅",
        phone="13800001111",
        kind="volunteer",
        region_code=VILLAGE,
        user=user,
    )
    pairing.pair(actor=county, visitor=visitor, elders=[elders[0]], starts_on=dt.date(2026, 1, 1))
    return user


def test_a_visitor_signs_up_a_paired_elder_but_not_another(visitor_user, activity, elders):
    row = svc.signup(actor=visitor_user, activity=activity, elder=elders[0])
    assert row.by_whom == "visitor" and row.proxy_name
    with pytest.raises(Forbidden):
        svc.signup(actor=visitor_user, activity=activity, elder=elders[1])


def test_an_elder_signs_up_once_and_capacity_is_enforced(officer, activity, elders, api):
    svc.signup(actor=officer, activity=activity, elder=elders[0])
    with pytest.raises(Conflict):
        svc.signup(actor=officer, activity=activity, elder=elders[0])
    svc.signup(actor=officer, activity=activity, elder=elders[1])
    response = api.as_user(officer).post(
        f"/api/v1/community/activities/{activity.pk}/signups", {"elder_id": elders[2].pk}
    )
    assert response.status_code == 409
    assert Signup.objects.filter(activity=activity).count() == 2


def test_attendance_ticks_signed_up_and_adds_walk_ins(officer, activity, elders):
    svc.signup(actor=officer, activity=activity, elder=elders[0])
    svc.signup(actor=officer, activity=activity, elder=elders[1])
    assert (
        svc.attendance_take(
            actor=officer, activity=activity, present_elder_ids=[elders[0].pk, elders[2].pk]
        )
        == 2
    )
    rows = {s.elder_id: s for s in Signup.objects.filter(activity=activity)}
    assert rows[elders[0].pk].attended and not rows[elders[1].pk].attended
    assert rows[elders[2].pk].walk_in and rows[elders[2].pk].attended


def test_isolation_flag_after_ninety_days(officer, activity, elders):
    svc.attendance_take(actor=officer, activity=activity, present_elder_ids=[elders[0].pk])
    with time_machine.travel(dt.datetime(2026, 3, 10, 12), tick=False):
        flagged = set(svc.isolated_elders(officer).values_list("pk", flat=True))
        assert elders[0].pk not in flagged and elders[1].pk in flagged
    with time_machine.travel(dt.datetime(2026, 6, 1, 12), tick=False):
        assert elders[0].pk in set(svc.isolated_elders(officer).values_list("pk", flat=True))


def test_api_lists_and_creates(officer, api):
    api.as_user(officer)
    response = api.post(
        "/api/v1/community/activities",
        {"kind": "learning", "title": "智能手机课", "held_on": "2026-03-02"},
    )
    assert response.status_code == 201, response.content
    assert api.get("/api/v1/community/activities").json()["count"] == 1
    bad = api.post(
        "/api/v1/community/activities", {"kind": "x", "title": "", "held_on": "2026-03-02"}
    )
    assert bad.status_code == 422 and "kind" in bad.json()["error"]["fields"]


def test_pages_and_workbench_render(officer, activity, elders, client):
    client.force_login(officer)
    assert "健康讲座" in client.get("/community/activities/?kind=health_talk").content.decode()
    assert elders[0].person.name in client.get("/community/activities/isolated/").content.decode()
    assert client.get(f"/elders/{elders[0].pk}/").status_code == 200
    assert client.get("/workbench/").status_code == 200


def test_a_family_proxy_needs_the_family_members_name(officer, activity, elders):
    from yanglao.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        svc.signup(actor=officer, activity=activity, elder=elders[0], by_whom="family")
    assert "proxy_name" in caught.value.fields
    assert not Signup.objects.filter(activity=activity).exists()
    row = svc.signup(
        actor=officer, activity=activity, elder=elders[0], by_whom="family", proxy_name="王建国"
    )
    assert row.by_whom == "family" and row.proxy_name == "王建国"
