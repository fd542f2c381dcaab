from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from yanglao.elders import services as elders
from yanglao.people.idnumbers import make_id_number

_seq = itertools.count(300)

VILLAGE = "141129101201"  # 中阳县金罗镇, a demo village
SIBLING_VILLAGE = "141125100"  # 柳林县 (a township: elder files may sit there too)


def years_ago(years: int, days: int = 0) -> dt.date:
    from django.utils import timezone

    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day + dt.timedelta(days=days)


@pytest.fixture
def elder_of(county):
    def make(born=dt.date(1950, 5, 1), region=VILLAGE, actor=None, name="张桂兰", **profile):
        return elders.elder_register(
            actor=actor or county,
            name=name,
            region_code=region,
            id_number=make_id_number(region[:6], born, next(_seq)),
            **profile,
        )

    return make


@pytest.fixture
def volunteer_user(make_user):
    return make_user("visitor", VILLAGE)


@pytest.fixture
def volunteer(county, volunteer_user):
    """李春梅, a volunteer of 金罗村 with an account (role visitor)."""
    from yanglao.visits import pairing

    return pairing.visitor_register(
        actor=county,
        name="李春梅",
        phone="13800001111",
        kind="volunteer",
        region_code=VILLAGE,
        user=volunteer_user,
    )


@pytest.fixture
def earn(county):
    """``earn(person, hours, ref=...)``: credit through the service."""
    from yanglao.regions.models import Region
    from yanglao.timebank import services

    counter = itertools.count(1)

    def make(person, hours="10", item="", ref=None, region=VILLAGE):
        return services.earn(
            person=person,
            hours=Decimal(str(hours)),
            item_code=item,
            region=Region.objects.get(code=region),
            reference=ref or f"order:{next(counter)}",
            actor=county,
        )

    return make


@pytest.fixture
def parent(county, elder_of, volunteer):
    """The volunteer's mother (76), her elder file recording the volunteer as her child."""
    from yanglao.timebank import services

    elder = elder_of(born=years_ago(76), name="王秀英")
    services.relative_link(actor=county, person=volunteer.person, elder=elder, relation="child")
    return elder
