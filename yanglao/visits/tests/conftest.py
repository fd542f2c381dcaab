from __future__ import annotations

import datetime as dt
import itertools

import pytest

from yanglao.elders import services as elders
from yanglao.people.idnumbers import make_id_number

_seq = itertools.count(100)

VILLAGE = "141129101201"  # 中阳县金罗镇, a demo village (rural)


@pytest.fixture
def elder_of(county):
    """Register an elder: ``elder_of(born=..., region=..., **profile)``."""

    def make(born=dt.date(1940, 5, 1), region=VILLAGE, actor=None, name="张桂兰", **profile):
        return elders.elder_register(
            actor=actor or county,
            name=name,
            region_code=region,
            id_number=make_id_number(region[:6], born, next(_seq)),
            **profile,
        )

    return make


@pytest.fixture
def visitor_user(make_user):
    return make_user("visitor", VILLAGE)


@pytest.fixture
def paired(county, visitor_user):
    """``paired(elder)``: a visitor (with an account) paired with the elder."""
    from yanglao.visits import pairing

    state = {}

    def make(*elders_):
        if "visitor" not in state:
            state["visitor"] = pairing.visitor_register(
                actor=county,
                name="李春梅",
                phone="13800001111",
                kind="grid_worker",
                region_code=VILLAGE,
                user=visitor_user,
            )
        pairing.pair(
            actor=county,
            visitor=state["visitor"],
            elders=list(elders_),
            starts_on=dt.date(2026, 1, 1),
        )
        return state["visitor"]

    return make
