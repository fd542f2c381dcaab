"""Personal information: the notice, the legal basis of each file, requests to see,
correct or delete a file, and anonymisation that keeps every count."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AccessLog, AuditEvent
from yanglao.elders import services as elders
from yanglao.elders.models import Contact, Elder
from yanglao.people.idnumbers import make_id_number
from yanglao.people.models import Person
from yanglao.privacy import anonymise, selectors, services
from yanglao.privacy.models import Anonymisation, ConsentRecord

VILLAGE = "141129101201"
OTHER_VILLAGE = "141129100201"
SIBLING = "141125100"
_seq = itertools.count(500)


@pytest.fixture
def officer(make_user):
    return make_user("village_officer", VILLAGE)


@pytest.fixture
def admin(make_user):
    return make_user("system_admin", "14")


@pytest.fixture
def notice(admin):
    return services.notice_publish(
        actor=admin,
        title="个人信息处理告知书",
        body="我们收集以下信息。",
        items=[{"item": "身份证号", "purpose": "核实身份"}, {"item": "电话", "purpose": "联系"}],
        controller="中阳县民政局",
        contact="0358-1",
        effective_on=dt.date(2024, 1, 1),
    )


def register(actor, region=VILLAGE, born=dt.date(1948, 3, 2), name="张桂兰", **kw):
    return elders.elder_register(
        actor=actor,
        name=name,
        region_code=region,
        id_number=make_id_number(region[:6], born, next(_seq)),
        **kw,
    )


@pytest.fixture
def elder(county):
    return register(county, phone="13912345678", address="金罗村12号")


# ----------------------------------------------------------------------- the notice


def test_a_new_notice_is_a_new_version_and_the_old_text_stays(admin, notice):
    second = services.notice_publish(
        actor=admin,
        title="告知书（修订）",
        body="修订后的正文",
        items=[{"item": "住址", "purpose": "上门服务"}],
        controller="中阳县民政局",
        contact="0358-2",
        effective_on=dt.date(2025, 1, 1),
    )
    assert (notice.version, second.version) == (1, 2)
    notice.refresh_from_db()
    assert notice.body == "我们收集以下信息。"
    assert services.current_notice(dt.date(2024, 6, 1)) == notice
    assert services.current_notice() == second


def test_only_the_platform_administrators_publish_a_notice(county):
    with pytest.raises(Forbidden):
        services.notice_publish(
            actor=county,
            title="x",
            body="x",
            items=[{"item": "a", "purpose": "b"}],
            controller="x",
            contact="x",
            effective_on=dt.date(2024, 1, 1),
        )


def test_a_notice_without_items_names_the_field(admin):
    with pytest.raises(ValidationFailed) as caught:
        services.notice_publish(
            actor=admin,
            title="x",
            body="x",
            items=[{"item": "身份证号", "purpose": ""}],
            controller="",
            contact="x",
            effective_on=dt.date(2024, 1, 1),
        )
    assert set(caught.value.fields) == {"items", "controller"}


def test_the_public_notice_page_needs_no_login(client, notice):
    page = client.get("/p/privacy/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "核实身份" in body and "中阳县民政局" in body and "长辈版" in body


def test_the_notice_api_is_public(client, notice):
    data = client.get("/api/v1/privacy/notice").json()
    assert data["version"] == 1 and data["items"][0]["item"] == "身份证号"


# --------------------------------------------------------------------- legal basis


def test_consent_by_a_guardian_names_the_person_and_relation(officer, elder, notice):
    with pytest.raises(ValidationFailed) as caught:
        services.consent_record(
            actor=officer,
            elder=elder,
            basis="consent",
            given_by="guardian",
            given_on=dt.date(2024, 5, 1),
            evidence="同意书",
        )
    assert set(caught.value.fields) == {"giver_name", "giver_relation"}
    record = services.consent_record(
        actor=officer,
        elder=elder,
        basis="consent",
        given_by="guardian",
        giver_name="王建国",
        giver_relation="儿子",
        given_on=dt.date(2024, 5, 1),
        evidence="同意书存村委会",
    )
    assert record.notice == notice and record.in_force
    assert AuditEvent.objects.filter(action="privacy.consent_record", object_id=str(elder.pk))


def test_consent_needs_a_published_notice_and_a_legal_duty_its_reference(officer, elder):
    with pytest.raises(ValidationFailed) as caught:
        services.consent_record(
            actor=officer,
            elder=elder,
            basis="consent",
            given_by="elder",
            given_on=dt.date(2024, 5, 1),
            evidence="x",
        )
    assert "notice_version" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.consent_record(
            actor=officer,
            elder=elder,
            basis="legal_duty",
            given_by="elder",
            given_on=dt.date(2024, 5, 1),
            evidence="x",
        )
    assert set(caught.value.fields) == {"legal_reference"}


def test_a_withdrawn_consent_puts_the_file_back_on_the_workbench(officer, elder, notice, client):
    assert elder in selectors.elders_without_basis(officer)
    record = services.consent_record(
        actor=officer,
        elder=elder,
        basis="consent",
        given_by="elder",
        given_on=dt.date(2024, 5, 1),
        evidence="本人签字",
    )
    assert elder not in selectors.elders_without_basis(officer)
    services.consent_withdraw(
        actor=officer, record=record, on=timezone.localdate(), reason="本人撤回"
    )
    assert elder in selectors.elders_without_basis(officer)
    client.force_login(officer)
    page = client.get("/workbench/").content.decode()
    assert "未登记处理依据的老人" in page


def test_an_officer_of_another_county_cannot_record_a_basis(make_user, elder, notice):
    stranger = make_user("village_officer", SIBLING)
    with pytest.raises(NotFound):
        services.consent_record(
            actor=stranger,
            elder=elder,
            basis="consent",
            given_by="elder",
            given_on=dt.date(2024, 5, 1),
            evidence="x",
        )


def test_the_basis_page_records_and_the_elder_file_shows_it(client, officer, elder, notice):
    client.force_login(officer)
    page = client.get(f"/elders/{elder.pk}/")
    assert page.status_code == 200 and "尚无有效的处理依据" in page.content.decode()
    bad = client.post(
        f"/privacy/elders/{elder.pk}/",
        {"basis": "consent", "given_by": "proxy", "given_on": "2024-05-01", "evidence": "x"},
    )
    assert bad.status_code == 200 and "监护人或代理人须写明姓名" in bad.content.decode()
    assert not ConsentRecord.objects.exists()
    ok = client.post(
        f"/privacy/elders/{elder.pk}/",
        {
            "basis": "consent",
            "given_by": "proxy",
            "giver_name": "李梅",
            "giver_relation": "女儿",
            "given_on": "2024-05-01",
            "evidence": "委托书与同意书",
        },
    )
    assert ok.status_code == 302
    page = client.get(f"/elders/{elder.pk}/").content.decode()
    assert "本人同意" in page and "李梅" in page


# ------------------------------------------------------------------- data requests


def test_a_request_is_due_after_the_policy_days(officer, elder):
    received = timezone.localdate() - dt.timedelta(days=2)
    created = services.request_open(
        actor=officer,
        elder=elder,
        kind="access",
        requested_by="elder",
        requester_name="张桂兰",
        detail="复制档案",
        received_on=received,
    )
    assert created.due_on == received + dt.timedelta(days=15)
    event = AuditEvent.objects.get(action="privacy.request_open")
    assert event.detail["rule"]["rule"] == "privacy.request_response"


def test_an_access_request_hands_over_the_file_and_logs_it(client, officer, elder):
    created = services.request_open(
        actor=officer,
        elder=elder,
        kind="access",
        requested_by="elder",
        requester_name="张桂兰",
        detail="复制档案",
        received_on=timezone.localdate(),
    )
    client.force_login(officer)
    response = client.get(f"/privacy/requests/{created.pk}/file.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    log = AccessLog.objects.get(detail__object_type="ElderFileCopy")
    assert log.detail["data_request"] == created.pk and log.object_id == str(elder.pk)
    rows = client.get(f"/api/v1/privacy/requests/{created.pk}/file")  # session auth
    assert rows.status_code == 200
    assert {"section": "基本信息", "item": "联系电话", "value": "13912345678"} in rows.json()
    assert AccessLog.objects.filter(detail__object_type="ElderFileCopy").count() == 2
    done = client.post(
        f"/privacy/requests/{created.pk}/", {"outcome": "provided", "response": "已交本人"}
    )
    assert done.status_code == 302
    created.refresh_from_db()
    assert created.status == "done" and created.handled_by == officer


def test_an_active_file_cannot_be_deleted_and_the_refusal_needs_a_reason(officer, elder):
    created = services.request_open(
        actor=officer,
        elder=elder,
        kind="deletion",
        requested_by="elder",
        requester_name="张桂兰",
        detail="删除我的信息",
        received_on=timezone.localdate(),
    )
    with pytest.raises(ValidationFailed) as caught:
        services.request_handle(
            actor=officer, data_request=created, outcome="anonymised", response="好"
        )
    assert "outcome" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.request_handle(actor=officer, data_request=created, outcome="refused", response="")
    assert "response" in caught.value.fields
    assert not Anonymisation.objects.exists()


def test_deleting_the_file_of_an_elder_who_moved_away_anonymises_it(county, officer, elder):
    elders.elder_set_status(
        actor=county, elder=elder, status="moved", on=timezone.localdate(), note="迁往外省"
    )
    created = services.request_open(
        actor=officer,
        elder=elder,
        kind="deletion",
        requested_by="proxy",
        requester_name="李梅",
        requester_relation="女儿",
        detail="母亲已迁走，请删除",
        received_on=timezone.localdate(),
    )
    services.request_handle(
        actor=officer, data_request=created, outcome="anonymised", response="已删除"
    )
    elder.refresh_from_db()
    assert elder.person.name == anonymise.ANONYMOUS and elder.person.phone == ""
    assert Anonymisation.objects.get(elder=elder).reason == "request"


def test_the_request_list_searches_pages_and_exports(client, officer, elder):
    for n in range(3):
        services.request_open(
            actor=officer,
            elder=elder,
            kind="correction",
            requested_by="elder",
            requester_name=f"申请人{n}",
            detail="改电话",
            received_on=timezone.localdate() - dt.timedelta(days=20 * n),
        )
    client.force_login(officer)
    page = client.get("/privacy/?q=申请人1").content.decode()
    assert "申请人1" in page and "申请人2" not in page
    overdue = client.get("/privacy/?overdue=1").content.decode()
    assert "申请人2" in overdue and "申请人0" not in overdue
    assert client.get("/privacy/?date_from=bad").status_code == 200
    export = client.get("/privacy/?export=xlsx&kind=correction")
    assert export.status_code == 200
    assert AccessLog.objects.filter(detail__object_type="DataRequest").exists()


def test_a_sibling_county_does_not_see_the_request(make_user, client, officer, elder):
    created = services.request_open(
        actor=officer,
        elder=elder,
        kind="access",
        requested_by="elder",
        requester_name="张桂兰",
        detail="x",
        received_on=timezone.localdate(),
    )
    stranger = make_user("county_admin", "141125")
    client.force_login(stranger)
    assert client.get(f"/privacy/requests/{created.pk}/").status_code == 404
    assert client.get(f"/privacy/requests/{created.pk}/file.xlsx").status_code == 404
    assert AuditEvent.objects.filter(action="access.out_of_scope", outcome="denied").exists()


def test_the_request_pages_render(client, officer, elder, notice):
    client.force_login(officer)
    for url, text in (
        ("/privacy/", "个人信息权利请求"),
        ("/privacy/requests/new/", "先找到老人的档案"),
        ("/privacy/requests/new/?q=张", "张桂兰"),
        (f"/privacy/requests/new/?elder={elder.pk}", "申请人姓名"),
        ("/privacy/without-basis/", "张桂兰"),
        ("/privacy/notice/", "核实身份"),
        (f"/privacy/elders/{elder.pk}/", "登记处理依据"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert text in page.content.decode(), url


def test_a_facility_operator_may_not_use_the_privacy_pages(client, make_user):
    client.force_login(make_user("facility_operator", "141129100"))
    assert client.get("/privacy/").status_code == 403
    assert AuditEvent.objects.filter(action="access.forbidden", outcome="denied").exists()


# ---------------------------------------------------------------- anonymisation


def _counts() -> Counter:
    return Counter(
        (
            e.region_id,
            e.status,
            e.welfare,
            e.living_situation,
            e.person.sex,
            e.person.birth_date.year,
        )
        for e in Elder.objects.select_related("person")
    )


def test_files_past_the_retention_are_anonymised_and_the_counts_stay(county, officer, notice):
    today = timezone.localdate()
    long_dead = register(county, phone="13900000001", address="金罗村1号", name="李大山")
    long_gone = register(county, region=OTHER_VILLAGE, name="赵小花", born=dt.date(1939, 7, 9))
    recent = register(county, name="钱多多")
    staying = register(county, name="孙平安")
    elders.contact_add(
        actor=county, elder=long_dead, name="李小山", relation="child", phone="13911112222"
    )
    services.consent_record(
        actor=officer,
        elder=long_dead,
        basis="consent",
        given_by="guardian",
        giver_name="李小山",
        giver_relation="儿子",
        given_on=dt.date(2024, 5, 1),
        evidence="同意书",
    )
    long_dead.person.refresh_from_db()
    hash_before = long_dead.person.id_number_hash
    assert hash_before
    for who, status, days in (
        (long_dead, "deceased", 4 * 365),
        (long_gone, "moved", 1200),
        (recent, "deceased", 100),
    ):
        elders.elder_set_status(
            actor=county, elder=who, status=status, on=today - dt.timedelta(days=days)
        )
    before = _counts()
    call_command("anonymise_elders", dry_run=True)
    assert not Anonymisation.objects.exists()
    call_command("anonymise_elders")
    assert _counts() == before
    assert set(Anonymisation.objects.values_list("elder_id", flat=True)) == {
        long_dead.pk,
        long_gone.pk,
    }
    dead = Person.objects.get(pk=long_dead.pk)
    assert dead.name == anonymise.ANONYMOUS
    assert (dead.id_number_enc, dead.id_number_hash, dead.id_tail, dead.phone, dead.address) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert dead.birth_date.month == 1 and dead.birth_date.day == 1
    assert Elder.objects.get(pk=long_dead.pk).id_number_hash == ""
    assert not Contact.objects.filter(elder_id=long_dead.pk).exists()
    assert not Person.objects.filter(name="李小山").exists()  # the son's own row too
    assert ConsentRecord.objects.get(elder_id=long_dead.pk).giver_name == anonymise.ANONYMOUS
    assert not Person.objects.filter(id_number_hash=hash_before).exists()
    for kept in (recent, staying):
        assert Person.objects.get(pk=kept.pk).name in ("钱多多", "孙平安")
    events = AuditEvent.objects.filter(action="privacy.anonymise")
    assert events.count() == 2 and events.first().detail["rule"] == "privacy.anonymise_after"
    # a second run finds nothing more
    call_command("anonymise_elders")
    assert Anonymisation.objects.count() == 2
    # the nightly job runs the same function
    from yanglao.privacy.tasks import anonymise_elders_nightly

    assert anonymise_elders_nightly.call_local() == 0


def test_a_longer_local_period_keeps_the_file(county, make_user):
    from yanglao.policy import services as policy

    policy.rule_override(
        actor=county,
        rule_id="privacy.anonymise_after",
        region_code="141129",
        params={"deceased_days": 3650},
        valid_from=dt.date(2020, 1, 1),
        source_doc="本县档案管理规定",
        note="已故老人档案保存十年",
    )
    dead = register(county)
    elders.elder_set_status(
        actor=county,
        elder=dead,
        status="deceased",
        on=timezone.localdate() - dt.timedelta(days=2000),
    )
    assert anonymise.anonymise_due().anonymised == []


def test_the_demo_loads_once(db):
    from yanglao.demo.elders import load_elders
    from yanglao.demo.privacy import load_demo
    from yanglao.demo.users import load_users

    load_users()
    load_elders()
    assert load_demo() > 0
    assert load_demo() == 0
    assert ConsentRecord.objects.filter(given_by="guardian").exists()
    assert ConsentRecord.objects.filter(basis="legal_duty").exists()
    assert Anonymisation.objects.count() == 1
    from yanglao.privacy.models import DataRequest

    assert set(DataRequest.objects.values_list("status", flat=True)) >= {"open", "done", "refused"}
