"""The engine is pure: rules in, a value with its trace out."""

import datetime as dt

from yanglao.policy.engine import RuleData, compare, resolve, resolve_all


def rule(pk, region_path, params, valid_from=None, valid_to=None, rule_id="r", seq=0):
    return RuleData(
        pk=pk,
        rule_id=rule_id,
        title="t",
        kind="rule",
        region_code=region_path.split(".")[-1],
        region_path=region_path,
        valid_from=valid_from,
        valid_to=valid_to,
        params=params,
        source="s",
        created_seq=seq,
    )


NATION = "00"
PROVINCE = "00.14"
CITY = "00.14.1411"
COUNTY = "00.14.1411.141129"
SIBLING = "00.14.1411.141125"
DAY = dt.date(2021, 6, 1)


def test_the_most_specific_region_wins_and_the_trace_says_so():
    rules = [rule(1, NATION, {"a": 1, "b": 1}), rule(2, CITY, {"a": 2}), rule(3, COUNTY, {"a": 3})]
    res = resolve("r", rules, COUNTY, DAY)
    assert res.params == {"a": 3, "b": 1}
    assert [s.rule.pk for s in res.trace] == [1, 2, 3]
    assert res.param_source["a"].pk == 3 and res.param_source["b"].pk == 1
    assert res.trace[2].overridden == ("a",)
    assert res.decisive.pk == 3


def test_a_sibling_rule_does_not_apply():
    rules = [rule(1, PROVINCE, {"a": 1}), rule(2, SIBLING, {"a": 9})]
    assert resolve("r", rules, COUNTY, DAY).params == {"a": 1}


def test_a_child_rule_does_not_apply_upwards():
    rules = [rule(1, COUNTY, {"a": 1})]
    assert resolve("r", rules, CITY, DAY) is None


def test_dates_bound_a_rule():
    rules = [
        rule(1, COUNTY, {"a": 1}, valid_to=dt.date(2020, 12, 31)),
        rule(2, COUNTY, {"a": 2}, valid_from=dt.date(2021, 1, 1)),
    ]
    assert resolve("r", rules, COUNTY, dt.date(2020, 12, 31)).params == {"a": 1}
    assert resolve("r", rules, COUNTY, dt.date(2021, 1, 1)).params == {"a": 2}
    assert resolve("r", rules, COUNTY, dt.date(2019, 1, 1)).params == {"a": 1}


def test_within_one_region_the_later_start_wins():
    rules = [
        rule(1, CITY, {"a": 1}, valid_from=dt.date(2019, 1, 1)),
        rule(2, CITY, {"a": 2}, valid_from=dt.date(2020, 1, 1)),
    ]
    assert resolve("r", rules, COUNTY, DAY).params == {"a": 2}


def test_a_local_rule_added_later_beats_the_shipped_one_of_the_same_region_and_start():
    rules = [rule(1, COUNTY, {"a": 1}, seq=0), rule(2, COUNTY, {"a": 5}, seq=10)]
    assert resolve("r", rules, COUNTY, DAY).params == {"a": 5}


def test_region_paths_are_compared_by_segment_not_by_prefix():
    # "00.14.1411.14112" must not count as an ancestor of "00.14.1411.141129".
    rules = [rule(1, "00.14.1411.14112", {"a": 1})]
    assert resolve("r", rules, COUNTY, DAY) is None


def test_resolve_all_returns_one_resolution_per_rule_id():
    rules = [
        rule(1, NATION, {"a": 1}, rule_id="x"),
        rule(2, COUNTY, {"b": 1}, rule_id="y"),
        rule(3, SIBLING, {"c": 1}, rule_id="z"),
    ]
    assert [r.rule_id for r in resolve_all(rules, COUNTY, DAY)] == ["x", "y"]


def test_compare():
    assert compare(1.0, ">=", 1.0) and compare(0.5, "<", 0.6) and not compare(0.5, ">", 0.6)
