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
from yanglao.people import services as people
from yanglao.people.idnumbers import IdNumberError
from yanglao.people.models import Person
from yanglao.regions.models import Region

from .models import (
    Activity,
    ActivityKind,
    Dispatch,
    DispatchedBy,
    DispatchRole,
    EndKind,
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


class _Unset:
    """A keyword not given to an update: the field keeps its value."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: object = _Unset()


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


# ---------------------------------------------------------------- people


def person_find_or_create(
    *,
    name: str,
    region: Region,
    phone: str = "",
    id_number: str = "",
    prefix: str = "",
) -> Person:
    """The Person a new member or secretary is: the one with this ID number if known, else
    a new Person (name required; phone and ID number optional). Errors are keyed
    ``{prefix}name``, ``{prefix}phone``, ``{prefix}id_number``. Call inside the caller's
    transaction."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    phone = (phone or "").strip()
    id_number = (id_number or "").strip()
    info = None
    if not name:
        errors[f"{prefix}name"] = [_("请填写姓名")]
    if phone and (not phone.isdigit() or not 7 <= len(phone) <= 12):
        errors[f"{prefix}phone"] = [_("请填写有效的联系电话")]
    if id_number:
        try:
            info = people.check_id_number(id_number)
        except IdNumberError as exc:
            errors[f"{prefix}id_number"] = [str(exc)]
    if errors:
        raise ValidationFailed(fields=errors)
    if info is not None:
        found = people.find_by_id_number(info.number)
        if found is not None:
            return found
    person = Person(region=region, phone=phone)
    people.apply_name(person, name)
    if info is not None:
        people.apply_id(person, info)
    person.save()
    return person


# ---------------------------------------------------------------- organizations


def _keep(value, current):
    return current if value is UNSET else value


def _would_cycle(org: PartyOrganization, parent: PartyOrganization | None) -> bool:
    seen = set()
    while parent is not None and parent.pk not in seen:
        if parent.pk == org.pk:
            return True
        seen.add(parent.pk)
        parent = parent.parent
    return False


def organization_update(
    *,
    actor,
    org: PartyOrganization,
    name=UNSET,
    kind=UNSET,
    tier=UNSET,
    parent=UNSET,
    facilities=UNSET,
    managing_unit=UNSET,
    secretary=UNSET,
    term_start=UNSET,
    term_end=UNSET,
) -> PartyOrganization:
    """修改党组织: name, kind, parent, covered facilities, managing organization, secretary
    and term (``term_end`` is the next renewal due, 换届到期). A keyword not given keeps
    its value. The parent and the facilities must be in the actor's scope."""
    if actor is not None:
        _check_actor(actor, org.region_path)
    errors: dict[str, list[str]] = {}
    name = (_keep(name, org.name) or "").strip()
    kind = _keep(kind, org.kind)
    tier = _keep(tier, org.tier)
    parent = _keep(parent, org.parent)
    managing_unit = (_keep(managing_unit, org.managing_unit) or "").strip()
    secretary = _keep(secretary, org.secretary)
    term_start = _keep(term_start, org.term_start)
    term_end = _keep(term_end, org.term_end)
    if not name:
        errors["name"] = [_("请填写党组织名称")]
    if kind not in OrgKind.values:
        errors["kind"] = [_("请选择党组织类别")]
    if tier not in OrgTier.values:
        errors["tier"] = [_("请选择党组织层级")]
    if len(managing_unit) > 100:
        errors["managing_unit"] = [_("最多 100 个字")]
    if parent is not None:
        if not parent.active:
            errors["parent"] = [_("上级党组织已撤销")]
        elif _would_cycle(org, parent):
            errors["parent"] = [_("上级党组织不能是本组织或其下级")]
        elif actor is not None and not in_subtree(parent.region_path, actor.region.path):
            errors["parent"] = [_("上级党组织不在您的管辖范围内")]
    if term_start and term_end and term_end <= term_start:
        errors["term_end"] = [_("换届到期日应晚于任期开始日")]
    if facilities is not UNSET:
        facilities = list(facilities or [])
        if actor is not None and any(
            not in_subtree(f.region_path, actor.region.path) for f in facilities
        ):
            errors["facilities"] = [_("机构不在您的管辖范围内")]
        elif kind != OrgKind.JOINT_BRANCH and any(
            not in_subtree(f.region_path, org.region_path) for f in facilities
        ):
            errors["facilities"] = [_("机构不在该党组织所在区划内")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = {
        "name": org.name,
        "kind": org.kind,
        "tier": org.tier,
        "parent": org.parent_id,
        "managing_unit": org.managing_unit,
        "secretary": org.secretary_id,
        "term_start": org.term_start,
        "term_end": org.term_end,
    }
    after = {
        "name": name,
        "kind": kind,
        "tier": tier,
        "parent": getattr(parent, "pk", None),
        "managing_unit": managing_unit,
        "secretary": getattr(secretary, "pk", None),
        "term_start": term_start,
        "term_end": term_end,
    }
    changes = sorted(k for k in after if after[k] != before[k])
    with transaction.atomic():
        org.name, org.kind, org.tier, org.parent = name, kind, tier, parent
        org.managing_unit, org.secretary = managing_unit, secretary
        org.term_start, org.term_end = term_start, term_end
        org.save()
        if facilities is not UNSET:
            old = set(org.facilities.values_list("pk", flat=True))
            if old != {f.pk for f in facilities}:
                changes.append("facilities")
            org.facilities.set(facilities)
        audit.record(
            actor=actor,
            action="party.org_update",
            obj=org,
            detail={
                "changes": changes,
                "facilities": [f.pk for f in facilities] if facilities is not UNSET else None,
            },
        )
    return org


# ---------------------------------------------------------------- members


def _member_errors(
    *,
    standing: str,
    status: str,
    facility: Facility | None,
    relation_moved: bool,
    not_moved_reason: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if standing not in Standing.values:
        errors["standing"] = [_("请选择工作人员、入住老人或其他")]
    if status not in MemberStatus.values:
        errors["status"] = [_("请选择正式党员或预备党员")]
    if not_moved_reason not in NotMovedReason.values:
        errors["not_moved_reason"] = [_("请选择有效的未转入原因")]
    elif relation_moved and not_moved_reason:
        errors["not_moved_reason"] = [_("组织关系已转入，无需填写未转入原因")]
    if standing in (Standing.STAFF, Standing.RESIDENT) and facility is None:
        errors["facility"] = [_("工作人员或入住老人党员须选择所在机构")]
    return errors


def membership_update(
    *,
    actor,
    membership: PartyMembership,
    organization=UNSET,
    facility=UNSET,
    standing=UNSET,
    status=UNSET,
    relation_moved=UNSET,
    not_moved_reason=UNSET,
    joined_on=UNSET,
) -> PartyMembership:
    """修改党员信息: organization, full or probationary, staff or resident of which
    facility, relation moved or not and why (高龄、失能、失智的一般不转移,
    ``party.membership_transfer``). A keyword not given keeps its value."""
    if actor is not None:
        _check_actor(actor, membership.region_path)
    if not membership.active:
        raise Conflict(_("该党员信息已结束，不能修改"))
    organization = _keep(organization, membership.organization)
    facility = _keep(facility, membership.facility)
    standing = _keep(standing, membership.standing)
    status = _keep(status, membership.status)
    relation_moved = bool(_keep(relation_moved, membership.relation_moved))
    if not_moved_reason is UNSET:
        not_moved_reason = "" if relation_moved else membership.not_moved_reason
    not_moved_reason = not_moved_reason or ""
    joined_on = _keep(joined_on, membership.joined_on)
    errors = _member_errors(
        standing=standing,
        status=status,
        facility=facility,
        relation_moved=relation_moved,
        not_moved_reason=not_moved_reason,
    )
    if joined_on and joined_on > timezone.localdate():
        errors["joined_on"] = [_("入党日期不能晚于今天")]
    if organization is not None and not organization.active:
        errors["organization"] = [_("该党组织已撤销")]
    region = facility.region if facility is not None else membership.person.region
    if actor is not None and not in_subtree(region.path, actor.region.path):
        errors["facility"] = [_("机构不在您的管辖范围内")]
    if (
        actor is not None
        and organization is not None
        and not in_subtree(organization.region_path, actor.region.path)
    ):
        errors["organization"] = [_("党组织不在您的管辖范围内")]
    if errors:
        raise ValidationFailed(fields=errors)
    fields = {
        "organization": organization,
        "facility": facility,
        "standing": standing,
        "status": status,
        "relation_moved": relation_moved,
        "not_moved_reason": not_moved_reason,
        "joined_on": joined_on,
        "region": region,
    }
    changes = sorted(k for k, v in fields.items() if getattr(membership, k) != v)
    with transaction.atomic():
        for key, value in fields.items():
            setattr(membership, key, value)
        membership.region_path = region.path
        membership.save()
        audit.record(
            actor=actor,
            action="party.member_update",
            obj=membership,
            region=region,
            detail={"changes": changes},
        )
    return membership


def membership_end(
    *,
    actor,
    membership: PartyMembership,
    end_kind: str,
    ended_on: dt.date | None,
    reason: str,
    today: dt.date | None = None,
) -> PartyMembership:
    """结束党员信息: left (离开) or the relation transferred out (转出), on a date, with a
    reason. The row is kept, inactive."""
    if actor is not None:
        _check_actor(actor, membership.region_path)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not membership.active:
        raise Conflict(_("该党员信息已结束"), fields={"end_kind": [_("已结束")]})
    if end_kind not in EndKind.values:
        errors["end_kind"] = [_("请选择离开或组织关系转出")]
    if ended_on is None:
        errors["ended_on"] = [_("请填写结束日期")]
    elif ended_on > today:
        errors["ended_on"] = [_("结束日期不能晚于今天")]
    elif membership.joined_on and ended_on < membership.joined_on:
        errors["ended_on"] = [_("结束日期不能早于入党日期")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写结束原因")]
    elif len(reason) > 200:
        errors["reason"] = [_("最多 200 个字")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        membership.active = False
        membership.end_kind = end_kind
        membership.ended_on = ended_on
        membership.end_reason = reason
        membership.save(update_fields=["active", "end_kind", "ended_on", "end_reason"])
        audit.record(
            actor=actor,
            action="party.member_end",
            obj=membership,
            region=membership.region,
            detail={"end_kind": end_kind, "ended_on": ended_on.isoformat(), "reason": reason},
        )
    return membership


# ---------------------------------------------------------------- dispatches


def dispatch_end(*, actor, dispatch: Dispatch, ends_on: dt.date | None) -> Dispatch:
    """结束选派: the last day the person serves."""
    if actor is not None:
        _check_actor(actor, dispatch.region_path)
    errors: dict[str, list[str]] = {}
    if ends_on is None:
        errors["ends_on"] = [_("请填写结束日期")]
    elif ends_on < dispatch.starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期")]
    elif dispatch.ends_on is not None and dispatch.ends_on < timezone.localdate():
        errors["ends_on"] = [_("该选派已结束")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        dispatch.ends_on = ends_on
        dispatch.save(update_fields=["ends_on"])
        audit.record(
            actor=actor,
            action="party.dispatch_end",
            obj=dispatch,
            region=dispatch.facility.region,
            detail={"ends_on": ends_on.isoformat()},
        )
    return dispatch
