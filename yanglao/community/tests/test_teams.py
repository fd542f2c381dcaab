"""Volunteer teams (hours to the time bank exactly once) and publicity (per village)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from yanglao.community import publicity, teams
from yanglao.community.models import Publication
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.regions.models import Region
from yanglao.timebank.models import Entry
from yanglao.visits.pairing import visitor_register

pytestmark = pytest.mark.django_db

VILLAGE = "141129100201"
OTHER_VILLAGE = "141129100202"


@pytest.fixture
def officer(make_user):
    return make_user("township_officer", "141129100")


@pytest.fixture
def team(officer):
    return teams.team_save(
        actor=officer,
        data={"name": "东峪村党员服务队", "kind": "party_members", "region": VILLAGE},
    )


@pytest.fixture
def party_visitor(officer):
    return visitor_register(
        actor=officer,
        name="李红梅",
        phone="13800001111",
        kind="party_member",
        region_code=VILLAGE,
        registered_community_code=VILLAGE,
    )


def _served(officer, team, visitor, hours="2.5"):
    member = teams.member_add(
        actor=officer, team=team, visitor_id=visitor.pk, skills="理发", availability="周末"
    )
    return teams.service_record(
        actor=officer,
        team=team,
        member_id=member.pk,
        hours=hours,
        served_on=dt.date.today() - dt.timedelta(days=1),
        what="上门理发",
    )


def test_hours_reach_the_time_bank_exactly_once(officer, team, party_visitor):
    service = _served(officer, team, party_visitor)
    assert not Entry.objects.filter(reference=service.reference).exists()
    teams.service_confirm(actor=officer, service=service)
    lines = Entry.objects.filter(reference=f"team_service:{service.pk}")
    assert lines.count() == 2  # one pair: the volunteer's credit and the issuance debit
    assert sum(e.amount for e in lines) == 0
    with pytest.raises(Conflict):
        teams.service_confirm(actor=officer, service=service)
    assert Entry.objects.filter(reference=service.reference).count() == 2


def test_confirm_twice_over_the_api_is_a_409(api, officer, team, party_visitor):
    service = _served(officer, team, party_visitor, hours="1")
    api.as_user(officer)
    url = f"/api/v1/community/team-services/{service.pk}/confirm"
    first = api.post(url, {})
    assert first.status_code == 200 and first.json()["confirmed"] is True
    second = api.post(url, {})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_confirmed"
    assert Entry.objects.filter(reference=service.reference).count() == 2


def test_a_visitor_cannot_confirm_hours(make_user, officer, team, party_visitor):
    service = _served(officer, team, party_visitor)
    with pytest.raises(Forbidden):
        teams.service_confirm(actor=make_user("facility_operator", "141129"), service=service)
    assert not Entry.objects.filter(reference=service.reference).exists()


def test_membership_shows_the_party_registration(officer, team, party_visitor):
    teams.member_add(actor=officer, team=team, visitor_id=party_visitor.pk, skills="理发")
    rows = teams.team_members(team)
    assert len(rows) == 1
    assert rows[0]["member"].person == party_visitor.person
    assert rows[0]["registered_community"].code == VILLAGE
    with pytest.raises(ValidationFailed) as again:
        teams.member_add(actor=officer, team=team, visitor_id=party_visitor.pk)
    assert "visitor_id" in again.value.fields


def test_team_form_errors_are_by_field_in_chinese(officer):
    with pytest.raises(ValidationFailed) as error:
        teams.team_save(actor=officer, data={"name": "", "kind": "x", "region": "141125100"})
    assert set(error.value.fields) == {"name", "kind", "region"}
    assert error.value.fields["name"] == ["请填写队伍名称"]


def test_service_needs_an_activity_or_what(officer, team, party_visitor):
    member = teams.member_add(actor=officer, team=team, visitor_id=party_visitor.pk)
    with pytest.raises(ValidationFailed) as error:
        teams.service_record(
            actor=officer, team=team, member_id=member.pk, hours="0", served_on="x"
        )
    assert set(error.value.fields) == {"hours", "served_on", "what"}


def test_teams_are_scoped(make_user, team):
    sibling = make_user("county_admin", "141125")
    assert not teams.teams_for(sibling).exists()
    with pytest.raises(NotFound):
        teams.team_get(sibling, team.pk)


def test_publication_per_village(officer, make_user):
    material = publicity.material_save(
        actor=officer,
        data={
            "title": "警惕保健品骗局",
            "kind": "health_scam",
            "body": "免费体检、送礼品，多是圈套。",
        },
    )
    rows = publicity.publish(
        actor=officer,
        material=material,
        villages=[VILLAGE, OTHER_VILLAGE],
        published_on=dt.date.today(),
        how="meeting",
    )
    assert {p.village.code for p in rows} == {VILLAGE, OTHER_VILLAGE}
    village_officer = make_user("village_officer", VILLAGE)
    mine = publicity.publications_for(village_officer)
    assert [p.village.code for p in mine] == [VILLAGE]
    # The township's material is read in its villages.
    assert publicity.material_get(village_officer, material.pk) == material
    with pytest.raises(ValidationFailed) as error:
        publicity.publish(
            actor=officer,
            material=material,
            villages=["141129100"],
            published_on=dt.date.today(),
            how="fax",
        )
    assert set(error.value.fields) == {"villages", "how"}
    assert Publication.objects.count() == 2


def test_counts(officer, team, party_visitor):
    service = _served(officer, team, party_visitor, hours="3")
    teams.service_confirm(actor=officer, service=service)
    material = publicity.material_save(
        actor=officer, data={"title": "防范非法集资", "kind": "fundraising", "body": "高息是陷阱"}
    )
    publicity.publish(
        actor=officer,
        material=material,
        villages=[VILLAGE],
        published_on=dt.date.today(),
        how="posted",
    )
    county = Region.objects.get(code="141129")
    start, end = dt.date.today() - dt.timedelta(days=30), dt.date.today()
    result = publicity.counts(county, start, end)
    assert result == {"volunteer_hours": Decimal("3.00"), "publications": 1, "materials": 1}


def test_pages(client, officer, team, party_visitor):
    client.force_login(officer)
    service = _served(officer, team, party_visitor)
    assert client.get(reverse("community:team_list") + "?q=东峪").status_code == 200
    page = client.get(reverse("community:team_detail", args=[team.pk]))
    assert page.status_code == 200 and "李红梅" in page.content.decode()
    bad = client.post(reverse("community:team_service_new", args=[team.pk]), {"hours": "x"})
    assert bad.status_code == 422 and "服务时长应为数字" in bad.content.decode()
    ok = client.post(reverse("community:team_service_confirm", args=[service.pk]))
    assert ok.status_code == 302
    again = client.post(reverse("community:team_service_confirm", args=[service.pk]))
    assert again.status_code == 409
    assert Entry.objects.filter(reference=service.reference).count() == 2
    form = client.post(reverse("community:material_new"), {"title": "", "kind": "fraud"})
    assert form.status_code == 422 and "请填写标题" in form.content.decode()
    made = client.post(
        reverse("community:material_new"),
        {"title": "防范电信诈骗", "kind": "fraud", "body": "不转账"},
    )
    assert made.status_code == 302
    material = publicity.materials_for(officer).get()
    assert client.get(reverse("community:material_print", args=[material.pk])).status_code == 200
    assert client.get(reverse("community:material_list") + "?kind=fraud").status_code == 200
    published = client.post(
        reverse("community:material_publish", args=[material.pk]),
        {
            "villages": f"{VILLAGE},{OTHER_VILLAGE}",
            "published_on": dt.date.today().isoformat(),
            "how": "wechat",
        },
    )
    assert published.status_code == 302
    assert Publication.objects.filter(material=material).count() == 2


def test_the_demo_teams():
    from yanglao.community.models import TeamService
    from yanglao.demo.community_teams import load_teams
    from yanglao.demo.elders import load_elders
    from yanglao.demo.users import load_users
    from yanglao.demo.visits import load_visits

    load_users()
    load_elders()
    load_visits()
    result = load_teams()
    assert result["teams"] > 0 and result["confirmed"] > 0 and result["publications"] > 0
    assert load_teams() == {}  # idempotent
    for service in TeamService.objects.filter(confirmed_at__isnull=False):
        assert Entry.objects.filter(reference=service.reference).count() == 2
    assert Publication.objects.values("village").distinct().count() > 1
