"""The time bank's rules: weights, idempotent earning, the storage cap and the pool,
relatives, donations and grants, no balance below zero, reversals, the hash chain."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AppendOnlyError, AuditEvent
from yanglao.people.models import Person
from yanglao.policy.models import PolicyRule
from yanglao.timebank import services
from yanglao.timebank.chain import verify_chain
from yanglao.timebank.models import Account, AccountKind, Entry, EntryKind

from .conftest import VILLAGE, years_ago

pytestmark = pytest.mark.django_db


def balance(person) -> Decimal:
    return Account.objects.get(holder=person).balance


def pool_of(county="141129") -> Account:
    return Account.objects.get(kind=AccountKind.POOL, region_id=county)


def assert_books_balance():
    assert Entry.objects.aggregate(t=Sum("amount"))["t"] in (None, Decimal(0))
    for account in Account.objects.all():
        total = account.entries.aggregate(t=Sum("amount"))["t"] or Decimal(0)
        assert account.balance == total, account
        if account.kind in (AccountKind.VOLUNTEER, AccountKind.POOL):
            assert account.balance >= 0
    assert verify_chain() == []


def local_rule(rule_id: str, params: dict, region: str = "141129") -> None:
    PolicyRule.objects.create(
        rule_id=rule_id, title="测试用本地规则", region_id=region, params=params, local_default=True
    )


# ---------------------------------------------------------------- earning


def test_an_hour_earns_one_unit_by_default(volunteer, earn):
    posting = earn(volunteer.person, "2.5")
    assert balance(volunteer.person) == Decimal("2.50")
    assert posting.kind == EntryKind.EARN and posting.units == Decimal("2.50")
    assert sum(e.amount for e in posting.lines) == 0
    issuance = Account.objects.get(kind=AccountKind.ISSUANCE, region_id="141129")
    assert issuance.balance == Decimal("-2.50")
    assert_books_balance()


def test_the_item_weight_comes_from_the_policy_pack(volunteer, earn):
    local_rule("time_bank.item_weights", {"weights": {"bath": "1.5"}, "default": "1"})
    earn(volunteer.person, "2", item="bath")
    earn(volunteer.person, "2", item="meal_delivery")
    assert balance(volunteer.person) == Decimal("5.00")
    assert "按权重 1.5 折算" in Entry.objects.filter(kind="earn", amount__gt=0).first().memo


def test_the_same_reference_earns_once(volunteer, earn):
    first = earn(volunteer.person, "3", ref="order:77")
    lines, events = Entry.objects.count(), AuditEvent.objects.count()
    again = earn(volunteer.person, "3", ref="order:77")
    assert again.txn == first.txn
    assert (Entry.objects.count(), AuditEvent.objects.count()) == (lines, events)
    assert balance(volunteer.person) == Decimal("3.00")


def test_two_volunteers_may_earn_from_the_same_order(volunteer, earn, county):
    other = Person.objects.create(name="赵建军", region_id=VILLAGE)
    earn(volunteer.person, "1", ref="order:9")
    earn(other, "1", ref="order:9")
    assert balance(volunteer.person) == balance(other) == Decimal("1.00")


def test_earning_needs_a_reference_and_positive_hours(volunteer, earn):
    with pytest.raises(ValidationFailed) as error:
        services.earn(
            person=volunteer.person,
            hours=1,
            item_code="",
            region=VILLAGE,
            reference=" ",
            actor=None,
        )
    assert "reference" in error.value.fields
    for bad in ("0", "-1", "1.234", "abc"):
        with pytest.raises(ValidationFailed) as error:
            earn(volunteer.person, bad) if bad != "abc" else services.earn(
                person=volunteer.person,
                hours=bad,
                item_code="",
                region=VILLAGE,
                reference="x",
                actor=None,
            )
        assert "hours" in error.value.fields
    assert not Entry.objects.exists()


# ---------------------------------------------------------------- the cap and the pool


def test_the_surplus_above_the_storage_cap_goes_to_the_pool(volunteer, earn):
    earn(volunteer.person, "1495")
    posting = earn(volunteer.person, "10")
    assert balance(volunteer.person) == Decimal("1500.00")
    assert pool_of().balance == Decimal("5.00")
    assert posting.overflow is not None and posting.overflow.kind == EntryKind.OVERFLOW
    assert posting.overflow.units == Decimal("5.00")
    assert {e.reference for e in posting.overflow.lines} == {f"txn:{posting.txn}"}
    assert_books_balance()


def test_the_cap_is_a_policy_value(volunteer, earn):
    local_rule("time_bank.storage", {"storage_cap_hours": "20"})
    earn(volunteer.person, "15")
    earn(volunteer.person, "15")
    assert balance(volunteer.person) == Decimal("20.00")
    assert pool_of().balance == Decimal("10.00")


def test_a_gift_above_the_receivers_cap_goes_to_their_pool(volunteer, earn, parent, county):
    local_rule("time_bank.storage", {"storage_cap_hours": "20"})
    earn(volunteer.person, "18")
    earn(parent.person, "15")
    posting = services.transfer_to_relative(
        person=volunteer.person, to_person=parent.person, units="8", actor=county
    )
    assert balance(parent.person) == Decimal("20.00")
    assert posting.overflow.units == Decimal("3.00")
    assert pool_of().balance == Decimal("3.00")
    assert_books_balance()


# ---------------------------------------------------------------- relatives


def test_a_volunteer_gives_hours_to_a_parent_aged_60_or_more(
    volunteer, volunteer_user, earn, parent
):
    earn(volunteer.person, "10")
    posting = services.transfer_to_relative(
        person=volunteer.person, to_person=parent.person, units="4", actor=volunteer_user
    )
    assert posting.kind == EntryKind.TRANSFER
    assert balance(volunteer.person) == Decimal("6.00")
    assert balance(parent.person) == Decimal("4.00")
    assert "转赠父母王秀英" in posting.lines[0].memo
    assert_books_balance()


def test_a_parent_aged_59_is_refused_and_60_on_the_day_is_allowed(
    volunteer, volunteer_user, earn, parent
):
    earn(volunteer.person, "10")
    Person.objects.filter(pk=parent.person_id).update(birth_date=years_ago(60, days=1))
    parent.person.refresh_from_db()
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=volunteer.person, to_person=parent.person, units="1", actor=volunteer_user
        )
    assert error.value.fields["to_person"] == ["受赠的直系亲属须年满60周岁，王秀英现年59岁"]
    assert not Entry.objects.filter(kind="transfer").exists()
    Person.objects.filter(pk=parent.person_id).update(birth_date=years_ago(60))
    parent.person.refresh_from_db()
    services.transfer_to_relative(
        person=volunteer.person, to_person=parent.person, units="1", actor=volunteer_user
    )
    assert balance(parent.person) == Decimal("1.00")


def test_the_minimum_age_is_a_policy_value(volunteer, volunteer_user, earn, parent):
    local_rule("time_bank.redemption", {"relative_min_age": 80})
    earn(volunteer.person, "10")
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=volunteer.person, to_person=parent.person, units="1", actor=volunteer_user
        )
    assert "年满80周岁" in error.value.fields["to_person"][0]


def test_a_spouse_of_any_age_may_receive_either_way(county, elder_of, earn, volunteer):
    giver = elder_of(born=years_ago(66), name="刘国庆")
    young = Person.objects.create(name="陈丽华", region_id=VILLAGE, birth_date=years_ago(45))
    services.relative_link(actor=county, person=young, elder=giver, relation="spouse")
    earn(giver.person, "5")
    services.transfer_to_relative(person=giver.person, to_person=young, units="2", actor=county)
    assert balance(young) == Decimal("2.00")
    # the other way round: the contact gives to the elder whose file names them
    services.transfer_to_relative(person=young, to_person=giver.person, units="1", actor=county)
    assert balance(giver.person) == Decimal("4.00")


def test_an_elder_volunteer_gives_to_a_child_aged_60_or_more(county, elder_of, earn):
    giver = elder_of(born=years_ago(85), name="周玉兰")
    child = Person.objects.create(name="周文斌", region_id=VILLAGE, birth_date=years_ago(60))
    younger = Person.objects.create(name="周晓东", region_id=VILLAGE, birth_date=years_ago(55))
    for person in (child, younger):
        services.relative_link(actor=county, person=person, elder=giver, relation="child")
    earn(giver.person, "5")
    services.transfer_to_relative(person=giver.person, to_person=child, units="1", actor=county)
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=giver.person, to_person=younger, units="1", actor=county
        )
    assert "现年55岁" in error.value.fields["to_person"][0]


@pytest.mark.parametrize("relation", ["relative", "neighbour", "other", None])
def test_anyone_but_a_spouse_or_direct_relative_is_refused(
    county, elder_of, earn, volunteer, volunteer_user, relation
):
    from yanglao.elders.models import Contact

    elder = elder_of(born=years_ago(75), name="郭海燕")
    if relation:
        Contact.objects.create(elder=elder, person=volunteer.person, relation=relation)
    earn(volunteer.person, "5")
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=volunteer.person, to_person=elder.person, units="1", actor=volunteer_user
        )
    assert "只能转赠给配偶或年满60周岁的直系亲属" in error.value.fields["to_person"][0]
    assert balance(volunteer.person) == Decimal("5.00")


def test_no_gift_to_oneself_or_to_the_deceased(county, earn, volunteer, volunteer_user, parent):
    import datetime as dt

    from yanglao.elders import services as elders

    earn(volunteer.person, "5")
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=volunteer.person, to_person=volunteer.person, units="1", actor=volunteer_user
        )
    assert error.value.fields["to_person"] == ["不能转赠给自己"]
    elders.elder_set_status(
        actor=county, elder=parent, status="deceased", on=dt.date.today(), note="病故"
    )
    with pytest.raises(ValidationFailed) as error:
        services.transfer_to_relative(
            person=volunteer.person, to_person=parent.person, units="1", actor=volunteer_user
        )
    assert error.value.fields["to_person"] == ["受赠人已故，不能转赠"]


def test_only_the_holder_or_an_officer_of_the_region_may_give(earn, volunteer, parent, make_user):
    earn(volunteer.person, "5")
    for outsider in (make_user("visitor", VILLAGE), make_user("county_admin", "141125")):
        with pytest.raises(Forbidden):
            services.transfer_to_relative(
                person=volunteer.person, to_person=parent.person, units="1", actor=outsider
            )
    village = make_user("village_officer", VILLAGE)
    services.transfer_to_relative(
        person=volunteer.person, to_person=parent.person, units="1", actor=village
    )


# ---------------------------------------------------------------- spending, the pool


def test_spending_goes_to_the_redemption_account_once_per_reference(volunteer, earn):
    earn(volunteer.person, "5")
    first = services.spend(
        person=volunteer.person, units="2", purpose="助浴", reference="order:501", actor=None
    )
    again = services.spend(
        person=volunteer.person, units="2", purpose="助浴", reference="order:501", actor=None
    )
    assert again.txn == first.txn
    assert balance(volunteer.person) == Decimal("3.00")
    redemption = Account.objects.get(kind=AccountKind.REDEMPTION, region_id="141129")
    assert redemption.balance == Decimal("2.00")
    assert_books_balance()


def test_no_balance_goes_below_zero(volunteer, volunteer_user, earn, parent):
    earn(volunteer.person, "3")
    lines = Entry.objects.count()
    with pytest.raises(ValidationFailed) as error:
        services.spend(
            person=volunteer.person, units="3.01", purpose="助餐", reference="o:1", actor=None
        )
    assert error.value.fields["units"] == ["时间余额不足：现有 3.00 小时，需要 3.01 小时"]
    with pytest.raises(ValidationFailed):
        services.transfer_to_relative(
            person=volunteer.person, to_person=parent.person, units="4", actor=volunteer_user
        )
    with pytest.raises(ValidationFailed):
        services.donate_to_pool(person=volunteer.person, units="10", actor=volunteer_user)
    assert Entry.objects.count() == lines
    assert balance(volunteer.person) == Decimal("3.00")


def test_the_database_refuses_a_negative_personal_or_pool_balance(volunteer, earn):
    earn(volunteer.person, "1")
    account = Account.objects.get(holder=volunteer.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=Decimal("-0.01"))
    issuance = Account.objects.get(kind=AccountKind.ISSUANCE)
    assert issuance.balance < 0  # counter-accounts may


def test_a_donation_feeds_the_county_pool_and_the_pool_helps_an_elder_in_hardship(
    volunteer, volunteer_user, earn, elder_of, county
):
    earn(volunteer.person, "8")
    services.donate_to_pool(person=volunteer.person, units="6", actor=volunteer_user)
    assert pool_of().balance == Decimal("6.00")
    poor = elder_of(born=years_ago(82), name="高秀兰", welfare="minimum_allowance")
    grant = services.pool_grant(
        region="141129",
        elder=poor,
        units="4",
        purpose="上门助浴两次",
        reference="grant:1",
        actor=county,
    )
    assert grant.kind == EntryKind.POOL_GRANT
    assert {e.beneficiary_id for e in grant.lines} == {poor.person_id}
    again = services.pool_grant(
        region="141129", elder=poor, units="4", purpose="x", reference="grant:1", actor=county
    )
    assert again.txn == grant.txn
    assert pool_of().balance == Decimal("2.00")
    with pytest.raises(ValidationFailed) as error:
        services.pool_grant(
            region="141129", elder=poor, units="3", purpose="助餐", reference="", actor=county
        )
    assert error.value.fields["units"] == ["互助池余额不足：现有 2.00 小时，需要 3.00 小时"]
    assert_books_balance()


def test_the_pool_serves_only_elders_in_hardship(elder_of, county, volunteer, earn, make_user):
    earn(volunteer.person, "5")
    services.donate_to_pool(person=volunteer.person, units="5", actor=county)
    comfortable = elder_of(born=years_ago(70), name="何志强")
    with pytest.raises(ValidationFailed) as error:
        services.pool_grant(
            region="141129", elder=comfortable, units="1", purpose="助餐", actor=county
        )
    assert "互助池只资助困难老人" in error.value.fields["elder"][0]
    lonely = elder_of(born=years_ago(90), name="林桂芳", widowed_childless=True)
    services.pool_grant(region="141129", elder=lonely, units="1", purpose="助餐", actor=county)
    with pytest.raises(Forbidden):
        services.pool_grant(
            region="141129",
            elder=lonely,
            units="1",
            purpose="助餐",
            actor=make_user("village_officer", VILLAGE),
        )
    with pytest.raises(Forbidden):
        services.pool_grant(
            region="141129",
            elder=lonely,
            units="1",
            purpose="助餐",
            actor=make_user("county_admin", "141125"),
        )


# ---------------------------------------------------------------- reversals


def test_a_reversal_writes_the_mirror_lines_and_restores_the_balances(volunteer, earn, county):
    posting = earn(volunteer.person, "4")
    reversal = services.reverse(txn=posting.txn, reason="重复录入", actor=county)
    assert reversal.kind == EntryKind.REVERSAL
    assert sorted(e.amount for e in reversal.lines) == sorted(-e.amount for e in posting.lines)
    assert {e.reverses for e in reversal.lines} == {posting.txn}
    assert balance(volunteer.person) == 0
    assert Entry.objects.filter(txn=posting.txn).count() == 2  # the original stays
    assert_books_balance()


def test_a_posting_is_reversed_once_and_a_reversal_never(volunteer, earn, county):
    posting = earn(volunteer.person, "4")
    reversal = services.reverse(txn=posting.txn, reason="录错", actor=county)
    with pytest.raises(Conflict, match="该流水已冲正"):
        services.reverse(txn=posting.txn, reason="再次", actor=county)
    with pytest.raises(Conflict, match="冲正流水不能再冲正"):
        services.reverse(txn=reversal.txn, reason="撤销冲正", actor=county)
    with pytest.raises(ValidationFailed) as error:
        services.reverse(txn=posting.txn, reason=" ", actor=county)
    assert "reason" in error.value.fields


def test_a_reversal_that_would_take_a_balance_below_zero_is_refused(volunteer, earn, county):
    posting = earn(volunteer.person, "4")
    services.spend(person=volunteer.person, units="3", purpose="助餐", reference="o:2", actor=None)
    with pytest.raises(Conflict) as error:
        services.reverse(txn=posting.txn, reason="录错", actor=county)
    assert "现有 1.00 小时，需扣回 4.00 小时" in error.value.message
    assert balance(volunteer.person) == Decimal("1.00")


def test_reversing_an_earning_takes_back_its_overflow_from_the_pool(volunteer, earn, county):
    earn(volunteer.person, "1498")
    posting = earn(volunteer.person, "5")
    with pytest.raises(Conflict, match="随原流水一并冲正"):
        services.reverse(txn=posting.overflow.txn, reason="x", actor=county)
    reversal = services.reverse(txn=posting.txn, reason="工单作废", actor=county)
    assert reversal.overflow is not None
    assert balance(volunteer.person) == Decimal("1498.00")
    assert pool_of().balance == 0
    assert_books_balance()


def test_only_county_and_city_officers_reverse(volunteer, earn, make_user):
    posting = earn(volunteer.person, "4")
    for role, region in (("township_officer", "141129101"), ("county_admin", "141125")):
        with pytest.raises(Forbidden):
            services.reverse(txn=posting.txn, reason="x", actor=make_user(role, region))
    services.reverse(txn=posting.txn, reason="x", actor=make_user("city_admin", "1411"))


# ---------------------------------------------------------------- the chain


def test_lines_cannot_be_changed_through_the_orm(volunteer, earn):
    line = earn(volunteer.person, "1").lines[0]
    line.amount = Decimal("100")
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()


def test_each_line_carries_the_hash_of_the_one_before(volunteer, earn, parent, volunteer_user):
    earn(volunteer.person, "5")
    services.transfer_to_relative(
        person=volunteer.person, to_person=parent.person, units="1", actor=volunteer_user
    )
    lines = list(Entry.objects.order_by("seq"))
    assert [e.seq for e in lines] == list(range(1, len(lines) + 1))
    assert lines[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(lines):
        assert after.prev_hash == before.hash
    assert verify_chain() == []
    call_command("verify_ledgers")


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger refuses it (see the PostgreSQL test); lift it inside this
            # test's transaction, which is rolled back (deferred foreign-key checks first:
            # a table with pending trigger events cannot be altered).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE timebank_entry DISABLE TRIGGER timebank_entry_append_only")
        cursor.execute(sql, params)


def test_verify_chain_names_a_changed_line(volunteer, earn):
    for _n in range(3):
        earn(volunteer.person, "2")
    target = Entry.objects.get(seq=3)
    _tamper("UPDATE timebank_entry SET amount = %s WHERE id = %s", [Decimal("20"), target.pk])
    problems = verify_chain()
    assert problems and problems[0].seq == 3
    assert "changed" in problems[0].message
    with pytest.raises(CommandError, match="first bad seq 3"):
        call_command("verify_ledgers")


def test_verify_chain_names_a_removed_line(volunteer, earn):
    for _n in range(3):
        earn(volunteer.person, "2")
    _tamper("DELETE FROM timebank_entry WHERE seq = %s", [4])
    problems = verify_chain()
    assert problems[0].seq == 5


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_ledger_lines(volunteer, earn):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the trigger exists only there")
    from django.db import DatabaseError

    earn(volunteer.person, "2")
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=1).update(amount=Decimal("9"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=1).delete()


def test_past_records_are_written_in_order_with_their_own_time(volunteer, earn):
    import datetime as dt

    from django.utils import timezone

    from yanglao.timebank.chain import recorded_at

    july = timezone.make_aware(dt.datetime(2026, 7, 1, 9))
    with recorded_at(july):
        posting = earn(volunteer.person, "2")
    assert {e.created_at for e in posting.lines} == {july}
    earn(volunteer.person, "1")  # now
    with pytest.raises(ValueError, match="the last line is at"), recorded_at(july):
        earn(volunteer.person, "1")
    assert verify_chain() == []
