"""Reads of Party organizations, members, requirements, coverage and activities: always
in the reader's region scope (ARCHITECTURE.md rule 1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from yanglao.accounts.roles import VISIT_OFFICERS
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.facilities.models import (
    RESIDENTIAL_TYPES,
    Facility,
    FacilityStatus,
    FacilityType,
    Ownership,
)
from yanglao.people.models import Person
from yanglao.policy import selectors as policy_selectors
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Region

from . import rules
from .models import (
    OWN_KINDS,
    Activity,
    ActivityKind,
    Dispatch,
    DispatchedBy,
    DispatchRole,
    MemberStatus,
    OrgKind,
    PartyMembership,
    PartyOrganization,
    Standing,
)

# Officers who read and record Party work in their region (组织部 and the civil-affairs
# officers who run the same places).
PARTY_USERS = VISIT_OFFICERS
# Who may create and edit organizations, members and dispatches (in their region): the
# same officers (party officers, city, county and township officers).
PARTY_WRITERS = PARTY_USERS
COVERAGE_PREFIX = "party_org_coverage_"
HOME_CARE = "home_care_center"


# ---------------------------------------------------------------- periods


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end = (
        dt.date(day.year + 1, 1, 1) if first_month == 10 else dt.date(day.year, first_month + 3, 1)
    )
    return start, end - dt.timedelta(days=1)


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month, quarter or year holding ``day`` (``party.branch_routine.frequency``)."""
    if period == "month":
        start = day.replace(day=1)
        nxt = dt.date(day.year + 1, 1, 1) if day.month == 12 else start.replace(month=day.month + 1)
        return start, nxt - dt.timedelta(days=1)
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    return quarter_bounds(day)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The ISO week (Monday to Sunday) holding ``day`` (rule 7)."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


# ---------------------------------------------------------------- rules


def rule_input(rule_id: str, region: Region, on: dt.date) -> rules.RuleInput | None:
    res = lookup(rule_id, region, on)
    if res is None:
        return None
    return rules.RuleInput(res.rule_id, res.title, dict(res.params), res.decisive.source)


def rule_inputs(region: Region, on: dt.date, ids=rules.FORMATION_RULES) -> dict:
    out = {}
    for rule_id in ids:
        rule = rule_input(rule_id, region, on)
        if rule is not None:
            out[rule_id] = rule
    return out


class _RuleCache:
    """Rule lookups per region path within one request (many rows share a region)."""

    def __init__(self, rule_id: str, on: dt.date) -> None:
        self.rule_id, self.on, self.cache = rule_id, on, {}

    def __call__(self, region: Region) -> rules.RuleInput | None:
        if region.path not in self.cache:
            self.cache[region.path] = rule_input(self.rule_id, region, self.on)
        return self.cache[region.path]


# ---------------------------------------------------------------- organizations


def organizations(
    user, *, q: str = "", kind: str = "", region_code: str | None = None, active: bool = True
) -> QuerySet[PartyOrganization]:
    qs = scoped(PartyOrganization.objects.all(), user, path_lookup="region_path")
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
        qs = qs.filter(path_q(region.path, "region_path"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(managing_unit__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("region", "secretary", "parent").annotate(
        member_count=Count("members", filter=Q(members__active=True), distinct=True)
    )


def organization_get(user, pk: int) -> PartyOrganization:
    return get_in_scope(
        PartyOrganization.objects.select_related("region", "secretary", "parent"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def organization_tree(user, **filters) -> list[tuple[PartyOrganization, int]]:
    """The organizations in scope in tree order, each with its depth; an organization whose
    parent is outside the scope (or filtered out) starts a tree of its own."""
    orgs = list(organizations(user, **filters).order_by("name"))
    ids = {o.pk for o in orgs}
    children: dict[int | None, list[PartyOrganization]] = defaultdict(list)
    for org in orgs:
        children[org.parent_id if org.parent_id in ids else None].append(org)
    out: list[tuple[PartyOrganization, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for org in children.get(parent, []):
            out.append((org, depth))
            walk(org.pk, depth + 1)

    walk(None, 0)
    return out


def renewal_due(org: PartyOrganization, on: dt.date | None = None) -> str:
    """ "overdue", "soon" (within 90 days) or "" for the organization's next renewal."""
    if org.term_end is None:
        return ""
    on = on or timezone.localdate()
    if org.term_end < on:
        return "overdue"
    return "soon" if org.term_end <= on + dt.timedelta(days=90) else ""


def active_dispatches(qs: QuerySet[Dispatch], on: dt.date) -> QuerySet[Dispatch]:
    return qs.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def dispatches(user, *, on: dt.date | None = None) -> QuerySet[Dispatch]:
    on = on or timezone.localdate()
    qs = scoped(Dispatch.objects.all(), user, path_lookup="region_path")
    return active_dispatches(qs, on).select_related("person", "facility", "organization")


# ---------------------------------------------------------------- members


def member_get(user, pk: int) -> PartyMembership:
    return get_in_scope(
        PartyMembership.objects.select_related("person", "organization", "facility", "region"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def dispatch_get(user, pk: int) -> Dispatch:
    return get_in_scope(
        Dispatch.objects.select_related("person", "facility__region", "organization"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def people_search(user, q: str, limit: int = 20) -> list[Person]:
    """Persons in scope whose name (or its pinyin) matches, for picking a member."""
    q = (q or "").strip()
    if not q:
        return []
    qs = scoped(Person.objects.all(), user).filter(
        Q(name__icontains=q)
        | Q(name_initials__startswith=q.lower())
        | Q(name_pinyin__startswith=q.lower())
    )
    return list(qs.select_related("region", "party_membership").order_by("name_pinyin")[:limit])


def members(
    user,
    *,
    q: str = "",
    standing: str = "",
    status: str = "",
    moved: str = "",
    organization_id: int | None = None,
    facility_id: int | None = None,
    region_code: str | None = None,
) -> QuerySet[PartyMembership]:
    qs = scoped(PartyMembership.objects.filter(active=True), user, path_lookup="region_path")
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
        qs = qs.filter(path_q(region.path, "region_path"))
    if q:
        qs = qs.filter(
            Q(person__name__icontains=q)
            | Q(person__name_initials__startswith=q.lower())
            | Q(person__name_pinyin__startswith=q.lower())
        )
    if standing:
        qs = qs.filter(standing=standing)
    if status:
        qs = qs.filter(status=status)
    if moved in ("1", "0"):
        qs = qs.filter(relation_moved=moved == "1")
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    return qs.select_related("person", "organization", "facility", "region").order_by(
        "person__name_pinyin", "pk"
    )


def full_member_counts(facility_ids) -> dict[int, dict[str, int]]:
    """Full members (正式党员) per facility and standing; probationary members never count."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        PartyMembership.objects.filter(
            active=True, status=MemberStatus.FULL, facility_id__in=facility_ids
        )
        .values_list("facility_id", "standing")
        .annotate(n=Count("pk"))
    )
    for facility_id, standing, n in rows:
        out[facility_id][standing] = n
    return out


# ---------------------------------------------------------------- reach and coverage


def reach_map(facility_qs: QuerySet[Facility], on: dt.date) -> dict[int, set[str]]:
    """What Party organization or work reaches each facility: own_org, joint_org,
    elder_branch (active organizations covering it), instructor (an active dispatch)."""
    out: dict[int, set[str]] = defaultdict(set)
    through = PartyOrganization.facilities.through
    links = through.objects.filter(
        facility__in=facility_qs.values("pk"), partyorganization__active=True
    ).values_list("facility_id", "partyorganization__kind")
    for facility_id, kind in links:
        if kind in OWN_KINDS:
            out[facility_id].add(rules.OWN_ORG)
        elif kind == OrgKind.JOINT_BRANCH:
            out[facility_id].add(rules.JOINT_ORG)
        elif kind == OrgKind.ELDER_BRANCH:
            out[facility_id].add(rules.ELDER_BRANCH)
    instructors = active_dispatches(
        Dispatch.objects.filter(
            facility__in=facility_qs.values("pk"), role=DispatchRole.INSTRUCTOR
        ),
        on,
    ).values_list("facility_id", flat=True)
    for facility_id in instructors:
        out[facility_id].add(rules.INSTRUCTOR)
    return out


def operating(qs: QuerySet[Facility]) -> QuerySet[Facility]:
    return qs.filter(status=FacilityStatus.OPERATING)


def population(qs: QuerySet[Facility], *, ownership: str = "", facility_type: str = ""):
    """The institutions a coverage figure counts: by ownership among care institutions
    (residential types), or by type."""
    qs = operating(qs)
    if facility_type:
        return qs.filter(type=facility_type)
    qs = qs.filter(type__in=RESIDENTIAL_TYPES)
    return qs.filter(ownership=ownership) if ownership else qs


def coverage_targets(region: Region, on: dt.date) -> dict[str, object]:
    """The coverage target rules in force for the region, by indicator."""
    return {
        res.params["indicator"]: res
        for res in policy_selectors.targets_for(region, on)
        if str(res.params.get("indicator", "")).startswith(COVERAGE_PREFIX)
    }


@dataclass
class CoverageRow:
    key: str  # an ownership code or "home_care_center"
    label: str
    total: int
    reach: dict[str, int]
    covered: int | None  # None: no coverage rule applies here
    target: object | None  # the Resolution of the target rule
    url: str

    @property
    def ratio(self) -> Decimal | None:
        if self.covered is None or not self.total:
            return None
        return (Decimal(self.covered) / Decimal(self.total)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )

    @property
    def percent(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio * 100:.1f}%"


def _row_target(targets: dict, key: str):
    for res in targets.values():
        if res.params.get("ownership") == key or res.params.get("facility_type") == key:
            return res
    return None


def coverage_rows(region: Region, on: dt.date) -> list[CoverageRow]:
    """Coverage in a region (no user: the caller has checked the scope)."""
    base = Facility.objects.filter(path_q(region.path, "region_path"))
    targets = coverage_targets(region, on)
    keys = [(o.value, str(o.label)) for o in Ownership] + [
        (HOME_CARE, str(FacilityType.HOME_CARE_CENTER.label))
    ]
    facilities_url = reverse("party:institutions")
    out = []
    for key, label in keys:
        qs = (
            population(base, facility_type=key)
            if key == HOME_CARE
            else population(base, ownership=key)
        )
        reaches = reach_map(qs, on)
        ids = list(qs.values_list("pk", flat=True))
        tally = {
            k: sum(1 for i in ids if k in reaches.get(i, ()))
            for k in (rules.OWN_ORG, rules.JOINT_ORG, rules.INSTRUCTOR, rules.ELDER_BRANCH)
        }
        target = _row_target(targets, key)
        covered = None
        if target is not None:
            counts = list(target.params.get("counts_as_covered", []))
            covered = sum(1 for i in ids if rules.covered(reaches.get(i, set()), counts))
        param = "type" if key == HOME_CARE else "ownership"
        out.append(
            CoverageRow(
                key=key,
                label=label,
                total=len(ids),
                reach=tally,
                covered=covered,
                target=target,
                url=f"{facilities_url}?region={region.code}&{param}={key}",
            )
        )
    return out


@dataclass
class CoverageView:
    region: Region
    rows: list[CoverageRow]
    children: list[tuple[Region, list[CoverageRow]]] = field(default_factory=list)


def coverage(user, *, region_code: str | None = None, on: dt.date | None = None):
    on = on or timezone.localdate()
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    children = []
    child_regions = Region.objects.filter(parent=region).order_by("code")
    with_facilities = set(
        operating(Facility.objects.filter(path_q(region.path, "region_path"))).values_list(
            "region_path", flat=True
        )
    )
    for child in child_regions:
        if any(p == child.path or p.startswith(child.path + ".") for p in with_facilities):
            children.append((child, coverage_rows(child, on)))
    return CoverageView(region=region, rows=coverage_rows(region, on), children=children)


# ---------------------------------------------------------------- institutions


def institutions(
    user,
    *,
    q: str = "",
    region_code: str | None = None,
    ownership: str = "",
    facility_type: str = "",
) -> QuerySet[Facility]:
    """Care institutions and home-care centres/stations in scope (the places Party work
    reaches)."""
    qs = operating(scoped(Facility.objects.all(), user, path_lookup="region_path"))
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
        qs = qs.filter(path_q(region.path, "region_path"))
    if facility_type:
        qs = qs.filter(type=facility_type)
    else:
        qs = qs.filter(
            type__in=[
                *RESIDENTIAL_TYPES,
                FacilityType.HOME_CARE_CENTER,
                FacilityType.COMMUNITY_STATION,
            ]
        )
    if ownership:
        qs = qs.filter(ownership=ownership)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(operator_name__icontains=q))
    return qs.select_related("region").order_by("region_path", "name")


def facility_get(user, pk: int) -> Facility:
    return get_in_scope(
        Facility.objects.select_related("region"), user, path_lookup="region_path", pk=pk
    )


@dataclass
class DispatchPresence:
    dispatch: Dispatch
    half_days: int
    shortfall: int | None  # None: the presence rule does not apply to this role


@dataclass
class FacilityParty:
    facility: Facility
    on: dt.date
    staff_full: int
    staff_probationary: int
    resident_full: int
    reaches: set[str]
    requirements: list[rules.Requirement]
    organizations: list[PartyOrganization]
    presence: list[DispatchPresence]
    presence_rule: rules.RuleInput | None

    @property
    def flagged(self) -> list[rules.Requirement]:
        return [r for r in self.requirements if r.flag] + [
            r for r in self.presence_requirements if r.flag
        ]

    @property
    def presence_requirements(self) -> list[rules.Requirement]:
        rule = self.presence_rule
        if rule is None:
            return []
        out = []
        for p in self.presence:
            if p.shortfall is None:
                continue
            obligation = str(rule.params.get("obligation") or rules.MUST)
            out.append(
                rules.Requirement(
                    rule_id=rule.rule_id,
                    title=rule.title,
                    source=rule.source,
                    obligation=obligation,
                    applies=True,
                    met=p.shortfall == 0,
                    flag=p.shortfall > 0 and obligation == rules.MUST,
                    reason=f"{p.dispatch.person.name}: {p.half_days}",
                    params=rule.params,
                )
            )
        return out


def half_days(person_ids, facility_ids, start: dt.date, end: dt.date) -> dict[tuple, int]:
    rows = (
        Activity.objects.filter(
            kind=ActivityKind.HALF_DAY,
            on_site_person_id__in=person_ids,
            facility_id__in=facility_ids,
            held_on__gte=start,
            held_on__lte=end,
        )
        .values_list("on_site_person_id", "facility_id")
        .annotate(n=Count("pk"))
    )
    return {(p, f): n for p, f, n in rows}


def party_for_facility(facility: Facility, on: dt.date | None = None) -> FacilityParty:
    """What applies to one institution and how strongly, met or not (scope checked by the
    caller)."""
    on = on or timezone.localdate()
    one = Facility.objects.filter(pk=facility.pk)
    reaches = reach_map(one, on).get(facility.pk, set())
    counts = PartyMembership.objects.filter(active=True, facility=facility)
    by = {
        (s, st): n for s, st, n in counts.values_list("standing", "status").annotate(n=Count("pk"))
    }
    staff_full = by.get((Standing.STAFF, MemberStatus.FULL), 0)
    resident_full = by.get((Standing.RESIDENT, MemberStatus.FULL), 0)
    orgs = list(
        facility.party_organizations.filter(active=True).select_related("secretary", "parent")
    )
    present = list(
        active_dispatches(facility.party_dispatches.all(), on).select_related(
            "person", "organization"
        )
    )
    has_secretary = any(o.kind in OWN_KINDS and o.secretary_id for o in orgs)
    facts = rules.Facts(
        ownership=facility.ownership,
        staff_full=staff_full,
        resident_full=resident_full,
        reaches=frozenset(reaches),
        public_side_head=any(d.dispatched_by == DispatchedBy.PUBLIC_SIDE for d in present),
        org_sound=has_secretary,
    )
    region = facility.region
    requirements = rules.evaluate(facts, rule_inputs(region, on))
    presence_rule = rule_input(rules.PRESENCE_RULE, region, on)
    start, end = week_bounds(on)
    done = half_days([d.person_id for d in present], [facility.pk], start, end)
    applies_to = set(presence_rule.params.get("applies_to", [])) if presence_rule else set()
    presence = []
    for d in present:
        n = done.get((d.person_id, facility.pk), 0)
        shortfall = rules.presence_shortfall(n, presence_rule) if d.role in applies_to else None
        presence.append(DispatchPresence(d, n, shortfall))
    return FacilityParty(
        facility=facility,
        on=on,
        staff_full=staff_full,
        staff_probationary=by.get((Standing.STAFF, MemberStatus.PROBATIONARY), 0),
        resident_full=resident_full,
        reaches=reaches,
        requirements=requirements,
        organizations=orgs,
        presence=presence,
        presence_rule=presence_rule,
    )


def facility_requirements(user, pk: int, on: dt.date | None = None) -> FacilityParty:
    return party_for_facility(facility_get(user, pk), on)


def facility_party(user, facility: Facility, on: dt.date | None = None) -> FacilityParty | None:
    """For the facility page's include (``party/_facility_party.html``): None when the user
    may not read Party work or the facility is outside their scope."""
    if getattr(user, "role", None) not in PARTY_USERS:
        return None
    if not scoped(Facility.objects.filter(pk=facility.pk), user, path_lookup="region_path"):
        return None
    return party_for_facility(facility, on)


# ---------------------------------------------------------------- activities


def activities(
    user,
    *,
    q: str = "",
    kind: str = "",
    region_code: str | None = None,
    organization_id: int | None = None,
    facility_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Activity]:
    qs = scoped(Activity.objects.all(), user, path_lookup="region_path")
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
        qs = qs.filter(path_q(region.path, "region_path"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if date_from:
        qs = qs.filter(held_on__gte=date_from)
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    return qs.select_related("organization", "facility", "region", "on_site_person")


# ---------------------------------------------------------------- missing


@dataclass
class MissingThemed:
    organization: PartyOrganization
    held: int
    shortfall: int
    rule: rules.RuleInput


@dataclass
class MissingHalfDay:
    dispatch: Dispatch
    held: int
    shortfall: int
    rule: rules.RuleInput


@dataclass
class MissingMeetings:
    organization: PartyOrganization
    missing: list[str]
    rule: rules.RuleInput
    frequency: rules.RuleInput | None = None
    period: tuple[dt.date, dt.date] | None = None


@dataclass
class MissingView:
    on: dt.date
    quarter: tuple[dt.date, dt.date]
    week: tuple[dt.date, dt.date]
    themed: list[MissingThemed]
    half_days: list[MissingHalfDay]
    meetings: list[MissingMeetings]

    @property
    def total(self) -> int:
        return len(self.themed) + len(self.half_days) + len(self.meetings)


THEMED_RULE = "party.themed_activity_quarterly"
ROUTINE_RULE = rules.ROUTINE_RULE
ROUTINE_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.ELDER_BRANCH})


def missing(user, *, on: dt.date | None = None, region_code: str | None = None) -> MissingView:
    """This quarter's themed activities not held, this week's half-days not done, and
    branches without this quarter's routine meetings (三会一课), each by its rule."""
    on = on or timezone.localdate()
    quarter, week = quarter_bounds(on), week_bounds(on)
    orgs = list(organizations(user, region_code=region_code))
    held_in_quarter: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, kind, n in (
        Activity.objects.filter(
            organization_id__in=[o.pk for o in orgs],
            held_on__gte=quarter[0],
            held_on__lte=min(quarter[1], on),
        )
        .values_list("organization_id", "kind")
        .annotate(n=Count("pk"))
    ):
        held_in_quarter[org_id][kind] = n
    # Routine meetings (三会一课) by day, for the period the frequency rule gives each
    # region (no more than a year back).
    routine_held: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for org_id, kind, day in Activity.objects.filter(
        organization_id__in=[o.pk for o in orgs],
        held_on__gte=dt.date(on.year, 1, 1),
        held_on__lte=on,
    ).values_list("organization_id", "kind", "held_on"):
        routine_held[org_id].append((kind, day))
    themed_rule = _RuleCache(THEMED_RULE, on)
    routine_rule = _RuleCache(ROUTINE_RULE, on)
    frequency_rule = _RuleCache(rules.FREQUENCY_RULE, on)
    themed, meetings = [], []
    for org in orgs:
        held = held_in_quarter.get(org.pk, {})
        rule = themed_rule(org.region)
        if rule is not None and org.tier in rule.params.get("organizers", []):
            n = held.get(ActivityKind.THEMED, 0)
            short = rules.themed_shortfall(n, rule)
            if short:
                themed.append(MissingThemed(org, n, short, rule))
        rule = routine_rule(org.region)
        frequency = frequency_rule(org.region)
        if rule is not None and frequency is not None and org.kind in ROUTINE_KINDS:
            period = period_bounds(str(frequency.params.get("period", "")), on)
            counts: dict[str, int] = defaultdict(int)
            for kind, day in routine_held.get(org.pk, []):
                if period[0] <= day <= period[1]:
                    counts[kind] += 1
            gaps = rules.missing_meetings(dict(counts), rule, frequency)
            if gaps:
                meetings.append(MissingMeetings(org, gaps, rule, frequency, period))
    present = list(dispatches(user, on=on).select_related("facility__region"))
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
        present = [
            d
            for d in present
            if d.region_path == region.path or d.region_path.startswith(region.path + ".")
        ]
    done = half_days(
        {d.person_id for d in present}, {d.facility_id for d in present}, week[0], week[1]
    )
    presence_rule = _RuleCache(rules.PRESENCE_RULE, on)
    half = []
    for d in present:
        rule = presence_rule(d.facility.region)
        if rule is None or d.role not in rule.params.get("applies_to", []):
            continue
        n = done.get((d.person_id, d.facility_id), 0)
        short = rules.presence_shortfall(n, rule)
        if short:
            half.append(MissingHalfDay(d, n, short, rule))
    return MissingView(on, quarter, week, themed, half, meetings)
