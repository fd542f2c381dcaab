"""The Sanming year-end award tiers (100,000 / 50,000 / 30,000) from a ranking of the
counties on registered-centre coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import ValidationFailed
from yanglao.funding import rules, selectors

TIERS = ["100000", "50000", "30000"]
D = Decimal

# values, tier sizes, expected amounts in the order of the ranking
CASES = [
    ([("a", D("0.9")), ("b", D("0.8")), ("c", D("0.7"))], [1, 1, 1], ["100000", "50000", "30000"]),
    (
        [("a", D("0.9")), ("b", D("0.8")), ("c", D("0.7")), ("d", D("0.6"))],
        [1, 1, 1],
        ["100000", "50000", "30000", "0"],
    ),
    (
        [("a", D("0.9")), ("b", D("0.8")), ("c", D("0.7")), ("d", D("0.6"))],
        [1, 2, 1],
        ["100000", "50000", "50000", "30000"],
    ),
    # a tie shares the tier (and the rank) of the county it ties with
    ([("a", D("0.9")), ("b", D("0.9")), ("c", D("0.7"))], [1, 1, 1], ["100000", "100000", "30000"]),
    # nothing registered: no award
    ([("a", D("0.5")), ("b", D("0")), ("c", D("0"))], [1, 1, 1], ["100000", "0", "0"]),
    ([("b", D("0.1")), ("a", D("0.95"))], [0, 1, 1], ["50000", "30000"]),
]


@pytest.mark.parametrize(("values", "sizes", "expected"), CASES)
def test_the_tiers_follow_the_ranking(values, sizes, expected):
    ranked = rules.tier_awards(values, TIERS, sizes)
    assert [str(int(r.amount)) for r in ranked] == expected


def test_ties_share_a_rank():
    ranked = rules.tier_awards(
        [("a", D("0.9")), ("b", D("0.9")), ("c", D("0.7"))], TIERS, [1, 1, 1]
    )
    assert [r.rank for r in ranked] == [1, 1, 3]


def test_the_sizes_must_match_the_tiers():
    with pytest.raises(ValidationFailed) as error:
        rules.tier_awards([("a", D("1"))], TIERS, [1, 1])
    assert "tier_sizes" in error.value.fields


def test_the_city_ranks_its_counties_with_the_rule_and_its_source(make_user, monkeypatch):
    city = make_user("city_admin", "3504")
    values = {"350424": D("0.8"), "350425": D("0.6"), "350430": D("0.9")}

    def fake(county, on):
        from yanglao.policy.indicators import Measurement

        return Measurement(value=values.get(county.code, D("0")), numerator=1, denominator=1)

    monkeypatch.setattr(selectors, "registered_centre_coverage", fake)
    result = selectors.county_evaluation(city, region_code="3504", year=2020, tier_sizes=[1, 1, 1])
    assert result.rule.rule_id == "centre.registration_evaluation_award"
    assert result.on == dt.date(2020, 12, 31)
    top = [(r.county.code, r.amount) for r in result.rows if r.amount]
    assert top == [("350430", 100000), ("350424", 50000), ("350425", 30000)]
    assert result.total == 180000
    assert "五（三）" in result.source


def test_outside_sanming_there_is_no_rule(make_user):
    officer = make_user("county_admin", "141129")
    result = selectors.county_evaluation(
        officer, region_code="141129", year=2020, tier_sizes=[1, 1, 1]
    )
    assert result.rule is None and result.rows == []


def test_the_api_and_the_page(client, make_user):
    client.force_login(make_user("city_admin", "3504"))
    response = client.get(
        "/api/v1/funding/county-evaluation", {"region": "3504", "year": 2020, "tier_sizes": "1,1,1"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rule_id"] == "centre.registration_evaluation_award"
    assert body["tiers"] == ["100000.00", "50000.00", "30000.00"]
    bad = client.get(
        "/api/v1/funding/county-evaluation", {"region": "3504", "year": 2020, "tier_sizes": "x"}
    )
    assert bad.status_code == 422 and "tier_sizes" in bad.json()["error"]["fields"]
    html = client.get(
        "/funding/evaluation/", {"region": "3504", "year": 2020, "tier_sizes": "1,1,1"}
    )
    assert "centre.registration_evaluation_award" in html.content.decode()
