"""Writes of Party work: organizations, memberships, dispatches and activities. Each is one
function, validated, in one transaction, audited (ARCHITECTURE.md rule 3)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.facilities.models import Facility
from yanglao.people.models import Person
from yanglao.regions.models import Region

from .models import (
    Activity,
    ActivityKind,
    Dispatch,
    DispatchedBy,
    DispatchRole,
    MemberStatus,
    NotMovedReason,
    OrgKind,
    OrgTier,
    PartyMembership,
    PartyOrganization,
    Standing,
)
from .selectors import PARTY_USERS

# How far back an activity may be recorded (a paper sign-in sheet entered later).
BACKFILL_DAYS = 366


def _check_actor(actor, region_path: str) -> None:
    if getattr(actor, "role", None) not in PARTY_USERS:
        raise Forbidden()
    if not in_subtree(region_path, actor.region.path):
        raise Forbidden(_("不在您的管辖范围内"))


def _region(code: str, errors: dict, key: str = "region") -> Region | None:
    region = Region.objects.filter(code=code or "").first()
    if region is None:
        errors[key] = [_("请选择有效的区划")]
    return region


def organization_create(
    *,
    actor,
    name: str,
    kind: str,
    region_code: str,
    tier: str = OrgTier.INSTITUTION,
    parent: PartyOrganization | None = None,
    facilities: list[Facility] | None = None,
    managing_unit: str = "",
    secretary: Person | None = None,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
) -> PartyOrganization:
    """成立党组织."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写党组织名称")]
    if kind not in OrgKind.values:
        errors["kind"] = [_("请选择党组织类别")]
    if tier not in OrgTier.values:
        errors["tier"] = [_("请选择党组织层级")]
    region = _region(region_code, errors)
    if term_start and term_end and term_end <= term_start:
        errors["term_end"] = [_("换届到期日应晚于任期开始日")]
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None:
        _check_actor(actor, region.path)
    facilities = list(facilities or [])
    outside = [f.name for f in facilities if not in_subtree(f.region_path, region.path)]
    if outside and kind != OrgKind.JOINT_BRANCH:
        raise ValidationFailed(fields={"facilities": [_("机构不在该党组织所在区划内")]})
    with transaction.atomic():
        org = PartyOrganization.objects.create(
            name=name,
            kind=kind,
            tier=tier,
            parent=parent,
            region=region,
            region_path=region.path,
            managing_unit=managing_unit,
            secretary=secretary,
            term_start=term_start,
            term_end=term_end,
            created_by=actor,
        )
        if facilities:
            org.facilities.set(facilities)
        audit.record(
            actor=actor,
            action="party.org_create",
            obj=org,
            detail={"kind": kind, "facilities": [f.pk for f in facilities]},
        )
    return org


def membership_create(
    *,
    actor,
    person: Person,
    standing: str,
    status: str,
    organization: PartyOrganization | None = None,
    facility: Facility | None = None,
    relation_moved: bool = False,
    not_moved_reason: str = "",
    joined_on: dt.date | None = None,
) -> PartyMembership:
    """登记党员: the Party-membership profile of a Person."""
    errors: dict[str, list[str]] = {}
    if standing not in Standing.values:
        errors["standing"] = [_("请选择工作人员、入住老人或其他")]
    if status not in MemberStatus.values:
        errors["status"] = [_("请选择正式党员或预备党员")]
    if not_moved_reason not in NotMovedReason.values:
        errors["not_moved_reason"] = [_("请选择有效的未转入原因")]
    if relation_moved and not_moved_reason:
        errors["not_moved_reason"] = [_("组织关系已转入，无需填写未转入原因")]
    if standing in (Standing.STAFF, Standing.RESIDENT) and facility is None:
        errors["facility"] = [_("工作人员或入住老人党员须选择所在机构")]
    if errors:
        raise ValidationFailed(fields=errors)
    region = facility.region if facility is not None else person.region
    if actor is not None:
        _check_actor(actor, region.path)
    if PartyMembership.objects.filter(person=person).exists():
        raise Conflict(_("此人已有党员信息"), fields={"person": [_("已登记")]})
    with transaction.atomic():
        membership = PartyMembership.objects.create(
            person=person,
            organization=organization,
            facility=facility,
            standing=standing,
            status=status,
            relation_moved=relation_moved,
            not_moved_reason=not_moved_reason,
            joined_on=joined_on,
            region=region,
            region_path=region.path,
            created_by=actor,
        )
        audit.record(actor=actor, action="party.member_create", obj=membership, region=region)
    return membership


def dispatch_create(
    *,
    actor,
    person: Person,
    facility: Facility,
    role: str,
    starts_on: dt.date,
    dispatched_by: str = DispatchedBy.PUBLIC_SIDE,
    organization: PartyOrganization | None = None,
    sending_unit: str = "",
    ends_on: dt.date | None = None,
) -> Dispatch:
    """选派书记、第一书记或党建工作指导员."""
    errors: dict[str, list[str]] = {}
    if role not in DispatchRole.values:
        errors["role"] = [_("请选择选派职务")]
    if dispatched_by not in DispatchedBy.values:
        errors["dispatched_by"] = [_("请选择选派方")]
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期")]
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None:
        _check_actor(actor, facility.region_path)
    with transaction.atomic():
        dispatch = Dispatch.objects.create(
            person=person,
            facility=facility,
            organization=organization,
            role=role,
            dispatched_by=dispatched_by,
            sending_unit=sending_unit,
            starts_on=starts_on,
            ends_on=ends_on,
            region_path=facility.region_path,
            created_by=actor,
        )
        audit.record(
            actor=actor, action="party.dispatch_create", obj=dispatch, region=facility.region
        )
    return dispatch


def activity_record(
    *,
    actor,
    kind: str,
    held_on: dt.date | None,
    title: str,
    summary: str = "",
    organization: PartyOrganization | None = None,
    facility: Facility | None = None,
    region_code: str = "",
    on_site_person: Person | None = None,
    client_key: str | None = None,
    today: dt.date | None = None,
) -> Activity:
    """记录活动: a meeting, a lecture, a themed activity or a dispatched person's half-day on
    site. The region is the facility's, else the organization's, else the one given. A form
    sent twice with the same ``client_key`` is recorded once."""
    client_key = (client_key or "").strip() or None
    if client_key:
        first = Activity.objects.filter(client_key=client_key).first()
        if first is not None:
            if first.created_by_id != getattr(actor, "pk", None):
                raise Conflict(
                    _("该提交编号已被使用"), fields={"client_key": [_("请重新打开表单")]}
                )
            return first
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("请选择活动类型")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写活动标题")]
    if held_on is None:
        errors["held_on"] = [_("请填写活动日期")]
    elif held_on > today:
        errors["held_on"] = [_("活动日期不能晚于今天")]
    elif held_on < today - dt.timedelta(days=BACKFILL_DAYS):
        errors["held_on"] = [_("只能补录一年内的活动")]
    if kind == ActivityKind.HALF_DAY:
        if on_site_person is None:
            errors["on_site_person"] = [_("请选择到岗的选派人员")]
        if facility is None:
            errors["facility"] = [_("请选择到岗的机构")]
    if organization is None and facility is None and not region_code:
        errors["organization"] = [_("请选择主办党组织、机构或区划")]
    region = None
    if facility is not None:
        region = facility.region
    elif organization is not None:
        region = organization.region
    elif region_code:
        region = _region(region_code, errors)
    if (
        organization is not None
        and facility is not None
        and not in_subtree(facility.region_path, organization.region_path)
        and not organization.facilities.filter(pk=facility.pk).exists()
    ):
        errors["facility"] = [_("该机构不在此党组织覆盖范围内")]
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None:
        _check_actor(actor, region.path)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                kind=kind,
                held_on=held_on,
                organization=organization,
                facility=facility,
                region=region,
                region_path=region.path,
                title=title[:120],
                summary=(summary or "").strip(),
                on_site_person=on_site_person,
                client_key=client_key,
                created_by=actor,
            )
            audit.record(
                actor=actor,
                action="party.activity_record",
                obj=activity,
                region=region,
                detail={"kind": kind, "held_on": held_on.isoformat()},
            )
    except IntegrityError:
        if client_key:
            return Activity.objects.get(client_key=client_key)
        raise
    return activity
