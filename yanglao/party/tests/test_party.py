"""Requirements, coverage, the quarterly and weekly checks, scope, pages and the API, in
Ningbo (海曙区 330203 inside, 江北区 330205 the sibling county)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from yanglao.facilities.models import Facility
from yanglao.party import selectors, services
from yanglao.party.measures import measure
from yanglao.party.models import Activity, ActivityKind, OrgKind, OrgTier
from yanglao.people.models import Person
from yanglao.people.services import apply_name
from yanglao.regions.models import Region

INSIDE, SIBLING = "330203", "330205"
VILLAGE = "330203001001"
TODAY = dt.date(2025, 11, 12)  # a Wednesday in Q4


def facility(name, *, ownership="public", kind="care_institution", code=VILLAGE):
    region = Region.objects.get(code=code)
    return Facility.objects.create(
        name=name, type=kind, ownership=ownership, region=region, region_path=region.path
    )


def person(name="王建国", code=VILLAGE):
    p = Person(region=Region.objects.get(code=code))
    apply_name(p, name)
    p.save()
    return p


def members(f, *, staff=0, probationary=0, residents=0):
    for i in range(staff + probationary):
        services.membership_create(
            actor=None,
            person=person(f"员工{i}"),
            standing="staff",
            status="full" if i < staff else "probationary",
            facility=f,
        )
    for i in range(residents):
        services.membership_create(
            actor=None, person=person(f"老人{i}"), standing="resident", status="full", facility=f
        )


def org(name, kind, f=None, code=VILLAGE, tier=OrgTier.INSTITUTION):
    return services.organization_create(
        actor=None, name=name, kind=kind, region_code=code, tier=tier, facilities=[f] if f else []
    )


def req(party, rule_id):
    return next(r for r in party.requirements if r.rule_id == rule_id)


@pytest.mark.django_db
@pytest.mark.parametrize("ownership", ["public", "public_built_private_run", "private"])
def test_three_full_staff_members_without_an_own_organization_break_a_must(ownership):
    f = facility("甲院", ownership=ownership)
    members(f, staff=3)
    party = selectors.party_for_facility(f, TODAY)
    own = req(party, "party.org_formation.own")
    assert own.applies and own.obligation == "must" and own.flag
    assert own.source  # the rule's source is shown beside it
    org("甲院党支部", OrgKind.BRANCH, f)
    assert not req(selectors.party_for_facility(f, TODAY), "party.org_formation.own").flag


@pytest.mark.django_db
def test_probationary_members_do_not_count():
    f = facility("乙院")
    members(f, staff=2, probationary=3, residents=2)
    party = selectors.party_for_facility(f, TODAY)
    assert party.staff_full == 2 and party.staff_probationary == 3
    assert not req(party, "party.org_formation.own").applies
    assert req(party, "party.org_formation.joint").applies
    assert not req(party, "party.elder_branch").applies
    assert not party.flagged  # a may not taken up is never flagged


@pytest.mark.django_db
def test_a_public_built_private_run_home_without_a_public_side_head_is_not_flagged():
    f = facility("丙院", ownership="public_built_private_run")
    party = selectors.party_for_facility(f, TODAY)
    dispatch = req(party, "party.dispatch.public_built_private_run")
    assert dispatch.applies and not dispatch.met and not dispatch.flag
    assert dispatch.obligation == "in_principle"


@pytest.mark.django_db
def test_coverage_counts_own_joint_and_instructor_but_not_an_elder_branch():
    own, joint, instr, elder, bare = (facility(n) for n in ("一院", "二院", "三院", "四院", "五院"))
    org("一院党支部", OrgKind.BRANCH, own)
    org("联合党支部", OrgKind.JOINT_BRANCH, joint)
    services.dispatch_create(
        actor=None, person=person(), facility=instr, role="instructor", starts_on=TODAY
    )
    org("四院老年人党支部", OrgKind.ELDER_BRANCH, elder)
    facility("私院", ownership="private")
    m = measure("party_org_coverage_public", Region.objects.get(code=INSIDE), TODAY)
    assert (m.numerator, m.denominator) == (3, 5)
    assert m.value == Decimal("0.6000")
    assert "ownership=public" in m.url
    assert "bare" not in m.url and bare.pk
    home = facility("中心", kind="home_care_center", code="330203001")
    org("中心党支部", OrgKind.BRANCH, home, code="330203001")
    m = measure("party_org_coverage_home_care_center", Region.objects.get(code=INSIDE), TODAY)
    assert (m.numerator, m.denominator) == (1, 1)
    # Changzhi has no coverage target: nothing is measured there.
    assert measure("party_org_coverage_public", Region.objects.get(code="1404"), TODAY) is None


@pytest.mark.django_db
def test_the_weekly_half_day_check(make_user):
    user = make_user("party_officer", INSIDE)
    f = facility("六院", ownership="public_built_private_run")
    d = services.dispatch_create(
        actor=None,
        person=person("李书记"),
        facility=f,
        role="first_secretary",
        starts_on=dt.date(2025, 1, 1),
    )
    with time_machine.travel(dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        view = selectors.missing(user)
        assert [m.dispatch for m in view.half_days] == [d]
        services.activity_record(
            actor=user,
            kind=ActivityKind.HALF_DAY,
            held_on=dt.date(2025, 11, 10),
            title="到岗",
            facility=f,
            on_site_person=d.person,
        )
        assert selectors.missing(user).half_days == []
    # Next week the half-day is owed again.
    with time_machine.travel(dt.datetime(2025, 11, 17, 10, tzinfo=dt.UTC), tick=False):
        assert len(selectors.missing(user).half_days) == 1


@pytest.mark.django_db
def test_the_quarterly_themed_activity_check_in_changzhi(make_user):
    user = make_user("county_admin", "140403")
    street = org("东街街道党工委", OrgKind.COMMITTEE, code="140403001", tier=OrgTier.TOWNSHIP)
    community = org("长兴社区党委", OrgKind.COMMITTEE, code="140403001001", tier=OrgTier.COMMUNITY)
    org("某机构党支部", OrgKind.BRANCH, code="140403001001")  # not an organizer
    with time_machine.travel(dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        services.activity_record(
            actor=user,
            kind=ActivityKind.THEMED,
            held_on=dt.date(2025, 9, 20),  # last quarter: does not count for this one
            title="主题活动",
            organization=street,
        )
        services.activity_record(
            actor=user,
            kind=ActivityKind.THEMED,
            held_on=dt.date(2025, 10, 8),
            title="主题活动",
            organization=community,
        )
        themed = selectors.missing(user).themed
        assert [m.organization for m in themed] == [street]
        assert themed[0].rule.rule_id == "party.themed_activity_quarterly"


@pytest.mark.django_db
def test_branches_without_this_quarters_meetings(make_user):
    user = make_user("county_admin", INSIDE)
    branch = org("七院党支部", OrgKind.BRANCH, facility("七院"))
    with time_machine.travel(dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        services.activity_record(
            actor=user,
            kind=ActivityKind.MEMBERS_MEETING,
            held_on=dt.date(2025, 10, 9),
            title="党员大会",
            organization=branch,
        )
        (row,) = selectors.missing(user).meetings
    assert row.missing == ["committee_meeting", "group_meeting", "party_lecture"]


@pytest.mark.django_db
def test_a_sibling_county_is_not_found(client, make_user):
    f = facility("八院", code="330205001001")
    o = org("八院党支部", OrgKind.BRANCH, f, code="330205001001")
    client.force_login(make_user("county_admin", INSIDE))
    assert client.get(f"/party/institutions/{f.pk}/").status_code == 404
    assert client.get(f"/party/orgs/{o.pk}/").status_code == 404
    assert "八院党支部" not in client.get("/party/").content.decode()
    assert client.get(f"/party/coverage/?region={SIBLING}").status_code == 404
    client.force_login(make_user("county_admin", SIBLING))
    assert client.get(f"/party/institutions/{f.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_facility_operator_may_not_open_party_pages(client, make_user):
    client.force_login(make_user("facility_operator", VILLAGE))
    assert client.get("/party/").status_code == 403


@pytest.mark.django_db
def test_the_pages_render_with_the_demo(client, make_user):
    from yanglao.demo.party import load_demo

    load_demo()
    assert load_demo() is None  # idempotent
    client.force_login(make_user("city_admin", "3302"))
    flagged = Facility.objects.get(name="江北区澄浪养护院")
    pages = {
        "/party/": "海曙区颐乐园党支部",
        "/party/members/?q=": "党员",
        "/party/institutions/?ownership=public": "海曙区颐乐园",
        f"/party/institutions/{flagged.pk}/": "违反",
        "/party/coverage/": "公建民营",
        "/party/activities/": "主题活动",
        "/party/activities/new/": "记录活动",
        "/party/missing/": "三会一课",
        "/policy/targets/": "/party/institutions/?region=3302&amp;ownership=public",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    org_pk = selectors.organizations(make_user("city_admin", "3302")).first().pk
    assert client.get(f"/party/orgs/{org_pk}/").status_code == 200


@pytest.mark.django_db
def test_the_facility_include_renders(rf, make_user):
    from django.template.loader import render_to_string

    f = facility("九院")
    members(f, staff=3)
    request = rf.get("/")
    request.user = make_user("county_admin", INSIDE)
    html = render_to_string("party/_facility_party.html", {"facility": f}, request=request)
    assert "party.org_formation.own" in html
    request.user = make_user("county_admin", SIBLING)
    assert "facility-party" not in render_to_string(
        "party/_facility_party.html", {"facility": f}, request=request
    )


@pytest.mark.django_db
def test_the_activity_form_records_once(client, make_user):
    user = make_user("party_officer", INSIDE)
    branch = org("十院党支部", OrgKind.BRANCH, facility("十院"))
    client.force_login(user)
    data = {
        "kind": "party_lecture",
        "held_on": "2025-11-10",
        "title": "专题党课",
        "organization": str(branch.pk),
        "client_key": "k-1",
    }
    with time_machine.travel(dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        assert client.post("/party/activities/new/", data).status_code == 302
        assert client.post("/party/activities/new/", data).status_code == 302
        bad = client.post("/party/activities/new/", {**data, "title": "", "client_key": "k-2"})
    assert bad.status_code == 422 and "请填写活动标题" in bad.content.decode()
    assert Activity.objects.filter(organization=branch).count() == 1


@pytest.mark.django_db
def test_api_round_trip(api, make_user):
    user = make_user("party_officer", INSIDE)
    f = facility("十一院")
    members(f, staff=3)
    branch = org("十一院党支部", OrgKind.BRANCH, f)
    api.as_user(user)
    body = {
        "kind": "members_meeting",
        "held_on": dt.date.today().isoformat(),
        "title": "支部党员大会",
        "organization_id": branch.pk,
        "facility_id": f.pk,
    }
    first = api.post("/api/v1/party/activities", body, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    again = api.post("/api/v1/party/activities", body, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.json()["id"] == first.json()["id"]
    listed = api.get("/api/v1/party/activities").json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "支部党员大会"
    orgs = api.get("/api/v1/party/organizations").json()
    assert orgs["items"][0]["facility_ids"] == [f.pk]
    assert api.get(f"/api/v1/party/organizations/{branch.pk}").json()["name"] == "十一院党支部"
    members_page = api.get("/api/v1/party/members", data={"standing": "staff"}).json()
    assert members_page["count"] == 3
    reqs = api.get(f"/api/v1/party/facilities/{f.pk}/requirements").json()
    own = next(r for r in reqs["requirements"] if r["rule_id"] == "party.org_formation.own")
    assert own["applies"] and own["met"] and not own["flag"]
    cov = api.get("/api/v1/party/coverage").json()
    public = next(r for r in cov["rows"] if r["key"] == "public")
    assert (public["covered"], public["total"]) == (1, 1)
    assert api.get("/api/v1/party/missing").status_code == 200
    bad = api.post("/api/v1/party/activities", {**body, "title": ""})
    assert bad.status_code == 422 and "title" in bad.json()["error"]["fields"]
