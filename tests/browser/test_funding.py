"""A district officer of 潞州区 estimates a 2,500 m² urban community care project and sees
the province's 2,000 m² urban-district cap applied and explained, with the city's and
the county's shares, each traced to its rule and source; on a phone too."""

from __future__ import annotations

from tests.browser.conftest import login


def estimate_luzhou_project(page):
    login(page, "cz_luzhou")
    page.goto("/funding/")
    page.get_by_label("区划代码").fill("140403")
    page.get_by_label("设施类型").select_option("urban_community_project")
    page.get_by_label("按哪一天有效的规则").fill("2024-06-30")
    page.get_by_label("实际建筑面积（m²）").fill("2500")
    page.get_by_test_id("estimate-submit").click()
    return page.get_by_test_id("estimate-result")


def test_an_officer_estimates_an_urban_district_project_and_sees_the_cap(page):
    result = estimate_luzhou_project(page)
    province = result.locator('[data-rule="urban_project.award.province"]').inner_text()
    assert "700 元/m² × 2000 m² = 1,400,000 元" in province
    assert "超过市辖区奖补上限 2000 m²" in province
    assert "超出的 500 m² 不计奖补" in province
    assert "晋民发〔2020〕34号" in province and "003_a17558bec4d7d236.txt" in province
    assert (
        "420,000.00" in result.locator('[data-rule="urban_project.award.city_topup"]').inner_text()
    )
    county = result.locator('[data-rule="urban_project.award.county_match"]').inner_text()
    assert "不低于 980,000.00" in county
    assert "2,800,000.00" in page.get_by_test_id("estimate-total").inner_text()


def test_a_missing_area_is_named_in_chinese(page):
    login(page, "cz_luzhou")
    page.goto("/funding/?region=140403&facility_type=urban_community_project&on_date=2024-06-30")
    assert "需要此项" in page.locator("#floor_area_m2 ~ .invalid-feedback").inner_text()


def test_the_estimate_works_on_a_phone(phone):
    result = estimate_luzhou_project(phone)
    assert "超出的 500 m² 不计奖补" in result.inner_text()
