"""Region scope on every API endpoint.

A county officer of 中阳县 (141129) asks for things that belong to 柳林县 (141125), a
sibling county. Every read answers 404 as if the thing did not exist; every write is
refused and writes nothing. ``CASES`` must name every operation in the OpenAPI: a new
endpoint fails ``test_every_endpoint_has_a_scope_case`` until its case is added here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from yanglao.api import api as ninja_api
from yanglao.elders import services as transfer_services


def register_elder(actor, region: str, seq: int):
    import datetime as dt

    from yanglao.people.idnumbers import make_id_number

    return transfer_services.elder_register(
        actor=actor,
        name="张桂兰",
        region_code=region,
        id_number=make_id_number(region[:6], dt.date(1945, 1, 1), seq),
    )


INSIDE = "141129"
SIBLING = "141125"


@dataclass
class Case:
    path: dict[str, Any] = field(default_factory=dict)  # values may be callables of ctx
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    expect: int = 404
    # For lists: the items must not include anything outside the caller's scope.
    list_check: str = ""  # "ids:<ctx key>": that sibling object's id is not in the items
    self_only: bool = False
    setup: Any = None  # a callable of ctx, run before the request (for list checks)


def sibling_user(ctx):
    return ctx["sibling_user"].pk


def sibling_elder(ctx):
    return ctx["sibling_elder"].pk


def sibling_transfer(ctx):
    return ctx["sibling_transfer"].pk


ELDER_ID = {"elder_id": sibling_elder}


def sibling_provider(ctx):
    if "sibling_provider" not in ctx:
        from yanglao.services.services import provider_save

        ctx["sibling_provider"] = provider_save(
            actor=ctx["sibling_user"],
            data={
                "name": "柳林服务中心",
                "kind": "company",
                "region": "141125100",
                "areas": ["141125100"],
                "items": ["clean_home"],
                "work_days": "12345",
                "work_start": "08:00",
                "work_end": "18:00",
                "daily_capacity": 5,
            },
        )
    return ctx["sibling_provider"].pk


def sibling_order(ctx):
    if "sibling_order" not in ctx:
        import datetime as dt

        from django.utils import timezone

        from yanglao.services.models import ServiceItem
        from yanglao.services.services import order_create

        ctx["sibling_order"] = order_create(
            actor=ctx["sibling_user"],
            elder=ctx["sibling_elder"],
            item=ServiceItem.objects.get(code="clean_home"),
            scheduled_for=timezone.now() + dt.timedelta(days=1),
            channel="phone",
        )
    return ctx["sibling_order"].pk


ORDER_ID = {"order_id": sibling_order}


def sibling_meal_point(ctx):
    if "sibling_meal_point" not in ctx:
        from yanglao.services.meals import meal_point_create

        ctx["sibling_meal_point"] = meal_point_create(
            actor=ctx["sibling_user"], name="柳林老年餐桌", region_code="141125100", meal_price="10"
        )
    return ctx["sibling_meal_point"].pk


def sibling_meal_record(ctx):
    if "sibling_meal_record" not in ctx:
        from django.utils import timezone

        from yanglao.services.meals import meal_record, point_get

        ctx["sibling_meal_record"] = meal_record(
            actor=ctx["sibling_user"],
            point=point_get(ctx["sibling_user"], sibling_meal_point(ctx)),
            elder=ctx["sibling_elder"],
            date=timezone.localdate(),
            meal="lunch",
            mode="dine_in",
        )
    return ctx["sibling_meal_record"].pk


def sibling_medical_order(ctx):
    if "sibling_medical_order" not in ctx:
        import datetime as dt

        from django.utils import timezone

        from yanglao.services.models import Order, ServiceItem

        elder = ctx["sibling_elder"]
        ctx["sibling_medical_order"] = Order.objects.create(
            number="LL0000001",
            elder=elder,
            region_path=elder.region_path,
            item=ServiceItem.objects.get(code="medical_escort"),
            unit_price="60.00",
            amount="60.00",
            channel="phone",
            scheduled_for=timezone.now() + dt.timedelta(days=1),
        )
    return ctx["sibling_medical_order"].pk


def sibling_starts_at(ctx=None) -> str:
    import datetime as dt

    from django.utils import timezone

    from yanglao.services.hospital import is_workday

    day = timezone.localdate() + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return f"{day.isoformat()}T09:00:00+08:00"


def sibling_appointment(ctx):
    if "sibling_appointment" not in ctx:
        from django.utils.dateparse import parse_datetime

        from yanglao.services.appointments import appointment_book, order_get

        user = ctx["sibling_user"]
        ctx["sibling_appointment"] = appointment_book(
            actor=user,
            order=order_get(user, sibling_medical_order(ctx)),
            hospital_code="SI-141125-01",
            department_code="internal",
            starts_at=parse_datetime(sibling_starts_at()),
        )
    return ctx["sibling_appointment"].pk


MEAL_POINT_ID = {"point_id": sibling_meal_point}
MEAL_RECORD_ID = {"record_id": sibling_meal_record}
APPOINTMENT_ID = {"appointment_id": sibling_appointment}
PROVIDER_BODY = {
    "name": "中阳服务中心",
    "kind": "company",
    "region": "141125100",
    "areas": ["141125100"],
    "items": ["clean_home"],
}


def sibling_time_bank(ctx):
    """An earning of the sibling county's elder, through the time bank."""
    if "sibling_time_bank" not in ctx:
        from yanglao.timebank.services import earn

        ctx["sibling_time_bank"] = earn(
            person=ctx["sibling_elder"].person,
            hours="2",
            item_code="",
            region=ctx["sibling_elder"].region,
            reference="scope:1",
            actor=ctx["sibling_user"],
        )
    return ctx["sibling_time_bank"]


def sibling_pool(ctx):
    from yanglao.timebank.services import system_account

    system_account("pool", ctx["sibling_elder"].region)
    return SIBLING


TB_ACCOUNT = {"account_id": lambda ctx: sibling_time_bank(ctx).lines[0].account_id}
TB_TXN = {"txn": lambda ctx: sibling_time_bank(ctx).txn}


def sibling_facility(ctx):
    if "sibling_facility" not in ctx:
        from yanglao.facilities.services import facility_save

        ctx["sibling_facility"] = facility_save(
            actor=ctx["sibling_user"],
            data={
                "name": "柳林县日间照料中心",
                "type": "day_care_center",
                "region": "141125100",
                "ownership": "public",
            },
        )
    return ctx["sibling_facility"].pk


FACILITY_ID = {"facility_id": sibling_facility}


def sibling_alert(ctx):
    return ctx["sibling_alert"].pk


ALERT_ID = {"alert_id": sibling_alert}
FINE_CHECKS = {
    k: {"level": "fine"}
    for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
}


def sibling_facility(ctx):
    if "sibling_facility" not in ctx:
        from yanglao.facilities.models import Facility
        from yanglao.regions.models import Region

        region = Region.objects.get(code="141125100")
        ctx["sibling_facility"] = Facility.objects.create(
            name="柳林县敬老院",
            type="nursing_home",
            region=region,
            region_path=region.path,
            ownership="public",
        )
    return ctx["sibling_facility"].pk


def sibling_rating(ctx):
    if "sibling_rating" not in ctx:
        import datetime as dt

        from yanglao.facilities.models import StarRating

        sibling_facility(ctx)
        facility = ctx["sibling_facility"]
        ctx["sibling_rating"] = StarRating.objects.create(
            facility=facility,
            region_path=facility.region_path,
            scheme="grade",
            rated_on=dt.date(2024, 1, 1),
            stars=3,
        )
    return ctx["sibling_rating"].pk


def sibling_centre(ctx):
    if "sibling_centre" not in ctx:
        from yanglao.facilities.models import VillageCentre
        from yanglao.regions.models import Region

        town = Region.objects.get(code="141125100")
        village, _created = Region.objects.get_or_create(
            code="141125100201",
            defaults={
                "name": "柳林测试村",
                "parent": town,
                "level": 5,
                "path": town.path + ".141125100201",
            },
        )
        ctx["sibling_centre"] = VillageCentre.objects.create(
            village=village, region_path=village.path, registered_name="柳林测试村养老服务中心"
        )
    return ctx["sibling_centre"].pk


RATING_ID = {"rating_id": sibling_rating}
CENTRE_ID = {"centre_id": sibling_centre}


def sibling_party_org(ctx):
    """A Party branch of a care home in 柳林县, with a member and an activity."""
    if "sibling_party_org" not in ctx:
        from yanglao.facilities.models import Facility
        from yanglao.party import services as party_services
        from yanglao.people.models import Person
        from yanglao.regions.models import Region

        region = Region.objects.get(code="141125100")
        home = Facility.objects.create(
            name="柳林县党建示范养老院",
            type="care_institution",
            region=region,
            region_path=region.path,
            ownership="public",
        )
        ctx["sibling_party_facility"] = home
        ctx["sibling_party_org"] = party_services.organization_create(
            actor=None,
            name="柳林县养老院党支部",
            kind="branch",
            region_code="141125100",
            facilities=[home],
        )
        ctx["sibling_party_member"] = party_services.membership_create(
            actor=None,
            person=Person.objects.create(name="柳林党员", region=region),
            standing="staff",
            status="full",
            facility=home,
            organization=ctx["sibling_party_org"],
        )
        import datetime as dt

        ctx["sibling_party_activity"] = party_services.activity_record(
            actor=None,
            kind="members_meeting",
            held_on=dt.date.today(),
            title="柳林支部党员大会",
            organization=ctx["sibling_party_org"],
        )
    return ctx["sibling_party_org"].pk


def sibling_party_facility(ctx):
    sibling_party_org(ctx)
    return ctx["sibling_party_facility"].pk


def sibling_donation(ctx):
    """A donation to 柳林县's time-bank pool, in the donations ledger."""
    if "sibling_donation" not in ctx:
        import datetime as dt

        from yanglao.community import donations

        ctx["sibling_donation"] = donations.donation_record(
            actor=ctx["sibling_user"],
            recipient_kind="pool",
            recipient_id="141125",
            donor_kind="company",
            donor_name="柳林某公司",
            amount="500.00",
            purpose="互助池",
            on_date=dt.date(2026, 1, 5),
        )
    return str(ctx["sibling_donation"].donation)


def sibling_grant(ctx):
    """A county-match grant of a facility in 柳林县, in the grants ledger."""
    if "sibling_grant" not in ctx:
        import datetime as dt

        from yanglao.funding import services as funding_services

        sibling_party_org(ctx)
        ctx["sibling_grant"] = funding_services.grant_record(
            actor=None,
            facility=ctx["sibling_party_facility"],
            year=2024,
            payer_level="county",
            kind="county_match",
            amount="1000.00",
            on_date=dt.date(2024, 5, 1),
        ).grant
    return ctx["sibling_grant"]


def sibling_party_member(ctx):
    sibling_party_org(ctx)
    return ctx["sibling_party_member"].pk


def sibling_party_dispatch(ctx):
    if "sibling_party_dispatch" not in ctx:
        import datetime as dt

        from yanglao.party import services as party_services
        from yanglao.people.models import Person

        sibling_party_org(ctx)
        home = ctx["sibling_party_facility"]
        ctx["sibling_party_dispatch"] = party_services.dispatch_create(
            actor=None,
            person=Person.objects.create(name="柳林指导员", region=home.region),
            facility=home,
            role="instructor",
            starts_on=dt.date(2025, 1, 6),
        )
    return ctx["sibling_party_dispatch"].pk


def sibling_planning(ctx):
    """A task table, a project (past county screening) and an evaluation of 柳林县."""
    if "sibling_table" not in ctx:
        from yanglao.planning.models import CountyEvaluation, ProjectApplication, TaskTable
        from yanglao.regions.models import Region

        county = Region.objects.get(code=SIBLING)
        ctx["sibling_table"] = TaskTable.objects.create(
            region=county,
            region_path=county.path,
            title="柳林县任务表",
            year_from=2026,
            year_to=2026,
            columns=[],
        )
        ctx["sibling_project"] = ProjectApplication.objects.create(
            county=county,
            region_path=county.path,
            year=2026,
            name="柳林项目",
            status="county_passed",
        )
        ctx["sibling_evaluation"] = CountyEvaluation.objects.create(
            county=county, region_path=county.path, year=2025, result="good"
        )
    return ctx["sibling_table"].pk


def sibling_project(ctx):
    sibling_planning(ctx)
    return ctx["sibling_project"].pk


TABLE_ID = {"table_id": sibling_planning}
PROJECT_ID = {"project_id": sibling_project}


def sibling_activity(ctx):
    """A community activity in a village of 柳林县."""
    if "sibling_activity" not in ctx:
        import datetime as dt

        from yanglao.party.models import Activity
        from yanglao.regions.models import Region

        region = Region.objects.get(code="141125100")
        ctx["sibling_activity"] = Activity.objects.create(
            kind="health_talk",
            held_on=dt.date.today(),
            region=region,
            region_path=region.path,
            title="柳林健康讲座",
        )
    return ctx["sibling_activity"].pk


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/regions"): Case(query={"q": "柳林"}, list_check="region_code"),
    ("GET", "/api/v1/regions/{code}"): Case(path={"code": SIBLING}),
    ("GET", "/api/v1/regions/{code}/children"): Case(path={"code": SIBLING}),
    ("GET", "/api/v1/me"): Case(self_only=True),
    ("GET", "/api/v1/users"): Case(list_check="user_region"),
    ("POST", "/api/v1/users"): Case(
        body={"username": "intruder", "region": SIBLING, "role": "village_officer"}, expect=422
    ),
    ("GET", "/api/v1/users/{user_id}"): Case(path={"user_id": sibling_user}),
    ("PATCH", "/api/v1/users/{user_id}"): Case(
        path={"user_id": sibling_user}, body={"full_name": "x"}
    ),
    ("GET", "/api/v1/policy/rules"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/policy/lookup/{rule_id}"): Case(
        path={"rule_id": "facility.operating_subsidy.day_care_with_meals"},
        query={"region": SIBLING},
    ),
    ("GET", "/api/v1/policy/targets"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/elders"): Case(query={"q": "zgl"}, list_check="elder_region"),
    ("POST", "/api/v1/elders"): Case(
        body={"name": "张三", "id_number": "141125194501011236", "region": SIBLING}, expect=422
    ),
    ("GET", "/api/v1/elders/{elder_id}"): Case(path=ELDER_ID),
    ("PATCH", "/api/v1/elders/{elder_id}"): Case(path=ELDER_ID, body={"name": "x"}),
    ("POST", "/api/v1/elders/{elder_id}/status"): Case(
        path=ELDER_ID, body={"status": "moved", "on": "2026-01-01"}
    ),
    ("POST", "/api/v1/elders/{elder_id}/id-number"): Case(path=ELDER_ID, body={}),
    ("GET", "/api/v1/elders/{elder_id}/care-plan"): Case(path=ELDER_ID),
    ("PUT", "/api/v1/elders/{elder_id}/care-plan"): Case(
        path=ELDER_ID,
        body={
            "needs": "n",
            "interventions": "i",
            "responsible": "r",
            "visits_per_week": 1,
            "emergency_contacts": "e",
            "emergency_procedure": "p",
            "review_on": "2030-01-01",
        },
    ),
    ("POST", "/api/v1/elders/{elder_id}/transfer"): Case(
        path=ELDER_ID, body={"to_region": "141129101201"}
    ),
    ("GET", "/api/v1/elders/transfers"): Case(list_check="transfers"),
    ("POST", "/api/v1/elders/transfers"): Case(
        body={"id_number": "141125194501011236", "to_region": SIBLING}, expect=422
    ),
    ("POST", "/api/v1/elders/transfers/{transfer_id}/decision"): Case(
        path={"transfer_id": sibling_transfer}, body={"accept": True}
    ),
    ("GET", "/api/v1/elders/{elder_id}/assessments"): Case(path=ELDER_ID),
    ("POST", "/api/v1/elders/{elder_id}/assessments"): Case(
        path=ELDER_ID,
        body={"assessed_on": "2026-01-01", "reason": "first", "assessors": "x", "scores": {}},
    ),
    ("GET", "/api/v1/alerts"): Case(list_check="alerts"),
    ("GET", "/api/v1/alerts/{alert_id}"): Case(path=ALERT_ID),
    ("POST", "/api/v1/alerts"): Case(
        body={"elder_id": 0, "level": "urgent", "title": "x"},
    ),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): Case(path=ALERT_ID, body={}),
    ("POST", "/api/v1/alerts/{alert_id}/act"): Case(path=ALERT_ID, body={}),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): Case(path=ALERT_ID, body={"note": "x"}),
    # Devices sign their calls; a user's token is no signature.
    ("POST", "/api/v1/devices/readings"): Case(body={"readings": []}, expect=401),
    ("POST", "/api/v1/visits"): Case(
        body={
            "elder_id": 0,  # replaced by the sibling elder below
            "method": "door",
            "visited_at": "2026-11-24T10:00:00+08:00",
            "checks": FINE_CHECKS,
        },
    ),
    ("GET", "/api/v1/visits/overdue"): Case(list_check="elder_items"),
    ("GET", "/api/v1/visits/compliance"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/visits/my-week"): Case(list_check="empty"),
    ("GET", "/api/v1/visitors"): Case(list_check="visitors"),
    ("GET", "/api/v1/devices"): Case(list_check="devices"),
    ("POST", "/api/v1/checkins"): Case(body={"plan_id": 0}),
    ("GET", "/api/v1/messages"): Case(list_check="messages"),
    ("POST", "/api/v1/pairings"): Case(
        body={"visitor_id": 0, "elder_ids": [0], "starts_on": "2026-11-24"},
    ),
    ("GET", "/api/v1/pairings/unpaired"): Case(list_check="elder_items"),
    ("POST", "/api/v1/pairings/{pairing_id}/end"): Case(
        path={"pairing_id": lambda ctx: ctx["sibling_pairing"].pk},
        body={"on": "2026-11-24", "reason": "x"},
    ),
    ("GET", "/api/v1/services/items"): Case(list_check="global"),
    ("GET", "/api/v1/services/orders"): Case(list_check="elder_items"),
    ("POST", "/api/v1/services/orders"): Case(
        body={
            "elder_id": 0,
            "item": "clean_home",
            "scheduled_for": "2026-12-01T10:00:00+08:00",
            "channel": "phone",
        }
    ),
    ("GET", "/api/v1/services/orders/{order_id}"): Case(path=ORDER_ID),
    ("GET", "/api/v1/services/orders/{order_id}/proposals"): Case(path=ORDER_ID),
    ("POST", "/api/v1/services/orders/{order_id}/assign"): Case(
        path=ORDER_ID, body={"provider_id": 1}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/accept"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/decline"): Case(
        path=ORDER_ID, body={"reason": "x"}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/start"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/finish"): Case(path=ORDER_ID, body={}),
    ("POST", "/api/v1/services/orders/{order_id}/cancel"): Case(
        path=ORDER_ID, body={"reason": "x"}
    ),
    ("POST", "/api/v1/services/orders/{order_id}/rating"): Case(path=ORDER_ID, body={"rating": 5}),
    ("POST", "/api/v1/services/orders/{order_id}/confirm"): Case(path=ORDER_ID, body={}),
    ("GET", "/api/v1/services/my-orders"): Case(list_check="empty"),
    ("GET", "/api/v1/services/providers"): Case(list_check="visitors"),
    ("POST", "/api/v1/services/providers"): Case(body=PROVIDER_BODY, expect=422),
    ("GET", "/api/v1/services/providers/{provider_id}"): Case(
        path={"provider_id": sibling_provider}
    ),
    ("PUT", "/api/v1/services/providers/{provider_id}"): Case(
        path={"provider_id": sibling_provider}, body=PROVIDER_BODY
    ),
    ("GET", "/api/v1/services/ratings"): Case(list_check="empty"),
    ("POST", "/api/v1/services/survey/{token}"): Case(
        path={"token": "forged-token"}, body={"rating": 5}
    ),
    # The officer has no volunteer profile: "my" time bank is 404.
    ("GET", "/api/v1/timebank/me"): Case(),
    ("GET", "/api/v1/timebank/me/statement"): Case(),
    ("GET", "/api/v1/timebank/accounts"): Case(list_check="visitors"),
    ("GET", "/api/v1/timebank/accounts/{account_id}"): Case(path=TB_ACCOUNT),
    ("GET", "/api/v1/timebank/accounts/{account_id}/statement"): Case(path=TB_ACCOUNT),
    ("POST", "/api/v1/timebank/accounts/{account_id}/transfers"): Case(
        path=TB_ACCOUNT, body={"to_person_id": 1, "units": "1"}
    ),
    ("POST", "/api/v1/timebank/accounts/{account_id}/donations"): Case(
        path=TB_ACCOUNT, body={"units": "1"}
    ),
    ("POST", "/api/v1/timebank/accounts/{account_id}/relatives"): Case(
        path=TB_ACCOUNT, body={"elder_id": 1, "relation": "child"}
    ),
    ("GET", "/api/v1/timebank/pools"): Case(list_check="visitors"),
    ("GET", "/api/v1/timebank/pools/{county}"): Case(path={"county": sibling_pool}),
    ("POST", "/api/v1/timebank/pools/{county}/grants"): Case(
        path={"county": sibling_pool}, body={"elder_id": 0, "units": "1", "purpose": "助餐"}
    ),
    ("GET", "/api/v1/timebank/txns/{txn}"): Case(path=TB_TXN),
    ("POST", "/api/v1/timebank/txns/{txn}/reverse"): Case(path=TB_TXN, body={"reason": "x"}),
    ("GET", "/api/v1/timebank/reports/monthly"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/meals/points"): Case(
        setup=sibling_meal_point, list_check="ids:sibling_meal_point"
    ),
    ("POST", "/api/v1/meals/points"): Case(
        body={"name": "越界餐桌", "region_code": SIBLING, "meal_price": "10.00"}, expect=422
    ),
    ("GET", "/api/v1/meals/points/{point_id}"): Case(path=MEAL_POINT_ID),
    ("PATCH", "/api/v1/meals/points/{point_id}"): Case(path=MEAL_POINT_ID, body={"name": "x"}),
    ("GET", "/api/v1/meals/points/{point_id}/statement"): Case(path=MEAL_POINT_ID),
    ("GET", "/api/v1/meals/records"): Case(
        setup=sibling_meal_record, list_check="ids:sibling_meal_record"
    ),
    ("POST", "/api/v1/meals/records"): Case(
        body={
            "point_id": sibling_meal_point,
            "elder_id": 0,
            "date": "2026-11-24",
            "meal": "lunch",
            "mode": "dine_in",
        }
    ),
    ("POST", "/api/v1/meals/records/{record_id}/correct"): Case(
        path=MEAL_RECORD_ID, body={"reason": "x", "count": 2}
    ),
    ("POST", "/api/v1/meals/records/{record_id}/delete"): Case(
        path=MEAL_RECORD_ID, body={"reason": "x"}
    ),
    ("GET", "/api/v1/meals/summary"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/appointments/hospitals"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/appointments/hospitals/{hospital_code}/departments"): Case(
        path={"hospital_code": "SI-141125-01"}
    ),
    ("GET", "/api/v1/appointments/slots"): Case(
        query={"hospital": "SI-141125-01", "department": "internal", "day": "2026-12-01"}
    ),
    ("GET", "/api/v1/appointments"): Case(
        setup=sibling_appointment, list_check="ids:sibling_appointment"
    ),
    ("POST", "/api/v1/appointments"): Case(
        body={
            "order_id": sibling_medical_order,
            "hospital_code": "SI-141125-01",
            "department_code": "internal",
            "starts_at": sibling_starts_at,
        }
    ),
    ("GET", "/api/v1/appointments/{appointment_id}"): Case(path=APPOINTMENT_ID),
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): Case(
        path=APPOINTMENT_ID, body={"reason": "x"}
    ),
    ("POST", "/api/v1/appointments/{appointment_id}/attended"): Case(path=APPOINTMENT_ID, body={}),
    ("GET", "/api/v1/facilities"): Case(list_check="visitors"),
    ("POST", "/api/v1/facilities"): Case(
        body={"name": "x", "type": "day_care_center", "region": SIBLING, "ownership": "public"},
        expect=422,
    ),
    ("GET", "/api/v1/facilities/{facility_id}"): Case(path=FACILITY_ID),
    ("PATCH", "/api/v1/facilities/{facility_id}"): Case(path=FACILITY_ID, body={"beds": 3}),
    ("POST", "/api/v1/policy/rules"): Case(
        body={"rule_id": "x", "region": SIBLING, "params": {"a": 1}, "source_doc": "d"},
        expect=422,
    ),
    ("GET", "/api/v1/facilities/ratings"): Case(
        setup=sibling_rating, list_check="ids:sibling_rating"
    ),
    ("POST", "/api/v1/facilities/ratings"): Case(
        body={"facility_id": sibling_facility, "rated_on": "2024-01-02", "stars": 3}
    ),
    ("GET", "/api/v1/facilities/ratings/{rating_id}"): Case(path=RATING_ID),
    ("GET", "/api/v1/facilities/centres"): Case(
        setup=sibling_centre, list_check="ids:sibling_centre"
    ),
    ("POST", "/api/v1/facilities/centres"): Case(
        body={"village": "141125100201", "registered_name": "越界村万寿延养老服务中心"},
        setup=sibling_centre,
        expect=422,
    ),
    ("GET", "/api/v1/facilities/centres/{centre_id}"): Case(path=CENTRE_ID),
    ("PUT", "/api/v1/facilities/centres/{centre_id}"): Case(
        path=CENTRE_ID, body={"registered_name": "越界村万寿延养老服务中心"}
    ),
    ("GET", "/api/v1/facilities/centres-coverage"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/party/organizations"): Case(
        setup=sibling_party_org, list_check="ids:sibling_party_org"
    ),
    ("GET", "/api/v1/party/organizations/{org_id}"): Case(path={"org_id": sibling_party_org}),
    ("GET", "/api/v1/party/members"): Case(
        setup=sibling_party_org, list_check="ids:sibling_party_member"
    ),
    ("GET", "/api/v1/party/facilities/{facility_id}/requirements"): Case(
        path={"facility_id": sibling_party_facility}
    ),
    ("GET", "/api/v1/party/coverage"): Case(query={"region": SIBLING}),
    ("GET", "/api/v1/party/activities"): Case(
        setup=sibling_party_org, list_check="ids:sibling_party_activity"
    ),
    ("POST", "/api/v1/party/activities"): Case(
        body={
            "kind": "members_meeting",
            "held_on": "2025-01-06",
            "title": "越权记录",
            "organization_id": sibling_party_org,
        }
    ),
    ("GET", "/api/v1/party/missing"): Case(query={"region": SIBLING}),
    ("POST", "/api/v1/party/organizations"): Case(
        body={"name": "越权党支部", "kind": "branch", "region": "141125100"}, expect=403
    ),
    ("PATCH", "/api/v1/party/organizations/{org_id}"): Case(
        path={"org_id": sibling_party_org}, body={"name": "越权改名"}
    ),
    ("POST", "/api/v1/party/members"): Case(
        body={
            "person": {"name": "越权党员"},
            "facility_id": sibling_party_facility,
            "standing": "staff",
            "status": "full",
        }
    ),
    ("PATCH", "/api/v1/party/members/{member_id}"): Case(
        path={"member_id": sibling_party_member}, body={"status": "probationary"}
    ),
    ("POST", "/api/v1/party/members/{member_id}/end"): Case(
        path={"member_id": sibling_party_member},
        body={"end_kind": "left", "ended_on": "2025-01-06", "reason": "越权"},
    ),
    ("POST", "/api/v1/party/dispatches"): Case(
        body={
            "person": {"name": "越权书记"},
            "facility_id": sibling_party_facility,
            "role": "first_secretary",
            "starts_on": "2025-01-06",
        }
    ),
    ("POST", "/api/v1/party/dispatches/{dispatch_id}/end"): Case(
        path={"dispatch_id": sibling_party_dispatch}, body={"ends_on": "2025-02-06"}
    ),
    ("GET", "/api/v1/community/donations"): Case(
        setup=sibling_donation, list_check="ids:sibling_donation"
    ),
    ("POST", "/api/v1/community/donations"): Case(
        body={
            "recipient_kind": "pool",
            "recipient_id": SIBLING,
            "donor_kind": "person",
            "donor_name": "x",
            "amount": "1.00",
            "purpose": "x",
            "on_date": "2026-01-05",
        }
    ),
    ("POST", "/api/v1/community/donations/{donation_id}/spending"): Case(
        path={"donation_id": sibling_donation}, body={"amount": "1.00", "on_date": "2026-01-06"}
    ),
    # Public by design (公示, no login): answers for any village.
    ("GET", "/api/v1/community/donations/disclosure/{village_code}"): Case(
        path={"village_code": "141129101201"}, list_check="global"
    ),
    ("POST", "/api/v1/funding/estimate"): Case(
        body={"region": SIBLING, "facility_type": "happiness_courtyard", "on_date": "2024-06-30"}
    ),
    ("GET", "/api/v1/funding/grants"): Case(setup=sibling_grant, list_check="grants"),
    ("POST", "/api/v1/funding/budget"): Case(body={"region": SIBLING, "year": 2021}),
    ("GET", "/api/v1/funding/county-evaluation"): Case(
        query={"region": SIBLING, "year": 2020, "tier_sizes": "1,1,1"}
    ),
    ("GET", "/api/v1/funding/grants/{grant_id}"): Case(path={"grant_id": sibling_grant}),
    ("POST", "/api/v1/funding/grants"): Case(
        body={
            "facility_id": sibling_party_facility,
            "year": 2024,
            "payer_level": "county",
            "kind": "county_match",
            "amount": "1000.00",
            "on_date": "2024-05-01",
        }
    ),
    ("POST", "/api/v1/funding/grants/{grant_id}/status"): Case(
        path={"grant_id": sibling_grant}, body={"status": "approved", "on_date": "2024-06-01"}
    ),
    ("POST", "/api/v1/funding/grants/{grant_id}/spending"): Case(
        path={"grant_id": sibling_grant},
        body={"use": "rent", "amount": "10.00", "on_date": "2024-06-01"},
    ),
    ("GET", "/api/v1/funding/facilities/{facility_id}/running-costs"): Case(
        path={"facility_id": sibling_party_facility}, query={"year": 2024}
    ),
    ("POST", "/api/v1/funding/running-costs"): Case(
        body={
            "facility_id": sibling_party_facility,
            "year": 2024,
            "source": "elder",
            "amount": "10.00",
            "on_date": "2024-06-01",
        }
    ),
    ("GET", "/api/v1/planning/tables"): Case(
        setup=sibling_planning, list_check="ids:sibling_table"
    ),
    ("GET", "/api/v1/planning/tables/{table_id}"): Case(path=TABLE_ID),
    ("POST", "/api/v1/planning/tables"): Case(
        body={"region": SIBLING, "title": "越权任务表", "year_from": 2026, "year_to": 2026},
        expect=422,
    ),
    ("PUT", "/api/v1/planning/tables/{table_id}/rows"): Case(
        path=TABLE_ID, body={"rows": [{"label": "合计", "values": {}}]}
    ),
    ("GET", "/api/v1/planning/projects"): Case(
        setup=sibling_planning, list_check="ids:sibling_project"
    ),
    ("POST", "/api/v1/planning/projects"): Case(
        body={"county": SIBLING, "year": 2026, "name": "越权项目"}, expect=422
    ),
    ("GET", "/api/v1/planning/projects/ranking"): Case(
        query={"year": 2026}, setup=sibling_planning, list_check="ids:sibling_project"
    ),
    ("GET", "/api/v1/planning/projects/{project_id}"): Case(path=PROJECT_ID),
    ("POST", "/api/v1/planning/projects/{project_id}/status"): Case(
        path=PROJECT_ID, body={"status": "approved"}
    ),
    ("PUT", "/api/v1/planning/projects/{project_id}/scores"): Case(
        path=PROJECT_ID, body={"scores": {"site_layout": "90"}}
    ),
    ("GET", "/api/v1/planning/evaluations"): Case(
        setup=sibling_planning, list_check="ids:sibling_evaluation"
    ),
    ("POST", "/api/v1/planning/evaluations"): Case(
        body={"county": SIBLING, "year": 2025, "result": "poor"}, expect=403
    ),
    ("GET", "/api/v1/community/activities"): Case(
        setup=sibling_activity, list_check="ids:sibling_activity"
    ),
    ("POST", "/api/v1/community/activities"): Case(
        body={
            "kind": "health_talk",
            "title": "越权活动",
            "held_on": "2026-03-01",
            "region_code": "141125100",
        },
        expect=403,
    ),
    ("POST", "/api/v1/community/activities/{activity_id}/signups"): Case(
        path={"activity_id": sibling_activity}, body={"elder_id": 0}
    ),
    ("POST", "/api/v1/community/activities/{activity_id}/attendance"): Case(
        path={"activity_id": sibling_activity}, body={"present_elder_ids": []}
    ),
    ("GET", "/api/v1/community/activities/{activity_id}"): Case(
        path={"activity_id": sibling_activity}
    ),
    ("POST", "/api/v1/community/activities/{activity_id}/close"): Case(
        path={"activity_id": sibling_activity}, body={"summary": "越权小结"}
    ),
    ("GET", "/api/v1/community/isolated-elders"): Case(list_check="elder_items"),
    ("GET", "/api/v1/community/counts"): Case(query={"region": "141125"}),
}


# Volunteer teams and publicity (yanglao/community/api_teams.py).


def sibling_team(ctx):
    if "sibling_team" not in ctx:
        from yanglao.community import teams

        ctx["sibling_team"] = teams.team_save(
            actor=ctx["sibling_user"],
            data={"name": "柳林志愿队", "kind": "volunteers", "region": "141125100"},
        )
    return ctx["sibling_team"]


def sibling_team_service(ctx):
    if "sibling_team_service" not in ctx:
        from yanglao.community import teams

        member = teams.member_add(
            actor=ctx["sibling_user"],
            team=sibling_team(ctx),
            person_id=ctx["sibling_elder"].person_id,
        )
        ctx["sibling_team_service"] = teams.service_record(
            actor=ctx["sibling_user"],
            team=sibling_team(ctx),
            member_id=member.pk,
            hours="2",
            served_on="2026-01-02",
            what="理发",
        )
    return ctx["sibling_team_service"]


def sibling_material(ctx):
    if "sibling_material" not in ctx:
        from yanglao.community import publicity

        material = publicity.material_save(
            actor=ctx["sibling_user"],
            data={"title": "防范保健品骗局", "kind": "health_scam", "body": "不信不买"},
        )
        ctx["sibling_material"] = material
        ctx["sibling_publication"] = (
            publicity.publish(
                actor=ctx["sibling_user"],
                material=material,
                villages=[ctx["sibling_user"].region.code],
                published_on="2026-01-02",
                how="posted",
            )[0]
            if ctx["sibling_user"].region.level == 5
            else None
        )
    return ctx["sibling_material"]


TEAM_ID = {"team_id": lambda ctx: sibling_team(ctx).pk}
MATERIAL_ID = {"material_id": lambda ctx: sibling_material(ctx).pk}
CASES.update(
    {
        ("GET", "/api/v1/community/teams"): Case(setup=sibling_team, list_check="ids:sibling_team"),
        ("POST", "/api/v1/community/teams"): Case(
            body={"name": "越界队", "kind": "volunteers", "region": "141125100"}, expect=422
        ),
        ("GET", "/api/v1/community/teams/{team_id}"): Case(path=TEAM_ID),
        ("POST", "/api/v1/community/teams/{team_id}/members"): Case(
            path=TEAM_ID, body={"person_id": lambda ctx: ctx["sibling_elder"].person_id}
        ),
        ("GET", "/api/v1/community/teams/{team_id}/services"): Case(path=TEAM_ID),
        ("POST", "/api/v1/community/teams/{team_id}/services"): Case(
            path=TEAM_ID, body={"member_id": 1, "hours": "1", "served_on": "2026-01-02"}
        ),
        ("POST", "/api/v1/community/team-services/{service_id}/confirm"): Case(
            path={"service_id": lambda ctx: sibling_team_service(ctx).pk}, body={}
        ),
        ("GET", "/api/v1/community/materials"): Case(
            setup=sibling_material, list_check="ids:sibling_material"
        ),
        ("POST", "/api/v1/community/materials"): Case(
            body={"title": "x", "kind": "fraud", "body": "x", "region": SIBLING}, expect=422
        ),
        ("GET", "/api/v1/community/materials/{material_id}"): Case(path=MATERIAL_ID),
        ("GET", "/api/v1/community/publications"): Case(query={"village": "141125100"}, expect=422),
        ("POST", "/api/v1/community/materials/{material_id}/publications"): Case(
            path=MATERIAL_ID,
            body={"villages": ["141125100"], "published_on": "2026-01-02", "how": "posted"},
        ),
    }
)


# Supervision (yanglao/supervision/api.py): an inspection of a 柳林县 home with a finding,
# and an evaluation of its operator by 柳林县.


def sibling_supervision(ctx):
    if "sibling_inspection" not in ctx:
        import datetime as dt

        from django.utils import timezone

        from yanglao.facilities.models import Facility
        from yanglao.regions.models import Region
        from yanglao.supervision.models import Finding, Inspection, OperatorEvaluation

        sibling_facility(ctx)
        home: Facility = ctx["sibling_facility"]
        county = Region.objects.get(code=SIBLING)
        ctx["sibling_inspection"] = inspection = Inspection.objects.create(
            target_kind="facility",
            facility=home,
            region=home.region,
            region_path=home.region_path,
            organizer_region=county,
            organizer_path=county.path,
            kind="planned",
            planned_on=dt.date(2026, 1, 5),
            inspected_on=dt.date(2026, 1, 5),
            inspectors="柳林县民政局",
            status="recorded",
        )
        ctx["sibling_finding"] = Finding.objects.create(
            inspection=inspection,
            region_path=home.region_path,
            severity="major",
            description="消防通道堵塞",
            deadline=dt.date(2026, 1, 20),
            responsible="柳林县敬老院",
            responsible_region=home.region,
        )
        ctx["sibling_evaluation_row"] = OperatorEvaluation.objects.create(
            region=county,
            region_path=county.path,
            year=2025,
            operator_name="柳林康养公司",
            evaluated_on=timezone.localdate(),
            evaluators="柳林县民政局",
            scores={"service_quality": "20", "internal_management": "15", "satisfaction": "10"},
            total=45,
            pass_mark=60,
            passed=False,
            flagged=True,
        )
    return ctx["sibling_inspection"]


INSPECTION_ID = {"inspection_id": lambda ctx: sibling_supervision(ctx).pk}
FINDING_ID = {"finding_id": lambda ctx: (sibling_supervision(ctx), ctx["sibling_finding"])[1].pk}
EVALUATION_ID = {
    "evaluation_id": lambda ctx: (sibling_supervision(ctx), ctx["sibling_evaluation_row"])[1].pk
}
CASES.update(
    {
        ("GET", "/api/v1/supervision/checklist"): Case(query={"region": SIBLING}, expect=422),
        ("GET", "/api/v1/supervision/inspections"): Case(
            setup=sibling_supervision, list_check="ids:sibling_inspection"
        ),
        ("POST", "/api/v1/supervision/inspections"): Case(
            body={
                "target_kind": "facility",
                "facility_id": sibling_facility,
                "kind": "unannounced",
                "planned_on": "2026-03-01",
                "inspectors": "越界",
            },
            expect=422,
        ),
        ("GET", "/api/v1/supervision/inspections/{inspection_id}"): Case(path=INSPECTION_ID),
        ("PATCH", "/api/v1/supervision/inspections/{inspection_id}"): Case(
            path=INSPECTION_ID, body={"inspectors": "x"}
        ),
        ("POST", "/api/v1/supervision/inspections/{inspection_id}/record"): Case(
            path=INSPECTION_ID, body={"inspected_on": "2026-01-05", "results": {}}
        ),
        ("POST", "/api/v1/supervision/inspections/{inspection_id}/findings"): Case(
            path=INSPECTION_ID, body={"severity": "minor", "description": "x"}
        ),
        ("POST", "/api/v1/supervision/inspections/{inspection_id}/cancel"): Case(
            path=INSPECTION_ID, body={"reason": "x"}
        ),
        ("POST", "/api/v1/supervision/inspections/{inspection_id}/close"): Case(
            path=INSPECTION_ID, body={}
        ),
        ("GET", "/api/v1/supervision/findings"): Case(
            setup=sibling_supervision, list_check="ids:sibling_finding"
        ),
        ("GET", "/api/v1/supervision/findings/{finding_id}"): Case(path=FINDING_ID),
        ("POST", "/api/v1/supervision/findings/{finding_id}/submit"): Case(
            path=FINDING_ID, body={"note": "x"}
        ),
        ("POST", "/api/v1/supervision/findings/{finding_id}/reinspect"): Case(
            path=FINDING_ID, body={"passed": True, "on": "2026-01-21"}
        ),
        ("GET", "/api/v1/supervision/operators"): Case(query={"region": SIBLING}, expect=422),
        ("GET", "/api/v1/supervision/evaluations"): Case(
            setup=sibling_supervision, list_check="ids:sibling_evaluation_row"
        ),
        ("POST", "/api/v1/supervision/evaluations"): Case(
            body={
                "region_code": SIBLING,
                "year": 2025,
                "operator_name": "柳林康养公司",
                "scores": {"service_quality": "30", "internal_management": "20"},
                "evaluators": "越界",
            },
            expect=422,
        ),
        ("GET", "/api/v1/supervision/evaluations/{evaluation_id}"): Case(path=EVALUATION_ID),
        ("POST", "/api/v1/supervision/evaluations/{evaluation_id}/resolve"): Case(
            path=EVALUATION_ID, body={"resolution": "replaced", "note": "x"}
        ),
    }
)


def sibling_feed_batch(ctx):
    """A nursing-home feed batch of a home in 柳林县."""
    if "sibling_feed_batch" not in ctx:
        import datetime as dt

        from yanglao.facilities.models import Facility
        from yanglao.interop.models import FeedBatch

        sibling_facility(ctx)
        home: Facility = ctx["sibling_facility"]
        ctx["sibling_feed_batch"] = FeedBatch.objects.create(
            facility=home, region_path=home.region_path, kind="beds", as_of=dt.date(2026, 1, 2)
        )
    return ctx["sibling_feed_batch"].pk


CASES.update(
    {
        ("POST", "/api/v1/interop/facilities/{facility_id}/residents"): Case(
            path=FACILITY_ID,
            body={"residents": [{"id_number": "141125194501011236", "name": "张三"}]},
        ),
        ("POST", "/api/v1/interop/facilities/{facility_id}/beds"): Case(
            path=FACILITY_ID, body={"total": 10, "occupied": 5}
        ),
        ("GET", "/api/v1/interop/facilities/{facility_id}/residents"): Case(path=FACILITY_ID),
        ("GET", "/api/v1/interop/batches"): Case(
            setup=sibling_feed_batch, list_check="ids:sibling_feed_batch"
        ),
        ("GET", "/api/v1/interop/batches/{batch_id}"): Case(path={"batch_id": sibling_feed_batch}),
        ("GET", "/api/v1/interop/fhir/elders/{elder_id}"): Case(path=ELDER_ID),
        ("GET", "/api/v1/interop/exports/{kind}"): Case(
            path={"kind": "elders"}, query={"region": SIBLING}
        ),
        ("GET", "/api/v1/interop/code-tables"): Case(list_check="global"),
    }
)

# Privacy (yanglao/privacy/api.py): a legal basis and a data request of a 柳林县 file.


def sibling_privacy(ctx):
    if "sibling_request" not in ctx:
        import datetime as dt

        from yanglao.privacy import services as privacy

        ctx["sibling_consent"] = privacy.consent_record(
            actor=ctx["sibling_user"],
            elder=ctx["sibling_elder"],
            basis="legal_duty",
            given_by="elder",
            legal_reference="《老年人权益保障法》",
            given_on=dt.date(2026, 1, 5),
            evidence="书面告知",
        )
        ctx["sibling_request"] = privacy.request_open(
            actor=ctx["sibling_user"],
            elder=ctx["sibling_elder"],
            kind="access",
            requested_by="elder",
            requester_name="张桂兰",
            detail="复制档案",
            received_on=dt.date(2026, 1, 6),
        )
    return ctx["sibling_request"]


def published_notice(ctx):
    import datetime as dt

    from yanglao.accounts.services import user_create
    from yanglao.privacy import services as privacy

    admin, _password = user_create(
        actor=None,
        username="privacy_admin",
        region_code="14",
        role="system_admin",
        password="Test-Passw0rd!x",
    )
    privacy.notice_publish(
        actor=admin,
        title="告知书",
        body="正文",
        items=[{"item": "姓名", "purpose": "建档"}],
        controller="民政局",
        contact="12345",
        effective_on=dt.date(2024, 1, 1),
    )


REQUEST_ID = {"request_id": lambda ctx: sibling_privacy(ctx).pk}
CASES.update(
    {
        ("GET", "/api/v1/privacy/notice"): Case(setup=published_notice, list_check="global"),
        ("GET", "/api/v1/privacy/elders/{elder_id}/consents"): Case(path=ELDER_ID),
        ("POST", "/api/v1/privacy/elders/{elder_id}/consents"): Case(
            path=ELDER_ID,
            body={
                "basis": "legal_duty",
                "given_by": "elder",
                "legal_reference": "x",
                "given_on": "2026-01-05",
                "evidence": "x",
            },
        ),
        ("POST", "/api/v1/privacy/consents/{consent_id}/withdraw"): Case(
            path={"consent_id": lambda ctx: (sibling_privacy(ctx), ctx["sibling_consent"])[1].pk},
            body={"on": "2026-01-07", "reason": "x"},
        ),
        ("GET", "/api/v1/privacy/requests"): Case(
            setup=sibling_privacy, list_check="ids:sibling_request"
        ),
        ("POST", "/api/v1/privacy/requests"): Case(
            body={
                "elder_id": 0,
                "kind": "access",
                "requested_by": "elder",
                "requester_name": "x",
                "detail": "x",
                "received_on": "2026-01-06",
            }
        ),
        ("GET", "/api/v1/privacy/requests/{request_id}"): Case(path=REQUEST_ID),
        ("POST", "/api/v1/privacy/requests/{request_id}/handle"): Case(
            path=REQUEST_ID, body={"outcome": "provided", "response": "x"}
        ),
        ("GET", "/api/v1/privacy/requests/{request_id}/file"): Case(path=REQUEST_ID),
    }
)


def operations() -> set[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.add((method.upper(), path.rstrip("/") if path != "/api/v1/" else path))
    return ops


def test_every_endpoint_has_a_scope_case():
    missing = operations() - set(CASES)
    assert not missing, f"add a scope case for each new endpoint: {sorted(missing)}"
    stale = set(CASES) - operations()
    assert not stale, f"cases for endpoints that no longer exist: {sorted(stale)}"


CASES.update(
    {
        # The dashboard figures of a sibling county (and their trend) are not found.
        ("GET", "/api/v1/insights/regions/{code}"): Case(path={"code": SIBLING}),
        ("GET", "/api/v1/insights/regions/{code}/trend"): Case(
            path={"code": SIBLING}, query={"metric": "elders.total"}
        ),
    }
)


CASES.update(
    {
        # Reports: a sibling county's report and a sibling elder's 明白卡 are not found; the
        # policy compilation is public by design.
        ("GET", "/api/v1/reports/{region_code}/{period}"): Case(
            path={"region_code": SIBLING, "period": "2026-10"}
        ),
        ("GET", "/api/v1/reports/cards/{elder_id}"): Case(path={"elder_id": sibling_elder}),
        ("GET", "/api/v1/reports/policies/{region_code}"): Case(
            path={"region_code": SIBLING}, list_check="global"
        ),
    }
)


@pytest.mark.parametrize(("method", "template"), sorted(CASES))
def test_a_county_officer_cannot_reach_another_county(method, template, api, make_user):
    from yanglao.accounts.models import User
    from yanglao.core.models import AuditEvent
    from yanglao.policy.models import PolicyRule

    case = CASES[(method, template)]
    officer = make_user("county_admin", INSIDE)
    ctx = {"sibling_user": make_user("village_officer", SIBLING)}
    ctx["sibling_elder"] = register_elder(ctx["sibling_user"], "141125100", seq=7)
    ctx["sibling_transfer"] = transfer_services.transfer_offer(
        actor=ctx["sibling_user"], elder=ctx["sibling_elder"], to_region_code="141125101"
    )
    from yanglao.alerts.services import alert_raise

    ctx["sibling_alert"] = alert_raise(
        elder=ctx["sibling_elder"], source="manual", level="urgent", title="柳林县的告警"
    )
    from datetime import date

    from yanglao.alerts.devices import device_register
    from yanglao.visits.pairing import pair, visitor_register

    ctx["sibling_pairing"] = pair(
        actor=ctx["sibling_user"],
        visitor=visitor_register(
            actor=ctx["sibling_user"],
            name="柳林志愿者",
            phone="13700004321",
            kind="volunteer",
            region_code="141125100",
        ),
        elders=[ctx["sibling_elder"]],
        starts_on=date(2026, 1, 1),
    )[0]

    ctx["sibling_device"], _secret = device_register(
        actor=ctx["sibling_user"], elder=ctx["sibling_elder"], kind="sos_button", serial="LL-1"
    )
    path = template
    if case.setup is not None:
        case.setup(ctx)
    body = case.body
    if body is not None:  # values may be callables of ctx (sibling objects made on demand)
        body = {k: v(ctx) if callable(v) else v for k, v in body.items()}
    if body is not None and body.get("elder_id") == 0:
        body = {**body, "elder_id": ctx["sibling_elder"].pk}
    if body is not None and body.get("plan_id") == 0:
        import datetime as dt

        from yanglao.alerts.checkins import plan_create

        elder = ctx["sibling_elder"]
        elder.living_situation = "alone"
        elder.save(update_fields=["living_situation"])
        plan = plan_create(
            actor=ctx["sibling_user"], elder=elder, method="knock", deadline=dt.time(9)
        )
        body = {**body, "plan_id": plan.pk}
    if body is not None and body.get("visitor_id") == 0:
        from yanglao.visits.pairing import visitor_register

        sibling_visitor = visitor_register(
            actor=ctx["sibling_user"],
            name="柳林探访员",
            phone="13700001234",
            kind="volunteer",
            region_code="141125100",
        )
        ctx["sibling_visitor"] = sibling_visitor
        body = {**body, "visitor_id": sibling_visitor.pk, "elder_ids": [ctx["sibling_elder"].pk]}
    for name, value in case.path.items():
        path = path.replace("{" + name + "}", str(value(ctx) if callable(value) else value))
    api.as_user(officer)
    before = (User.objects.count(), PolicyRule.objects.count())
    if method == "GET":
        response = api.get(path, data=case.query)
    elif method == "POST":
        response = api.post(path, body)
    elif method == "PUT":
        response = api.put(path, case.body)
    else:
        response = api.patch(path, case.body)
    if case.self_only:
        assert response.status_code == 200
        assert response.json()["region_code"] == INSIDE
        return
    if case.list_check == "global":
        assert response.status_code == 200
        return
    if case.list_check == "empty":
        assert response.status_code == 200 and response.json() == []
        return
    if case.list_check:
        assert response.status_code == 200
        items = response.json()["items"]
        if case.list_check == "region_code":
            assert all(i["path"].startswith(f"00.14.1411.{INSIDE}") for i in items)
            assert not any(i["code"].startswith(SIBLING) for i in items)
        elif case.list_check == "transfers":
            assert ctx["sibling_transfer"].pk not in {i["id"] for i in items}
        elif case.list_check == "visitors":
            assert all(i["region_code"].startswith(INSIDE) for i in items)
        elif case.list_check == "devices":
            assert ctx["sibling_device"].pk not in {i["id"] for i in items}
        elif case.list_check == "messages":
            assert all("柳林" not in i["subject"] for i in items)
        elif case.list_check == "alerts":
            assert ctx["sibling_alert"].pk not in {i["id"] for i in items}
        elif case.list_check == "elder_items":
            assert ctx["sibling_elder"].pk not in {i["elder_id"] for i in items}
        elif case.list_check == "elder_region":
            assert ctx["sibling_elder"].pk not in {i["id"] for i in items}
        elif case.list_check == "grants":
            assert str(ctx["sibling_grant"]) not in {i["grant_id"] for i in items}
        elif case.list_check.startswith("ids:"):
            assert ctx[case.list_check[4:]].pk not in {i["id"] for i in items}
        else:
            assert all(i["region_code"].startswith(INSIDE) for i in items)
            assert ctx["sibling_user"].pk not in {i["id"] for i in items}
        return
    assert response.status_code == case.expect, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"]
    if method != "GET":
        assert (User.objects.count(), PolicyRule.objects.count()) == before
    if case.expect == 404 and method == "GET" and "{" in template:
        assert AuditEvent.objects.filter(actor=officer, action="access.out_of_scope").exists()


def test_the_sibling_officer_sees_their_own_county(api, make_user):
    officer = make_user("county_admin", SIBLING)
    response = api.as_user(officer).get(f"/api/v1/regions/{SIBLING}")
    assert response.status_code == 200
    assert response.json()["name"] == "柳林县"


def test_a_user_may_read_the_names_above_but_not_the_regions(api, make_user):
    officer = make_user("county_admin", INSIDE)
    api.as_user(officer)
    detail = api.get(f"/api/v1/regions/{INSIDE}").json()
    assert [c["name"] for c in detail["breadcrumb"]] == ["全国", "山西省", "吕梁市", "中阳县"]
    assert api.get("/api/v1/regions/1411").status_code == 404
    assert api.get("/api/v1/regions/14").status_code == 404
