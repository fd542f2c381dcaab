from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from yanglao.elders import services as elders
from yanglao.people.idnumbers import make_id_number
from yanglao.visits.tests.conftest import elder_of, paired, visitor_user  # noqa: F401  (shared fixtures)

VILLAGE = "141129101201"  # 中阳县金罗镇, a demo village
TOWN = "141129101"
CZ_VILLAGE = "140403001001"  # 长治市潞州区 长兴社区
_seq = itertools.count(500)


def next_workday_at(hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def provider_of(county):
    """``provider_of(name, items=[...], areas=[...], **fields)`` through the service."""
    from yanglao.services import services

    def make(
        name="康乐居家养老服务中心",
        items=("bath_home", "clean_home"),
        areas=(TOWN,),
        kind="social_org",
        quals=(("care_worker", None),),
        actor=None,
        **extra,
    ):
        data = {
            "name": name,
            "kind": kind,
            "region": extra.pop("region", TOWN),
            "areas": list(areas),
            "items": list(items),
            "work_days": extra.pop("work_days", "12345"),
            "work_start": extra.pop("work_start", "08:00"),
            "work_end": extra.pop("work_end", "18:00"),
            "daily_capacity": extra.pop("daily_capacity", 5),
            "qualifications": [{"kind": k, "number": "Q-1", "expires_on": e} for k, e in quals],
            "active": True,
            **extra,
        }
        return services.provider_save(actor=actor or county, data=data)

    return make


@pytest.fixture
def order_of(county):
    from yanglao.services import services
    from yanglao.services.models import ServiceItem

    def make(elder, item="bath_home", actor=None, when=None, **extra):
        return services.order_create(
            actor=actor or county,
            elder=elder,
            item=ServiceItem.objects.get(code=item),
            scheduled_for=when or next_workday_at(),
            channel=extra.pop("channel", "phone"),
            **extra,
        )

    return make


@pytest.fixture
def cz_elder(make_user):
    officer = make_user("county_admin", "140403")

    def make(**profile):
        return elders.elder_register(
            actor=officer,
            name=profile.pop("name", "王秀英"),
            region_code=CZ_VILLAGE,
            id_number=make_id_number("140403", dt.date(1942, 3, 3), next(_seq)),
            **profile,
        )

    return make, officer
