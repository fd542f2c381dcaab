"""The estimator reproduces every amount rule of the seeds at and around its thresholds
and caps, each figure traced to its rule and seed (issue 7, item 1)."""

from __future__ import annotations

import pytest

URL = "/api/v1/funding/estimate"
ON = "2024-06-30"
LUZHOU = "140403"  # 长治市潞州区, an urban district
XIANGYUAN = "140423"  # 长治市襄垣县, not an urban district
ZHONGYANG = "141129"
SANMING_COUNTY = "350424"  # 宁化县


def post(client, **body):
    payload = {
        "region": ZHONGYANG,
        "facility_type": "day_care_center",
        "floor_area_m2": None,
        "star_rating": None,
        "provides_meals": None,
        "county_funded": None,
        "on_date": ON,
    }
    payload.update(body)
    return client.post(URL, payload, content_type="application/json")


@pytest.fixture
def city_client(client, make_user):
    def login(region: str):
        client.force_login(make_user("city_admin", region))
        return client

    return login


def parts(body) -> dict[str, dict]:
    return {p["rule_id"]: p for p in body["parts"]}


# region, area, province award, city 30%, county min 70%, total
AREA_CASES = [
    (LUZHOU, "1999", "1399300.00", "419790.00", "979510.00", "2798600.00"),
    (LUZHOU, "2000", "1400000.00", "420000.00", "980000.00", "2800000.00"),
    (LUZHOU, "2500", "1400000.00", "420000.00", "980000.00", "2800000.00"),
    (XIANGYUAN, "1499", "1049300.00", "314790.00", "734510.00", "2098600.00"),
    (XIANGYUAN, "1500", "1050000.00", "315000.00", "735000.00", "2100000.00"),
    (XIANGYUAN, "2000", "1050000.00", "315000.00", "735000.00", "2100000.00"),
    (XIANGYUAN, "100.5", "70350.00", "21105.00", "49245.00", "140700.00"),
]


@pytest.mark.parametrize(("region", "area", "province", "city", "county", "total"), AREA_CASES)
def test_the_changzhi_per_m2_award_is_capped_and_shared(
    city_client, region, area, province, city, county, total
):
    client = city_client("1404")
    response = post(
        client, region=region, facility_type="urban_community_project", floor_area_m2=area
    )
    assert response.status_code == 200, response.content
    body = response.json()
    got = parts(body)
    award = got["urban_project.award.province"]
    assert (award["payer_level"], award["amount"], award["minimum"]) == (
        "province",
        province,
        False,
    )
    assert award["seed"] == "003_a17558bec4d7d236.txt"
    assert "晋民发〔2020〕34号" in award["source"]
    topup = got["urban_project.award.city_topup"]
    assert (topup["payer_level"], topup["amount"], topup["minimum"]) == ("city", city, False)
    match = got["urban_project.award.county_match"]
    assert (match["payer_level"], match["amount"], match["minimum"]) == ("county", county, True)
    assert body["total"] == total
    assert body["by_level"] == {"province": province, "city": city, "county": county}


def test_the_cap_is_explained(city_client):
    body = post(
        city_client("1404"),
        region=LUZHOU,
        facility_type="urban_community_project",
        floor_area_m2="2500",
    ).json()
    text = parts(body)["urban_project.award.province"]["explanation"]
    assert "700 元/m² × 2000 m² = 1,400,000 元" in text
    assert "超出的 500 m² 不计奖补" in text


def test_a_village_below_an_urban_district_takes_its_cap(city_client, db):
    from yanglao.regions.models import Region

    below = Region.objects.filter(
        path__startswith=Region.objects.get(code=LUZHOU).path + "."
    ).first()
    body = post(
        city_client("1404"),
        region=below.code,
        facility_type="urban_community_project",
        floor_area_m2="2500",
    ).json()
    assert parts(body)["urban_project.award.province"]["amount"] == "1400000.00"


def test_a_missing_floor_area_names_the_field(city_client):
    response = post(city_client("1404"), region=LUZHOU, facility_type="urban_community_project")
    assert response.status_code == 422
    assert "floor_area_m2" in response.json()["error"]["fields"]


def test_a_bad_floor_area_is_a_422(city_client):
    response = post(
        city_client("1404"),
        region=LUZHOU,
        facility_type="urban_community_project",
        floor_area_m2="abc",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["floor_area_m2"] == ["应为数字"]


# star rating, county funded, expected {rule: amount}, total
SANMING_CASES = [
    (5, False, {"facility.star_award.happiness_home.five_star": "30000.00"}, "30000.00"),
    (4, False, {"facility.star_award.happiness_home.four_star": "10000.00"}, "10000.00"),
    (3, False, {}, "0.00"),
    (1, False, {}, "0.00"),
    (
        5,
        True,
        {
            "facility.star_award.happiness_home.five_star": "30000.00",
            "facility.construction_award.happiness_home": "5000.00",
        },
        "35000.00",
    ),
    (3, True, {"facility.construction_award.happiness_home": "5000.00"}, "5000.00"),
]


@pytest.mark.parametrize(("star", "funded", "expected", "total"), SANMING_CASES)
def test_the_sanming_home_awards(city_client, star, funded, expected, total):
    body = post(
        city_client("3504"),
        region=SANMING_COUNTY,
        facility_type="happiness_home",
        star_rating=star,
        county_funded=funded,
    ).json()
    assert {k: v["amount"] for k, v in parts(body).items()} == expected
    assert body["total"] == total
    for part in body["parts"]:
        assert part["payer_level"] == "city"
        assert part["minimum"] is False
        assert part["seed"] == "000_cc555621ee843200.txt"


def test_a_star_award_names_its_precondition(city_client):
    body = post(
        city_client("3504"),
        region=SANMING_COUNTY,
        facility_type="happiness_home",
        star_rating=5,
        county_funded=False,
    ).json()
    assert "前提" in body["parts"][0]["explanation"]


@pytest.mark.parametrize("missing", ["star_rating", "county_funded"])
def test_a_sanming_home_needs_its_facts(city_client, missing):
    facts = {"star_rating": 5, "county_funded": True, missing: None}
    response = post(
        city_client("3504"), region=SANMING_COUNTY, facility_type="happiness_home", **facts
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [missing]


# facility type, provides meals, expected {rule: (payer, amount, minimum)}, total
ZHONGYANG_CASES = [
    (
        "day_care_center",
        True,
        {
            "facility.construction_award.day_care_center": ("city", "100000.00", False),
            "facility.operating_subsidy.day_care_with_meals": ("county", "30000.00", True),
        },
        "130000.00",
    ),
    (
        "day_care_center",
        False,
        {
            "facility.construction_award.day_care_center": ("city", "100000.00", False),
            "facility.operating_subsidy.day_care_without_meals": ("county", "10000.00", True),
        },
        "110000.00",
    ),
    (
        "happiness_courtyard",
        None,
        {
            "facility.construction_award.happiness_courtyard": ("city", "30000.00", False),
            "facility.operating_subsidy.happiness_courtyard": ("county", "20000.00", True),
        },
        "50000.00",
    ),
    ("nursing_home", None, {}, "0.00"),
]


@pytest.mark.parametrize(("kind", "meals", "expected", "total"), ZHONGYANG_CASES)
def test_the_zhongyang_subsidies_and_construction_awards(
    client, make_user, kind, meals, expected, total
):
    client.force_login(make_user("county_admin", ZHONGYANG))
    body = post(client, facility_type=kind, provides_meals=meals).json()
    got = {k: (v["payer_level"], v["amount"], v["minimum"]) for k, v in parts(body).items()}
    assert got == expected
    assert body["total"] == total
    for part in body["parts"]:
        assert part["seed"] == "002_1ca3c7f38532df77.txt"
        assert part["source"]


def test_a_construction_award_lists_the_conditions_the_facts_cannot_show(client, make_user):
    client.force_login(make_user("county_admin", ZHONGYANG))
    body = post(client, facility_type="happiness_courtyard").json()
    text = parts(body)["facility.construction_award.happiness_courtyard"]["explanation"]
    assert "符合建设标准" in text and "运营良好" in text


def test_a_day_care_centre_without_the_meals_fact_is_a_422(client, make_user):
    client.force_login(make_user("county_admin", ZHONGYANG))
    response = post(client, facility_type="day_care_center")
    assert response.status_code == 422
    assert "provides_meals" in response.json()["error"]["fields"]


def test_a_rule_not_yet_in_force_gives_no_part(client, make_user):
    client.force_login(make_user("county_admin", ZHONGYANG))
    body = post(client, facility_type="happiness_courtyard", on_date="2019-06-30").json()
    assert body == {
        "total": "0.00",
        "by_level": {"province": "0.00", "city": "0.00", "county": "0.00"},
        "parts": [],
    }


def test_an_unknown_facility_type_is_a_422(client, make_user):
    client.force_login(make_user("county_admin", ZHONGYANG))
    response = post(client, facility_type="castle")
    assert response.status_code == 422
    assert "facility_type" in response.json()["error"]["fields"]


def test_a_region_outside_the_scope_is_a_404(client, make_user):
    client.force_login(make_user("county_admin", "141125"))
    assert post(client, facility_type="happiness_courtyard").status_code == 404


def test_a_visitor_may_not_estimate(client, make_user):
    client.force_login(make_user("visitor", "141129101201"))
    assert (
        post(client, region="141129101201", facility_type="happiness_courtyard").status_code == 403
    )


def test_the_page_shows_the_arithmetic_rule_and_source(client, make_user):
    client.force_login(make_user("county_admin", LUZHOU))
    html = client.get(
        "/funding/",
        {
            "region": LUZHOU,
            "facility_type": "urban_community_project",
            "floor_area_m2": "2500",
            "on_date": ON,
        },
    ).content.decode()
    assert "超出的 500 m² 不计奖补" in html
    assert "urban_project.award.county_match" in html
    assert "003_a17558bec4d7d236.txt" in html
    assert "2,800,000.00" in html


def test_the_page_shows_field_errors_in_chinese(client, make_user):
    client.force_login(make_user("county_admin", LUZHOU))
    html = client.get(
        "/funding/", {"region": LUZHOU, "facility_type": "urban_community_project", "on_date": ON}
    ).content.decode()
    assert "is-invalid" in html and "需要此项" in html


def test_the_county_match_says_when_it_must_be_paid(city_client):
    body = post(
        city_client("1404"),
        region=LUZHOU,
        facility_type="urban_community_project",
        floor_area_m2="1000",
    ).json()
    text = parts(body)["urban_project.award.county_match"]["explanation"]
    assert "下一年度6月份前拨付到位" in text and "urban_project.county_match_payment" in text
