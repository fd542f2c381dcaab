"""Demo home-care services: providers of 中阳县 and 潞州区, about two months of orders in
every state (through the services, then dated back), ratings with the follow-ups they
open, volunteer services credited to the time bank, and a request link for the
elder-facing page (token ``demo-request``, printed by the banner)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.elders.models import Elder, ElderStatus
from yanglao.services import dispatch, services
from yanglao.services.models import (
    Order,
    OrderEvent,
    Provider,
    RequestLink,
    ServiceItem,
)
from yanglao.visits.models import FollowUp, FollowUpKind, Visitor

DEMO_REQUEST_TOKEN = "demo-request"
CENTRE = (Decimal("37.3570"), Decimal("111.1830"))  # 中阳县城
PROVIDERS = [
    # name, kind, region, items, quals, lat/lng offset, user
    (
        "中阳县康乐居家养老服务中心",
        "social_org",
        "141129",
        [
            "care_daily",
            "care_companion",
            "bath_home",
            "bath_hair",
            "clean_home",
            "clean_laundry",
            "medical_escort",
            "medical_medicine",
            "mobility_escort",
            "emotional_counsel",
            "emergency_response",
            "emergency_safety_check",
        ],
        [("business_licence", 800), ("care_worker", 400), ("counsellor", 20)],
        (0.000, 0.000),
        "zy_service",
    ),
    (
        "宁乡镇敬老院居家服务队",
        "facility",
        "141129100",
        ["meal_delivery", "meal_cooking", "bath_home", "care_daily", "bath_hair"],
        [("business_licence", 900), ("care_worker", 200), ("health_cert", 150)],
        (0.004, -0.006),
        "zy_facility",
    ),
    (
        "中阳县人民医院家庭医生团队",
        "facility",
        "141129",
        ["medical_checkup", "medical_rehab", "medical_escort"],
        [("business_licence", 1200), ("nurse", 500), ("rehab", 300)],
        (-0.003, 0.004),
        None,
    ),
    (
        "阳光家政服务有限公司",
        "company",
        "141129100",
        ["clean_home", "clean_laundry", "errand_shopping", "home_adaptation"],
        [("business_licence", 600)],
        (0.010, 0.012),
        None,
    ),
    (
        "金罗镇卫生院巡诊组",
        "facility",
        "141129101",
        ["medical_checkup", "medical_medicine"],
        [("business_licence", 700), ("nurse", -5)],  # a nurse licence just expired
        (0.060, -0.045),
        None,
    ),
]
COMMENTS_GOOD = ["服务很细致", "准时，态度好", "干活麻利", "老人很满意", ""]
COMMENTS_BAD = ["来晚了一个多小时", "打扫不干净", "服务人员不耐烦", "没有按约定时间来"]
CANCEL = ["老人住院", "家属已自行安排", "老人外出走亲戚", "重复申请"]


def _jitter(rng: random.Random, spread: float = 0.08) -> tuple[Decimal, Decimal]:
    return (
        (CENTRE[0] + Decimal(str(round(rng.uniform(-spread, spread), 6)))).quantize(
            Decimal("0.000001")
        ),
        (CENTRE[1] + Decimal(str(round(rng.uniform(-spread, spread), 6)))).quantize(
            Decimal("0.000001")
        ),
    )


def _providers(rng: random.Random, county: User) -> list[Provider]:
    out = []
    today = timezone.localdate()
    for name, kind, region, items, quals, (dlat, dlng), username in PROVIDERS:
        provider = services.provider_save(
            actor=county,
            data={
                "name": name,
                "kind": kind,
                "region": region,
                "areas": ["141129"],
                "items": items,
                "phone": f"0358-33{rng.randint(10000, 99999)}",
                "address": "中阳县" + ("宁乡镇" if region == "141129100" else "城区"),
                "latitude": str(CENTRE[0] + Decimal(str(dlat))),
                "longitude": str(CENTRE[1] + Decimal(str(dlng))),
                "work_days": "123456",
                "work_start": "07:30",
                "work_end": "19:00",
                "daily_capacity": 12,
                "qualifications": [
                    {
                        "kind": k,
                        "number": f"{k[:2].upper()}-{rng.randint(1000, 9999)}",
                        "expires_on": today + dt.timedelta(days=days),
                    }
                    for k, days in quals
                ],
            },
        )
        user = User.objects.filter(username=username).first() if username else None
        if user is not None:
            provider.users.add(user)
        out.append(provider)
    # Volunteers of the demo villages offer simple help and bank their hours.
    volunteers = Visitor.objects.filter(
        kind="volunteer", active=True, region_path__startswith="00.14.1411.141129."
    ).select_related("person", "region")
    for visitor in volunteers.order_by("pk")[:6]:
        out.append(
            services.provider_save(
                actor=county,
                data={
                    "name": f"志愿者{visitor.person.name}",
                    "kind": "volunteer",
                    "person": visitor.person,
                    "region": visitor.region.code,
                    "areas": [visitor.region.code[:9]],
                    "items": ["clean_home", "errand_shopping", "mobility_escort", "visit_chat"],
                    "phone": visitor.person.phone,
                    "work_days": "67",
                    "work_start": "08:00",
                    "work_end": "18:00",
                    "daily_capacity": 3,
                },
            )
        )
    return out


def _changzhi(rng: random.Random) -> None:
    officer = User.objects.filter(username="cz_luzhou").first()
    if officer is None:
        return
    services.provider_save(
        actor=officer,
        data={
            "name": "潞州区银发家园服务中心",
            "kind": "social_org",
            "region": "140403001",
            "areas": ["140403"],
            "items": ["care_daily", "bath_home", "clean_home", "meal_delivery", "medical_escort"],
            "work_days": "1234567",
            "work_start": "07:00",
            "work_end": "20:00",
            "daily_capacity": 20,
            "qualifications": [
                {"kind": "care_worker", "number": "CZ-1001", "expires_on": None},
                {"kind": "health_cert", "number": "CZ-2001", "expires_on": None},
            ],
        },
    )


def _slot(rng: random.Random) -> dt.datetime:
    """An appointment on the hour within working hours, today or in the next two days."""
    day = timezone.localdate() + dt.timedelta(days=rng.randint(0, 2))
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), 0)))
    return when if when > timezone.now() else when + dt.timedelta(days=1)


def _back_date(order: Order, created: dt.datetime) -> None:
    """Move an order made now to ``created`` (demo history only)."""
    shift = timezone.now() - created
    fields = {
        "created_at": created,
        "scheduled_for": order.scheduled_for - shift,
        "number": f"FW{timezone.localtime(created):%Y%m%d}{order.pk:06d}",
    }
    for name in (
        "assigned_at",
        "accepted_at",
        "started_at",
        "finished_at",
        "rated_at",
        "cancelled_at",
        "confirmed_at",
    ):
        value = getattr(order, name)
        if value is not None:
            fields[name] = value - shift
    Order.objects.filter(pk=order.pk).update(**fields)
    for event in OrderEvent.objects.filter(order=order):
        OrderEvent.objects.filter(pk=event.pk).update(at=event.at - shift)


def _work(order: Order, provider: Provider, county: User, rng, *, upto: str) -> Order:
    actor = provider.users.first() or county
    if provider.kind == "volunteer":
        actor = Visitor.objects.filter(person=provider.person).first().user or county
    order = services.order_assign(actor=county, order=order, provider=provider)
    if upto == "assigned":
        return order
    order = services.order_accept(actor=actor, order=order)
    if upto == "accepted":
        return order
    lat, lng = order.elder.latitude, order.elder.longitude
    order = services.order_start(actor=actor, order=order, latitude=lat, longitude=lng)
    if upto == "in_progress":
        return order
    return services.order_finish(
        actor=actor,
        order=order,
        note=rng.choice(["已完成", "服务完成，老人精神好", "按要求完成"]),
        latitude=lat,
        longitude=lng,
    )


def load_services(*, seed: int = 5, orders: int = 260) -> dict:
    """Idempotent: does nothing when providers exist already; all or nothing."""
    if Provider.objects.exists():
        return {}
    with transaction.atomic():
        return _load(seed, orders)


def _load(seed: int, orders: int) -> dict:
    rng = random.Random(seed)
    county = User.objects.get(username="zy_county")
    elders = list(
        Elder.objects.filter(
            region_path__startswith="00.14.1411.141129.", status=ElderStatus.ACTIVE
        )
        .select_related("person", "region")
        .order_by("pk")
    )
    for elder in elders:
        elder.latitude, elder.longitude = _jitter(rng)
    Elder.objects.bulk_update(elders, ["latitude", "longitude"], batch_size=500)
    providers = _providers(rng, county)
    _changzhi(rng)
    items = {i.code: i for i in ServiceItem.objects.all()}
    now = timezone.now()
    made = {"orders": 0, "rated": 0, "low": 0, "follow_ups": 0}
    with transaction.atomic():
        for n in range(orders):
            elder = rng.choice(elders)
            age_days = rng.uniform(0, 60) if n < orders - 12 else 0
            picked = providers[0] if age_days == 0 else rng.choice(providers)
            code = rng.choice(list(picked.items.values_list("code", flat=True)))
            channel = rng.choice(["phone", "phone", "phone", "visit", "staff"])
            order = services.order_create(
                actor=county,
                elder=elder,
                item=items[code],
                scheduled_for=_slot(rng),
                channel=channel,
                requester_name=rng.choice(["", "王丽", "李强", "本人"]),
                requester_relation=rng.choice(["女儿", "儿子", "本人", ""]),
                family_pays=rng.random() < 0.3,
                note=rng.choice(["", "老人行动不便", "请提前电话联系", "下午家里有人"]),
            )
            made["orders"] += 1
            qualified = list(dispatch.qualified(order))
            if not qualified:
                continue  # nobody may take it: stays waiting for an officer
            provider = picked if picked in qualified else rng.choice(qualified)
            if age_days == 0 and providers[0] in qualified:
                provider = providers[0]  # the demo service company (zy_service) has work today
            if age_days == 0:
                # Today's: waiting for dispatch, just dispatched, or under way.
                state = ["requested", "requested", "assigned", "accepted", "in_progress"][n % 5]
                if state != "requested":
                    _work(order, provider, county, rng, upto=state)
                continue
            roll = rng.random()
            if roll < 0.06:
                services.order_cancel(actor=county, order=order, reason=rng.choice(CANCEL))
            else:
                order = _work(order, provider, county, rng, upto="done")
                if roll < 0.88 or provider.kind == "volunteer":
                    low = rng.random() < 0.08
                    rating = rng.choice([1, 2]) if low else rng.choice([3, 4, 5, 5, 5])
                    services.order_rate(
                        order=order,
                        rating=rating,
                        comment=rng.choice(COMMENTS_BAD if low else COMMENTS_GOOD),
                        channel=rng.choice(["survey", "survey", "phone"]),
                        actor=county,
                    )
                    made["rated"] += 1
                    made["low"] += rating <= 2
            _back_date(Order.objects.get(pk=order.pk), now - dt.timedelta(days=age_days))
        # Done long ago and never rated: the hourly job opens the 回访 tasks.
        made["follow_ups"] = services.follow_up_unrated()
        made["follow_ups"] += FollowUp.objects.filter(
            kind=FollowUpKind.SATISFACTION, order__rating__lte=2
        ).count()
    # The elder-facing request page, at a known address for the demo.
    demo_elder = elders[0]
    RequestLink.objects.create(
        elder=demo_elder,
        token_hash=hashlib.sha256(DEMO_REQUEST_TOKEN.encode()).hexdigest(),
        for_name=demo_elder.person.name,
        for_relation="本人",
        created_by=county,
    )
    return made
