"""The time bank API: a round trip, errors in the one body, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yanglao.timebank.models import Account, AccountKind, Entry

from .conftest import years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(volunteer, earn, parent):
    earn(volunteer.person, "10", ref="order:1")
    return Account.objects.get(holder=volunteer.person)


def test_a_volunteer_reads_their_account_and_gives_and_donates(api, volunteer_user, funded, parent):
    api.as_user(volunteer_user)
    me = api.get("/api/v1/timebank/me").json()
    assert me["account"]["balance"] == "10.00" and me["storage_cap"] == "1500.00"
    assert [r["name"] for r in me["relatives"] if r["eligible"]] == ["王秀英"]
    body = {"to_person_id": parent.person_id, "units": "2.5"}
    first = api.post(
        f"/api/v1/timebank/accounts/{funded.pk}/transfers", body, HTTP_IDEMPOTENCY_KEY="t-1"
    )
    assert first.status_code == 201, first.content
    posting = first.json()
    assert posting["kind"] == "transfer" and posting["units"] == "2.50"
    assert sum(Decimal(line["amount"]) for line in posting["lines"]) == 0
    again = api.post(
        f"/api/v1/timebank/accounts/{funded.pk}/transfers", body, HTTP_IDEMPOTENCY_KEY="t-1"
    )
    assert again.json() == posting and Entry.objects.filter(kind="transfer").count() == 2
    donated = api.post(f"/api/v1/timebank/accounts/{funded.pk}/donations", {"units": "1"})
    assert donated.status_code == 201
    statement = api.get("/api/v1/timebank/me/statement").json()
    assert statement["count"] == 3
    assert [i["balance"] for i in statement["items"]] == ["6.50", "7.50", "10.00"]
    txn = api.get(f"/api/v1/timebank/txns/{posting['txn']}")
    assert txn.status_code == 200 and txn.json()["txn"] == posting["txn"]
    assert api.get("/api/v1/timebank/accounts").status_code == 403


def test_errors_name_the_field(api, volunteer_user, funded, elder_of):
    api.as_user(volunteer_user)
    stranger = elder_of(born=years_ago(70), name="马晓东")
    url = f"/api/v1/timebank/accounts/{funded.pk}/transfers"
    refused = api.post(url, {"to_person_id": stranger.person_id, "units": "1"})
    assert refused.status_code == 422
    assert "to_person" in refused.json()["error"]["fields"]
    too_much = api.post(url, {"to_person_id": stranger.person_id, "units": "-1"})
    assert too_much.status_code == 422 and "units" in too_much.json()["error"]["fields"]
    short = api.post(f"/api/v1/timebank/accounts/{funded.pk}/donations", {"units": "11"})
    assert short.json()["error"]["fields"]["units"] == [
        "时间余额不足：现有 10.00 小时，需要 11.00 小时"
    ]


def test_the_officer_grants_from_the_pool_reverses_and_reads_the_report(
    api, county, funded, volunteer, elder_of
):
    from yanglao.timebank import services

    services.donate_to_pool(person=volunteer.person, units="4", actor=county)
    poor = elder_of(born=years_ago(88), name="黄桂英", welfare="hardship")
    api.as_user(county)
    accounts = api.get("/api/v1/timebank/accounts", data={"q": "李"}).json()
    assert accounts["count"] == 1 and accounts["items"][0]["balance"] == "6.00"
    pools = api.get("/api/v1/timebank/pools").json()
    assert pools["items"][0]["region_code"] == "141129"
    grant = api.post(
        "/api/v1/timebank/pools/141129/grants",
        {"elder_id": poor.pk, "units": "3", "purpose": "助洁", "reference": "order:88"},
    )
    assert grant.status_code == 201, grant.content
    assert grant.json()["lines"][0]["beneficiary_id"] == poor.person_id
    reversal = api.post(f"/api/v1/timebank/txns/{grant.json()['txn']}/reverse", {"reason": "取消"})
    assert reversal.status_code == 201
    twice = api.post(f"/api/v1/timebank/txns/{grant.json()['txn']}/reverse", {"reason": "x"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"
    assert Account.objects.get(kind=AccountKind.POOL).balance == Decimal("4.00")
    report = api.get("/api/v1/timebank/reports/monthly", data={"region": "141129101"}).json()
    assert report["total"]["earned"] == "10.00" and report["total"]["donated"] == "4.00"
    assert report["pool_balance"] == "4.00"
    bad = api.get("/api/v1/timebank/reports/monthly", data={"month": "2026-13"})
    assert bad.status_code == 422


def test_the_officer_links_a_relative_by_api(api, county, volunteer, earn, elder_of):
    earn(volunteer.person, "1")
    account = Account.objects.get(holder=volunteer.person)
    father = elder_of(born=years_ago(81), name="李建国")
    api.as_user(county)
    response = api.post(
        f"/api/v1/timebank/accounts/{account.pk}/relatives",
        {"elder_id": father.pk, "relation": "child"},
    )
    assert response.status_code == 201
    assert response.json()["relation"] == "父母" and response.json()["eligible"]


def test_a_sibling_county_officer_gets_404(api, make_user, funded):
    officer = make_user("county_admin", "141125")
    api.as_user(officer)
    txn = Entry.objects.first().txn
    for path in (
        f"/api/v1/timebank/accounts/{funded.pk}",
        f"/api/v1/timebank/accounts/{funded.pk}/statement",
        f"/api/v1/timebank/txns/{txn}",
        "/api/v1/timebank/pools/141129",
    ):
        assert api.get(path).status_code == 404, path
    assert api.post(f"/api/v1/timebank/txns/{txn}/reverse", {"reason": "x"}).status_code == 404
    assert api.get("/api/v1/timebank/accounts").json()["count"] == 0
    assert api.get("/api/v1/timebank/me").status_code == 404


def test_a_volunteer_without_hours_reads_an_empty_statement(api, volunteer, volunteer_user):
    api.as_user(volunteer_user)
    body = api.get("/api/v1/timebank/me/statement").json()
    assert body["account"] is None and body["count"] == 0
    assert api.get("/api/v1/timebank/me").json()["account"] is None
    assert not Account.objects.filter(holder=volunteer.person).exists()
