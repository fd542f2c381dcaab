"""The grants ledger: append-only and chained; status changes and spending are new lines;
spending outside the allowed uses and a missed county-match deadline are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from yanglao.core import ledgers
from yanglao.funding import chain, selectors, services
from yanglao.funding.models import GrantLine

LUZHOU = "140403"


@pytest.fixture
def project(make_user):
    from yanglao.facilities import services as facility_services

    return facility_services.facility_save(
        actor=make_user("county_admin", LUZHOU),
        data={
            "name": "潞州区测试幸福工程",
            "type": "urban_community_project",
            "region": LUZHOU,
            "ownership": "public",
            "status": "operating",
        },
    )


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", LUZHOU)


def open_grant(officer, project, **extra):
    data = {
        "actor": officer,
        "facility": project,
        "year": 2023,
        "payer_level": "province",
        "kind": "area_award",
        "amount": "1400000.00",
        "on_date": dt.date(2023, 5, 1),
        "rule_id": "urban_project.award.province",
    }
    data.update(extra)
    return services.grant_record(**data)


def test_a_grant_moves_forward_by_new_lines(officer, project):
    line = open_grant(officer, project)
    services.grant_status(
        actor=officer, grant=line.grant, status="approved", on_date=dt.date(2023, 6, 1)
    )
    services.grant_status(
        actor=officer,
        grant=line.grant,
        status="disbursed",
        on_date=dt.date(2023, 7, 1),
        amount="1300000",
    )
    state = selectors.grant_get(officer, line.grant)
    assert (state.status, state.amount) == ("disbursed", 1300000)
    assert GrantLine.objects.filter(grant=line.grant).count() == 3
    assert chain.verify_chain() == []


def test_a_status_cannot_go_back(officer, project):
    from yanglao.core.errors import Conflict

    line = open_grant(officer, project, status="approved")
    with pytest.raises(Conflict):
        services.grant_status(
            actor=officer, grant=line.grant, status="estimated", on_date=dt.date(2023, 6, 1)
        )


def test_spending_outside_the_allowed_uses_is_flagged(officer, project):
    line = open_grant(officer, project)
    for use, amount in [("fit_out", "200000"), ("equipment", "50000"), ("rent", "30000")]:
        services.grant_spend(
            actor=officer, grant=line.grant, amount=amount, use=use, on_date=dt.date(2023, 8, 1)
        )
    state = selectors.grant_get(officer, line.grant)
    assert state.spent == 280000
    assert [s.line.use for s in state.outside_uses] == ["rent"]
    assert state.outside_uses[0].use_label == "房屋租赁"


@pytest.mark.parametrize(
    ("disbursed_on", "today", "missed"),
    [
        (None, dt.date(2024, 5, 31), False),
        (None, dt.date(2024, 6, 1), True),
        (dt.date(2024, 5, 31), dt.date(2024, 7, 1), False),
        (dt.date(2024, 6, 1), dt.date(2024, 7, 1), True),
    ],
)
def test_the_county_match_is_due_before_june_of_the_next_year(
    officer, project, disbursed_on, today, missed
):
    line = open_grant(
        officer,
        project,
        payer_level="county",
        kind="county_match",
        amount="980000",
        rule_id="urban_project.award.county_match",
    )
    if disbursed_on:
        services.grant_status(
            actor=officer, grant=line.grant, status="disbursed", on_date=disbursed_on
        )
    state = selectors.grant_states(officer, grant=line.grant, today=today)[0]
    assert state.match_due == dt.date(2024, 6, 1)
    assert state.match_missed is missed


def test_running_cost_shares_per_facility_and_year(officer, project):
    for source, amount in [("government", "30000"), ("collective", "10000"), ("elder", "10000")]:
        services.running_cost_record(
            actor=officer,
            facility=project,
            year=2024,
            source=source,
            amount=amount,
            on_date=dt.date(2024, 12, 31),
        )
    report = selectors.running_costs(officer, facility_id=project.pk, year=2024)
    shares = {s["source"]: (s["amount"], s["share"]) for s in report["shares"]}
    assert report["total"] == 50000
    assert shares["government"] == (30000, 60)
    assert shares["children"] == (0, 0)


def _lift_trigger() -> None:
    """On PostgreSQL the trigger refuses the tampering below; lift it inside this test's
    transaction, which is rolled back (deferred foreign-key checks first)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE funding_grantline DISABLE TRIGGER funding_grantline_append_only"
            )


def test_tampering_is_found_by_verify_ledgers(officer, project):
    line = open_grant(officer, project)
    open_grant(officer, project, amount="10")
    assert ledgers.verify(["grants"]) == {"grants": []}
    # What the PostgreSQL trigger refuses, a raw write can still do: the chain finds it.
    _lift_trigger()
    GrantLine.objects.filter(pk=line.pk).update(amount="9999999.00")
    problems = ledgers.verify(["grants"])["grants"]
    assert problems and problems[0].seq == line.seq
    assert "changed" in problems[0].message
    with pytest.raises(CommandError, match="grants: first bad seq"):
        call_command("verify_ledgers")


def test_a_removed_last_line_is_found(officer, project):
    open_grant(officer, project)
    last = open_grant(officer, project, amount="10")
    _lift_trigger()
    GrantLine.objects.filter(pk=last.pk).delete()
    assert any("chain head" in p.message for p in chain.verify_chain())


def test_a_township_officer_may_read_but_not_write(make_user, project):
    from yanglao.core.errors import Forbidden

    reader = make_user("township_officer", "140403001")
    with pytest.raises(Forbidden):
        open_grant(reader, project)


def test_an_officer_of_another_county_sees_no_grant(officer, project, make_user):
    line = open_grant(officer, project)
    other = make_user("county_admin", "140404")
    assert selectors.grant_states(other) == []
    from yanglao.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.grant_get(other, line.grant)


def test_the_api_records_a_grant_its_status_and_spending(client, officer, project):
    client.force_login(officer)
    created = client.post(
        "/api/v1/funding/grants",
        {
            "facility_id": project.pk,
            "year": 2023,
            "payer_level": "county",
            "kind": "county_match",
            "rule_id": "urban_project.award.county_match",
            "amount": "980000.00",
            "on_date": "2023-05-01",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    grant = created.json()["grant_id"]
    assert created.json()["match_due"] == "2024-06-01"
    spent = client.post(
        f"/api/v1/funding/grants/{grant}/spending",
        {"use": "running_costs", "amount": "1000", "on_date": "2023-09-01"},
        content_type="application/json",
    )
    assert spent.status_code == 201
    assert [s["use"] for s in spent.json()["outside_allowed_uses"]] == ["running_costs"]
    moved = client.post(
        f"/api/v1/funding/grants/{grant}/status",
        {"status": "disbursed", "on_date": "2024-05-20"},
        content_type="application/json",
    )
    assert moved.status_code == 201 and moved.json()["status"] == "disbursed"
    assert moved.json()["match_missed"] is False
    listing = client.get("/api/v1/funding/grants", {"year": 2023}).json()
    assert listing["count"] == 1 and len(listing["items"][0]["lines"]) == 3
    back = client.post(
        f"/api/v1/funding/grants/{grant}/status",
        {"status": "approved", "on_date": "2024-05-21"},
        content_type="application/json",
    )
    assert back.status_code == 409


def test_a_bad_amount_names_the_field(client, officer, project):
    client.force_login(officer)
    response = client.post(
        "/api/v1/funding/grants",
        {
            "facility_id": project.pk,
            "year": 2023,
            "payer_level": "city",
            "kind": "city_topup",
            "amount": "-5",
            "on_date": "2023-05-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["amount"] == ["金额应大于 0"]


def test_the_ledger_pages_show_the_flags_and_take_entries(client, officer, project):
    client.force_login(officer)
    response = client.post(
        "/funding/grants/",
        {
            "facility": project.pk,
            "year": "2022",
            "payer_level": "county",
            "kind": "county_match",
            "amount": "980000",
            "status": "approved",
            "on_date": "2022-05-01",
        },
    )
    assert response.status_code == 302
    detail = response["Location"]
    client.post(
        detail, {"action": "spending", "use": "rent", "amount": "5000", "on_date": "2022-09-01"}
    )
    html = client.get(detail).content.decode()
    assert "不在允许用途内" in html and "已逾期" in html
    listing = client.get("/funding/grants/").content.decode()
    assert "配套逾期" in listing and "用途不符" in listing
    bad = client.post(detail, {"action": "status", "status": "approved", "on_date": "2023-01-01"})
    assert "状态只能向前推进" in bad.content.decode()
    client.post(
        "/funding/running-costs/",
        {"facility": project.pk, "year": "2024", "source": "donations", "amount": "800"},
    )
    page = client.get("/funding/running-costs/", {"facility": project.pk, "year": 2024})
    assert "100.0%" in page.content.decode()
