"""Donations: a chained ledger; spending over or off the purpose is flagged; the public
disclosure never shows the name of an anonymous donor; tampering is found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from yanglao.community import donations
from yanglao.community.models import DonationLine
from yanglao.core import ledgers

VILLAGE = "141129101201"
SECRET = "隐名捐赠人王某"


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", "141129")


@pytest.fixture
def elder_id(officer):
    from yanglao.elders.models import Elder

    elder = Elder.objects.filter(region__code=VILLAGE).first()
    if elder is None:
        from tests.test_api_scope import register_elder

        elder = register_elder(officer, VILLAGE, seq=3)
    return elder.pk


def give(officer, elder_id, **extra):
    data = {
        "actor": officer,
        "recipient_kind": "elder",
        "recipient_id": elder_id,
        "donor_kind": "local_worthy",
        "donor_name": "乡贤李某",
        "amount": "1000.00",
        "purpose": "助餐",
        "receipt_no": "JZ-001",
        "on_date": dt.date(2026, 3, 1),
    }
    data.update(extra)
    return donations.donation_record(**data)


def test_spending_under_and_over_the_purpose(officer, elder_id):
    d = give(officer, elder_id)
    donations.spending_record(
        actor=officer, donation=d.donation, amount="400", on_date=dt.date(2026, 3, 5)
    )
    s = donations.summarize(donations.lines_in_scope(officer))
    assert not s.over and s.spent == 400
    donations.spending_record(
        actor=officer, donation=d.donation, amount="700", on_date=dt.date(2026, 3, 9)
    )
    s = donations.summarize(donations.lines_in_scope(officer))
    assert [p.purpose for p in s.over] == ["助餐"]  # flagged, not refused
    donations.spending_record(
        actor=officer, donation=d.donation, amount="10", purpose="修缮", on_date=dt.date(2026, 3, 9)
    )
    s = donations.summarize(donations.lines_in_scope(officer))
    assert [x.purpose for x in s.other_purpose] == ["修缮"]
    assert donations.verify_chain() == []


def test_the_anonymous_donor_never_appears_in_public(client, api, officer, elder_id):
    give(officer, elder_id, donor_name=SECRET, anonymous=True, receipt_no="JZ-002")
    give(officer, elder_id)
    page = client.get(f"/community/donations/disclosure/{VILLAGE}/")
    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert "匿名".encode() in page.content and "乡贤李某".encode() in page.content
    assert b"@media print" in page.content
    public = api.get(f"/api/v1/community/donations/disclosure/{VILLAGE}")
    assert public.status_code == 200
    assert SECRET.encode() not in public.content
    assert public.json()["donations"][0]["donor"] == "匿名"


def test_an_unknown_village_is_404(client, db):
    assert client.get("/community/donations/disclosure/999999999999/").status_code == 404


def _lift_trigger() -> None:
    """On PostgreSQL the trigger refuses the tampering below; lift it inside this test's
    transaction, which is rolled back (deferred foreign-key checks first)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE community_donationline "
                "DISABLE TRIGGER community_donationline_append_only"
            )


def test_tampering_is_found_by_verify_ledgers(officer, elder_id):
    line = give(officer, elder_id)
    give(officer, elder_id, amount="10")
    assert ledgers.verify(["donations"])["donations"] == []
    _lift_trigger()
    DonationLine.objects.filter(pk=line.pk).update(amount="99.00")
    problems = ledgers.verify(["donations"])["donations"]
    assert problems and problems[0].seq == line.seq and "changed" in problems[0].message
    with pytest.raises(CommandError, match="donations: first bad seq"):
        call_command("verify_ledgers")


def test_an_officer_cannot_give_to_another_county(officer):
    from yanglao.core.errors import NotFound

    with pytest.raises(NotFound):
        donations.donation_record(
            actor=officer,
            recipient_kind="pool",
            recipient_id="141125",
            donor_kind="person",
            donor_name="x",
            amount="1",
            purpose="x",
            on_date=dt.date(2026, 1, 1),
        )


def test_the_officer_pages_render_and_record(client, make_user, officer, elder_id):
    d = give(officer, elder_id, donor_name=SECRET, anonymous=True)
    client.force_login(officer)
    for url, text in [
        ("/community/donations/", "捐赠台账"),
        ("/community/donations/?q=助餐&line_kind=donation", SECRET),
        ("/community/donations/new/", "登记捐赠"),
        ("/community/donations/ledger/", "台账明细"),
        (f"/community/donations/{d.donation}/spend/", "登记支出"),
        (f"/community/donations/preview/{VILLAGE}/", "公示预览"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    assert SECRET.encode() not in client.get(f"/community/donations/preview/{VILLAGE}/").content
    response = client.post(
        f"/community/donations/{d.donation}/spend/",
        {"amount": "2000", "on_date": "2026-03-02", "purpose": "助餐"},
    )
    assert response.status_code == 302
    assert "支出超过该用途".encode() in client.get("/community/donations/").content
    response = client.post(
        "/community/donations/new/",
        {
            "recipient_kind": "pool",
            "recipient_id": "141129",
            "donor_kind": "child_away",
            "donor_name": "在外务工张某",
            "amount": "200",
            "purpose": "互助池",
            "on_date": "2026-03-03",
        },
    )
    assert response.status_code == 302
    assert DonationLine.objects.filter(donor_name="在外务工张某").exists()
    other = make_user("county_admin", "141125")
    client.force_login(other)
    assert client.get(f"/community/donations/{d.donation}/spend/").status_code == 404


@pytest.mark.django_db
def test_the_demo_donations(client):
    from yanglao.demo.community_donations import load_donations
    from yanglao.demo.facilities import load_facilities
    from yanglao.demo.sanming import load_demo as load_sanming
    from yanglao.demo.users import load_users

    load_users()
    load_facilities()
    load_sanming()
    assert load_donations() > 0
    assert load_donations() == 0  # idempotent
    assert donations.verify_chain() == []
    assert DonationLine.objects.filter(region_path__startswith="00.35.3504.").exists()
    anonymous = DonationLine.objects.filter(anonymous=True, region_path__contains=VILLAGE).first()
    assert anonymous is not None
    page = client.get(f"/community/donations/disclosure/{VILLAGE}/")
    assert page.status_code == 200 and anonymous.donor_name.encode() not in page.content
    assert DonationLine.objects.filter(line_kind="spending").exists()
