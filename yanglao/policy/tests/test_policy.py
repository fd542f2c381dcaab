"""The shipped packs, the lookup with its trace, local overrides, and the policy pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.policy import selectors, services
from yanglao.policy.loader import PACK_DIR, load_packs, parse_pack
from yanglao.policy.models import PolicyRule
from yanglao.regions.models import Region

SUBSIDY = "facility.operating_subsidy.day_care_with_meals"
JUNE_2021 = dt.date(2021, 6, 1)


@pytest.fixture
def zhongyang(db):
    return Region.objects.get(code="141129")


def test_every_pack_rule_cites_a_seed_or_says_it_is_a_local_default():
    for path in PACK_DIR.glob("*.toml"):
        _pack, rules = parse_pack(path)
        assert rules, path.name
        for rule in rules:
            if rule["local_default"]:
                assert rule["note"], rule["rule_id"]
            else:
                assert rule["source_doc"] and rule["source_seed"], rule["rule_id"]


def test_every_seed_quote_is_in_its_seed():
    from django.conf import settings

    seeds = settings.BASE_DIR.parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("shared/seeds is not beside the checkout")
    for path in PACK_DIR.glob("*.toml"):
        for rule in parse_pack(path)[1]:
            if rule["source_quote"] and rule["source_seed"].endswith(".txt"):
                text = (seeds / rule["source_seed"]).read_text(encoding="utf-8")
                squash = re.sub(r"\s+", "", text)
                assert re.sub(r"\s+", "", rule["source_quote"]) in squash, rule["rule_id"]


def test_loading_the_packs_twice_changes_nothing(db):
    result = load_packs()
    assert result.created == 0 and result.updated == 0 and result.deactivated == 0


def test_the_lookup_gives_the_county_value_with_its_source(zhongyang):
    res = selectors.lookup(SUBSIDY, zhongyang, JUNE_2021)
    assert res["min_per_year"] == "30000"
    assert res.decisive.region_code == "141129"
    assert "002_1ca3c7f38532df77.txt" in "".join(
        PolicyRule.objects.filter(pk=res.decisive.pk).values_list("source_seed", flat=True)
    )


def test_a_rule_does_not_reach_a_sibling_county(db):
    liulin = Region.objects.get(code="141125")
    assert selectors.lookup(SUBSIDY, liulin, JUNE_2021) is None


def test_a_village_inherits_the_county_rule(db):
    village = Region.objects.get(code="141129101201")
    assert selectors.lookup(SUBSIDY, village, JUNE_2021)["min_per_year"] == "30000"


def test_the_policy_for_zhongyang_on_1_june_2021_has_all_four_levels(zhongyang):
    view = selectors.policy_for(zhongyang, JUNE_2021)
    levels = {row.rule.region_id for row in view.in_force}
    assert {"00", "14", "1411", "141129"} <= levels
    for row in view.in_force:
        rule = row.rule
        assert rule.local_default or (rule.source_doc and rule.source_seed)
        assert rule.valid_from is None or rule.valid_from <= JUNE_2021
        assert rule.valid_to is None or rule.valid_to >= JUNE_2021
    # Rules of other places never show.
    assert not any(row.rule.region_id.startswith(("1404", "3504", "3302")) for row in view.in_force)


def test_the_policy_page_for_zhongyang_on_1_june_2021(client, make_user):
    officer = make_user("county_admin", "141129")
    client.force_login(officer)
    response = client.get("/policy/rules/", {"region": "141129", "on": "2021-06-01"})
    page = response.content.decode()
    assert response.status_code == 200
    in_force = page.split('data-testid="rules-in-force"')[1].split("</table>")[0]
    for place in ("中阳县", "吕梁市", "山西省", "全国"):
        assert f"<td>{place}" in in_force, place
    assert "002_1ca3c7f38532df77.txt" in in_force  # the Zhongyang seed
    assert "003_a17558bec4d7d236.txt" in in_force  # Shanxi's award, as the Changzhi seed cites it
    assert "本地默认值" in in_force
    assert "30000" in in_force


def test_an_override_by_the_county_wins_and_is_audited(zhongyang, make_user):
    officer = make_user("county_admin", "141129")
    rule = services.rule_override(
        actor=officer,
        rule_id=SUBSIDY,
        region_code="141129",
        params={"min_per_year": "40000"},
        valid_from=dt.date(2023, 1, 1),
        source_doc="中阳县关于提高日间照料中心运营补贴的通知",
        source_number="中民发〔2023〕1号",
    )
    assert selectors.lookup(SUBSIDY, zhongyang, dt.date(2023, 6, 1))["min_per_year"] == "40000"
    assert selectors.lookup(SUBSIDY, zhongyang, JUNE_2021)["min_per_year"] == "30000"
    res = selectors.lookup(SUBSIDY, zhongyang, dt.date(2023, 6, 1))
    assert [s.rule.pk for s in res.trace][-1] == rule.pk and res.trace[-1].overridden == (
        "min_per_year",
    )
    assert AuditEvent.objects.filter(action="policy.override", actor=officer).exists()


def test_an_override_needs_a_source_and_a_known_parameter(make_user):
    officer = make_user("county_admin", "141129")
    with pytest.raises(ValidationFailed) as info:
        services.rule_override(
            actor=officer,
            rule_id=SUBSIDY,
            region_code="141129",
            params={"nope": "1"},
            valid_from=None,
        )
    assert set(info.value.fields) == {"params", "source_doc"}
    with pytest.raises(ValidationFailed) as info:
        services.rule_override(
            actor=officer,
            rule_id=SUBSIDY,
            region_code="141129",
            params={"min_per_year": "lots"},
            valid_from=None,
            local_default=True,
            note="试点",
        )
    assert "params.min_per_year" in info.value.fields


def test_only_policy_editors_override(make_user):
    for role, region in [("township_officer", "141129101"), ("visitor", "141129101201")]:
        with pytest.raises(Forbidden):
            services.rule_override(
                actor=make_user(role, region),
                rule_id=SUBSIDY,
                region_code=region,
                params={"min_per_year": "1"},
                valid_from=None,
                source_doc="x",
            )


def test_the_override_page(client, make_user):
    officer = make_user("county_admin", "141129")
    client.force_login(officer)
    url = f"/policy/rules/{SUBSIDY}/override/?region=141129"
    assert client.get(url).status_code == 200
    page = client.post(url, {"region": "141129", "valid_from": "2024-01-01"}).content.decode()
    assert "至少要修改一个参数" in page and "请填写依据的文件名称" in page
    response = client.post(
        url,
        {
            "region": "141129",
            "valid_from": "2024-01-01",
            "param__min_per_year": "45000",
            "source_doc": "县通知",
        },
    )
    assert response.status_code == 302
    detail = client.get(f"/policy/rules/{SUBSIDY}/", {"region": "141129", "on": "2024-02-01"})
    assert "45000" in detail.content.decode()


def test_the_targets_page_lists_deadlines(client, make_user):
    officer = make_user("county_admin", "141129")
    client.force_login(officer)
    page = client.get("/policy/targets/", {"region": "141129", "on": "2021-06-01"}).content.decode()
    assert "facility.village_coverage.2021" in page or "village_care_facility_share" in page
    assert "2021-12-31" in page and "尚未度量" in page


def test_the_policy_api_returns_rules_with_sources(api, make_user):
    officer = make_user("county_admin", "141129")
    body = (
        api.as_user(officer)
        .get("/api/v1/policy/rules", data={"region": "141129", "on": "2021-06-01"})
        .json()
    )
    codes = {step["rule"]["region_code"] for r in body["in_force"] for step in r["trace"]}
    assert {"00", "14", "1411", "141129"} <= codes
    lookup = api.get(f"/api/v1/policy/lookup/{SUBSIDY}", data={"region": "141129101201"}).json()
    assert lookup["params"]["min_per_year"] == "30000"
    assert lookup["trace"][-1]["rule"]["source"]["seed"] == "002_1ca3c7f38532df77.txt"
    created = api.post(
        "/api/v1/policy/rules",
        {
            "rule_id": SUBSIDY,
            "region": "141129",
            "params": {"min_per_year": "50000"},
            "valid_from": "2025-01-01",
            "source_doc": "县通知",
        },
    )
    assert created.status_code == 201 and created.json()["params"] == {"min_per_year": "50000"}
    targets = api.get("/api/v1/policy/targets", data={"region": "141129"}).json()
    assert any(t["indicator"] for t in targets)


def test_a_bad_group_condition_is_refused_when_saved(make_user):
    officer = make_user("county_admin", "141129")
    with pytest.raises(ValidationFailed) as info:
        services.rule_override(
            actor=officer,
            rule_id="elder.group.weekly_visit",
            region_code="141129",
            params={"when": '{"field": "rurall", "op": "eq", "value": true}'},
            valid_from=None,
            source_doc="县通知",
        )
    assert "rurall" in info.value.fields["params"][0]


def test_a_bad_group_condition_in_a_pack_is_refused_when_loaded(tmp_path):
    from yanglao.policy.loader import PackError

    (tmp_path / "bad.toml").write_text(
        '[pack]\nid = "bad"\ntitle = "坏"\n[[rule]]\nid = "elder.group.x"\ntitle = "x"\n'
        'region = "00"\nparams = { code = "x", label = "x", when = { field = "nope", op = "eq",'
        ' value = 1 } }\nsource = { local_default = true, note = "n" }\n',
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="nope"):
        parse_pack(tmp_path / "bad.toml")


def test_a_county_sees_the_local_rules_of_its_townships(client, make_user):
    township = make_user("county_admin", "141129101")
    services.rule_override(
        actor=township,
        rule_id=SUBSIDY,
        region_code="141129101",
        params={"min_per_year": "35000"},
        valid_from=dt.date(2024, 1, 1),
        source_doc="镇通知",
    )
    county = make_user("county_admin", "141129")
    client.force_login(county)
    page = client.get(f"/policy/rules/{SUBSIDY}/", {"region": "141129"}).content.decode()
    below = page.split('data-testid="rules-below"')[1]
    assert "金罗镇" in below and "35000" in below
    rules = client.get("/policy/rules/", {"region": "141129101", "on": "2024-06-01"})
    assert "本地已调整" in rules.content.decode()
