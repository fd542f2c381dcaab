"""Target groups and risk levels computed from the record by policy rules, with traces;
the Python evaluation and the SQL filter agree."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from yanglao.elders import categories, risk
from yanglao.elders.categories import ExpressionError, evaluate, facts_of, group_q, groups_for
from yanglao.elders.models import Elder, ElderStatus
from yanglao.policy.loader import PACK_DIR, parse_pack
from yanglao.policy.models import PolicyRule
from yanglao.regions.models import Region

ZHONGYANG_VILLAGE = "141129101201"  # a village of 金罗镇, 中阳县
ZHONGYANG_OTHER_VILLAGE = "141129100201"  # 东峪村, another township of 中阳县
LUZHOU_COMMUNITY = "140403001001"  # 长兴社区, 潞州区, 长治市
SANMING_VILLAGE = "350405101201"  # 上洋村, 三明市
TODAY = dt.date(2026, 11, 23)
TURNS_80_TODAY = dt.date(1946, 11, 23)
TURNS_80_TOMORROW = dt.date(1946, 11, 24)


def make_elder(region=ZHONGYANG_VILLAGE, birth=dt.date(1950, 5, 1), name="王秀英", **fields):
    place = Region.objects.get(code=region)
    from yanglao.people.models import Person

    person = Person.objects.create(name=name, region=place, birth_date=birth)
    return Elder.objects.create(person=person, region=place, region_path=place.path, **fields)


def group(elder, code, on=TODAY):
    found = [g for g in groups_for(elder, on) if g.code == code]
    assert found, f"no rule for {code} applies to {elder.region_path}"
    assert len(found) == 1
    return found[0]


def in_group(elder, code, on=TODAY) -> bool:
    return any(g.matched for g in groups_for(elder, on) if g.code == code)


def in_group_sql(elder, code, region_code, on=TODAY) -> bool:
    region = Region.objects.get(code=region_code)
    return Elder.objects.filter(pk=elder.pk).filter(group_q(code, region, on)).exists()


# ------------------------------------------------------------------ the packs' expressions


def _pack_rules():
    for path in sorted(PACK_DIR.glob("*.toml")):
        yield from parse_pack(path)[1]


def test_every_target_group_rule_in_the_packs_is_a_valid_expression():
    group_rules = [r for r in _pack_rules() if r["rule_id"].startswith(categories.GROUP_PREFIX)]
    assert {r["rule_id"] for r in group_rules} >= {
        "elder.group.weekly_visit",
        "elder.group.pairing",
        "elder.group.alone_no_carer",
    }
    for rule in group_rules:
        categories.validate_group_params(rule["params"], where=rule["rule_id"])


def test_the_risk_rule_in_the_packs_is_valid_and_a_local_default():
    risk_rules = [r for r in _pack_rules() if r["rule_id"] == risk.RISK_RULE]
    assert risk_rules
    for rule in risk_rules:
        risk.validate_risk_params(rule["params"], where=rule["rule_id"])
        assert rule["local_default"]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ({"field": "rurall", "op": "eq", "value": True}, "unknown field 'rurall'"),
        ({"field": "age", "op": "between", "value": 80}, "unknown op 'between'"),
        ({"field": "rural", "op": "gte", "value": True}, "unknown op 'gte'"),
        ({"field": "living_situation", "op": "eq", "value": "alon"}, "'alon' is not a value"),
        ({"field": "age", "op": "gte", "value": "80"}, "takes an integer"),
        ({"field": "rural", "op": "eq", "value": 1}, "takes true or false"),
        ({"field": "welfare", "op": "in", "value": "hardship"}, "needs a list"),
        ({"all": [{"field": "rural", "op": "eq"}]}, r"when\.all\[0\]"),
        ({"all": [], "any": []}, "exactly one key"),
        ({"field": "groups", "op": "contains", "value": "x"}, "cannot be used in a target-group"),
    ],
)
def test_a_bad_expression_is_a_clear_error(expr, message):
    with pytest.raises(ExpressionError, match=message):
        categories.validate(expr)


def test_a_risk_factor_may_read_the_groups_but_a_group_may_not():
    expr = {"field": "groups", "op": "contains", "value": "alone_no_carer"}
    categories.validate(expr, sql=False)
    with pytest.raises(ExpressionError):
        categories.to_q(expr, TODAY)


# ------------------------------------------------------------------ 中阳 weekly visits


def test_a_rural_80_year_old_living_alone_is_in_the_zhongyang_weekly_visit_group(db):
    elder = make_elder(birth=TURNS_80_TODAY, rural=True, living_situation="alone")
    result = group(elder, "weekly_visit")
    assert result.matched
    assert result.rule_id == "elder.group.weekly_visit"
    assert result.label == "每周巡访对象"
    assert "中办发〔2020〕22号" in result.source
    assert in_group_sql(elder, "weekly_visit", "141129")


def test_a_79_year_old_is_not_and_turns_80_on_the_birthday(db):
    elder = make_elder(birth=TURNS_80_TOMORROW, rural=True, living_situation="alone")
    before = group(elder, "weekly_visit", TODAY)
    assert not before.matched
    assert any("年龄≥80岁：实际79岁" in line for line in before.trace)
    assert not in_group_sql(elder, "weekly_visit", "141129", TODAY)

    tomorrow = TODAY + dt.timedelta(days=1)
    after = group(elder, "weekly_visit", tomorrow)
    assert after.matched
    assert any("实际80岁" in line for line in after.trace)
    assert in_group_sql(elder, "weekly_visit", "141129", tomorrow)


def test_a_rural_80_year_old_living_with_family_or_in_town_is_not_in_the_group(db):
    with_family = make_elder(birth=dt.date(1940, 1, 1), living_situation="with_family")
    town = make_elder(birth=dt.date(1940, 1, 1), living_situation="alone", rural=False)
    assert not in_group(with_family, "weekly_visit")
    assert not in_group(town, "weekly_visit")
    assert any(
        "居住情况为「独居」：实际「与子女或亲属同住」" in line
        for line in group(with_family, "weekly_visit").trace
    )
    assert any("农村为是：实际否" in line for line in group(town, "weekly_visit").trace)


@pytest.mark.parametrize(
    "fact", ["no_children", "children_outside_county", "family_planning_special"]
)
def test_a_left_behind_elder_without_children_near_is_in_the_group(db, fact):
    elder = make_elder(birth=dt.date(1958, 3, 1), left_behind=True, **{fact: True})
    result = group(elder, "weekly_visit")
    assert result.matched
    label = categories.FIELDS[fact].label
    assert any(line.strip().startswith(f"✓ {label}为是") for line in result.trace)
    assert in_group_sql(elder, "weekly_visit", "141129")


def test_a_left_behind_elder_whose_children_are_in_the_county_is_not(db):
    elder = make_elder(birth=dt.date(1958, 3, 1), left_behind=True)
    result = group(elder, "weekly_visit")
    assert not result.matched
    trace = "\n".join(result.trace)
    assert "✓ 留守为是：实际是" in trace
    assert "✗ 子女不在本县为是：实际否" in trace
    assert "✗ 无子女为是：实际否" in trace
    assert result.trace[-1] == "结论：不属于「每周巡访对象」"
    assert not in_group_sql(elder, "weekly_visit", "141129")


def test_a_zhongyang_rule_does_not_apply_to_a_luzhou_elder(db):
    elder = make_elder(LUZHOU_COMMUNITY, birth=dt.date(1935, 1, 1), living_situation="alone")
    assert "weekly_visit" not in {g.code for g in groups_for(elder, TODAY)}
    assert not in_group_sql(elder, "weekly_visit", "00")
    assert not in_group_sql(elder, "weekly_visit", "1404")


def test_the_group_does_not_apply_before_the_rule_starts(db):
    elder = make_elder(birth=dt.date(1930, 1, 1), living_situation="alone")
    assert "weekly_visit" not in {g.code for g in groups_for(elder, dt.date(2019, 12, 31))}


# ------------------------------------------------------------------ 长治 pairing


def test_a_luzhou_left_behind_elder_is_in_the_changzhi_pairing_group(db):
    elder = make_elder(LUZHOU_COMMUNITY, birth=dt.date(1955, 1, 1), left_behind=True)
    result = group(elder, "pairing")
    assert result.matched and result.label.startswith("结对帮扶对象")
    assert "长民发〔2022〕53号" in result.source
    assert not group(elder, "pairing_priority").matched
    assert in_group_sql(elder, "pairing", "1404")
    assert not in_group_sql(elder, "pairing_priority", "1404")


@pytest.mark.parametrize(
    "fields",
    [
        {"welfare": "minimum_allowance"},
        {"widowed_childless": True},
        {"ability_level": "moderate"},
        {"birth": dt.date(1944, 1, 1)},
    ],
)
def test_the_changzhi_priority_pairing_group(db, fields):
    fields = {"birth": dt.date(1955, 1, 1), **fields}
    elder = make_elder(LUZHOU_COMMUNITY, left_behind=True, **fields)
    assert group(elder, "pairing_priority").matched
    assert in_group_sql(elder, "pairing_priority", "140403")
    elder.left_behind = False
    elder.save()
    assert not group(elder, "pairing").matched
    assert not group(elder, "pairing_priority").matched


def test_the_changzhi_pairing_rules_do_not_reach_zhongyang_or_before_2022_09_02(db):
    zhongyang = make_elder(left_behind=True)
    assert "pairing" not in {g.code for g in groups_for(zhongyang, TODAY)}
    luzhou = make_elder(LUZHOU_COMMUNITY, left_behind=True)
    assert "pairing" not in {g.code for g in groups_for(luzhou, dt.date(2022, 9, 1))}
    assert in_group(luzhou, "pairing", dt.date(2022, 9, 2))


# ------------------------------------------------------------------ living alone with no carer


@pytest.mark.parametrize("region", [SANMING_VILLAGE, LUZHOU_COMMUNITY, ZHONGYANG_VILLAGE])
def test_living_alone_with_no_carer_applies_everywhere(db, region):
    alone = make_elder(region, living_situation="alone", has_carer=False)
    cared_for = make_elder(region, living_situation="alone", has_carer=True)
    no_carer_with_spouse = make_elder(region, living_situation="spouse_only", has_carer=False)
    assert group(alone, "alone_no_carer").matched
    assert not group(cared_for, "alone_no_carer").matched
    assert not group(no_carer_with_spouse, "alone_no_carer").matched
    trace = "\n".join(group(cared_for, "alone_no_carer").trace)
    assert "✓ 居住情况为「独居」：实际「独居」" in trace
    assert "✗ 有人照料为否：实际是" in trace
    assert in_group_sql(alone, "alone_no_carer", region)
    assert not in_group_sql(cared_for, "alone_no_carer", region)


# ------------------------------------------------------------------ Python and SQL agree


AGREEMENT_EXPRESSIONS = [
    {"field": "age", "op": "gte", "value": 80},
    {"field": "age", "op": "gt", "value": 80},
    {"field": "age", "op": "lt", "value": 80},
    {"field": "age", "op": "lte", "value": 79},
    {"field": "age", "op": "eq", "value": 80},
    {"field": "age", "op": "ne", "value": 80},
    {"field": "age", "op": "in", "value": [79, 81]},
    {"field": "age", "op": "not_in", "value": [79, 81]},
    {"not": {"field": "age", "op": "gte", "value": 80}},
    {"not": {"not": {"field": "age", "op": "gte", "value": 70}}},
    {"field": "ltc_grade", "op": "gte", "value": 3},
    {"field": "ltc_grade", "op": "ne", "value": 2},
    {"field": "ltc_grade", "op": "not_in", "value": [0, 1]},
    {
        "not": {
            "any": [
                {"field": "ltc_grade", "op": "lt", "value": 2},
                {"field": "rural", "op": "eq", "value": False},
            ]
        }
    },
    {"field": "welfare", "op": "not_in", "value": ["none"]},
    {"field": "ability_level", "op": "in", "value": ["", "severe"]},
    {"field": "living_situation", "op": "ne", "value": "alone"},
    {"field": "sex", "op": "eq", "value": "F"},
    {"any": []},
    {"all": []},
    {
        "any": [
            {
                "all": [
                    {"field": "dementia", "op": "eq", "value": True},
                    {"field": "party_member", "op": "eq", "value": False},
                ]
            },
            {"field": "status", "op": "eq", "value": "moved"},
        ]
    },
]


def _generated_elders(count=36, seed=20261123):
    rng = random.Random(seed)
    regions = [ZHONGYANG_VILLAGE, ZHONGYANG_OTHER_VILLAGE, LUZHOU_COMMUNITY, SANMING_VILLAGE]
    births = [
        None,
        dt.date(1944, 2, 29),  # a leap-day birth
        TURNS_80_TODAY,
        TURNS_80_TOMORROW,
        dt.date(1945, 11, 23),  # turns 81 today
        dt.date(1947, 11, 23),  # turns 79 today
        dt.date(1936, 7, 1),
        dt.date(1960, 1, 15),
    ]
    elders = []
    for index in range(count):
        elders.append(
            make_elder(
                regions[index % len(regions)],
                birth=births[index % len(births)] if index < len(births) else rng.choice(births),
                name=f"老人{index}",
                rural=rng.random() < 0.7,
                living_situation=rng.choice(["alone", "spouse_only", "with_family", "other"]),
                left_behind=rng.random() < 0.5,
                has_carer=rng.random() < 0.5,
                no_children=rng.random() < 0.2,
                children_outside_county=rng.random() < 0.3,
                family_planning_special=rng.random() < 0.15,
                widowed_childless=rng.random() < 0.2,
                welfare=rng.choice(
                    ["none", "none", "extreme_poverty", "minimum_allowance", "hardship"]
                ),
                party_member=rng.random() < 0.3,
                dementia=rng.random() < 0.2,
                ability_level=rng.choice(
                    ["", "intact", "mild", "moderate", "severe", "complete_loss"]
                ),
                ltc_grade=rng.choice([None, None, 0, 1, 2, 3, 5]),
                status=rng.choice(["active", "active", "active", "moved"]),
            )
        )
    # the person's sex is on Person
    for elder in elders[::2]:
        elder.person.sex = "F"
        elder.person.save(update_fields=["sex"])
    return elders


def test_python_evaluation_and_the_sql_filter_agree_on_generated_elders(db):
    elders = _generated_elders()
    ids = [e.pk for e in elders]
    pack_expressions = [
        r["params"]["when"]
        for r in _pack_rules()
        if r["rule_id"].startswith(categories.GROUP_PREFIX)
    ]
    risk_rule = next(r for r in _pack_rules() if r["rule_id"] == risk.RISK_RULE)
    risk_expressions = [
        f["when"]
        for f in risk_rule["params"]["factors"]
        # groups, alerts and visit findings are not columns: Python only
        if categories.FIELDS[f["when"]["field"]].column
    ]
    for on in (TODAY, TODAY + dt.timedelta(days=1), dt.date(2028, 2, 29)):
        fresh = Elder.objects.select_related("person").filter(pk__in=ids)
        facts = {e.pk: facts_of(e, on) for e in fresh}
        for expr in AGREEMENT_EXPRESSIONS + pack_expressions + risk_expressions:
            in_python = {pk for pk, f in facts.items() if evaluate(expr, f)}
            in_sql = set(
                Elder.objects.filter(pk__in=ids)
                .filter(categories.to_q(expr, on))
                .values_list("pk", flat=True)
            )
            assert in_python == in_sql, (on, expr)


def test_group_filters_agree_with_groups_for_at_every_scope(db):
    elders = _generated_elders(count=32, seed=7)
    ids = [e.pk for e in elders]
    for on in (TODAY, TODAY + dt.timedelta(days=1)):
        members: dict[str, set[int]] = {}
        for elder in Elder.objects.select_related("person").filter(pk__in=ids):
            for result in groups_for(elder, on):
                if result.matched:
                    members.setdefault(result.code, set()).add(elder.pk)
        assert {"weekly_visit", "pairing", "alone_no_carer"} <= set(members)
        for scope in ("00", "14", "1411", "141129", "141129101", "1404", "3504"):
            region = Region.objects.get(code=scope)
            for code in ("weekly_visit", "pairing", "pairing_priority", "alone_no_carer"):
                expected = {
                    pk
                    for pk in members.get(code, set())
                    if Elder.objects.get(pk=pk).region_path.startswith(region.path)
                }
                got = set(
                    Elder.objects.filter(pk__in=ids)
                    .filter(group_q(code, region, on))
                    .values_list("pk", flat=True)
                )
                assert got == expected, (on, scope, code)


def test_a_local_override_for_one_township_is_followed_by_both(db):
    # A township rule (an administrator's override) lowers the age for its villages only.
    PolicyRule.objects.create(
        rule_id="elder.group.weekly_visit",
        title="每周巡访对象（金罗镇：75岁及以上独居）",
        region_id="141129101",
        params={
            "when": {
                "all": [
                    {"field": "rural", "op": "eq", "value": True},
                    {"field": "age", "op": "gte", "value": 75},
                    {"field": "living_situation", "op": "eq", "value": "alone"},
                ]
            }
        },
        local_default=True,
        note="测试用本地规则",
    )
    township = make_elder(ZHONGYANG_VILLAGE, birth=dt.date(1950, 1, 1), living_situation="alone")
    elsewhere = make_elder(
        ZHONGYANG_OTHER_VILLAGE, birth=dt.date(1950, 1, 1), living_situation="alone"
    )
    result = group(township, "weekly_visit")
    assert result.matched and result.label == "每周巡访对象"  # label still from the county
    assert not in_group(elsewhere, "weekly_visit")
    for scope in ("141129", "141129101", "1411"):
        assert in_group_sql(township, "weekly_visit", scope)
        assert not in_group_sql(elsewhere, "weekly_visit", scope)


def test_a_second_rule_with_the_same_code_adds_members(db):
    # The Zhongyang list ends in 等: a local rule may add a group under the same code.
    PolicyRule.objects.create(
        rule_id="elder.group.weekly_visit.local_disabled",
        title="每周巡访对象（本地增加：重度失能的农村老人）",
        region_id="141129",
        params={
            "code": "weekly_visit",
            "label": "每周巡访对象（本地增加）",
            "when": {"field": "ability_level", "op": "in", "value": ["severe", "complete_loss"]},
        },
        local_default=True,
        note="测试用本地规则",
    )
    elder = make_elder(birth=dt.date(1955, 1, 1), ability_level="severe")
    assert in_group(elder, "weekly_visit")
    assert in_group_sql(elder, "weekly_visit", "141129")
    assert in_group_sql(elder, "weekly_visit", "00")


def test_a_broken_rule_says_so_in_the_trace_and_does_not_break_the_page(db):
    PolicyRule.objects.create(
        rule_id="elder.group.broken",
        title="错误规则",
        region_id="141129",
        params={
            "code": "broken",
            "label": "错误规则",
            "when": {"field": "nope", "op": "eq", "value": 1},
        },
        local_default=True,
        note="测试",
    )
    elder = make_elder()
    result = group(elder, "broken")
    assert not result.matched and "规则条件有误" in result.trace[0]


# ------------------------------------------------------------------ risk


def test_an_elder_with_no_risk_factor_is_low(db):
    elder = make_elder(birth=dt.date(1958, 1, 1), ability_level="intact")
    result = risk.compute_risk(elder, TODAY)
    assert (result.level, result.score, result.reasons) == ("low", 0, [])
    assert "→ 低风险" in result.trace[-2]
    assert "本地默认值" in result.source


def test_living_alone_with_no_carer_is_medium_with_its_reasons(db):
    elder = make_elder(birth=dt.date(1958, 1, 1), living_situation="alone", has_carer=False)
    result = risk.compute_risk(elder, TODAY)
    assert result.level == "medium" and result.score == 5
    assert result.reasons == [
        "独居（+2分）",
        "无人照料（+2分）",
        "独居且无人照料（目标人群）（+1分）",
    ]


def test_turning_80_makes_an_elder_alone_with_no_carer_high(db):
    elder = make_elder(birth=TURNS_80_TOMORROW, living_situation="alone", has_carer=False)
    assert risk.compute_risk(elder, TODAY).level == "medium"
    after = risk.compute_risk(elder, TODAY + dt.timedelta(days=1))
    assert after.level == "high" and after.score == 7
    assert "高龄（80岁及以上）（+2分）" in after.reasons
    assert any("年龄≥80岁：实际80岁" in line for line in after.trace)


def test_ability_and_dementia_count(db):
    elder = make_elder(LUZHOU_COMMUNITY, ability_level="severe", dementia=True)
    result = risk.compute_risk(elder, TODAY)
    assert result.level == "high" and result.score == 6
    assert result.reasons == ["失智诊断（+3分）", "能力重度受损（+3分）"]
    mild = make_elder(
        SANMING_VILLAGE, ability_level="mild", welfare="extreme_poverty", left_behind=True
    )
    result = risk.compute_risk(mild, TODAY)
    assert (result.level, result.score) == ("medium", 3)


def test_a_county_may_change_the_thresholds(db):
    PolicyRule.objects.create(
        rule_id=risk.RISK_RULE,
        title="老年人风险等级（中阳县调整分界）",
        region_id="141129",
        params={"high_threshold": 5},
        local_default=True,
        note="测试",
    )
    zhongyang = make_elder(living_situation="alone", has_carer=False)
    luzhou = make_elder(LUZHOU_COMMUNITY, living_situation="alone", has_carer=False)
    assert risk.compute_risk(zhongyang, TODAY).level == "high"
    assert risk.compute_risk(luzhou, TODAY).level == "medium"


def test_refresh_risk_stores_the_level(db):
    elder = make_elder(ability_level="complete_loss", widowed_childless=True)
    assert elder.risk_level == "low" and elder.risk_computed_at is None
    risk.refresh_risk(elder, TODAY)
    elder.refresh_from_db()
    assert elder.risk_level == "high" and elder.risk_computed_at is not None


def test_refresh_risks_in_chunks_follows_birthdays(db):
    birthday = make_elder(birth=TURNS_80_TOMORROW, living_situation="alone", has_carer=False)
    others = [make_elder(LUZHOU_COMMUNITY, name=f"老人{i}", dementia=i % 2 == 0) for i in range(7)]
    qs = Elder.objects.filter(pk__in=[birthday.pk, *[o.pk for o in others]])
    changed = risk.refresh_risks(qs, TODAY, chunk_size=3)
    assert changed == 5  # the birthday elder to medium, four with dementia to medium
    levels = dict(qs.values_list("pk", "risk_level"))
    assert levels[birthday.pk] == "medium"
    assert sorted(levels.values()).count("medium") == 5
    assert not qs.filter(risk_computed_at__isnull=True).exists()
    assert risk.refresh_risks(qs, TODAY, chunk_size=3) == 0
    assert risk.refresh_risks(qs, TODAY + dt.timedelta(days=1), chunk_size=3) == 1
    birthday.refresh_from_db()
    assert birthday.risk_level == "high"


def test_the_nightly_task_refreshes_active_elders_only(db):
    from yanglao.elders import tasks

    active = make_elder(ability_level="complete_loss", dementia=True)
    gone = make_elder(ability_level="complete_loss", dementia=True, status=ElderStatus.DECEASED)
    tasks.refresh_all_risks()
    active.refresh_from_db()
    gone.refresh_from_db()
    assert active.risk_level == "high"
    assert gone.risk_level == "low" and gone.risk_computed_at is None


def test_the_nightly_task_runs_at_half_past_one_in_beijing():
    from yanglao.elders import tasks

    check = tasks.local_crontab(hour="1", minute="30")
    assert check(dt.datetime(2026, 11, 22, 17, 30))  # UTC, as Huey passes it
    assert not check(dt.datetime(2026, 11, 23, 1, 30))
