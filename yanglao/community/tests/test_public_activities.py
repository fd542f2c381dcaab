"""The elder-facing sign-up page: the elder's own request link, no account."""

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.community import activities as svc
from yanglao.community.models import Signup, SignupBy
from yanglao.core.models import AuditEvent
from yanglao.elders import services as elder_services
from yanglao.people.idnumbers import make_id_number
from yanglao.services import links

VILLAGE = "141129101201"
OTHER_VILLAGE = "141129101202"


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", "141129")


@pytest.fixture
def elder(officer):
    return elder_services.elder_register(
        actor=officer,
        name="郝桂英",
        region_code=VILLAGE,
        id_number=make_id_number(VILLAGE[:6], dt.date(1944, 5, 1), 301),
    )


def _activity(officer, region=VILLAGE, days=3, capacity=None, title="重阳敬老文艺演出"):
    return svc.activity_create(
        actor=officer,
        data={
            "kind": "culture_sports",
            "title": title,
            "held_on": (timezone.localdate() + dt.timedelta(days=days)).isoformat(),
            "starts_at": "09:30",
            "capacity": capacity,
            "venue": "村文化广场",
            "region_code": region,
        },
    )


def test_the_page_lists_the_village_and_town_activities_only(client, officer, elder):
    mine = _activity(officer)
    town = _activity(officer, region="141129101", title="镇健康义诊")
    other = _activity(officer, region=OTHER_VILLAGE, title="别村的活动")
    past = _activity(officer, days=-3, title="上周的活动")
    _link, token = links.create(actor=officer, elder=elder)
    page = client.get(f"/s/r/{token}/activities/")
    body = page.content.decode()
    assert page.status_code == 200
    assert mine.title in body and town.title in body
    assert other.title not in body and past.title not in body
    assert "长辈版" in body and "我要报名" in body


def test_the_elder_signs_up_and_cancels_by_the_link(client, officer, elder):
    activity = _activity(officer, capacity=5)
    _link, token = links.create(actor=officer, elder=elder)
    url = f"/s/r/{token}/activities/"
    answer = client.post(url, {"activity": activity.pk, "action": "signup"})
    assert answer.status_code == 302
    row = Signup.objects.get(activity=activity, elder=elder)
    assert row.by_whom == SignupBy.SELF and not row.cancelled and row.created_by is None
    assert AuditEvent.objects.filter(action="community.signup", object_id=str(row.pk)).exists()
    shown = client.get(answer["Location"]).content.decode()
    assert "报名成功" in shown and "已报名" in shown
    client.post(url, {"activity": activity.pk, "action": "cancel"})
    row.refresh_from_db()
    assert row.cancelled


def test_a_family_link_signs_up_as_family_with_the_name(client, officer, elder):
    from yanglao.elders.models import Relation

    contact = elder_services.contact_add(
        actor=officer, elder=elder, name="郝建军", relation=Relation.CHILD, phone="13900002222"
    )
    activity = _activity(officer)
    _link, token = links.create(actor=officer, elder=elder, contact_id=contact.pk)
    client.post(f"/s/r/{token}/activities/", {"activity": activity.pk, "action": "signup"})
    row = Signup.objects.get(activity=activity, elder=elder)
    assert row.by_whom == SignupBy.FAMILY and "郝建军" in row.proxy_name


def test_a_full_activity_refuses_in_plain_words_and_writes_nothing(client, officer, elder):
    activity = _activity(officer, capacity=1)
    other = elder_services.elder_register(
        actor=officer,
        name="另一位老人",
        region_code=VILLAGE,
        id_number=make_id_number(VILLAGE[:6], dt.date(1946, 5, 1), 302),
    )
    svc.signup(actor=officer, activity=activity, elder=other)
    _link, token = links.create(actor=officer, elder=elder)
    page = client.get(f"/s/r/{token}/activities/").content.decode()
    assert "名额已满" in page and f"public-signup-{activity.pk}" not in page
    answer = client.post(f"/s/r/{token}/activities/", {"activity": activity.pk})
    assert answer.status_code == 409 and "名额已满" in answer.content.decode()
    assert not Signup.objects.filter(activity=activity, elder=elder).exists()


def test_another_villages_activity_cannot_be_joined_by_id(client, officer, elder):
    other = _activity(officer, region=OTHER_VILLAGE, title="别村的活动")
    _link, token = links.create(actor=officer, elder=elder)
    answer = client.post(f"/s/r/{token}/activities/", {"activity": other.pk})
    assert answer.status_code == 404
    assert not Signup.objects.filter(activity=other).exists()


def test_a_bad_link_answers_404(client, db):
    assert client.get("/s/r/not-a-token/activities/").status_code == 404
