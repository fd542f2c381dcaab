"""Demo facilities of 中阳县 (Zhongyang's day-care centres, happiness courtyards,
mutual-aid courtyards, the nursing-care central home and the township nursing homes) and
of 潞州区 (Changzhi's one-stop complexes, community stations, an urban community
project and a private care institution), through the service, with some gaps against
the standards and some compliance items missing or overdue, so the pages and the
target figures show real work. Sanming and Ningbo facilities come with their own
demo modules (village centres and star ratings; Party organizations)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.facilities import services
from yanglao.facilities.models import Facility
from yanglao.regions.models import Level, Region

DAY_CARE_ROOMS = ["day_rest", "leisure", "reading", "fitness_rehab", "dining"]
COURTYARD_ROOMS = ["day_rest", "dining", "vegetable_garden"]


def _save(actor, **data) -> Facility:
    data.setdefault("status", "operating")
    return services.facility_save(actor=actor, data=data)


def load_facilities(*, seed: int = 6) -> int:
    """Idempotent: does nothing when the demo facilities exist already; all or nothing."""
    if Facility.objects.filter(name="中阳县护理型中心敬老院").exists():
        return 0
    with transaction.atomic():
        return _zhongyang(random.Random(seed)) + _changzhi(random.Random(seed + 1))


def _zhongyang(rng: random.Random) -> int:
    county = User.objects.filter(username="zy_county").first()
    if county is None:
        return 0
    today = timezone.localdate()
    made = 0
    towns = Region.objects.filter(parent_id="141129", level=Level.TOWNSHIP).order_by("code")
    for t, town in enumerate(towns):
        villages = list(Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"))
        if not villages:
            continue
        # One day-care centre per township; the second serves meals with one post short,
        # the third is too small and lacks a reading room.
        area = 120 if t == 2 else rng.choice([180, 240, 320, 420])
        rooms = DAY_CARE_ROOMS if t != 2 else ["day_rest", "leisure", "dining"]
        _save(
            county,
            name=f"{town.name}日间照料中心",
            type="day_care_center",
            region=villages[0].code,
            ownership="public",
            address=f"{town.name}{villages[0].name}村委会旁",
            floor_area_m2=area,
            rooms=rooms,
            beds=rng.choice([6, 8, 10]),
            serves_meals=t % 2 == 1,
            public_welfare_posts=1 if t == 1 else 2,
            other_staff=rng.randint(0, 2),
            residents=rng.randint(20, 60),
            operator_name=f"{town.name}人民政府",
            opened_on=dt.date(2021, 3 + t, 1),
            food_licence_no=f"JY1411290{t}0{rng.randint(1000, 9999)}" if t % 2 == 1 else "",
            food_licence_expires=today + dt.timedelta(days=rng.choice([20, 400, 700])),
            insurance_expires=today + dt.timedelta(days=rng.choice([-10, 200, 300])),
            latitude=f"37.3{rng.randint(10, 99)}",
            longitude=f"111.1{rng.randint(10, 99)}",
        )
        made += 1
        for i, village in enumerate(villages[1:]):
            roll = rng.random()
            if roll < 0.45:
                _save(
                    county,
                    name=f"{village.name}幸福小院",
                    type="happiness_courtyard",
                    region=village.code,
                    ownership="public",
                    floor_area_m2=130 if i % 9 == 4 else rng.choice([150, 160, 180, 200]),
                    rooms=COURTYARD_ROOMS if i % 7 != 3 else ["day_rest", "dining"],
                    beds=rng.choice([2, 4]),
                    serves_meals=True,
                    public_welfare_posts=0 if i % 11 == 5 else 1,
                    residents=rng.randint(8, 25),
                    operator_name=f"{village.name}村民委员会",
                    opened_on=dt.date(2021, rng.randint(1, 12), 1),
                    food_licence_no=f"JY141129{rng.randint(100000, 999999)}",
                    food_licence_expires=today + dt.timedelta(days=rng.randint(60, 700)),
                    insurance_expires=today + dt.timedelta(days=rng.randint(30, 360)),
                )
                made += 1
            elif roll < 0.6:
                _save(
                    county,
                    name=f"{village.name}互助小院",
                    type="mutual_aid_courtyard",
                    region=village.code,
                    ownership="private_public_aid",
                    floor_area_m2=rng.choice([90, 100, 110]),
                    rooms=["day_rest", "dining"],
                    serves_meals=True,
                    public_welfare_posts=1,
                    residents=rng.randint(5, 12),
                    operator_name="村民自办",
                    opened_on=dt.date(2022, rng.randint(1, 12), 1),
                    food_licence_no=f"JY141129{rng.randint(100000, 999999)}",
                    food_licence_expires=today + dt.timedelta(days=rng.randint(60, 700)),
                    insurance_expires=today + dt.timedelta(days=rng.randint(30, 360)),
                )
                made += 1
            elif roll < 0.7:
                _save(
                    county,
                    name=f"{village.name}幸福小院（在建）",
                    type="happiness_courtyard",
                    region=village.code,
                    ownership="public",
                    status="building",
                    floor_area_m2=180,
                    building_from=today - dt.timedelta(days=rng.randint(30, 200)),
                )
                made += 1
    # The nursing-care central home (the 200-bed target) and the township nursing home,
    # run by the demo operator account; one with its filing overdue.
    central = _save(
        county,
        name="中阳县护理型中心敬老院",
        type="nursing_care_central_home",
        region="141129100",
        ownership="public_built_private_run",
        address="中阳县宁乡镇城北",
        floor_area_m2=9800,
        rooms=["bedrooms", "dining", "medical", "fitness_rehab", "leisure"],
        beds=220,
        nursing_beds=150,
        serves_meals=True,
        public_welfare_posts=4,
        other_staff=46,
        residents=168,
        operator_name="山西康乐养老服务有限公司",
        opened_on=dt.date(2021, 11, 18),
        first_resident_on=dt.date(2021, 11, 20),
        filed_on=dt.date(2021, 12, 1),
        food_licence_no="JY11411290012345",
        food_licence_expires=today + dt.timedelta(days=500),
        insurance_expires=today + dt.timedelta(days=180),
        has_medical_unit=True,
    )
    home = _save(
        county,
        name="宁乡镇敬老院",
        type="nursing_home",
        region="141129100",
        ownership="public",
        address="宁乡镇南川社区",
        floor_area_m2=2600,
        rooms=["bedrooms", "dining", "medical"],
        beds=60,
        nursing_beds=20,
        serves_meals=True,
        public_welfare_posts=2,
        other_staff=12,
        residents=41,
        operator_name="宁乡镇人民政府",
        opened_on=dt.date(2009, 5, 1),
        first_resident_on=today - dt.timedelta(days=30),  # reopened after renovation
        food_licence_no="JY11411290054321",
        food_licence_expires=today - dt.timedelta(days=12),
        insurance_expires=today + dt.timedelta(days=90),
        note="2026年改造后重新收住老人，需重新备案。",
    )
    operator = User.objects.filter(username="zy_facility").first()
    if operator is not None:
        home.operators.add(operator)
    _save(
        county,
        name="金罗镇敬老院",
        type="nursing_home",
        region="141129101",
        ownership="public",
        floor_area_m2=1800,
        rooms=["bedrooms", "dining"],
        beds=40,
        nursing_beds=8,
        serves_meals=True,
        public_welfare_posts=1,
        other_staff=6,
        residents=26,
        operator_name="金罗镇人民政府",
        opened_on=dt.date(2012, 9, 1),
        first_resident_on=dt.date(2012, 9, 3),
        filed_on=dt.date(2013, 1, 10),
        food_licence_no="JY11411290067890",
        food_licence_expires=today + dt.timedelta(days=300),
        insurance_expires=None,
    )
    return made + 3 + bool(central)


def _changzhi(rng: random.Random) -> int:
    officer = User.objects.filter(username="cz_luzhou").first()
    if officer is None:
        return 0
    today = timezone.localdate()
    communities = list(
        Region.objects.filter(path__startswith="00.14.1404.140403.", level=Level.VILLAGE).order_by(
            "code"
        )
    )
    if not communities:
        return 0
    made = 0
    for name, code, converted, fire in (
        ("长兴社区居家养老一站式综合服务体", "140403001001", True, "acceptance"),
        ("八一社区居家养老一站式综合服务体", "140403005001", True, ""),  # no fire review yet
    ):
        _save(
            officer,
            name=name,
            type="community_complex",
            region=code,
            ownership="public_built_private_run",
            floor_area_m2=rng.choice([800, 1200]),
            rooms=["day_rest", "dining", "medical", "fitness_rehab", "leisure", "reading"],
            beds=20,
            nursing_beds=10,
            serves_meals=True,
            public_welfare_posts=2,
            other_staff=9,
            residents=120,
            operator_name="长治市银发家园养老服务有限公司",
            opened_on=dt.date(2022, 12, 20),
            converted_building=converted,
            fire_review=fire,
            food_licence_no="JY11404030011111",
            food_licence_expires=today + dt.timedelta(days=400),
            insurance_expires=today + dt.timedelta(days=200),
            has_medical_unit=True,
            medical_insurance_on=dt.date(2023, 5, 1) if fire else None,
            residential_utilities=bool(fire),
        )
        made += 1
    for community in communities[2:14]:
        if rng.random() < 0.55:
            _save(
                officer,
                name=f"{community.name}养老服务站",
                type="community_station",
                region=community.code,
                ownership=rng.choice(["public", "public_built_private_run"]),
                floor_area_m2=rng.choice([120, 200, 260]),
                rooms=["day_rest", "dining", "leisure"],
                serves_meals=rng.random() < 0.5,
                public_welfare_posts=1,
                other_staff=rng.randint(1, 3),
                residents=rng.randint(30, 90),
                operator_name=f"{community.name}居民委员会",
                opened_on=dt.date(2023, rng.randint(1, 12), 1),
                converted_building=True,
                fire_review=rng.choice(["filing", "design_review", ""]),
                food_licence_no=f"JY114040{rng.randint(10000000, 99999999)}",
                food_licence_expires=today + dt.timedelta(days=rng.randint(-20, 500)),
                insurance_expires=today + dt.timedelta(days=rng.randint(10, 360)),
                residential_utilities=rng.random() < 0.7,
            )
            made += 1
    _save(
        officer,
        name="紫金街道城镇社区养老幸福工程",
        type="urban_community_project",
        region=communities[-1].code,
        ownership="public_built_private_run",
        status="building",
        floor_area_m2=2300,  # above the 2,000 m² the rule gives in principle
        building_from=today - dt.timedelta(days=120),
        converted_building=True,
    )
    _save(
        officer,
        name="潞州区康养护理院",
        type="care_institution",
        region="140403002",
        ownership="private",
        floor_area_m2=5200,
        rooms=["bedrooms", "dining", "medical", "fitness_rehab"],
        beds=150,
        nursing_beds=110,
        serves_meals=True,
        other_staff=38,
        residents=37,
        operator_name="长治康养护理院有限公司",
        opened_on=today - dt.timedelta(days=40),
        first_resident_on=today - dt.timedelta(days=28),  # filing overdue
        food_licence_no="JY11404030098765",
        food_licence_expires=today + dt.timedelta(days=700),
        insurance_expires=today + dt.timedelta(days=330),
        converted_building=True,
        fire_review="acceptance",
        has_medical_unit=True,
        residential_utilities=True,
    )
    return made + 2
