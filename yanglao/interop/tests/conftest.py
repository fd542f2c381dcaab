from __future__ import annotations

import datetime as dt
import itertools

import pytest

from yanglao.elders import services as elders
from yanglao.facilities import services as facilities
from yanglao.people.idnumbers import make_id_number

TOWN = "141129100"  # 宁乡镇, where the nursing home is
VILLAGE = "141129100201"  # 东峪村 in 宁乡镇
OTHER_TOWN_VILLAGE = "141129101201"  # 金罗村 in 金罗镇
_seq = itertools.count(300)


def new_id(region: str = "141129", born: dt.date = dt.date(1940, 5, 1)) -> str:
    return make_id_number(region[:6], born, next(_seq))


def bad_checksum(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", "141129")


@pytest.fixture
def operator(make_user):
    """The home's operator account, scoped to its township (宁乡镇)."""
    return make_user("facility_operator", TOWN)


@pytest.fixture
def home(officer, operator):
    facility = facilities.facility_save(
        actor=officer,
        data={
            "name": "宁乡镇敬老院",
            "type": "nursing_home",
            "region": TOWN,
            "ownership": "public",
            "beds": 60,
            "nursing_beds": 20,
            "residents": 40,
        },
    )
    facility.operators.add(operator)
    return facility


@pytest.fixture
def other_home(officer):
    return facilities.facility_save(
        actor=officer,
        data={
            "name": "中阳县护理型中心敬老院",
            "type": "nursing_care_central_home",
            "region": TOWN,
            "ownership": "public_built_private_run",
            "beds": 220,
        },
    )


@pytest.fixture
def elder_at(officer):
    """``elder_at(region, name=..., born=...)`` registers an elder and returns (elder, ID)."""

    def make(region: str = VILLAGE, name: str = "张桂兰", born=dt.date(1940, 5, 1), **profile):
        number = new_id(region, born)
        elder = elders.elder_register(
            actor=officer, name=name, region_code=region, id_number=number, **profile
        )
        return elder, number

    return make
