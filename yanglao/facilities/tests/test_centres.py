"""Sanming village centres: validation by field, gaps and warnings from the pack,
coverage per county, scope, pages."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, NotFound, ValidationFailed
from yanglao.facilities import centres

from .sanming_urls import facility_urls  # noqa: F401  (fixture)
from .test_ratings import make_facility

COUNTY = "350424"
VILLAGE = "350424103201"
TODAY = dt.date(2020, 10, 1)
VALID_CODE = "52350424MJ0000011J"


def data(**extra) -> dict:
    base = {
        "registered_name": "岭背村万寿延养老服务中心",
        "credit_code": VALID_CODE,
        "registered_on": "2020-03-01",
        "start_up_funds": "5000",
        "plaque_mark": True,
        "chairman_name": "张书记",
        "chairman_is_party_secretary": True,
        "secretary_general_name": "李老",
        "secretary_general_old_member": True,
        "supervisors": "王乡贤",
        "rules_kept": ["finance", "safety", "food", "hygiene"],
    }
    return {**base, **extra}


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", COUNTY)


def save(officer, village=VILLAGE, **extra):
    return centres.centre_save(actor=officer, data=data(**extra), village_code=village, today=TODAY)


def codes(centre) -> set[str]:
    return {i.code for i in centres.centre_issues(centre, TODAY)}


def test_the_valid_credit_code_is_what_the_tests_use():
    assert centres.check_credit_code(VALID_CODE) == (VALID_CODE, None)


def test_a_complete_centre_has_no_issues(officer):
    centre = save(officer)
    assert centre.registered
    assert codes(centre) == set()


def test_a_wrong_check_character_is_refused_in_chinese(officer):
    with pytest.raises(ValidationFailed) as exc:
        save(officer, credit_code=VALID_CODE[:-1] + "M")
    assert "校验位" in exc.value.fields["credit_code"][0]
    with pytest.raises(ValidationFailed) as exc:
        save(officer, credit_code="123")
    assert "18 位" in exc.value.fields["credit_code"][0]


@pytest.mark.parametrize(("funds", "gap"), [("4999", True), ("4999.99", True), ("5000", False)])
def test_funds_below_the_minimum_are_a_gap_with_the_rule(officer, funds, gap):
    centre = save(officer, start_up_funds=funds)
    issues = {i.code: i for i in centres.centre_issues(centre, TODAY)}
    assert ("funds" in issues) is gap
    if gap:
        assert issues["funds"].rule_id == "centre.registration"
        assert "5,000" in issues["funds"].message


def test_the_name_form_and_the_plaque_are_gaps(officer):
    centre = save(officer, registered_name="岭背村老年协会", plaque_mark=False)
    assert {"name", "mark"} <= codes(centre)
    assert centres.centres_for(officer, issue="name").filter(pk=centre.pk).exists()


def test_a_chairman_who_is_not_the_party_secretary_is_a_warning_not_a_refusal(officer):
    centre = save(officer, chairman_is_party_secretary=False)
    [issue] = [i for i in centres.centre_issues(centre, TODAY) if i.code == "chairman"]
    assert issue.severity == "warning"
    assert issue.rule_id == "centre.governance"
    assert centres.centres_for(officer, issue="chairman").filter(pk=centre.pk).exists()


def test_missing_rules_and_an_unregistered_centre_are_gaps(officer):
    centre = save(officer, credit_code="", registered_on="", rules_kept=["finance"])
    assert {"not_registered", "rules"} <= codes(centre)
    assert centres.centres_for(officer, registered=False).filter(pk=centre.pk).exists()


def test_a_community_or_a_second_centre_is_refused(officer):
    save(officer)
    with pytest.raises(Conflict):
        save(officer, credit_code="", registered_on="")
    with pytest.raises(ValidationFailed) as exc:
        save(officer, village="350424103")  # a township, not a village
    assert "village" in exc.value.fields


def test_coverage_per_county_against_the_target(officer, make_user):
    save(officer)
    save(
        officer,
        village="350424103202",
        registered_name="连坑村万寿延养老服务中心",
        credit_code="",
        registered_on="",
    )
    make_facility("350424103203")
    city = make_user("city_admin", "3504")
    rows = {r.region.code: r for r in centres.coverage(city, on=TODAY)}
    row = rows[COUNTY]
    assert row.villages == 11  # the demo villages of 宁化县, all 村委会
    assert row.registered == 1
    assert row.target.rule_id == "centre.registration_coverage.2020"
    assert row.met is False
    assert (row.home_villages, row.home_villages_registered) == (1, 0)
    from yanglao.facilities import measures_sanming
    from yanglao.regions.models import Region

    measured = measures_sanming.registered_centre_coverage(Region.objects.get(code=COUNTY), TODAY)
    assert (measured.numerator, measured.denominator) == (1, 11)


def test_a_centre_in_a_sibling_county_is_not_found(officer, make_user):
    other = make_user("county_admin", "350425")
    centre = centres.centre_save(
        actor=other,
        data=data(registered_name="吴地村万寿延养老服务中心", credit_code="", registered_on=""),
        village_code="350425101201",
        today=TODAY,
    )
    with pytest.raises(NotFound):
        centres.centre_get(officer, centre.pk)
    with pytest.raises(ValidationFailed):
        save(officer, village="350425101202")


def test_the_centre_pages_render(client, officer, facility_urls):  # noqa: F811
    centre = save(officer, chairman_is_party_secretary=False)
    client.force_login(officer)
    assert "岭背村万寿延养老服务中心" in client.get(facility_urls("centre_list")).content.decode()
    body = client.get(facility_urls("centre_detail", centre.pk)).content.decode()
    assert "centre.governance" in body
    assert "宁化县" in client.get(facility_urls("centre_coverage")).content.decode()
    assert client.get(facility_urls("centre_new")).status_code == 200
    response = client.post(
        facility_urls("centre_edit", centre.pk),
        {**data(credit_code=VALID_CODE[:-1] + "M"), "plaque_mark": "on"},
    )
    assert response.status_code == 422
    assert "校验位" in response.content.decode()
