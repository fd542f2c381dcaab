"""Demo visitors, pairings, eight weeks of visits, follow-ups, check-ins, devices and
alerts, so that `make demo` shows the visit network at work: most elders seen every
week, some overdue, a few findings being followed up and alerts on their way up the
chain. Recent visits go through the services (follow-ups, alerts, audit); older weeks
are written in bulk, as an import of paper records would."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.alerts import checkins, devices
from yanglao.alerts import services as alert_services
from yanglao.alerts.models import DeviceReading
from yanglao.core.scope import in_subtree
from yanglao.elders.models import Elder, LivingSituation
from yanglao.visits import compliance, pairing, schedule, services
from yanglao.visits.models import Pairing, Visit, VisitDue, Visitor

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "春梅",
    "建军",
    "秀英",
    "志强",
    "丽华",
    "海燕",
    "卫东",
    "红梅",
    "国庆",
    "晓东",
    "玉兰",
    "文斌",
]
KINDS = ["party_member", "volunteer", "grid_worker", "village_cadre"]
ITEMS = ["health", "mental_state", "safety", "hygiene", "living_environment"]
CONCERNS = {
    "health": "血压偏高，已提醒按时服药",
    "mental_state": "情绪低落，说想念外出打工的儿子",
    "safety": "电线老化，插座发热",
    "hygiene": "厨房卫生较差，需要上门保洁",
    "living_environment": "屋顶漏雨，需要维修",
}
URGENT = {"health": "摔倒后腿疼，不能下床", "safety": "煤炉烟道堵塞，有一氧化碳中毒危险"}


def _admins() -> list[User]:
    return list(
        User.objects.filter(role__in=["county_admin", "city_admin"], is_active=True)
        .select_related("region")
        .order_by("-role")
    )


def _actor(path: str, admins: list[User]) -> User | None:
    best = None
    for user in admins:
        if in_subtree(path, user.region.path) and (
            best is None or len(user.region.path) > len(best.region.path)
        ):
            best = user
    return best


def _checks(rng: random.Random, urgent_ok: bool) -> dict:
    out = {k: {"level": "fine", "note": ""} for k in ITEMS}
    roll = rng.random()
    if roll < 0.06:
        item = rng.choice(ITEMS)
        out[item] = {"level": "concern", "note": CONCERNS[item]}
    elif roll < 0.068 and urgent_ok:
        item = rng.choice(list(URGENT))
        out[item] = {"level": "urgent", "note": URGENT[item]}
    return out


def load_visits(*, seed: int = 24) -> dict:
    """Idempotent: does nothing when visitors exist already."""
    if Visitor.objects.exists():
        return {}
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    admins = _admins()
    # The schedule as it stood a week ago, then today: who missed last week is overdue.
    schedule.refresh_schedule(today=today - dt.timedelta(days=7))
    dues = list(VisitDue.objects.select_related("elder__person", "elder__region"))
    by_village: dict[str, list[VisitDue]] = {}
    for due in dues:
        by_village.setdefault(due.elder.region_id, []).append(due)

    # Visitors: one or two per village, paired with most of its scheduled elders.
    lead_of: dict[int, Visitor] = {}
    demo_visitor_user = User.objects.filter(username="zy_visitor").first()
    made_visitors = 0
    for code, village_dues in sorted(by_village.items()):
        actor = _actor(village_dues[0].elder.region_path, admins)
        if actor is None:
            continue
        count = 1 if len(village_dues) < 8 else 2
        visitors = []
        for i in range(count):
            link = (
                demo_visitor_user
                if demo_visitor_user is not None
                and code == demo_visitor_user.region_id
                and i == 0
                and not Visitor.objects.filter(user=demo_visitor_user).exists()
                else None
            )
            kind = "grid_worker" if link else rng.choice(KINDS)
            name = link.full_name if link else rng.choice(SURNAMES) + rng.choice(GIVEN)
            visitors.append(
                pairing.visitor_register(
                    actor=actor,
                    name=name,
                    phone=f"13{rng.randint(100000000, 999999999)}",
                    kind=kind,
                    region_code=code,
                    registered_community_code=code if kind == "party_member" else None,
                    organization=rng.choice(["县人社局", "县医院", "镇卫生院", "志愿服务队", ""]),
                    user=link,
                )
            )
            made_visitors += 1
        for j, due in enumerate(village_dues):
            if rng.random() < 0.12 and not (visitors[0].user_id and j < 6):
                continue  # left unpaired: the officers' "unpaired" list has work
            visitor = visitors[j % len(visitors)]
            pairing.pair(
                actor=actor,
                visitor=visitor,
                elders=[due.elder],
                starts_on=today - dt.timedelta(days=rng.randint(60, 400)),
            )
            lead_of[due.elder_id] = visitor

    own = pairing.visitor_for_user(demo_visitor_user) if demo_visitor_user else None
    if demo_visitor_user is not None and own is None:
        own = pairing.visitor_register(
            actor=_actor(demo_visitor_user.region.path, admins),
            name=demo_visitor_user.full_name or "李春梅",
            phone="13800001111",
            kind="grid_worker",
            region_code=demo_visitor_user.region_id,
            user=demo_visitor_user,
        )
    if own is not None and pairing.elders_of_visitor(own).count() < 6:
        # The demo visitor's village has few to visit: add elders of their township.
        actor = _actor(demo_visitor_user.region.path, admins)
        town = demo_visitor_user.region.path.rsplit(".", 1)[0]
        mine = set(pairing.elders_of_visitor(own).values_list("pk", flat=True))
        near = [d for d in dues if d.region_path.startswith(town + ".") and d.elder_id not in mine]
        near = near[: 8 - len(mine)]
        if near:
            pairing.pair(
                actor=actor,
                visitor=own,
                elders=[d.elder for d in near],
                starts_on=today - dt.timedelta(days=90),
            )
            for d in near:
                lead_of.setdefault(d.elder_id, own)

    # Eight weeks of history in bulk (before last week), then recent visits by service.
    this_week = schedule.week_start(today)
    rows = []
    for due in dues:
        visitor = lead_of.get(due.elder_id)
        weeks = range(8, 1, -1) if due.period == "week" else (8, 4)
        for back in [w for w in weeks for _n in range(due.required)]:
            if rng.random() > 0.9:
                continue
            day = this_week - dt.timedelta(days=7 * back) + dt.timedelta(days=rng.randint(0, 6))
            at = timezone.make_aware(
                dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
            )
            checks = _checks(rng, urgent_ok=False)
            worst = max((c["level"] for c in checks.values()), key=["fine", "concern"].index)
            rows.append(
                Visit(
                    elder_id=due.elder_id,
                    region_path=due.region_path,
                    visitor=visitor,
                    method=rng.choices(["door", "phone", "video", "proxy"], [60, 30, 5, 5])[0],
                    visited_at=at,
                    week_start=schedule.week_start(day),
                    checks=checks,
                    worst=worst,
                )
            )
    Visit.objects.bulk_create(rows, batch_size=2000)

    # Last week and this week: through the services, as the visitors recorded them.
    recent = 0
    for due in dues:
        visitor = lead_of.get(due.elder_id)
        actor = (
            visitor.user
            if visitor is not None and visitor.user_id
            else _actor(due.region_path, admins)
        )
        if actor is None:
            continue
        for back, share in ((1, 0.8), (0, 0.55)):
            if due.period == "month" and back == 1:
                continue
            if rng.random() > share:
                continue
            start = this_week - dt.timedelta(days=7 * back)
            last_day = min(start + dt.timedelta(days=6), today)
            day = start + dt.timedelta(days=rng.randint(0, (last_day - start).days))
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), 0)))
            if at > now or at < now - dt.timedelta(days=7):
                continue
            services.visit_record(
                actor=actor,
                elder=due.elder,
                method=rng.choices(["door", "phone"], [65, 35])[0],
                visited_at=at,
                checks=_checks(rng, urgent_ok=True),
                visitor=visitor,
                now=now,
            )
            recent += 1
    schedule.refresh_schedule(today=today)
    for back in range(8, -1, -1):
        compliance.compute(this_week - dt.timedelta(days=7 * back))

    extra = _checkins_and_devices(rng, admins, now)
    return {
        "visitors": made_visitors,
        "pairings": Pairing.objects.count(),
        "visits": Visit.objects.count(),
        "recent": recent,
        **extra,
    }


def _checkins_and_devices(rng: random.Random, admins: list[User], now) -> dict:
    """Daily check-ins for elders living alone in the demo village, water meters with a
    day of readings (one showing no use), an SOS press, and alerts on the chain."""
    today = timezone.localdate()
    alone = list(
        Elder.objects.filter(
            status="active",
            living_situation=LivingSituation.ALONE,
            region_path__startswith="00.14.1411.141129.",
        )
        .select_related("region", "person")
        .order_by("pk")[:24]
    )
    plans = 0
    for i, elder in enumerate(alone[:12]):
        actor = _actor(elder.region_path, admins)
        plan = checkins.plan_create(
            actor=actor,
            elder=elder,
            method=["knock", "light_on", "curtain"][i % 3],
            deadline=dt.time(9, 0) if i % 2 else dt.time(20, 0),
            starts_on=today - dt.timedelta(days=30),
        )
        plans += 1
        local = timezone.localtime(now)
        if i % 3 == 0 and local.time() > dt.time(7, 0):
            checkins.check_in(plan=plan, actor=actor, now=now - dt.timedelta(minutes=90))
    missed = checkins.raise_missed(now=now)
    meters = 0
    with transaction.atomic():
        for i, elder in enumerate(alone[12:18]):
            actor = _actor(elder.region_path, admins)
            device, _secret = devices.device_register(
                actor=actor, elder=elder, kind="water_meter", serial=f"WM-ZY-{1001 + i}"
            )
            value = Decimal(rng.randint(100, 900))
            for hour in range(26, 0, -2):
                # The first meter shows no use at all: it raises the low-use alert.
                step = Decimal(0) if i == 0 else Decimal(rng.randint(0, 30)) / Decimal(1000)
                value += step
                DeviceReading.objects.create(
                    device=device,
                    at=now - dt.timedelta(hours=hour),
                    kind="meter",
                    value=value,
                )
            device.last_reading_at = now - dt.timedelta(hours=2)
            device.last_value = value
            device.save(update_fields=["last_reading_at", "last_value"])
            devices.check_water(device, now=now)
            meters += 1
    if len(alone) > 18:
        sos_elder = alone[18]
        actor = _actor(sos_elder.region_path, admins)
        sos, _secret = devices.device_register(
            actor=actor, elder=sos_elder, kind="sos_button", serial="SOS-ZY-2001"
        )
        alert_services.alert_raise(
            elder=sos_elder,
            source="sos",
            level="urgent",
            title="一键呼叫：老人按下紧急按钮",
            device=sos,
            now=now - dt.timedelta(hours=3),
        )
    escalated = alert_services.escalate_due(now=now)
    return {
        "checkin_plans": plans,
        "missed_checkins": missed,
        "meters": meters,
        "escalated": escalated,
    }
