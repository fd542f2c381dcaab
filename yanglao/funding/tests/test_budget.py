"""Budget what-if: the cost to each paying level of the planned tasks under the rules in
force, and the effect of changing a rule value without changing the rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import ValidationFailed
from yanglao.funding import budget
from yanglao.policy.models import PolicyRule


@pytest.fixture
def planned(db):
    from yanglao.demo.planning import load_demo
    from yanglao.demo.users import load_users

    load_users()
    load_demo()


def test_the_zhongyang_task_table_is_priced_per_level(planned, make_user):
    from yanglao.planning.models import TaskTable

    officer = make_user("county_admin", "141129")
    table = TaskTable.objects.get(region_id="141129")
    key_dc, key_hc = "2021.day_care_center", "2021.happiness_courtyard"
    rows = table.rows.filter(is_total=False)
    day_care = sum(int(r.values.get(key_dc) or 0) for r in rows)
    courtyards = sum(int(r.values.get(key_hc) or 0) for r in rows)
    assert day_care + courtyards > 0
    result = budget.budget(officer, region_code="141129", year=2021, provides_meals=True)
    totals = result.totals("base")
    # city: construction awards 100,000 / 30,000; county: operating floors 30,000 / 20,000
    assert totals["city"] == day_care * Decimal(100000) + courtyards * Decimal(30000)
    assert totals["county"] == day_care * Decimal(30000) + courtyards * Decimal(20000)
    assert totals["province"] == 0
    assert result.totals("what_if") == totals


def test_a_what_if_changes_the_total_and_not_the_rule(planned, make_user):
    officer = make_user("county_admin", "141129")
    before = list(PolicyRule.objects.values_list("pk", "params"))
    base = budget.budget(officer, region_code="141129", year=2021, provides_meals=True)
    changed = budget.budget(
        officer,
        region_code="141129",
        year=2021,
        provides_meals=True,
        overrides={"facility.operating_subsidy.happiness_courtyard": {"min_per_year": "25000"}},
    )
    courtyards = sum(
        line.item.count
        for line in changed.lines
        if line.item.facility_type == "happiness_courtyard"
    )
    delta = {r["level"]: r["delta"] for r in changed.rows}
    assert delta["county"] == courtyards * Decimal(5000)
    assert delta["city"] == 0
    assert changed.totals("base") == base.totals("base")
    assert list(PolicyRule.objects.values_list("pk", "params")) == before


def test_without_the_meals_fact_the_day_care_lines_say_what_is_missing(planned, make_user):
    officer = make_user("county_admin", "141129")
    result = budget.budget(officer, region_code="141129", year=2021)
    missing = [line for line in result.lines if line.missing]
    assert missing and all(line.item.facility_type == "day_care_center" for line in missing)
    assert missing[0].missing == ["provides_meals"]


def test_the_changzhi_applications_are_priced_with_the_area_cap(planned, make_user):
    from yanglao.planning.models import ProjectApplication

    city = make_user("city_admin", "1404")
    year = dt.date.today().year
    result = budget.budget(city, region_code="1404", year=year)
    apps = ProjectApplication.objects.filter(year=year).exclude(status="rejected")
    assert (
        len([line for line in result.lines if line.item.facility_type == "urban_community_project"])
        == apps.count()
    )
    totals = result.totals("base")
    assert totals["city"] == (totals["province"] * Decimal("0.3")).quantize(Decimal("0.01"))
    changed = budget.budget(
        city,
        region_code="1404",
        year=year,
        overrides={"urban_project.award.city_topup": {"share_of_province_award": "0.4"}},
    )
    assert changed.totals("what_if")["city"] > totals["city"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ([{"rule_id": "visit.overdue_warning", "param": "x", "value": "1"}], "overrides.0.rule_id"),
        (
            [{"rule_id": "urban_project.award.province", "param": "rate_per_m2", "value": "abc"}],
            "overrides.0.value",
        ),
    ],
)
def test_bad_overrides_name_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as error:
        budget.parse_overrides(overrides)
    assert field in error.value.fields


def test_an_unknown_param_is_refused(make_user):
    officer = make_user("county_admin", "141129")
    with pytest.raises(ValidationFailed) as error:
        budget.budget(
            officer,
            region_code="141129",
            year=2021,
            overrides={"facility.operating_subsidy.happiness_courtyard": {"nope": "1"}},
        )
    assert "overrides.0.param" in error.value.fields


def test_the_api_and_the_page(planned, client, make_user):
    client.force_login(make_user("county_admin", "141129"))
    body = {
        "region": "141129",
        "year": 2021,
        "provides_meals": True,
        "overrides": [
            {
                "rule_id": "facility.construction_award.day_care_center",
                "param": "amount",
                "value": "120000",
            }
        ],
    }
    response = client.post("/api/v1/funding/budget", body, content_type="application/json")
    assert response.status_code == 200, response.content
    levels = {r["level"]: r for r in response.json()["levels"]}
    assert Decimal(levels["city"]["delta"]) > 0 and levels["province"]["delta"] == "0.00"
    html = client.get(
        "/funding/budget/",
        {"year": "2021", "provides_meals": "yes", "rule_0": "x.y", "param_0": "a", "value_0": "1"},
    ).content.decode()
    assert "不是奖补或补贴规则" in html
