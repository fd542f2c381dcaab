"""Fixtures: a county officer of 中阳县, a happiness courtyard in 金罗镇's first village run
by an operator account, and helpers to plan and record an inspection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.facilities import services as facility_services
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Region
from yanglao.supervision import rules, services

VILLAGE = "141129101201"  # 金罗镇 first village
TOWNSHIP = "141129101"  # 金罗镇
COUNTY = "141129"  # 中阳县
SIBLING = "141125"  # 柳林县


@pytest.fixture
def officer(make_user):
    return make_user("county_admin", COUNTY, full_name="张福平")


@pytest.fixture
def operator(make_user):
    return make_user("facility_operator", TOWNSHIP, full_name="高建军")


@pytest.fixture
def facility(officer, operator):
    home = facility_services.facility_save(
        actor=officer,
        data={
            "name": "金罗村幸福小院",
            "type": "happiness_courtyard",
            "region": VILLAGE,
            "ownership": "public_built_private_run",
            "operator_name": "山西康乐养老服务有限公司",
            "status": "operating",
            "floor_area_m2": "180",
            "serves_meals": True,
        },
    )
    home.operators.add(operator)
    return home


def checklist_codes(target: str = "facility", region: str = VILLAGE) -> list[str]:
    res = lookup(rules.CHECKLIST_RULE, Region.objects.get(code=region))
    return [i.code for i in rules.checklist_items(res.params, target)]


def all_pass(target: str = "facility", region: str = VILLAGE, **failing) -> dict:
    """Results for every item of the checklist: pass, except the ones given."""
    out = {code: {"result": "pass"} for code in checklist_codes(target, region)}
    out.update(failing)
    return out


@pytest.fixture
def plan(officer, facility):
    def make(kind: str = "planned", on: dt.date | None = None, actor=None):
        return services.inspection_plan(
            actor=actor or officer,
            data={
                "target_kind": "facility",
                "facility_id": facility.pk,
                "kind": kind,
                "planned_on": (on or timezone.localdate()).isoformat(),
                "inspectors": "张福平、李建国",
            },
        )

    return make


@pytest.fixture
def recorded(plan, officer):
    """An inspection held today with one major fire finding and one minor hygiene one."""

    def make(on: dt.date | None = None, kind: str = "planned"):
        on = on or timezone.localdate()
        inspection = plan(kind=kind, on=on)
        return services.inspection_record(
            actor=officer,
            inspection=inspection,
            inspected_on=on,
            results=all_pass(
                **{
                    "fire.equipment": {
                        "result": "fail",
                        "note": "2具灭火器过期",
                        "severity": "major",
                    },
                    "hygiene.environment": {
                        "result": "fail",
                        "severity": "minor",
                        "description": "厨房地面油污",
                    },
                }
            ),
        )

    return make


def deadline_days(severity: str, region: str = VILLAGE) -> int:
    res = lookup(rules.RECTIFICATION_RULE, Region.objects.get(code=region))
    return int(res.params["deadline_days"][severity])


def dec(value) -> Decimal:
    return Decimal(str(value))
