"""Demo of Sanming's village elder-care service centres (村级养老服务中心) and star
ratings, and GB/T 37276 grades for three care institutions in 中阳县 and 潞州区.

Through the services: happiness homes in most of Sanming's administrative villages
(``facility_save``), a centre for most of them (``centre_save``) with some not yet
registered, one whose chairman is not the village Party secretary, one without the
万寿延 plaque, one whose name is not in the "××村万寿延养老服务中心" form and one with
start-up funds below 5,000 yuan; star ratings (``rating_record``) with several 4- and
5-star homes, one 5-star home whose centre lacks the plaque (its award withheld), and
some 1–3 stars; grades for 宁乡镇敬老院 (二级), 金罗镇敬老院 (its total reaches 三级 but
one section falls short, so it lands at 二级) and 潞州区康养护理院 (三级).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from yanglao.accounts.models import User
from yanglao.core.scope import path_q
from yanglao.facilities import centres, ratings, services
from yanglao.facilities.models import Facility, FacilityType, StarRating
from yanglao.regions.models import Region

CITY = "3504"
SUPERVISORS = ["乡贤 林长青", "社会工作者 邱美玲", "乡贤 罗德清、社会工作者 黄小燕"]
RULES = ["finance", "safety", "food", "hygiene"]

# GB/T 37276 section scores (环境 120, 设施设备 130, 运营管理 150, 服务 600).
GRADES = [
    # (actor, facility, rated_on offset in days, scores, assessor)
    (
        "zy_county",
        "宁乡镇敬老院",
        -120,
        {"environment": "70", "facilities": "75", "operation": "85", "service": "330"},
        "吕梁市养老机构等级评定委员会",
    ),
    (
        # 690 points reach 三级 (570), but 运营管理 80/150 = 0.53 is below 三级's 0.6
        # share: the grade is 二级.
        "zy_county",
        "金罗镇敬老院",
        -90,
        {"environment": "90", "facilities": "100", "operation": "80", "service": "420"},
        "吕梁市养老机构等级评定委员会",
    ),
    (
        "cz_luzhou",
        "潞州区康养护理院",
        -60,
        {"environment": "85", "facilities": "95", "operation": "110", "service": "420"},
        "长治市养老机构等级评定委员会",
    ),
]


def credit_code(county: str, n: int) -> str:
    """A valid 统一社会信用代码 of a 民非 (52) registered in the county."""
    body = f"52{county}MJ{n:07d}"
    return body + uscc.calc_check_digit(body + "0")


def load_demo(*, seed: int = 3504) -> dict:
    """Idempotent: does nothing when Sanming's demo happiness homes exist; all or nothing."""
    city = Region.objects.filter(code=CITY).first()
    actor = User.objects.filter(username="sm_city").first()
    if city is None or actor is None:
        return {}
    if Facility.objects.filter(
        path_q(city.path, "region_path"), type=FacilityType.HAPPINESS_HOME
    ).exists():
        return {}
    with transaction.atomic():
        out = _sanming(actor, city, random.Random(seed))
        out["grades"] = _grades()
    return out


def _sanming(actor, city: Region, rng: random.Random) -> dict:
    today = timezone.localdate()
    villages = list(centres.administrative_villages(city).order_by("code"))
    homes: list[Facility] = []
    for i, village in enumerate(villages):
        if i % 9 == 8:  # a few villages have no happiness home
            continue
        township = village.parent.name if village.parent_id else ""
        homes.append(
            services.facility_save(
                actor=actor,
                data={
                    "name": f"{village.name}农村幸福院",
                    "type": "happiness_home",
                    "region": village.code,
                    "ownership": "public",
                    "status": "operating",
                    "address": f"{township}{village.name}村部旁",
                    "floor_area_m2": rng.choice([220, 260, 300, 360, 420, 520]),
                    "rooms": ["day_rest", "dining", "leisure", "reading"],
                    "beds": rng.choice([4, 6, 8, 10]),
                    "serves_meals": rng.random() < 0.7,
                    "public_welfare_posts": rng.choice([1, 1, 2]),
                    "residents": rng.randint(15, 60),
                    "operator_name": f"{village.name}村民委员会",
                    "opened_on": dt.date(
                        rng.choice([2016, 2017, 2018, 2019]), rng.randint(1, 12), 1
                    ),
                },
            )
        )
    # Special cases by position among the homes (the others are registered and complete).
    no_centre = {5, 17, 29}  # a happiness home but no centre at all
    unregistered = {3, 11, 23, 35}
    chairman, no_plaque, bad_name, low_funds = 7, 13, 19, 25
    withheld = 31  # a 5-star home whose centre lacks the plaque
    made = registered = 0
    for i, home in enumerate(homes):
        if i in no_centre:
            continue
        village = home.region
        county = village.code[:6]
        is_registered = i not in unregistered
        name = f"{village.name}万寿延养老服务中心"
        if i == bad_name:
            name = f"{village.name}老年协会养老服务中心"
        data = {
            "registered_name": name,
            "credit_code": credit_code(county, 1000 + i) if is_registered else "",
            "registered_on": (
                dt.date(2020, rng.randint(1, 12), rng.randint(1, 28)) if is_registered else None
            ),
            "start_up_funds": "3000" if i == low_funds else rng.choice(["5000", "8000", "10000"]),
            "plaque_mark": is_registered and i not in (no_plaque, withheld),
            "chairman_name": rng.choice(["林", "陈", "罗", "黄", "邱"]) + rng.choice("建明德华国"),
            "chairman_is_party_secretary": i != chairman,
            "secretary_general_name": rng.choice(["张", "李", "吴"]) + rng.choice("顺发福根"),
            "secretary_general_old_member": True,
            "supervisors": rng.choice(SUPERVISORS),
            "rules_kept": RULES if is_registered else RULES[:2],
            "converted_from_association": rng.random() < 0.6,
            "facility_id": home.pk,
        }
        centres.centre_save(actor=actor, village_code=village.code, data=data, today=today)
        made += 1
        registered += is_registered
    rated = _stars(actor, homes, withheld, no_centre, rng, today)
    return {"homes": len(homes), "centres": made, "registered": registered, "rated": rated}


def _stars(actor, homes, withheld, no_centre, rng, today) -> int:
    """Per county: a 5-star home and up to three 4-star homes, the rest 1–3 stars; one
    5-star home (``withheld``) lacks the plaque, so its city award is withheld."""
    by_county: dict[str, list[int]] = {}
    for i, home in enumerate(homes):
        by_county.setdefault(home.region_id[:6], []).append(i)
    stars: dict[int, int] = {withheld: 5}
    for n, (_county, indexes) in enumerate(sorted(by_county.items())):
        candidates = [i for i in indexes if i not in no_centre and i != withheld]
        if n != 2:  # one county has no five-star home yet
            stars.setdefault(candidates[0], 5)
        for i in candidates[1 : 4 if n % 2 == 0 else 3]:
            stars.setdefault(i, 4)
        for i in candidates[4:7]:
            stars.setdefault(i, rng.choice([1, 2, 3, 3]))
    for i, level in sorted(stars.items()):
        rated_on = today - dt.timedelta(days=rng.randint(60, 400))
        ratings.rating_record(
            actor=actor,
            facility=homes[i],
            rated_on=rated_on,
            stars=level,
            assessor="三明市民政局星级评定组",
            valid_until=rated_on + dt.timedelta(days=3 * 365),
            today=today,
        )
    return len(stars)


def _grades() -> int:
    today = timezone.localdate()
    made = 0
    for username, name, days, scores, assessor in GRADES:
        actor = User.objects.filter(username=username).first()
        facility = Facility.objects.filter(name=name).first()
        if actor is None or facility is None:
            continue
        if StarRating.objects.filter(facility=facility).exists():
            continue
        ratings.rating_record(
            actor=actor,
            facility=facility,
            rated_on=today + dt.timedelta(days=days),
            section_scores=scores,
            assessor=assessor,
            valid_until=today + dt.timedelta(days=days + 3 * 365),
            today=today,
        )
        made += 1
    return made
