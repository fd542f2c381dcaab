"""The registry: ID numbers done right, one active file per number, transfers, status,
care plans, and the list with its search."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AccessLog, AuditEvent
from yanglao.elders import selectors, services
from yanglao.elders.models import CarePlan, Elder, ElderStatus, TransferStatus
from yanglao.people.idnumbers import (
    IdNumberError,
    convert_15_to_18,
    make_id_number,
    parse_id_number,
)
from yanglao.people.models import Person

VILLAGE = "141129101201"  # a village of 金罗镇, 中阳县
LUZHOU_COMMUNITY = "140403001001"  # 长兴社区, 潞州区
TODAY = dt.date(2026, 11, 23)


def number(region="141129", birth=dt.date(1945, 3, 1), seq=123):
    return make_id_number(region, birth, seq)


@pytest.fixture
def officer(make_user):
    return make_user("village_officer", VILLAGE)


def register(actor, id_number=None, name="张桂兰", region=VILLAGE, **extra):
    return services.elder_register(
        actor=actor,
        name=name,
        id_number=id_number or number(),
        region_code=region,
        today=TODAY,
        **extra,
    )


# ID numbers -------------------------------------------------------------------------------


def test_a_1945_born_elder_whose_number_carries_a_code_created_in_2003_is_accepted(db):
    # 湖州市吴兴区 (330502) was created in 2003; the elder was born in 1945.
    info = parse_id_number(
        make_id_number("330502", dt.date(1945, 6, 1), 31), known_region=lambda code: True
    )
    assert info.birth_date == dt.date(1945, 6, 1) and info.warnings == []


def test_an_unknown_or_abolished_region_code_is_only_a_warning(officer):
    elder = register(officer, id_number=number(region="350427"))  # 沙县 before it became a 区
    assert elder.status == ElderStatus.ACTIVE
    assert "350427" in elder.id_warning


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("141129194503011230", "校验位错误"),
        ("141129194502301234", "不是有效日期"),
        ("14112919450301123", "应为 18 位"),
        ("1411291945030112AX", "前 17 位应为数字"),
        ("", "不能为空"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw, reason):
    with pytest.raises(IdNumberError, match=reason):
        parse_id_number(raw)


def test_legacy_15_digit_numbers_become_18():
    assert convert_15_to_18("110105491231002") == "110105194912310022"
    assert parse_id_number("110105491231002").number == "110105194912310022"


def test_a_lower_case_x_and_spaces_are_accepted():
    valid = make_id_number("141129", dt.date(1950, 1, 1), 5)
    if valid.endswith("X"):
        assert parse_id_number(" " + valid.lower() + " ").number == valid


def test_the_sex_comes_from_the_17th_digit():
    assert parse_id_number(number(seq=123)).sex == "M"
    assert parse_id_number(number(seq=122)).sex == "F"


# Registering ------------------------------------------------------------------------------


def test_registering_stores_the_number_sealed_and_derives_birth_and_sex(officer):
    elder = register(officer, phone="13812345678")
    person = Person.objects.get(pk=elder.pk)
    assert number() not in person.id_number_enc and person.id_number_hash
    assert person.birth_date == dt.date(1945, 3, 1) and person.sex == "M"
    assert person.masked_id_number == "141129********1237"[:6] + "********" + number()[-4:]
    assert person.name_initials == "zgl"
    event = AuditEvent.objects.get(action="elder.register", object_id=str(elder.pk))
    assert number() not in str(event.detail)


def test_under_60_is_refused(officer):
    with pytest.raises(ValidationFailed) as info:
        register(officer, id_number=number(birth=dt.date(1970, 1, 1)))
    assert "未满 60 周岁" in info.value.fields["id_number"][0]


def test_every_bad_field_is_named_at_once(officer):
    with pytest.raises(ValidationFailed) as info:
        services.elder_register(
            actor=officer,
            name="",
            id_number="123",
            region_code="141125",
            phone="abc",
            welfare="rich",
            today=TODAY,
        )
    assert set(info.value.fields) == {"name", "id_number", "phone", "welfare", "region"}
    assert Elder.objects.count() == 0


def test_a_number_active_in_another_region_answers_409_naming_only_that_region(make_user):
    zhongyang = make_user("village_officer", VILLAGE)
    luzhou = make_user("village_officer", LUZHOU_COMMUNITY)
    register(zhongyang)
    with pytest.raises(Conflict) as info:
        register(luzhou, region=LUZHOU_COMMUNITY)
    assert info.value.status == 409 and info.value.code == "id_active_elsewhere"
    assert "山西省吕梁市中阳县金罗镇" in info.value.message
    assert "张桂兰" not in info.value.message and number() not in info.value.message


def test_the_api_answers_409_and_the_page_offers_a_transfer(api, client, make_user):
    zhongyang = make_user("village_officer", VILLAGE)
    luzhou = make_user("village_officer", LUZHOU_COMMUNITY)
    register(zhongyang)
    response = api.as_user(luzhou).post(
        "/api/v1/elders", {"name": "张桂兰", "id_number": number(), "region": LUZHOU_COMMUNITY}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "id_active_elsewhere"
    client.force_login(luzhou)
    page = client.post(
        "/elders/new/",
        {
            "name": "张桂兰",
            "id_number": number(),
            "region": LUZHOU_COMMUNITY,
            "residence": "both",
            "living_situation": "alone",
            "welfare": "none",
        },
    )
    assert page.status_code == 409 and 'data-testid="id-conflict"' in page.content.decode()


def test_only_registry_roles_write(make_user):
    with pytest.raises(Forbidden):
        register(make_user("visitor", VILLAGE))


# Status, transfers, care plans -------------------------------------------------------------


def test_a_record_is_never_deleted_moved_and_back(officer):
    elder = register(officer)
    services.elder_set_status(actor=officer, elder=elder, status="moved", on=TODAY)
    assert Elder.objects.get(pk=elder.pk).status == "moved"
    services.elder_set_status(actor=officer, elder=elder, status="active", on=TODAY)
    assert Elder.objects.get(pk=elder.pk).status == "active"


def test_a_transfer_requested_by_the_receiver_moves_the_file_when_the_sender_accepts(make_user):
    sender = make_user("village_officer", VILLAGE)
    receiver = make_user("village_officer", LUZHOU_COMMUNITY)
    elder = register(sender)
    services.care_plan_save(
        actor=sender,
        elder=elder,
        needs="n",
        interventions="i",
        responsible="r",
        visits_per_week=2,
        emergency_contacts="e",
        emergency_procedure="p",
        review_on=dt.date.today() + dt.timedelta(days=90),
    )
    transfer = services.transfer_request(
        actor=receiver, id_number=number(), to_region_code=LUZHOU_COMMUNITY
    )
    # Both sides see it.
    assert selectors.transfers_for(sender).filter(pk=transfer.pk).exists()
    assert selectors.transfers_for(receiver).filter(pk=transfer.pk).exists()
    with pytest.raises(Forbidden):
        services.transfer_decide(actor=receiver, transfer=transfer, accept=True)
    services.transfer_decide(actor=sender, transfer=transfer, accept=True)
    elder.refresh_from_db()
    assert elder.region_id == LUZHOU_COMMUNITY and elder.region_path.endswith(LUZHOU_COMMUNITY)
    assert selectors.elder_get(receiver, elder.pk).care_plans.count() == 1  # history moves too
    assert not selectors.elders_for(sender).filter(pk=elder.pk).exists()
    assert transfer.__class__.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED


def test_a_transfer_offered_by_the_sender_can_be_rejected_by_the_receiver(make_user):
    sender = make_user("village_officer", VILLAGE)
    receiver = make_user("county_admin", "140403")
    elder = register(sender)
    transfer = services.transfer_offer(actor=sender, elder=elder, to_region_code=LUZHOU_COMMUNITY)
    with pytest.raises(Conflict):
        services.transfer_offer(actor=sender, elder=elder, to_region_code=LUZHOU_COMMUNITY)
    services.transfer_decide(actor=receiver, transfer=transfer, accept=False)
    elder.refresh_from_db()
    assert elder.region_id == VILLAGE


def test_a_care_plan_keeps_its_history(officer):
    elder = register(officer)
    review = dt.date.today() + dt.timedelta(days=30)
    for needs in ("first", "second"):
        services.care_plan_save(
            actor=officer,
            elder=elder,
            needs=needs,
            interventions="i",
            responsible="r",
            visits_per_week=3,
            emergency_contacts="e",
            emergency_procedure="p",
            review_on=review,
        )
    plans = CarePlan.objects.filter(elder=elder)
    assert plans.count() == 2 and plans.get(is_current=True).needs == "second"
    with pytest.raises(ValidationFailed) as info:
        services.care_plan_save(
            actor=officer,
            elder=elder,
            needs="",
            interventions="i",
            responsible="r",
            visits_per_week=0,
            emergency_contacts="e",
            emergency_procedure="p",
            review_on=dt.date(2000, 1, 1),
        )
    assert set(info.value.fields) == {"needs", "visits_per_week", "review_on"}


def test_revealing_the_full_number_is_logged_and_limited(officer, make_user):
    elder = register(officer)
    assert services.reveal_id_number(actor=officer, elder=elder) == number()
    assert AccessLog.objects.filter(
        actor=officer, kind="view_sensitive", field="id_number"
    ).exists()
    with pytest.raises(Forbidden):
        services.reveal_id_number(actor=make_user("party_officer", "141129"), elder=elder)


# The list ---------------------------------------------------------------------------------


def test_search_by_initials_pinyin_tail_and_phone(officer):
    elder = register(officer, phone="13812345678")
    register(officer, id_number=number(seq=456), name="李四")
    find = lambda q: list(selectors.elders_for(officer, selectors.ElderFilters(q=q)))  # noqa: E731
    assert find("zgl") == [elder] and find("zhangguilan") == [elder]
    assert find(number()[-4:]) == [elder] and find("1381234") == [elder]
    assert find("张桂") == [elder]


def test_the_list_is_scoped_and_filters_by_age(make_user):
    officer = make_user("village_officer", VILLAGE)
    other = make_user("village_officer", LUZHOU_COMMUNITY)
    old = register(officer, id_number=number(birth=dt.date(1930, 5, 5)))
    register(other, id_number=number(seq=77), region=LUZHOU_COMMUNITY)
    assert list(selectors.elders_for(officer)) == [old]
    band = selectors.ElderFilters(age_min=90)
    assert list(selectors.elders_for(officer, band, on=TODAY)) == [old]
    assert not selectors.elders_for(officer, selectors.ElderFilters(age_max=80), on=TODAY).exists()


def test_the_pages_render(client, officer):
    elder = register(officer, phone="13812345678")
    client.force_login(officer)
    listing = client.get("/elders/", {"q": "zgl"}).content.decode()
    assert "张桂兰" in listing and number() not in listing and "138****5678" not in listing
    detail = client.get(f"/elders/{elder.pk}/").content.decode()
    assert "141129********" in detail and number() not in detail and "138****5678" in detail
    assert "目标人群" in detail and "风险等级及原因" in detail
    assert client.get("/elders/new/").status_code == 200
    assert client.get(f"/elders/{elder.pk}/edit/").status_code == 200
    assert client.get(f"/elders/{elder.pk}/care-plan/").status_code == 200
    assert client.get("/elders/transfers/").status_code == 200
    revealed = client.post(f"/elders/{elder.pk}/reveal/").content.decode()
    assert number() in revealed


def test_the_create_form_registers_and_explains_errors(client, officer):
    client.force_login(officer)
    bad = client.post(
        "/elders/new/",
        {
            "name": "王五",
            "id_number": "141129194503011230",
            "region": VILLAGE,
            "residence": "both",
            "living_situation": "alone",
            "welfare": "none",
        },
    )
    assert "校验位错误" in bad.content.decode()
    good = client.post(
        "/elders/new/",
        {
            "name": "王五",
            "id_number": number(seq=901),
            "region": VILLAGE,
            "residence": "both",
            "living_situation": "alone",
            "welfare": "none",
            "contact_name": "王小五",
            "contact_relation": "child",
            "contact_phone": "13900001111",
        },
    )
    assert good.status_code == 302
    elder = Elder.objects.get(person__name="王五")
    assert elder.contacts.get().person.name == "王小五"


def test_the_due_filter_agrees_with_the_due_flag_at_month_ends():
    import itertools

    from yanglao.elders.assessment import is_due
    from yanglao.elders.selectors import due_cutoff

    start = dt.date(2023, 1, 1)
    for on_offset, last_offset in itertools.product(range(0, 800, 29), range(0, 800, 31)):
        on = start + dt.timedelta(days=on_offset + 365)
        last = start + dt.timedelta(days=last_offset)
        if last > on:
            continue
        assert is_due(last, on, 12) == (last <= due_cutoff(on, 12)), (last, on)


def test_the_due_cutoff_covers_every_day_of_two_years():
    from yanglao.elders.assessment import is_due
    from yanglao.elders.selectors import due_cutoff

    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(0, 900, 3)]
    for on in days[120:]:
        cutoff = due_cutoff(on, 12)
        for last in days:
            if last <= on:
                assert is_due(last, on, 12) == (last <= cutoff), (last, on)


def test_sorting_by_risk_puts_high_first(officer):
    from yanglao.elders.models import Elder as ElderModel

    a = register(officer, id_number=number(seq=11))
    b = register(officer, id_number=number(seq=13), name="李四")
    c = register(officer, id_number=number(seq=15), name="王五")
    ElderModel.objects.filter(pk=a.pk).update(risk_level="low")
    ElderModel.objects.filter(pk=b.pk).update(risk_level="high")
    ElderModel.objects.filter(pk=c.pk).update(risk_level="medium")
    ordered = list(selectors.elders_for(officer, selectors.ElderFilters(sort="risk")))
    assert ordered == [b, c, a]
