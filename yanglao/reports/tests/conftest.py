from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from yanglao.elders import services as elders
from yanglao.elders.models import Elder
from yanglao.people.idnumbers import make_id_number

_seq = itertools.count(300)

VILLAGE = "141129101201"  # 金罗村, 金罗镇, 中阳县 (rural)
OTHER_VILLAGE = "141129100201"  # 东峪村, 宁乡镇
FILED = timezone.make_aware(dt.datetime(2026, 1, 5, 9))


@pytest.fixture
def elder_of(county):
    """Register an elder (file dated 2026-01-05): ``elder_of(born=..., region=..., **profile)``."""

    def make(born=dt.date(1940, 5, 1), region=VILLAGE, name="张桂兰", phone="", **profile):
        elder = elders.elder_register(
            actor=county,
            name=name,
            region_code=region,
            phone=phone,
            id_number=make_id_number(region[:6], born, next(_seq)),
            **profile,
        )
        Elder.objects.filter(pk=elder.pk).update(created_at=FILED)
        elder.refresh_from_db()
        return elder

    return make


@pytest.fixture
def visitor_of(county, make_user):
    """``visitor_of(*elders)``: a grid worker of the village paired with the elders."""
    from yanglao.visits import pairing

    def make(*elders_, name="李春梅", phone="13800001111", region=VILLAGE):
        visitor = pairing.visitor_register(
            actor=county,
            name=name,
            phone=phone,
            kind="grid_worker",
            region_code=region,
            user=make_user("visitor", region),
        )
        pairing.pair(
            actor=county, visitor=visitor, elders=list(elders_), starts_on=dt.date(2026, 1, 1)
        )
        return visitor

    return make
