"""Demo time bank (时间银行) in 中阳县: the volunteers' hours of the last four months, a
gift to a parent, donations to the pool, a long-serving volunteer over the storage cap
(the surplus goes to the pool), a duplicate entry reversed and a grant from the pool to
an elder in hardship. Everything goes through the services; past months are written
with their own dates (``chain.recorded_at``), in order, as an import of paper records
would be."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.elders.models import Elder, ElderStatus, Welfare
from yanglao.regions.models import Region
from yanglao.timebank import services
from yanglao.timebank.chain import recorded_at
from yanglao.timebank.models import Entry
from yanglao.visits.models import Visitor, VisitorKind

COUNTY = "141129"
ITEMS = ["visit_chat", "care_companion", "clean_home", "mobility_escort", "medical_escort"]
MONTHS = 4


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def load_demo(*, seed: int = 7) -> dict:
    """Idempotent: does nothing when the ledger has lines already."""
    if Entry.objects.exists():
        return {}
    county = User.objects.filter(username="zy_county").first()
    county_region = Region.objects.filter(code=COUNTY).first()
    if county is None or county_region is None:
        return {}
    volunteers = list(
        Visitor.objects.filter(
            region_path__startswith=county_region.path + ".",
            kind__in=[VisitorKind.VOLUNTEER, VisitorKind.PARTY_MEMBER, VisitorKind.GRID_WORKER],
            active=True,
        )
        .select_related("person", "region", "user")
        .order_by("pk")[:24]
    )
    mine = (
        Visitor.objects.filter(user__username="zy_visitor", active=True)
        .select_related("person", "region", "user")
        .first()
    )
    if mine is not None and mine not in volunteers:
        volunteers.insert(0, mine)
    if len(volunteers) < 2:
        return {}
    rng = random.Random(seed)
    today = timezone.localdate()
    first_month = (today.replace(day=1) - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    earned = 0
    # Confirmed services, month by month, day by day (the ledger is written in order).
    days = [first_month + dt.timedelta(days=n) for n in range((today - first_month).days)]
    plan = []
    for visitor in volunteers[:-1]:  # the long-serving one is done below
        for day in days:
            if rng.random() < 0.06:
                plan.append((day, rng.randint(8, 17), visitor))
    plan.sort(key=lambda p: (p[0], p[1], p[2].pk))
    long_serving = volunteers[-1]
    with recorded_at(_at(first_month, 8)):
        # A long-serving volunteer's balance carried over from the paper ledger.
        services.earn(
            person=long_serving.person,
            hours=Decimal("1497"),
            item_code="",
            region=long_serving.region,
            reference=f"demo:paper-ledger:{long_serving.pk}",
            actor=county,
        )
    duplicate = None
    for n, (day, hour, visitor) in enumerate(plan):
        item = rng.choice(ITEMS)
        hours = Decimal(rng.choice(["1", "1.5", "2", "2", "3"]))
        with recorded_at(_at(day, hour)):
            services.earn(
                person=visitor.person,
                hours=hours,
                item_code=item,
                region=visitor.region,
                reference=f"demo:order:{n}",
                actor=county,
            )
            earned += 1
            if duplicate is None and day.month == today.month and visitor is not long_serving:
                # The same service entered twice under another number, reversed the same day.
                duplicate = services.earn(
                    person=visitor.person,
                    hours=hours,
                    item_code=item,
                    region=visitor.region,
                    reference=f"demo:order:{n}-dup",
                    actor=county,
                )
                services.reverse(
                    txn=duplicate.txn, reason="重复录入（同一次服务录了两次）", actor=county
                )
    # 李春梅 (zy_visitor): her mother is on file in her village; she gives her hours.
    gifts = 0
    if mine is not None:
        services.earn(
            person=mine.person,
            hours=Decimal("6"),
            item_code="visit_chat",
            region=mine.region,
            reference="demo:zy_visitor:recent",
            actor=county,
        )
        mother = (
            Elder.objects.filter(region=mine.region, status=ElderStatus.ACTIVE)
            .exclude(person=mine.person)
            .select_related("person")
            .order_by("pk")
            .first()
        )
        if mother is not None:
            services.relative_link(actor=county, person=mine.person, elder=mother, relation="child")
            services.transfer_to_relative(
                person=mine.person, to_person=mother.person, units="3", actor=mine.user
            )
            gifts += 1
        services.donate_to_pool(person=mine.person, units="2", actor=mine.user)
    services.donate_to_pool(person=volunteers[0].person, units="1.5", actor=county)
    # The long-serving volunteer's next service takes them over the cap: surplus to the pool.
    services.earn(
        person=long_serving.person,
        hours=Decimal("8"),
        item_code="care_companion",
        region=long_serving.region,
        reference="demo:long-serving:latest",
        actor=county,
    )
    poor = (
        Elder.objects.filter(
            region_path__startswith=county_region.path + ".",
            status=ElderStatus.ACTIVE,
            welfare__in=[Welfare.EXTREME_POVERTY, Welfare.MINIMUM_ALLOWANCE],
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    grants = 0
    if poor is not None:
        services.pool_grant(
            region=county_region,
            elder=poor,
            units="2",
            purpose="上门助洁一次",
            reference="demo:grant:1",
            actor=county,
        )
        grants += 1
    return {
        "volunteers": len(volunteers),
        "earnings": earned + 1,
        "gifts": gifts,
        "grants": grants,
        "lines": Entry.objects.count(),
    }
