"""Party work: /api/v1/party/... (organizations, members, an institution's requirements,
coverage, activities, what is missing)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.idempotency import idempotent
from yanglao.core.scope import scoped
from yanglao.people.models import Person

from . import selectors, services
from .models import (
    ActivityKind,
    DispatchedBy,
    DispatchRole,
    EndKind,
    MemberStatus,
    NotMovedReason,
    OrgKind,
    OrgTier,
    Standing,
)

router = Router(tags=["party 党建"])


def _reader(request: HttpRequest):
    if request.auth.role not in selectors.PARTY_USERS:
        raise Forbidden()
    return request.auth


class OrgOut(Schema):
    id: int
    name: str = Field(examples=["海曙区颐乐园党支部"])
    kind: OrgKind
    tier: str = Field(examples=["institution_party_org"])
    parent_id: int | None
    region_code: str = Field(examples=["330203001001"])
    managing_unit: str
    secretary: str = Field(examples=["王建国"])
    term_start: dt.date | None
    term_end: dt.date | None = Field(description="下次换届到期日", examples=["2026-05-31"])
    facility_ids: list[int]
    member_count: int

    @staticmethod
    def of(org) -> OrgOut:
        return OrgOut(
            id=org.pk,
            name=org.name,
            kind=org.kind,
            tier=org.tier,
            parent_id=org.parent_id,
            region_code=org.region.code,
            managing_unit=org.managing_unit,
            secretary=org.secretary.name if org.secretary else "",
            term_start=org.term_start,
            term_end=org.term_end,
            facility_ids=[f.pk for f in org.facilities.all()],
            member_count=getattr(org, "member_count", 0),
        )


class OrgQuery(PageParams):
    q: str = ""
    kind: str = Field("", examples=["branch"])
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["330203"])


@router.get("/party/organizations", response={200: Page[OrgOut], **ERRORS}, summary="党组织列表")
def organization_list(request: HttpRequest, query: Query[OrgQuery]):
    qs = selectors.organizations(
        _reader(request), q=query.q, kind=query.kind, region_code=query.region or None
    ).prefetch_related("facilities")
    page = paginate(qs, query)
    page["items"] = [OrgOut.of(o) for o in page["items"]]
    return page


@router.get("/party/organizations/{org_id}", response={200: OrgOut, **ERRORS}, summary="一个党组织")
def organization_detail(request: HttpRequest, org_id: int):
    return OrgOut.of(selectors.organization_get(_reader(request), org_id))


class MemberOut(Schema):
    id: int
    person_id: int
    name: str = Field(examples=["李桂兰"])
    organization_id: int | None
    facility_id: int | None
    standing: Standing
    status: MemberStatus
    relation_moved: bool
    not_moved_reason: str = Field(examples=["advanced_age"])
    region_code: str
    active: bool = True
    ended_on: dt.date | None = None
    end_kind: str = Field("", examples=["transferred_out"])
    end_reason: str = ""

    @staticmethod
    def of(m) -> MemberOut:
        return MemberOut(
            id=m.pk,
            person_id=m.person_id,
            name=m.person.name,
            organization_id=m.organization_id,
            facility_id=m.facility_id,
            standing=m.standing,
            status=m.status,
            relation_moved=m.relation_moved,
            not_moved_reason=m.not_moved_reason,
            region_code=m.region.code,
            active=m.active,
            ended_on=m.ended_on,
            end_kind=m.end_kind,
            end_reason=m.end_reason,
        )


class MemberQuery(PageParams):
    q: str = Field("", description="姓名或拼音首字母", examples=["wjg"])
    standing: str = ""
    status: str = ""
    organization_id: int | None = None
    facility_id: int | None = None
    region: str = ""


@router.get("/party/members", response={200: Page[MemberOut], **ERRORS}, summary="党员列表")
def member_list(request: HttpRequest, query: Query[MemberQuery]):
    qs = selectors.members(
        _reader(request),
        q=query.q,
        standing=query.standing,
        status=query.status,
        organization_id=query.organization_id,
        facility_id=query.facility_id,
        region_code=query.region or None,
    )
    page = paginate(qs, query)
    page["items"] = [MemberOut.of(m) for m in page["items"]]
    return page


class RequirementOut(Schema):
    rule_id: str = Field(examples=["party.org_formation.own"])
    title: str
    source: str = Field(description="规则出处（文件、条款）")
    obligation: str = Field(description="must 必须 / may 可以 / in_principle 原则上")
    applies: bool
    met: bool
    flag: bool = Field(description="违反“必须”类规则时为 true；“可以”类从不标记")


class PresenceOut(Schema):
    person: str
    role: str = Field(examples=["first_secretary"])
    half_days_this_week: int
    shortfall: int | None


class RequirementsOut(Schema):
    facility_id: int
    facility_name: str
    ownership: str
    staff_full: int = Field(description="工作人员正式党员（预备党员不计）")
    resident_full: int
    reaches: list[str] = Field(examples=[["own_org", "elder_branch"]])
    requirements: list[RequirementOut]
    presence: list[PresenceOut]


@router.get(
    "/party/facilities/{facility_id}/requirements",
    response={200: RequirementsOut, **ERRORS},
    summary="一家机构的党建要求",
    description="按宁波规则：适用哪些规则、必须还是可以、是否满足；只有违反“必须”才标记。",
)
def facility_requirements(request: HttpRequest, facility_id: int):
    party = selectors.facility_requirements(_reader(request), facility_id)
    return RequirementsOut(
        facility_id=party.facility.pk,
        facility_name=party.facility.name,
        ownership=party.facility.ownership,
        staff_full=party.staff_full,
        resident_full=party.resident_full,
        reaches=sorted(party.reaches),
        requirements=[
            RequirementOut(**{k: getattr(r, k) for k in RequirementOut.model_fields})
            for r in [*party.requirements, *party.presence_requirements]
        ],
        presence=[
            PresenceOut(
                person=p.dispatch.person.name,
                role=p.dispatch.role,
                half_days_this_week=p.half_days,
                shortfall=p.shortfall,
            )
            for p in party.presence
        ],
    )


class CoverageRowOut(Schema):
    key: str = Field(examples=["public"])
    label: str
    total: int
    own_org: int
    joint_org: int
    instructor: int
    elder_branch: int
    covered: int | None = Field(description="按目标规则 counts_as_covered 计；无规则时为 null")
    ratio: str | None = Field(examples=["0.5000"])
    target_rule_id: str | None


class CoverageOut(Schema):
    region_code: str
    region_name: str
    rows: list[CoverageRowOut]
    children: dict[str, list[CoverageRowOut]]


def _rows(rows) -> list[CoverageRowOut]:
    return [
        CoverageRowOut(
            key=r.key,
            label=r.label,
            total=r.total,
            own_org=r.reach["own_org"],
            joint_org=r.reach["joint_org"],
            instructor=r.reach["instructor"],
            elder_branch=r.reach["elder_branch"],
            covered=r.covered,
            ratio=None if r.ratio is None else str(r.ratio),
            target_rule_id=r.target.rule_id if r.target else None,
        )
        for r in rows
    ]


class PartyRegionQuery(Schema):
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["3302"])


@router.get("/party/coverage", response={200: CoverageOut, **ERRORS}, summary="党组织覆盖情况")
def coverage(request: HttpRequest, query: Query[PartyRegionQuery]):
    view = selectors.coverage(_reader(request), region_code=query.region or None)
    return CoverageOut(
        region_code=view.region.code,
        region_name=view.region.name,
        rows=_rows(view.rows),
        children={child.code: _rows(rows) for child, rows in view.children},
    )


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    held_on: dt.date
    title: str
    summary: str
    organization_id: int | None
    facility_id: int | None
    region_code: str
    on_site_person_id: int | None

    @staticmethod
    def of(a) -> ActivityOut:
        return ActivityOut(
            id=a.pk,
            kind=a.kind,
            held_on=a.held_on,
            title=a.title,
            summary=a.summary,
            organization_id=a.organization_id,
            facility_id=a.facility_id,
            region_code=a.region.code,
            on_site_person_id=a.on_site_person_id,
        )


class ActivityQuery(PageParams):
    q: str = ""
    kind: str = ""
    region: str = ""
    organization_id: int | None = None
    facility_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get("/party/activities", response={200: Page[ActivityOut], **ERRORS}, summary="活动列表")
def activity_list(request: HttpRequest, query: Query[ActivityQuery]):
    qs = selectors.activities(
        _reader(request),
        q=query.q,
        kind=query.kind,
        region_code=query.region or None,
        organization_id=query.organization_id,
        facility_id=query.facility_id,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    page = paginate(qs, query)
    page["items"] = [ActivityOut.of(a) for a in page["items"]]
    return page


class ActivityIn(Schema):
    kind: ActivityKind = Field(examples=["themed_activity"])
    held_on: dt.date = Field(examples=["2026-03-12"])
    title: str = Field(max_length=120, examples=["“党建引领·情暖夕阳”主题活动"])
    summary: str = ""
    organization_id: int | None = Field(None, examples=[12])
    facility_id: int | None = None
    region: str = Field("", description="不属于党组织或机构的活动：所在区划代码")
    on_site_person_id: int | None = Field(None, description="到机构半天：选派人员的 person_id")
    client_key: str | None = Field(None, description="手机端生成的提交编号：重复提交只记录一次")


@router.post(
    "/party/activities",
    response={201: ActivityOut, **ERRORS},
    summary="记录活动",
    description="“三会一课”、季度主题活动或选派人员到机构半天。"
    "带 `Idempotency-Key` 头重试只记录一次。",
)
@decorate_view(idempotent)
def activity_create(request: HttpRequest, payload: ActivityIn):
    user = _reader(request)
    errors: dict[str, list[str]] = {}
    organization = facility = person = None
    if payload.organization_id:
        organization = selectors.organization_get(user, payload.organization_id)
    if payload.facility_id:
        facility = selectors.facility_get(user, payload.facility_id)
    if payload.on_site_person_id:
        person = Person.objects.filter(
            pk=payload.on_site_person_id, pk__in=selectors.dispatches(user).values("person_id")
        ).first()
        if person is None:
            errors["on_site_person_id"] = ["请选择有效的选派人员"]
    if errors:
        raise ValidationFailed(fields=errors)
    activity = services.activity_record(
        actor=user,
        kind=payload.kind.value,
        held_on=payload.held_on,
        title=payload.title,
        summary=payload.summary,
        organization=organization,
        facility=facility,
        region_code=payload.region,
        on_site_person=person,
        client_key=payload.client_key,
    )
    return Status(201, ActivityOut.of(activity))


class MissingItemOut(Schema):
    kind: str = Field(
        examples=["themed_activity"], description="themed_activity / half_day / meetings"
    )
    organization_id: int | None
    facility_id: int | None
    person: str = ""
    held: int
    missing: list[str] = Field(default_factory=list, examples=[["party_lecture"]])
    rule_id: str


class MissingOut(Schema):
    quarter_start: dt.date
    week_start: dt.date
    items: list[MissingItemOut]
    count: int


@router.get(
    "/party/missing",
    response={200: MissingOut, **ERRORS},
    summary="缺项：本季度主题活动、本周半天到岗、本季度“三会一课”",
)
def missing(request: HttpRequest, query: Query[PartyRegionQuery]):
    view = selectors.missing(_reader(request), region_code=query.region or None)
    items = [
        MissingItemOut(
            kind="themed_activity",
            organization_id=m.organization.pk,
            facility_id=None,
            held=m.held,
            rule_id=m.rule.rule_id,
        )
        for m in view.themed
    ]
    items += [
        MissingItemOut(
            kind="half_day",
            organization_id=m.dispatch.organization_id,
            facility_id=m.dispatch.facility_id,
            person=m.dispatch.person.name,
            held=m.held,
            rule_id=m.rule.rule_id,
        )
        for m in view.half_days
    ]
    items += [
        MissingItemOut(
            kind="meetings",
            organization_id=m.organization.pk,
            facility_id=None,
            held=0,
            missing=m.missing,
            rule_id=m.rule.rule_id,
        )
        for m in view.meetings
    ]
    return MissingOut(
        quarter_start=view.quarter[0], week_start=view.week[0], items=items, count=len(items)
    )


# ---------------------------------------------------------------- writes


def _writer(request: HttpRequest):
    if request.auth.role not in selectors.PARTY_WRITERS:
        raise Forbidden()
    return request.auth


class PersonIn(Schema):
    """A new Person (found by ID number when one is known)."""

    name: str = Field(max_length=50, examples=["王建国"])
    phone: str = Field("", examples=["13800001234"])
    id_number: str = Field("", description="身份证号（选填）")


def _person(payload: PersonIn | None, region, prefix: str = ""):
    if payload is None:
        return None
    return services.person_find_or_create(
        name=payload.name,
        region=region,
        phone=payload.phone,
        id_number=payload.id_number,
        prefix=prefix,
    )


def _org(user, org_id: int | None):
    return selectors.organization_get(user, org_id) if org_id else None


def _facilities(user, ids: list[int]) -> list:
    found = list(selectors.institutions(user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationFailed(fields={"facility_ids": ["请选择有效的机构"]})
    return found


class OrgIn(Schema):
    name: str = Field(max_length=100, examples=["海曙区颐乐园党支部"])
    kind: OrgKind = Field(examples=["branch"])
    tier: OrgTier = Field(OrgTier.INSTITUTION, examples=["institution_party_org"])
    region: str = Field(description="所在区划代码（须在本人辖区内）", examples=["330203001001"])
    parent_id: int | None = None
    facility_ids: list[int] = Field(default_factory=list, examples=[[12]])
    managing_unit: str = Field("", max_length=100, examples=["海曙区民政局机关党委"])
    secretary_id: int | None = Field(None, description="已有书记的 person_id")
    secretary: PersonIn | None = Field(None, description="新登记的书记")
    term_start: dt.date | None = Field(None, examples=["2023-06-01"])
    term_end: dt.date | None = Field(None, description="下次换届到期日", examples=["2026-05-31"])


class OrgPatch(Schema):
    """Only the fields sent change."""

    name: str | None = Field(None, max_length=100)
    kind: OrgKind | None = None
    tier: OrgTier | None = None
    parent_id: int | None = None
    facility_ids: list[int] | None = None
    managing_unit: str | None = Field(None, max_length=100)
    secretary_id: int | None = None
    secretary: PersonIn | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = Field(None, examples=["2029-05-31"])


def _secretary_by_id(user, person_id: int):
    person = scoped(Person.objects.all(), user).filter(pk=person_id).first()
    if person is None:
        raise ValidationFailed(fields={"secretary_id": ["请选择有效的人员"]})
    return person


@router.post(
    "/party/organizations",
    response={201: OrgOut, **ERRORS},
    summary="新建党组织",
    description="书记可填已有人员 `secretary_id`，或在 `secretary` 中登记新人员。"
    "带 `Idempotency-Key` 头重试只新建一次。",
)
@decorate_view(idempotent)
def organization_create(request: HttpRequest, payload: OrgIn):
    user = _writer(request)
    parent = _org(user, payload.parent_id)
    facilities = _facilities(user, payload.facility_ids)
    with transaction.atomic():
        secretary = (
            _secretary_by_id(user, payload.secretary_id)
            if payload.secretary_id
            else _person(payload.secretary, user.region, "secretary.")
        )
        org = services.organization_create(
            actor=user,
            name=payload.name,
            kind=payload.kind.value,
            tier=payload.tier.value,
            region_code=payload.region,
            parent=parent,
            facilities=facilities,
            managing_unit=payload.managing_unit,
            secretary=secretary,
            term_start=payload.term_start,
            term_end=payload.term_end,
        )
    return Status(201, OrgOut.of(selectors.organization_get(user, org.pk)))


@router.patch(
    "/party/organizations/{org_id}",
    response={200: OrgOut, **ERRORS},
    summary="修改党组织",
    description="只改传入的字段；`parent_id`、`secretary_id` 传 null 即清除。",
)
@decorate_view(idempotent)
def organization_update(request: HttpRequest, org_id: int, payload: OrgPatch):
    user = _writer(request)
    org = selectors.organization_get(user, org_id)
    sent = payload.model_fields_set
    changes: dict = {}
    for key in ("name", "managing_unit", "term_start", "term_end"):
        if key in sent:
            changes[key] = getattr(payload, key)
    for key in ("kind", "tier"):
        if key in sent:
            value = getattr(payload, key)
            changes[key] = value.value if value is not None else ""
    if "parent_id" in sent:
        changes["parent"] = _org(user, payload.parent_id)
    if "facility_ids" in sent:
        changes["facilities"] = _facilities(user, payload.facility_ids or [])
    with transaction.atomic():
        if "secretary_id" in sent:
            changes["secretary"] = (
                _secretary_by_id(user, payload.secretary_id) if payload.secretary_id else None
            )
        elif payload.secretary is not None:
            changes["secretary"] = _person(payload.secretary, org.region, "secretary.")
        services.organization_update(actor=user, org=org, **changes)
    return OrgOut.of(selectors.organization_get(user, org.pk))


class MemberIn(Schema):
    person_id: int | None = Field(None, description="已有人员；不填则按 `person` 登记新人员")
    person: PersonIn | None = None
    organization_id: int | None = Field(None, examples=[12])
    facility_id: int | None = Field(None, examples=[34])
    standing: Standing = Field(examples=["resident"])
    status: MemberStatus = Field(examples=["full"])
    relation_moved: bool = False
    not_moved_reason: NotMovedReason = Field(
        NotMovedReason.NONE,
        description="未转入原因：高龄、失能、失智的一般不转（party.membership_transfer）",
        examples=["advanced_age"],
    )
    joined_on: dt.date | None = Field(None, examples=["1975-07-01"])


class MemberPatch(Schema):
    organization_id: int | None = None
    facility_id: int | None = None
    standing: Standing | None = None
    status: MemberStatus | None = None
    relation_moved: bool | None = None
    not_moved_reason: NotMovedReason | None = None
    joined_on: dt.date | None = None


class MemberEndIn(Schema):
    end_kind: EndKind = Field(description="left 离开 / transferred_out 组织关系转出")
    ended_on: dt.date = Field(examples=["2025-11-10"])
    reason: str = Field(max_length=200, examples=["随子女迁居外地，组织关系转出"])


def _facility(user, facility_id: int | None):
    return selectors.facility_get(user, facility_id) if facility_id else None


@router.post(
    "/party/members",
    response={201: MemberOut, **ERRORS},
    summary="登记党员",
    description="已有人员传 `person_id`（须在本人辖区内），否则在 `person` 中登记新人员。",
)
@decorate_view(idempotent)
def member_create(request: HttpRequest, payload: MemberIn):
    user = _writer(request)
    organization = _org(user, payload.organization_id)
    facility = _facility(user, payload.facility_id)
    with transaction.atomic():
        if payload.person_id:
            person = scoped(Person.objects.all(), user).filter(pk=payload.person_id).first()
            if person is None:
                raise ValidationFailed(fields={"person_id": ["请选择有效的人员"]})
        elif payload.person is not None:
            region = facility.region if facility is not None else user.region
            person = _person(payload.person, region, "person.")
        else:
            raise ValidationFailed(fields={"person": ["请选择人员或填写姓名"]})
        membership = services.membership_create(
            actor=user,
            person=person,
            organization=organization,
            facility=facility,
            standing=payload.standing.value,
            status=payload.status.value,
            relation_moved=payload.relation_moved,
            not_moved_reason=payload.not_moved_reason.value,
            joined_on=payload.joined_on,
        )
    return Status(201, MemberOut.of(membership))


@router.patch(
    "/party/members/{member_id}",
    response={200: MemberOut, **ERRORS},
    summary="修改党员信息",
    description="只改传入的字段。",
)
@decorate_view(idempotent)
def member_update(request: HttpRequest, member_id: int, payload: MemberPatch):
    user = _writer(request)
    membership = selectors.member_get(user, member_id)
    sent = payload.model_fields_set
    changes: dict = {}
    if "organization_id" in sent:
        changes["organization"] = _org(user, payload.organization_id)
    if "facility_id" in sent:
        changes["facility"] = _facility(user, payload.facility_id)
    for key in ("standing", "status", "not_moved_reason"):
        if key in sent:
            value = getattr(payload, key)
            changes[key] = value.value if value is not None else ""
    for key in ("relation_moved", "joined_on"):
        if key in sent:
            changes[key] = getattr(payload, key)
    services.membership_update(actor=user, membership=membership, **changes)
    return MemberOut.of(membership)


@router.post(
    "/party/members/{member_id}/end",
    response={200: MemberOut, **ERRORS},
    summary="结束党员信息（离开或组织关系转出）",
)
@decorate_view(idempotent)
def member_end(request: HttpRequest, member_id: int, payload: MemberEndIn):
    user = _writer(request)
    membership = selectors.member_get(user, member_id)
    services.membership_end(
        actor=user,
        membership=membership,
        end_kind=payload.end_kind.value,
        ended_on=payload.ended_on,
        reason=payload.reason,
    )
    return MemberOut.of(membership)


class DispatchOut(Schema):
    id: int
    person_id: int
    name: str = Field(examples=["李书记"])
    facility_id: int
    organization_id: int | None
    role: DispatchRole
    dispatched_by: DispatchedBy
    sending_unit: str
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def of(d) -> DispatchOut:
        return DispatchOut(
            id=d.pk,
            person_id=d.person_id,
            name=d.person.name,
            facility_id=d.facility_id,
            organization_id=d.organization_id,
            role=d.role,
            dispatched_by=d.dispatched_by,
            sending_unit=d.sending_unit,
            starts_on=d.starts_on,
            ends_on=d.ends_on,
        )


class DispatchIn(Schema):
    person: PersonIn
    facility_id: int = Field(examples=[34])
    organization_id: int | None = None
    role: DispatchRole = Field(examples=["first_secretary"])
    dispatched_by: DispatchedBy = Field(DispatchedBy.PUBLIC_SIDE, examples=["public_side"])
    sending_unit: str = Field("", max_length=100, examples=["海曙区民政局"])
    starts_on: dt.date = Field(examples=["2025-09-01"])
    ends_on: dt.date | None = None


class DispatchEndIn(Schema):
    ends_on: dt.date = Field(examples=["2025-12-31"])


@router.post(
    "/party/dispatches",
    response={201: DispatchOut, **ERRORS},
    summary="选派第一书记、书记或党建工作指导员",
)
@decorate_view(idempotent)
def dispatch_create(request: HttpRequest, payload: DispatchIn):
    user = _writer(request)
    facility = selectors.facility_get(user, payload.facility_id)
    organization = _org(user, payload.organization_id)
    with transaction.atomic():
        person = _person(payload.person, facility.region, "person.")
        dispatch = services.dispatch_create(
            actor=user,
            person=person,
            facility=facility,
            organization=organization,
            role=payload.role.value,
            dispatched_by=payload.dispatched_by.value,
            sending_unit=payload.sending_unit,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        )
    return Status(201, DispatchOut.of(dispatch))


@router.post(
    "/party/dispatches/{dispatch_id}/end",
    response={200: DispatchOut, **ERRORS},
    summary="结束选派",
)
@decorate_view(idempotent)
def dispatch_end(request: HttpRequest, dispatch_id: int, payload: DispatchEndIn):
    user = _writer(request)
    dispatch = selectors.dispatch_get(user, dispatch_id)
    services.dispatch_end(actor=user, dispatch=dispatch, ends_on=payload.ends_on)
    return DispatchOut.of(dispatch)
