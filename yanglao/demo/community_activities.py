"""Demo season of community activities (社区活动) in 中阳县 and 潞州区: for the villages
with the most demo elders, an activity every week or two over the past three months
(culture and sports, learning, health talks and free clinics, legal and anti-fraud
education, mutual help), signed up by elders themselves, their families, visitors and
staff, attendance taken, closed with a summary; a town free clinic and a day-care centre
activity; and the next three weeks open for sign-up. About one elder in six attends
nothing, so the isolation list has names. Everything goes through the services."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.community import activities as svc
from yanglao.community.models import Signup
from yanglao.elders.models import Elder, ElderStatus
from yanglao.facilities.models import Facility
from yanglao.regions.models import Region

PLACES = [("zy_county", "00.14.1411.141129.", 6), ("cz_luzhou", "00.14.1404.140403.", 3)]
ZY_VILLAGE = "141129101201"

SEASON = [
    (
        "culture_sports",
        "广场舞健身活动",
        "村文化广场",
        60,
        "到场老人跟着音乐活动了一个小时，村医现场量了血压。",
    ),
    (
        "health_talk",
        "冬季心脑血管疾病预防讲座",
        "村卫生室",
        30,
        "县医院医生讲解了冬季防病要点，12 位老人做了免费血压血糖检测。",
    ),
    (
        "legal_antifraud",
        "防范电信诈骗和保健品骗局宣讲",
        "村委会会议室",
        40,
        "派出所民警讲了冒充子女、养老金升级等骗局，发放宣传资料。",
    ),
    (
        "learning",
        "智能手机使用课：视频通话与健康码",
        "村老年活动室",
        20,
        "志愿者手把手教老人视频通话，多数老人学会了给子女打视频电话。",
    ),
    (
        "mutual_help",
        "邻里互助：包饺子送给独居老人",
        "村老年餐桌",
        25,
        "低龄老人和志愿者包了饺子，送到 8 位独居老人家中。",
    ),
    (
        "culture_sports",
        "重阳敬老文艺演出",
        "村文化广场",
        None,
        "村民自编自演节目，为 80 岁以上老人送上慰问品。",
    ),
]
UPCOMING = [
    ("health_talk", "义诊：眼科和口腔检查", "村卫生室", 30),
    ("legal_antifraud", "老年人权益保障法宣讲", "村委会会议室", 40),
    ("culture_sports", "元旦联欢：戏曲演唱", "村文化广场", None),
]


def load_activities() -> dict | None:
    """Idempotent: does nothing when community activities with sign-ups exist."""
    if Signup.objects.exists():
        return None
    rng = random.Random(8)
    today = timezone.localdate()
    made = {"activities": 0, "signups": 0, "attended": 0, "upcoming": 0}
    with transaction.atomic():
        for username, prefix, n_villages in PLACES:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                continue
            busiest = [
                row["region_path"]
                for row in Elder.objects.filter(
                    region_path__startswith=prefix, status=ElderStatus.ACTIVE
                )
                .values("region_path")
                .annotate(n=Count("pk"))
                .order_by("-n", "region_path")[: n_villages * 3]
            ]
            villages: list[Region] = []
            for path in busiest:
                region = Region.objects.filter(path=path, level__gte=5).first()
                if region is not None and region not in villages:
                    villages.append(region)
            first = Region.objects.filter(code=ZY_VILLAGE).first()
            if prefix.endswith("141129.") and first is not None and first not in villages:
                villages.insert(0, first)
            for village in villages[:n_villages]:
                _season(actor, village, today, rng, made)
            _town_and_centre(actor, villages[:1], today, rng, made)
    return made


def _elders(village: Region) -> list[Elder]:
    return list(
        Elder.objects.filter(region_path=village.path, status=ElderStatus.ACTIVE)
        .select_related("person")
        .order_by("pk")[:60]
    )


def _season(actor, village: Region, today, rng, made) -> None:
    elders = _elders(village)
    if not elders:
        return
    homebound = set(rng.sample(range(len(elders)), k=len(elders) // 6))
    joiners = [e for i, e in enumerate(elders) if i not in homebound]
    if len(joiners) < 2:
        return
    for week in range(12, 0, -1):
        if week % 2 and week not in (1, 11):
            continue
        kind, title, venue, capacity, summary = SEASON[(week // 2) % len(SEASON)]
        held = today - dt.timedelta(days=7 * week - rng.randint(0, 3))
        activity = svc.activity_create(
            actor=actor,
            data={
                "kind": kind,
                "title": title,
                "held_on": held.isoformat(),
                "starts_at": rng.choice(["09:00", "09:30", "14:30", "15:00"]),
                "venue": f"{village.name}{venue}",
                "capacity": capacity,
                "organizer": f"{village.name}委会",
                "region_code": village.code,
            },
        )
        made["activities"] += 1
        room = capacity or len(joiners)
        share = max(1, int(len(joiners) * rng.uniform(0.3, 0.6)))
        chosen = rng.sample(joiners, k=min(room, share, len(joiners)))
        for elder in chosen:
            _sign(actor, activity, elder, rng)
            made["signups"] += 1
        present = [e.pk for e in chosen if rng.random() < 0.85]
        walk_in = [e.pk for e in joiners if e not in chosen][:1]
        svc.attendance_take(actor=actor, activity=activity, present_elder_ids=present + walk_in)
        made["attended"] += len(present) + len(walk_in)
        svc.activity_close(
            actor=actor,
            activity=activity,
            summary=f"{summary}实到 {len(present) + len(walk_in)} 人。",
        )
    for i, (kind, title, venue, capacity) in enumerate(UPCOMING):
        activity = svc.activity_create(
            actor=actor,
            data={
                "kind": kind,
                "title": title,
                "held_on": (today + dt.timedelta(days=3 + 7 * i)).isoformat(),
                "starts_at": "09:30",
                "venue": f"{village.name}{venue}",
                "capacity": capacity,
                "organizer": f"{village.name}委会",
                "region_code": village.code,
            },
        )
        made["upcoming"] += 1
        for elder in rng.sample(joiners, k=min(len(joiners), 3 + i * 2)):
            _sign(actor, activity, elder, rng)
            made["signups"] += 1


def _sign(actor, activity, elder, rng) -> None:
    by = rng.choices(["self", "family", "staff"], weights=[3, 2, 2])[0]
    proxy = ""
    if by == "family":
        contact = elder.contacts.select_related("person").first()
        proxy = f"{contact.person.name}（{contact.get_relation_display()}）" if contact else "家属"
    svc.signup(actor=actor, activity=activity, elder=elder, by_whom=by, proxy_name=proxy)


def _town_and_centre(actor, villages, today, rng, made) -> None:
    if not villages:
        return
    village = villages[0]
    town = village.parent
    clinic = svc.activity_create(
        actor=actor,
        data={
            "kind": "health_talk",
            "title": f"{town.name}卫生院进村义诊",
            "held_on": (today + dt.timedelta(days=5)).isoformat(),
            "starts_at": "08:30",
            "venue": f"{town.name}卫生院",
            "capacity": 80,
            "organizer": f"{town.name}人民政府",
            "region_code": town.code,
        },
    )
    made["upcoming"] += 1
    for elder in _elders(village)[:5]:
        _sign(actor, clinic, elder, rng)
        made["signups"] += 1
    facility = (
        Facility.objects.filter(region_path__startswith=town.path + ".").order_by("pk").first()
        or Facility.objects.filter(region_path__startswith=town.path).order_by("pk").first()
    )
    if facility is None:
        return
    held = today - dt.timedelta(days=10)
    activity = svc.activity_create(
        actor=actor,
        data={
            "kind": "culture_sports",
            "title": f"{facility.name}书法和剪纸兴趣班",
            "held_on": held.isoformat(),
            "starts_at": "14:30",
            "venue": facility.name,
            "capacity": 20,
            "organizer": facility.name,
            "facility_id": facility.pk,
            "region_code": town.code,
        },
    )
    made["activities"] += 1
    elders = [e for e in _elders(village)][:8]
    for elder in elders:
        _sign(actor, activity, elder, rng)
        made["signups"] += 1
    svc.attendance_take(actor=actor, activity=activity, present_elder_ids=[e.pk for e in elders])
    svc.activity_close(actor=actor, activity=activity, summary="老人们写了春联、剪了窗花。")
