"""Every figure the job stores equals a count made independently from the records.

Records are made through the services (elders, visits, alerts, orders, the time bank,
facilities, Party organizations, grants); then the job runs; then each stored figure of
a village, a township, the county and the city is compared with a count made here by
walking the records in Python (ages with ``age_on``, groups with the Python evaluator
``categories.codes_for``, grant states with the funding selector), not with the job's
GROUP BYs. A figure the job stores that this test cannot count fails the test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.alerts import services as alert_services
from yanglao.alerts.models import Alert
from yanglao.elders import categories
from yanglao.elders import services as elder_services
from yanglao.elders.models import Elder
from yanglao.facilities import services as facility_services
from yanglao.facilities.models import RESIDENTIAL_TYPES, Facility
from yanglao.funding import selectors as funding_selectors
from yanglao.funding import services as funding_services
from yanglao.insights import compute
from yanglao.insights.models import RegionFigures
from yanglao.party import services as party_services
from yanglao.party.models import Dispatch, PartyOrganization
from yanglao.people.idnumbers import make_id_number
from yanglao.regions.models import Region
from yanglao.services import services as order_services
from yanglao.services.models import OPEN_STATUSES, Order, ServiceItem
from yanglao.timebank import services as timebank_services
from yanglao.timebank.models import Account, Entry
from yanglao.visits import pairing, schedule
from yanglao.visits import services as visit_services
from yanglao.visits.models import FollowUp, Visit, VisitDue

pytestmark = pytest.mark.django_db

JINLUO_1 = "141129101201"  # 金罗镇 金罗村
JINLUO_2 = "141129101202"  # 金罗镇 道棠村
NINGXIANG = "141129100201"  # 宁乡镇 东峪村
LIULIN_TOWN = "141125100"  # 柳林县 (a sibling county)
ITEMS = ("health", "mental_state", "safety", "hygiene", "living_environment")
_seq = itertools.count(700)


def checks(**levels):
    out = {k: {"level": "fine"} for k in ITEMS}
    for k, v in levels.items():
        out[k] = {"level": v, "note": "需要跟进"}
    return out


def register(actor, region: str, born: dt.date, **profile) -> Elder:
    return elder_services.elder_register(
        actor=actor,
        name="张桂兰",
        region_code=region,
        id_number=make_id_number(region[:6], born, next(_seq)),
        **profile,
    )


@pytest.fixture
def world(make_user, county):
    """A small county with elders of every kind, visits, alerts, orders, hours,
    facilities, Party work and grants; and one elder in the sibling county."""
    now = timezone.now()
    today = timezone.localdate()
    liulin = make_user("county_admin", "141125")
    alone = {"rural": True, "living_situation": "alone"}
    elders = [
        register(county, JINLUO_1, dt.date(1938, 2, 1), **alone),  # 88, weekly visits
        register(county, JINLUO_1, dt.date(1944, 7, 9), **alone),  # 81
        register(county, JINLUO_1, dt.date(1950, 1, 1), welfare="extreme_poverty"),
        register(county, JINLUO_2, dt.date(1930, 3, 3), **alone),  # 96
        register(county, JINLUO_2, dt.date(1960, 5, 5), left_behind=True, no_children=True),
        register(county, NINGXIANG, dt.date(1942, 8, 8), **alone),
        register(county, NINGXIANG, dt.date(1957, 12, 12)),
    ]
    moved = register(county, NINGXIANG, dt.date(1945, 4, 4), **alone)
    elder_services.elder_set_status(actor=county, elder=moved, status="moved", on=today)
    register(liulin, LIULIN_TOWN, dt.date(1939, 9, 9), **alone)

    # The schedule a week ago, then today: whoever is not visited this week is overdue.
    schedule.refresh_schedule(today=today - dt.timedelta(days=7))
    schedule.refresh_schedule(today=today)
    visit_services.visit_record(
        actor=county, elder=elders[0], method="door", visited_at=now, checks=checks()
    )
    visit_services.visit_record(
        actor=county,
        elder=elders[3],
        method="phone",
        visited_at=now,
        checks=checks(health="concern"),
    )
    visit_services.visit_record(
        actor=county,
        elder=elders[5],
        method="door",
        visited_at=now,
        checks=checks(safety="urgent"),
    )

    # Alerts: one acknowledged, one resolved, one left open (the visit raised another).
    raised = [
        alert_services.alert_raise(
            elder=elders[i], source="manual", level=level, title="未见老人出门", actor=county
        )
        for i, level in ((1, "warning"), (2, "urgent"), (4, "urgent"))
    ]
    alert_services.acknowledge(actor=county, alert=raised[0])
    alert_services.resolve(actor=county, alert=raised[1], note="已上门，老人平安")

    # Orders: one rated, one finished and unrated, one still requested.
    operator = make_user("facility_operator", "141129101")
    provider = order_services.provider_save(
        actor=county,
        data={
            "name": "康乐居家养老服务中心",
            "kind": "social_org",
            "region": "141129101",
            "areas": ["141129101"],
            "items": ["bath_home", "clean_home"],
            "work_days": "1234567",
            "work_start": "00:00",
            "work_end": "23:59",
            "daily_capacity": 20,
            "qualifications": [{"kind": "care_worker", "number": "Q-1", "expires_on": None}],
            "active": True,
        },
    )
    provider.users.add(operator)
    item = ServiceItem.objects.get(code="clean_home")
    when = now - dt.timedelta(hours=2)
    if timezone.localdate(when) != today:
        when = now
    orders = [
        order_services.order_create(
            actor=county, elder=elders[i], item=item, scheduled_for=when, channel="phone"
        )
        for i in (0, 1, 3)
    ]
    for order in orders[:2]:
        order = order_services.order_assign(actor=county, order=order, provider=provider)
        order = order_services.order_accept(actor=operator, order=order)
        order = order_services.order_start(actor=operator, order=order)
        order_services.order_finish(actor=operator, order=order, note="已完成")
    order_services.order_rate(order=Order.objects.get(pk=orders[0].pk), rating=2)

    # Time bank: a volunteer's hours this month.
    visitor = pairing.visitor_register(
        actor=county, name="李春梅", phone="13800001111", kind="volunteer", region_code=JINLUO_1
    )
    timebank_services.earn(
        person=visitor.person,
        hours=Decimal("2.5"),
        item_code="clean_home",
        region=JINLUO_1,
        reference="order:test-1",
        actor=county,
    )

    # Facilities: a nursing home in a village (Party organization) and a day-care centre
    # (an instructor), one closed; a grant approved and one disbursed with spending.
    home = facility_services.facility_save(
        actor=county,
        data={
            "name": "金罗镇敬老院",
            "type": "nursing_home",
            "region": JINLUO_1,
            "ownership": "public",
            "status": "operating",
            "beds": 60,
            "nursing_beds": 20,
        },
    )
    centre = facility_services.facility_save(
        actor=county,
        data={
            "name": "宁乡镇日间照料中心",
            "type": "home_care_center",
            "region": NINGXIANG,
            "ownership": "public_built_private_run",
            "status": "operating",
            "beds": 10,
        },
    )
    facility_services.facility_save(
        actor=county,
        data={
            "name": "道棠村互助小院",
            "type": "mutual_aid_courtyard",
            "region": JINLUO_2,
            "ownership": "public",
            "status": "closed",
            "closed_on": today - dt.timedelta(days=30),
            "beds": 8,
        },
    )
    party_services.organization_create(
        actor=county,
        name="金罗镇敬老院党支部",
        kind="branch",
        region_code=JINLUO_1,
        facilities=[home],
    )
    instructor = party_services.person_find_or_create(
        name="王建国", region=Region.objects.get(code=NINGXIANG)
    )
    party_services.dispatch_create(
        actor=county,
        person=instructor,
        facility=centre,
        role="instructor",
        starts_on=today - dt.timedelta(days=10),
    )
    first = funding_services.grant_record(
        actor=county,
        facility=home,
        year=today.year,
        payer_level="county",
        kind="operating_subsidy",
        amount="30000.00",
        on_date=today,
    )
    funding_services.grant_status(actor=county, grant=first.grant, status="approved", on_date=today)
    second = funding_services.grant_record(
        actor=county,
        facility=centre,
        year=today.year,
        payer_level="county",
        kind="construction_award",
        amount="100000.00",
        on_date=today,
        status="disbursed",
    )
    funding_services.grant_spend(
        actor=county, grant=second.grant, amount="2500.50", use="equipment", on_date=today
    )
    return {"county": county, "elders": elders}


# ---------------------------------------------------------------- independent counts


def _inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope + ".")


def _band(age: int) -> str:
    if age <= 69:
        return "under_70"
    if age <= 79:
        return "70_79"
    return "80_89" if age <= 89 else "90_plus"


def expected(region: Region, day: dt.date, actor) -> dict[str, int]:
    scope = region.path
    out: Counter = Counter()
    for e in Elder.objects.select_related("person"):
        if not _inside(e.region_path, scope) or e.status != "active":
            continue
        out["elders.total"] += 1
        out[f"elders.risk.{e.risk_level}"] += 1
        out[f"elders.ability.{e.ability_level or 'none'}"] += 1
        out[f"elders.age.{_band(elder_services.age_on(e.person.birth_date, day))}"] += 1
        for code in categories.codes_for(e, day):
            out[f"elders.group.{code}"] += 1

    week = day - dt.timedelta(days=day.weekday())
    for due in VisitDue.objects.all():
        if not _inside(due.region_path, scope):
            continue
        out["visits.overdue"] += due.due_on < day
        if due.period == "week":
            out["visits.due"] += 1
            done = Visit.objects.filter(elder_id=due.elder_id, week_start=week).count()
            out["visits.visited"] += done >= due.required
    out["visits.week"] += sum(
        1 for v in Visit.objects.filter(week_start=week) if _inside(v.region_path, scope)
    )
    for f in FollowUp.objects.all():
        if _inside(f.region_path, scope) and f.status == "open":
            out["followups.open"] += 1
            out["followups.overdue"] += f.due_on < day
            out["followups.satisfaction"] += f.kind == "satisfaction"

    since = day - dt.timedelta(days=compute.WINDOW_DAYS - 1)
    for a in Alert.objects.all():
        if not _inside(a.region_path, scope):
            continue
        if a.status != "resolved":
            out["alerts.open"] += 1
            out["alerts.open_urgent"] += a.level == "urgent"
            out["alerts.unacked"] += a.acknowledged_at is None
        if timezone.localdate(a.raised_at) >= since:
            out["alerts.raised"] += 1
            out["alerts.escalated"] += a.step > 0
            if a.acknowledged_at is not None:
                out["alerts.acked"] += 1
                out["alerts.ack_seconds"] += int((a.acknowledged_at - a.raised_at).total_seconds())

    for o in Order.objects.all():
        if not _inside(o.region_path, scope):
            continue
        out["orders.open"] += o.status in OPEN_STATUSES
        if since <= timezone.localdate(o.scheduled_for) <= day:
            out["orders.window"] += 1
            if o.status == "rated":
                out["orders.rated"] += 1
                out["orders.rating_sum"] += o.rating
            out["orders.unrated"] += o.status == "done"

    month_start = day.replace(day=1)
    earners = set()
    for entry in Entry.objects.select_related("account"):
        a = entry.account
        if (
            a.kind == "volunteer"
            and _inside(a.region_path, scope)
            and entry.kind == "earn"
            and entry.amount > 0
            and timezone.localdate(entry.created_at) >= month_start
        ):
            out["timebank.earned"] += int(entry.amount * 100)
            earners.add(a.pk)
    out["timebank.volunteers"] += len(earners)
    for a in Account.objects.filter(kind="volunteer"):
        if _inside(a.region_path, scope):
            out["timebank.balance"] += int(a.balance * 100)

    in_service = [
        f
        for f in Facility.objects.all()
        if _inside(f.region_path, scope)
        and (
            f.status in ("operating", "suspended")
            or (f.status == "closed" and f.closed_on and f.closed_on > day)
        )
        and (f.opened_on is None or f.opened_on <= day)
    ]
    out["facilities.count"] += len(in_service)
    out["facilities.beds"] += sum(f.beds for f in in_service)
    out["facilities.nursing_beds"] += sum(f.nursing_beds for f in in_service)
    for village in Region.objects.filter(level=5, valid_to__isnull=True):
        if not _inside(village.path, scope):
            continue
        kind = "communities" if village.name.endswith("社区") else "villages"
        out[f"{kind}.total"] += 1
        out[f"{kind}.covered"] += any(_inside(f.region_path, village.path) for f in in_service)

    party_types = {*RESIDENTIAL_TYPES, "home_care_center", "community_station"}
    for f in Facility.objects.filter(status="operating", type__in=party_types):
        if not _inside(f.region_path, scope):
            continue
        own = PartyOrganization.objects.filter(
            facilities=f, active=True, kind__in=("committee", "general_branch", "branch")
        ).exists()
        joint = PartyOrganization.objects.filter(
            facilities=f, active=True, kind="joint_branch"
        ).exists()
        instructor = any(
            d.starts_on <= day and (d.ends_on is None or d.ends_on >= day)
            for d in Dispatch.objects.filter(facility=f, role="instructor")
        )
        out["party.institutions"] += 1
        out["party.own_org"] += own
        out["party.reached"] += own or joint or instructor

    for state in funding_selectors.grant_states(actor):
        if _inside(state.facility.region_path, scope):
            out[f"money.{state.status}"] += int(state.amount * 100)
            out[f"money.{state.status}.n"] += 1
            out["money.spent"] += int(state.spent * 100)

    population = region.registered_60 or region.resident_60
    if population:
        out["population_60"] = population
    return {k: int(v) for k, v in out.items() if v}


@pytest.mark.parametrize("code", ["1411", "141129", "141129101", "141129100", JINLUO_1, JINLUO_2])
def test_every_figure_equals_an_independent_count_of_the_records(world, make_user, code):
    result = compute.refresh()
    assert result.regions > 0
    region = Region.objects.get(code=code)
    stored = RegionFigures.objects.get(region=region, day=result.day)
    want = expected(region, result.day, make_user("city_admin", "14"))
    assert stored.figures == want
    # The world is rich enough that each family of figures is tested with real numbers.
    if code == "141129":
        families = {k.split(".")[0] for k in want}
        assert families >= {
            "elders",
            "visits",
            "followups",
            "alerts",
            "orders",
            "timebank",
            "facilities",
            "villages",
            "party",
            "money",
        }
        assert want["visits.overdue"] > 0 and want["alerts.acked"] == 2
        assert want["orders.rated"] == 1 and want["money.disbursed"] == 10_000_000


def test_the_sibling_county_is_counted_apart_and_a_moved_elder_not_at_all(world):
    day = compute.refresh().day
    zhongyang = RegionFigures.objects.get(region_id="141129", day=day).figures
    liulin = RegionFigures.objects.get(region_id="141125", day=day).figures
    city = RegionFigures.objects.get(region_id="1411", day=day).figures
    assert zhongyang["elders.total"] == 7 and liulin["elders.total"] == 1
    assert city["elders.total"] == 8
    # Every region's figure is the sum of its children's (the roll-up).
    children = RegionFigures.objects.filter(parent_code="1411", day=day)
    for key in ("elders.total", "visits.due", "alerts.open", "money.spent"):
        assert city.get(key, 0) == sum(c.figures.get(key, 0) for c in children), key


def test_a_refresh_replaces_the_day_and_keeps_the_days_before(world):
    today = timezone.localdate()
    compute.refresh(today - dt.timedelta(days=3))
    compute.refresh()
    compute.refresh()
    days = set(RegionFigures.objects.filter(region_id="141129").values_list("day", flat=True))
    assert days == {today, today - dt.timedelta(days=3)}


def test_old_daily_rows_thin_out_to_mondays(world):
    today = timezone.localdate()
    old = [today - dt.timedelta(days=compute.KEEP_DAILY_DAYS + n) for n in range(1, 9)]
    for day in old:
        RegionFigures.objects.create(
            region_id="141129",
            region_path=Region.objects.get(code="141129").path,
            parent_code="1411",
            level=3,
            day=day,
            figures={"elders.total": 1},
            computed_at=timezone.now(),
        )
    compute.refresh()
    kept = set(
        RegionFigures.objects.filter(region_id="141129", day__lt=today).values_list(
            "day", flat=True
        )
    )
    assert kept == {d for d in old if d.weekday() == 0}


def test_the_subtree_computation_gives_the_stored_figures(world):
    """What the benchmark times as "straight from the raw tables" is the same numbers."""
    w = compute.window_for()
    compute.refresh()
    path = Region.objects.get(code="141129").path
    live = compute.compute(w, within=path)
    for p, figures in live.items():
        stored = RegionFigures.objects.get(region_path=p, day=w.day).figures
        stored = {k: v for k, v in stored.items() if k != "population_60"}
        assert figures == stored, p
