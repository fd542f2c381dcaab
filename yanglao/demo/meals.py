"""Demo meal aid and hospital appointments: three meal points (a care home's table that
delivers, a village's mutual-aid table, a Changzhi community point where the four payers
share the cost), about six weeks of meals, today's lunch recorded through the service,
and a few appointments booked at the stand-in hospital for open 助医 orders.

Older meals are written in bulk with their shares, as a month of paper sheets would be
entered; today's go through ``meals.meal_record`` (audit, duplicate check)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.core.errors import DomainError
from yanglao.core.scope import in_subtree, path_q
from yanglao.elders.models import Elder, ElderStatus
from yanglao.regions.models import Region
from yanglao.services import appointments, hospital, meals
from yanglao.services.models import (
    MealKind,
    MealMode,
    MealPoint,
    MealRecord,
    Order,
    Provider,
)
from yanglao.services.shares import ratios_for, split

CENT = Decimal("0.01")
POINTS = [
    # name, region, address, provider (or None), operator username, price, delivers, seats,
    # how many elders eat there
    (
        "宁乡镇敬老院老年餐桌",
        "141129100",
        "宁乡镇敬老院一楼餐厅",
        "宁乡镇敬老院居家服务队",
        "zy_facility",
        "10.00",
        True,
        40,
        28,
    ),
    ("金罗村互助餐桌", "141129101201", "金罗村村委会东侧", None, None, "8.00", False, 16, 12),
    (
        "长兴社区老年助餐点",
        "140403001001",
        "长兴社区党群服务中心",
        "长兴社区养老服务站",
        None,
        "12.00",
        True,
        60,
        30,
    ),
]
DAYS = 42


def _provider(name: str, region: Region, operator: User | None, actor: User) -> Provider:
    provider = Provider.objects.filter(name=name).first()
    if provider is None:
        provider = Provider.objects.create(
            name=name,
            kind="facility",
            region=region,
            region_path=region.path,
            phone="0358-3300000",
            created_by=actor,
        )
    if operator is not None:
        provider.users.add(operator)
    return provider


def _officer(path: str) -> User | None:
    """The officer whose region is nearest above ``path`` (who sets up the point)."""
    best = None
    users = User.objects.filter(role__in=meals.MEAL_OFFICERS, is_active=True)
    for user in users.select_related("region").order_by("role", "pk"):
        if in_subtree(path, user.region.path) and (
            best is None or len(user.region.path) > len(best.region.path)
        ):
            best = user
    return best


def _diners(point: MealPoint, n: int) -> list[Elder]:
    """Elders of the point's township first (they live nearest), then of its county."""
    town = ".".join(point.region_path.split(".")[:5])
    near = list(
        Elder.objects.filter(path_q(town, "region_path"), status=ElderStatus.ACTIVE)
        .select_related("person", "region")
        .order_by("pk")[:n]
    )
    if len(near) < n:
        more = (
            Elder.objects.filter(
                path_q(meals.county_path(point.region_path), "region_path"),
                status=ElderStatus.ACTIVE,
            )
            .exclude(pk__in=[e.pk for e in near])
            .select_related("person", "region")
            .order_by("pk")[: n - len(near)]
        )
        near += list(more)
    return near


def _meals_of(rng: random.Random, point: MealPoint, diners: list[Elder], recorder: User, today):
    rows = []
    for elder in diners:
        ratios = ratios_for(elder, kind="meal", on=today)
        family = rng.random() < 0.25
        delivered = point.delivers and rng.random() < 0.3
        breakfast = rng.random() < 0.2
        dinner = rng.random() < 0.35
        for back in range(DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            if rng.random() < 0.12:  # a day away (family visit, clinic)
                continue
            kinds = [MealKind.LUNCH]
            if breakfast and rng.random() < 0.8:
                kinds.append(MealKind.BREAKFAST)
            if dinner and rng.random() < 0.7:
                kinds.append(MealKind.DINNER)
            for kind in kinds:
                count = 2 if rng.random() < 0.05 else 1
                amount = (point.meal_price * count).quantize(CENT)
                values = {"government": 0, "community": 0, "donation": 0, "personal": 0}
                for share in split(amount, ratios, family_pays=family):
                    key = share.payer if share.payer in values else "personal"
                    values[key] += share.amount
                rows.append(
                    MealRecord(
                        meal_point=point,
                        elder=elder,
                        region_path=elder.region_path,
                        date=day,
                        meal=kind,
                        mode=MealMode.DELIVERY if delivered else MealMode.DINE_IN,
                        count=count,
                        unit_price=point.meal_price,
                        amount=amount,
                        family_pays=family,
                        recorded_by=recorder,
                        **{k: Decimal(v).quantize(CENT) for k, v in values.items()},
                    )
                )
    return rows


def _appointments(rng: random.Random) -> int:
    """Book a few open 助医 orders of 中阳县 at the stand-in hospital."""
    officer = User.objects.filter(username="zy_county").first()
    if officer is None:
        return 0
    orders = list(
        Order.objects.filter(
            path_q(officer.region.path, "region_path"),
            item__help="medical",
            status__in=appointments.BOOKABLE_STATUSES,
            appointments__isnull=True,
        )
        .select_related("elder__person", "elder__region", "item")
        .order_by("pk")[:4]
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    while not hospital.is_workday(day):
        day += dt.timedelta(days=1)
    made = 0
    for i, order in enumerate(orders):
        hospitals = appointments.adapter().hospitals(order.elder.region)
        target = next(
            (h for h in hospitals if h.code.endswith("-01") and len(h.region_code) == 6),
            hospitals[0] if hospitals else None,
        )
        if target is None:
            continue
        department = rng.choice(["internal", "cardiology", "orthopaedics", "ophthalmology"])
        time = hospital.SLOT_TIMES[(i * 3) % len(hospital.SLOT_TIMES)]
        starts = dt.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())
        try:
            appointments.appointment_book(
                actor=officer,
                order=order,
                hospital_code=target.code,
                department_code=department,
                starts_at=starts,
            )
        except DomainError:
            continue
        made += 1
    return made


def load_demo(*, seed: int = 31) -> dict:
    """Idempotent: does nothing when the demo meal points exist already."""
    if MealPoint.objects.filter(name=POINTS[0][0]).exists():
        return {}
    rng = random.Random(seed)
    today = timezone.localdate()
    made_points = made_meals = today_meals = 0
    with transaction.atomic():
        for row in POINTS:
            name, code, address, provider_name, username, price, delivers, seats, diners = row
            region = Region.objects.filter(code=code).first()
            officer = _officer(region.path) if region else None
            if region is None or officer is None:
                continue
            operator = User.objects.filter(username=username).first() if username else None
            provider = (
                _provider(provider_name, region, operator, officer) if provider_name else None
            )
            point = meals.meal_point_create(
                actor=officer,
                name=name,
                region_code=code,
                provider_id=provider.pk if provider else None,
                address=address,
                seats=seats,
                delivers=delivers,
                meal_price=price,
            )
            made_points += 1
            people = _diners(point, diners)
            recorder = operator or officer
            rows = _meals_of(rng, point, people, recorder, today)
            MealRecord.objects.bulk_create(rows, batch_size=1000)
            made_meals += len(rows)
            # Today's lunch so far, through the service (a morning at the counter).
            for elder in people[: max(3, len(people) // 3)]:
                try:
                    meals.meal_record(
                        actor=recorder,
                        point=point,
                        elder=elder,
                        date=today,
                        meal=MealKind.LUNCH,
                        mode=MealMode.DINE_IN,
                    )
                except DomainError:
                    continue
                today_meals += 1
    booked = _appointments(rng)
    return {
        "points": made_points,
        "meals": made_meals + today_meals,
        "today": today_meals,
        "appointments": booked,
    }
