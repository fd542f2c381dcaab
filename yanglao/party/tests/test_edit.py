"""Creating and editing organizations, members and dispatches: the services (refusals by
field, scope, roles, audit), the pages and the API, in Ningbo (海曙区 330203 inside, 江北区
330205 the sibling county)."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.core.audit import action_label
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.party import selectors, services
from yanglao.party.models import Dispatch, OrgKind, PartyMembership, PartyOrganization
from yanglao.people.models import Person

from .test_party import INSIDE, SIBLING, VILLAGE, facility, org, person

SIBLING_VILLAGE = "330205001001"


def fields_of(exc_info) -> set[str]:
    return set(exc_info.value.fields)


# ---------------------------------------------------------------- services


@pytest.mark.django_db
def test_organization_update_changes_and_audits(make_user):
    user = make_user("party_officer", INSIDE)
    f, g = facility("甲院"), facility("乙院")
    parent = org("街道党工委", OrgKind.COMMITTEE, code="330203001")
    branch = org("甲院党支部", OrgKind.BRANCH, f)
    secretary = person("张书记")
    services.organization_update(
        actor=user,
        org=branch,
        name="甲乙院联合党支部",
        kind=OrgKind.JOINT_BRANCH,
        parent=parent,
        facilities=[f, g],
        managing_unit="街道党工委",
        secretary=secretary,
        term_start=dt.date(2024, 6, 1),
        term_end=dt.date(2027, 5, 31),
    )
    branch.refresh_from_db()
    assert branch.name == "甲乙院联合党支部" and branch.parent == parent
    assert set(branch.facilities.all()) == {f, g} and branch.secretary == secretary
    assert branch.term_end == dt.date(2027, 5, 31)
    event = AuditEvent.objects.get(action="party.org_update")
    assert "name" in event.detail["changes"] and "facilities" in event.detail["changes"]
    assert action_label("party.org_update") == "修改党组织"
    # A keyword not given keeps its value.
    services.organization_update(actor=user, org=branch, managing_unit="")
    branch.refresh_from_db()
    assert branch.name == "甲乙院联合党支部" and branch.managing_unit == ""


@pytest.mark.django_db
def test_organization_update_refuses_by_field_and_writes_nothing(make_user):
    user = make_user("party_officer", INSIDE)
    branch = org("丙院党支部", OrgKind.BRANCH, facility("丙院"))
    child = org("丙院党小组", OrgKind.BRANCH)
    services.organization_update(actor=user, org=child, parent=branch)
    outside = facility("江北院", code=SIBLING_VILLAGE)
    with pytest.raises(ValidationFailed) as exc:
        services.organization_update(
            actor=user,
            org=branch,
            name=" ",
            kind="x",
            parent=child,  # a cycle
            facilities=[outside],
            term_start=dt.date(2025, 1, 1),
            term_end=dt.date(2024, 1, 1),
        )
    assert fields_of(exc) == {"name", "kind", "parent", "facilities", "term_end"}
    branch.refresh_from_db()
    assert branch.name == "丙院党支部"
    assert not AuditEvent.objects.filter(action="party.org_update", object_id=str(branch.pk))


@pytest.mark.django_db
def test_writes_are_refused_outside_the_scope_and_to_an_operator(make_user):
    sibling_org = org("江北党支部", OrgKind.BRANCH, code=SIBLING_VILLAGE)
    inside = make_user("county_admin", INSIDE)
    with pytest.raises(Forbidden):
        services.organization_update(actor=inside, org=sibling_org, name="越权")
    operator = make_user("facility_operator", VILLAGE)
    mine = org("丁院党支部", OrgKind.BRANCH)
    with pytest.raises(Forbidden):
        services.organization_update(actor=operator, org=mine, name="越权")
    m = services.membership_create(
        actor=None,
        person=person("江北党员", code=SIBLING_VILLAGE),
        standing="other",
        status="full",
    )
    with pytest.raises(Forbidden):
        services.membership_update(actor=inside, membership=m, status="probationary")
    with pytest.raises(Forbidden):
        services.membership_end(
            actor=inside, membership=m, end_kind="left", ended_on=dt.date.today(), reason="x"
        )
    d = services.dispatch_create(
        actor=None,
        person=person("江北书记", code=SIBLING_VILLAGE),
        facility=facility("江北院", code=SIBLING_VILLAGE),
        role="instructor",
        starts_on=dt.date(2025, 1, 1),
    )
    with pytest.raises(Forbidden):
        services.dispatch_end(actor=inside, dispatch=d, ends_on=dt.date(2025, 6, 1))
    with pytest.raises(Forbidden):
        services.dispatch_end(actor=operator, dispatch=d, ends_on=dt.date(2025, 6, 1))


@pytest.mark.django_db
def test_membership_update_and_end(make_user):
    user = make_user("township_officer", "330203001")
    f = facility("戊院")
    branch = org("戊院党支部", OrgKind.BRANCH, f)
    m = services.membership_create(
        actor=user, person=person("李桂兰"), standing="staff", status="probationary", facility=f
    )
    services.membership_update(
        actor=user,
        membership=m,
        organization=branch,
        standing="resident",
        status="full",
        relation_moved=False,
        not_moved_reason="advanced_age",
    )
    m.refresh_from_db()
    assert (m.standing, m.status, m.not_moved_reason) == ("resident", "full", "advanced_age")
    assert m.organization == branch
    # Moving the relation clears the reason it was not moved.
    services.membership_update(actor=user, membership=m, relation_moved=True)
    m.refresh_from_db()
    assert m.relation_moved and m.not_moved_reason == ""
    with pytest.raises(ValidationFailed) as exc:
        services.membership_update(
            actor=user,
            membership=m,
            standing="staff",
            facility=None,
            status="x",
            not_moved_reason="dementia",
        )
    assert fields_of(exc) == {"facility", "status", "not_moved_reason"}
    with pytest.raises(ValidationFailed) as exc:
        services.membership_end(actor=user, membership=m, end_kind="x", ended_on=None, reason=" ")
    assert fields_of(exc) == {"end_kind", "ended_on", "reason"}
    services.membership_end(
        actor=user,
        membership=m,
        end_kind="transferred_out",
        ended_on=dt.date.today(),
        reason="随子女迁居",
    )
    m.refresh_from_db()
    assert not m.active and m.end_kind == "transferred_out" and m.end_reason == "随子女迁居"
    assert selectors.members(user).count() == 0
    with pytest.raises(Conflict):
        services.membership_update(actor=user, membership=m, status="full")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"party.member_create", "party.member_update", "party.member_end"} <= actions


@pytest.mark.django_db
def test_dispatch_end(make_user):
    user = make_user("party_officer", INSIDE)
    d = services.dispatch_create(
        actor=user,
        person=person("王指导员"),
        facility=facility("己院"),
        role="instructor",
        starts_on=dt.date(2025, 3, 1),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.dispatch_end(actor=user, dispatch=d, ends_on=dt.date(2025, 2, 1))
    assert fields_of(exc) == {"ends_on"}
    with pytest.raises(ValidationFailed):
        services.dispatch_end(actor=user, dispatch=d, ends_on=None)
    services.dispatch_end(actor=user, dispatch=d, ends_on=dt.date(2025, 6, 30))
    d.refresh_from_db()
    assert d.ends_on == dt.date(2025, 6, 30)
    assert not selectors.dispatches(user).filter(pk=d.pk).exists()
    assert AuditEvent.objects.filter(action="party.dispatch_end").exists()


@pytest.mark.django_db
def test_person_find_or_create():
    from yanglao.people.idnumbers import make_id_number
    from yanglao.regions.models import Region

    region = Region.objects.get(code=VILLAGE)
    number = make_id_number("330203", dt.date(1950, 3, 1), 3)
    first = services.person_find_or_create(name="赵党员", region=region, id_number=number)
    again = services.person_find_or_create(name="赵党员", region=region, id_number=number)
    assert first == again and first.birth_date == dt.date(1950, 3, 1)
    with pytest.raises(ValidationFailed) as exc:
        services.person_find_or_create(
            name="", region=region, phone="abc", id_number="123", prefix="secretary_"
        )
    assert fields_of(exc) == {"secretary_name", "secretary_phone", "secretary_id_number"}


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
def test_organization_pages(client, make_user):
    user = make_user("party_officer", INSIDE)
    f = facility("庚院")
    client.force_login(user)
    page = client.get("/party/")
    assert "新建党组织" in page.content.decode()
    assert client.get("/party/orgs/new/").status_code == 200
    bad = client.post("/party/orgs/new/", {"name": "", "kind": "branch", "region": VILLAGE})
    assert bad.status_code == 422 and "请填写党组织名称" in bad.content.decode()
    assert not PartyOrganization.objects.exists()
    ok = client.post(
        "/party/orgs/new/",
        {
            "name": "庚院党支部",
            "kind": "branch",
            "tier": "institution_party_org",
            "region": VILLAGE,
            "facilities": [str(f.pk)],
            "secretary_name": "陈书记",
            "term_end": "2027-05-31",
        },
    )
    branch = PartyOrganization.objects.get(name="庚院党支部")
    assert ok.status_code == 302 and ok.url == f"/party/orgs/{branch.pk}/"
    assert branch.secretary.name == "陈书记" and list(branch.facilities.all()) == [f]
    detail = client.get(f"/party/orgs/{branch.pk}/").content.decode()
    assert "编辑" in detail and "选派" in detail
    edit = client.get(f"/party/orgs/{branch.pk}/edit/")
    assert edit.status_code == 200 and "陈书记" in edit.content.decode()
    form = {
        "name": "庚院党支部（新）",
        "kind": "branch",
        "tier": "institution_party_org",
        "facilities": [str(f.pk)],
        "secretary_name": "陈书记",
        "term_start": "2025-01-01",
        "term_end": "2024-01-01",
    }
    bad = client.post(f"/party/orgs/{branch.pk}/edit/", form)
    assert bad.status_code == 422 and "换届到期日应晚于任期开始日" in bad.content.decode()
    # The secretary is kept (not created again) and nothing else was written.
    assert Person.objects.filter(name="陈书记").count() == 1
    ok = client.post(f"/party/orgs/{branch.pk}/edit/", {**form, "term_end": "2028-01-01"})
    assert ok.status_code == 302
    branch.refresh_from_db()
    assert branch.name == "庚院党支部（新）" and branch.term_end == dt.date(2028, 1, 1)


@pytest.mark.django_db
def test_member_pages(client, make_user):
    user = make_user("county_admin", INSIDE)
    f = facility("辛院")
    existing = person("周老党员")
    client.force_login(user)
    assert "登记党员" in client.get("/party/members/").content.decode()
    found = client.get("/party/members/new/?person_q=周")
    assert found.status_code == 200 and "周老党员" in found.content.decode()
    bad = client.post("/party/members/new/", {"name": "新党员", "standing": "staff"})
    assert bad.status_code == 422 and "请选择正式党员或预备党员" in bad.content.decode()
    assert not Person.objects.filter(name="新党员").exists()  # nothing written halfway
    ok = client.post(
        "/party/members/new/",
        {
            "person": str(existing.pk),
            "standing": "resident",
            "status": "full",
            "facility": str(f.pk),
            "not_moved_reason": "dementia",
        },
    )
    assert ok.status_code == 302
    m = PartyMembership.objects.get(person=existing)
    assert m.not_moved_reason == "dementia"
    ok = client.post(
        "/party/members/new/",
        {
            "name": "吴新党员",
            "phone": "13800001111",
            "standing": "staff",
            "status": "full",
            "facility": str(f.pk),
        },
    )
    assert ok.status_code == 302 and PartyMembership.objects.count() == 2
    assert client.get(f"/party/members/{m.pk}/edit/").status_code == 200
    bad = client.post(
        f"/party/members/{m.pk}/edit/",
        {"standing": "resident", "status": "full", "facility": ""},
    )
    assert bad.status_code == 422 and "须选择所在机构" in bad.content.decode()
    ok = client.post(
        f"/party/members/{m.pk}/edit/",
        {"standing": "resident", "status": "full", "facility": str(f.pk), "relation_moved": "1"},
    )
    assert ok.status_code == 302
    m.refresh_from_db()
    assert m.relation_moved
    assert client.get(f"/party/members/{m.pk}/end/").status_code == 200
    bad = client.post(f"/party/members/{m.pk}/end/", {"end_kind": "left", "ended_on": ""})
    assert bad.status_code == 422 and "请填写结束原因" in bad.content.decode()
    ok = client.post(
        f"/party/members/{m.pk}/end/",
        {"end_kind": "left", "ended_on": dt.date.today().isoformat(), "reason": "去世"},
    )
    assert ok.status_code == 302
    m.refresh_from_db()
    assert not m.active


@pytest.mark.django_db
def test_dispatch_pages(client, make_user):
    user = make_user("party_officer", INSIDE)
    f = facility("壬院", ownership="public_built_private_run")
    branch = org("壬院党支部", OrgKind.BRANCH, f)
    client.force_login(user)
    assert "选派" in client.get(f"/party/institutions/{f.pk}/").content.decode()
    assert client.get(f"/party/dispatches/new/?organization={branch.pk}").status_code == 200
    bad = client.post(
        f"/party/dispatches/new/?organization={branch.pk}",
        {"name": "孙书记", "facility": str(f.pk), "role": "", "starts_on": "2025-09-01"},
    )
    assert bad.status_code == 422 and "请选择选派职务" in bad.content.decode()
    assert not Person.objects.filter(name="孙书记").exists()
    ok = client.post(
        f"/party/dispatches/new/?organization={branch.pk}",
        {
            "name": "孙书记",
            "facility": str(f.pk),
            "role": "first_secretary",
            "dispatched_by": "public_side",
            "starts_on": "2025-09-01",
        },
    )
    assert ok.status_code == 302 and ok.url == f"/party/orgs/{branch.pk}/"
    d = Dispatch.objects.get(person__name="孙书记")
    assert d.organization == branch
    assert "结束选派" in client.get(f"/party/orgs/{branch.pk}/").content.decode()
    assert client.get(f"/party/dispatches/{d.pk}/end/").status_code == 200
    bad = client.post(f"/party/dispatches/{d.pk}/end/", {"ends_on": "2025-01-01"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.content.decode()
    ok = client.post(f"/party/dispatches/{d.pk}/end/", {"ends_on": "2025-12-31"})
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.ends_on == dt.date(2025, 12, 31)


@pytest.mark.django_db
def test_edit_pages_are_out_of_reach_for_a_sibling_or_an_operator(client, make_user):
    f = facility("癸院", code=SIBLING_VILLAGE)
    o = org("癸院党支部", OrgKind.BRANCH, f, code=SIBLING_VILLAGE)
    m = services.membership_create(
        actor=None,
        person=person("癸", code=SIBLING_VILLAGE),
        standing="staff",
        status="full",
        facility=f,
    )
    d = services.dispatch_create(
        actor=None,
        person=person("癸书记", code=SIBLING_VILLAGE),
        facility=f,
        role="instructor",
        starts_on=dt.date(2025, 1, 1),
    )
    client.force_login(make_user("county_admin", INSIDE))
    for url in (
        f"/party/orgs/{o.pk}/edit/",
        f"/party/members/{m.pk}/edit/",
        f"/party/members/{m.pk}/end/",
        f"/party/dispatches/{d.pk}/end/",
        f"/party/dispatches/new/?organization={o.pk}",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x"}).status_code == 404, url
    bad = client.post("/party/orgs/new/", {"name": "越权", "kind": "branch", "region": SIBLING})
    assert not PartyOrganization.objects.filter(name="越权").exists() and bad.status_code != 302
    client.force_login(make_user("facility_operator", VILLAGE))
    for url in ("/party/orgs/new/", "/party/members/new/", "/party/dispatches/new/"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x"}).status_code == 403, url


# ---------------------------------------------------------------- API


@pytest.mark.django_db
def test_api_round_trip(api, make_user):
    user = make_user("party_officer", INSIDE)
    f = facility("子院")
    api.as_user(user)
    body = {
        "name": "子院党支部",
        "kind": "branch",
        "region": VILLAGE,
        "facility_ids": [f.pk],
        "secretary": {"name": "钱书记", "phone": "13900002222"},
        "term_start": "2024-06-01",
        "term_end": "2027-05-31",
    }
    created = api.post("/api/v1/party/organizations", body, HTTP_IDEMPOTENCY_KEY="org-1")
    assert created.status_code == 201, created.content
    again = api.post("/api/v1/party/organizations", body, HTTP_IDEMPOTENCY_KEY="org-1")
    assert again.json()["id"] == created.json()["id"]
    org_id = created.json()["id"]
    assert created.json()["secretary"] == "钱书记"
    assert created.json()["facility_ids"] == [f.pk]
    patched = api.patch(f"/api/v1/party/organizations/{org_id}", {"term_end": "2028-05-31"})
    assert patched.status_code == 200 and patched.json()["term_end"] == "2028-05-31"
    assert patched.json()["name"] == "子院党支部"
    bad = api.patch(f"/api/v1/party/organizations/{org_id}", {"name": " "})
    assert bad.status_code == 422 and "name" in bad.json()["error"]["fields"]

    member = api.post(
        "/api/v1/party/members",
        {
            "person": {"name": "孙桂英"},
            "organization_id": org_id,
            "facility_id": f.pk,
            "standing": "resident",
            "status": "full",
            "not_moved_reason": "advanced_age",
        },
    )
    assert member.status_code == 201, member.content
    member_id = member.json()["id"]
    bad = api.post(
        "/api/v1/party/members",
        {"person": {"name": "无机构"}, "standing": "staff", "status": "full"},
    )
    assert bad.status_code == 422 and "facility" in bad.json()["error"]["fields"]
    assert not Person.objects.filter(name="无机构").exists()
    patched = api.patch(f"/api/v1/party/members/{member_id}", {"status": "probationary"})
    assert patched.json()["status"] == "probationary"
    assert patched.json()["not_moved_reason"] == "advanced_age"
    ended = api.post(
        f"/api/v1/party/members/{member_id}/end",
        {"end_kind": "transferred_out", "ended_on": dt.date.today().isoformat(), "reason": "迁居"},
    )
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert api.get("/api/v1/party/members").json()["count"] == 0

    dispatch = api.post(
        "/api/v1/party/dispatches",
        {
            "person": {"name": "李指导员"},
            "facility_id": f.pk,
            "organization_id": org_id,
            "role": "instructor",
            "starts_on": "2025-01-06",
        },
    )
    assert dispatch.status_code == 201, dispatch.content
    ended = api.post(
        f"/api/v1/party/dispatches/{dispatch.json()['id']}/end", {"ends_on": "2025-01-01"}
    )
    assert ended.status_code == 422 and "ends_on" in ended.json()["error"]["fields"]
    ended = api.post(
        f"/api/v1/party/dispatches/{dispatch.json()['id']}/end", {"ends_on": "2025-06-30"}
    )
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2025-06-30"


@pytest.mark.django_db
def test_api_refuses_an_operator(api, make_user):
    api.as_user(make_user("facility_operator", VILLAGE))
    response = api.post(
        "/api/v1/party/organizations", {"name": "x", "kind": "branch", "region": VILLAGE}
    )
    assert response.status_code == 403
    assert not PartyOrganization.objects.exists()
    assert SIBLING  # the sibling county's cases are in tests/test_api_scope.py


# ---------------------------------------------------------------- the routine frequency


def test_the_routine_check_reads_the_frequency_rule():
    from yanglao.party import rules

    routine = rules.RuleInput("r", "", {"meetings": ["a", "b"]}, "")
    twice = rules.RuleInput(rules.FREQUENCY_RULE, "", {"period": "month", "min_each": 2}, "")
    assert rules.missing_meetings({"a": 1, "b": 2}, routine, twice) == ["a"]
    assert rules.missing_meetings({"a"}, routine) == ["b"]
    assert selectors.period_bounds("month", dt.date(2025, 12, 5)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert selectors.period_bounds("quarter", dt.date(2025, 11, 5))[0] == dt.date(2025, 10, 1)


@pytest.mark.django_db
def test_ningbo_gives_the_frequency_as_a_local_default(make_user):
    import time_machine

    user = make_user("county_admin", INSIDE)
    org("丑院党支部", OrgKind.BRANCH, facility("丑院"))
    with time_machine.travel(dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        (row,) = selectors.missing(user).meetings
    assert row.frequency.rule_id == "party.branch_routine.frequency"
    assert row.frequency.params == {"period": "quarter", "min_each": 1}
    assert row.period == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
