"""The planning target measures, each from its records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yanglao.facilities.models import Facility
from yanglao.planning import measures, services
from yanglao.regions.models import Region


def _facility(name, type_, region, opened):
    r = Region.objects.get(code=region)
    return Facility.objects.create(
        name=name, type=type_, region=r, region_path=r.path, ownership="public", opened_on=opened
    )


def test_complexes_per_county_counts_the_target_period_only(db):
    luzhou = Region.objects.get(code="140403")
    community = Region.objects.filter(path__startswith=luzhou.path + ".", level=5).first()
    code = community.code if community else "140403"
    _facility("一站式甲", "community_complex", code, dt.date(2023, 3, 1))
    _facility("一站式乙", "community_complex", code, dt.date(2023, 9, 1))
    _facility("一站式旧", "community_complex", code, dt.date(2022, 9, 1))
    m = measures.new_per_county(luzhou, dt.date(2024, 1, 1))
    assert m.value == Decimal(2) and "潞州区" in m.note
    city = measures.new_per_county(Region.objects.get(code="1404"), dt.date(2024, 1, 1))
    assert city.value == Decimal(0)


def test_a_task_list_with_complex_columns_counts_as_made(make_user):
    county = make_user("county_admin", "140404")
    shangdang = Region.objects.get(code="140404")
    assert measures.task_list_made(shangdang, dt.date(2099, 1, 1)).value == Decimal(0)
    services.table_create(
        actor=county,
        region_code="140404",
        title="上党区2022—2024年一站式综合服务体建设任务清单",
        year_from=2022,
        year_to=2024,
        types=["community_complex"],
    )
    m = measures.task_list_made(shangdang, dt.date(2099, 1, 1))
    assert m.value == Decimal(1) and m.url


def test_resettlement_sites_take_the_site_count_from_the_rule(db):
    zhongyang = Region.objects.get(code="141129")
    _facility(
        "金罗镇移民安置点日间照料中心", "day_care_center", "141129101201", dt.date(2020, 5, 1)
    )
    _facility("金罗镇日间照料中心", "day_care_center", "141129101201", dt.date(2020, 5, 1))
    m = measures.resettlement_share(zhongyang, dt.date(2021, 1, 1))
    assert (m.numerator, m.denominator) == (1, 12)
