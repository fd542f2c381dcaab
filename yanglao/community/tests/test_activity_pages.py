"""The activity pages: create, sign up (officer and a visitor for a paired elder),
attendance at the door, with errors explained."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.community.models import Signup
from yanglao.party.models import Activity
from yanglao.visits.tests.conftest import elder_of, paired, visitor_user  # noqa: F401

pytestmark = pytest.mark.django_db
VILLAGE = "141129101201"


def test_create_sign_up_and_take_attendance(client, make_user, elder_of, paired, visitor_user):  # noqa: F811
    officer = make_user("village_officer", VILLAGE)
    client.force_login(officer)
    assert client.get("/community/activities/new/").status_code == 200
    bad = client.post("/community/activities/new/", {"title": "", "kind": ""})
    assert bad.status_code == 422 and "请填写活动标题" in bad.content.decode()
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    ok = client.post(
        "/community/activities/new/",
        {
            "title": "重阳节健康讲座",
            "kind": "health_talk",
            "held_on": day,
            "starts_at": "09:30",
            "region_code": VILLAGE,
            "venue": "村委会",
            "capacity": "2",
        },
    )
    assert ok.status_code == 302
    activity = Activity.objects.get(title="重阳节健康讲座")
    mine = elder_of(name="刘桂芳")
    other = elder_of(name="王有福")
    paired(mine)
    # The visitor signs up the paired elder on a phone; an unpaired one is not offered.
    client.force_login(visitor_user)
    page = client.get(f"/community/activities/{activity.pk}/").content.decode()
    assert "刘桂芳" in page and "王有福" not in page
    assert (
        client.post(
            f"/community/activities/{activity.pk}/",
            {"action": "signup", "elder": mine.pk, "by_whom": "visitor"},
        ).status_code
        == 302
    )
    # The officer signs up another elder, then takes attendance.
    client.force_login(officer)
    client.post(
        f"/community/activities/{activity.pk}/",
        {"action": "signup", "elder": other.pk, "by_whom": "family", "proxy_name": "王丽"},
    )
    assert Signup.objects.filter(activity=activity, cancelled=False).count() == 2
    third = elder_of(name="张秀英")
    full = client.post(
        f"/community/activities/{activity.pk}/", {"action": "signup", "elder": third.pk}
    )
    assert full.status_code == 409 and "名额已满" in full.content.decode()
    client.post(
        f"/community/activities/{activity.pk}/", {"action": "attendance", "present": [mine.pk]}
    )
    assert Signup.objects.get(activity=activity, elder=mine).attended
    assert not Signup.objects.get(activity=activity, elder=other).attended
