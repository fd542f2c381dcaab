"""Volunteer teams (志愿服务队): teams, members, the hours they serve, and the confirm
step that credits those hours to the time bank exactly once.

Hours served through service orders already reach the time bank when the order is
confirmed (``yanglao.services.services._confirm``, reference ``order:<id>``); a
``TeamService`` is for activities and other service outside orders, so nothing is
counted twice. Its reference is ``team_service:<id>``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.regions.models import Region

from .models import TeamKind, TeamMember, TeamService, VolunteerTeam

# Community officers manage teams and confirm hours; everyone in business roles reads.
OFFICERS = VISIT_OFFICERS
READERS = frozenset(OFFICERS | {Role.FACILITY_OPERATOR})
MAX_HOURS = Decimal("24")


def may_manage(user) -> bool:
    return getattr(user, "role", None) in OFFICERS


def _ensure_officer(actor) -> None:
    if not may_manage(actor):
        raise Forbidden(_("只有社区工作人员可以管理志愿服务队"))


def region_in_scope(actor, code: str, field: str = "region") -> Region:
    """A region by code inside the actor's scope, else a field error."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(fields={field: [_("请选择区划")]})
    region = Region.objects.filter(code=code).first()
    if region is None or not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={field: [_("区划不存在或不在您的管辖范围内")]})
    return region


def _date(value, field: str, errors: dict, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        if required:
            errors[field] = [_("请填写日期")]
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("日期格式应为 YYYY-MM-DD")]
        return None


# ------------------------------------------------------------------ reads


def teams_for(actor, *, q: str = "", kind: str = "", region_code: str | None = None) -> QuerySet:
    qs = scoped(VolunteerTeam.objects.select_related("region"), actor, path_lookup="region_path")
    if region_code:
        region = region_in_scope(actor, region_code)
        qs = qs.filter(path_q(region.path, "region_path"))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(leader__icontains=q))
    return qs.order_by("region_path", "name")


def team_get(actor, pk: int) -> VolunteerTeam:
    return get_in_scope(
        VolunteerTeam.objects.select_related("region"), actor, path_lookup="region_path", pk=pk
    )


def team_members(team: VolunteerTeam) -> list[dict]:
    """Members with their Party registration: the community they registered with
    (``Visitor.registered_community``) and their Party membership, when they have them."""
    from yanglao.party.models import PartyMembership
    from yanglao.visits.models import Visitor

    members = list(team.members.select_related("person").order_by("-active", "pk"))
    person_ids = [m.person_id for m in members]
    visitors = {
        v.person_id: v
        for v in Visitor.objects.filter(person_id__in=person_ids).select_related(
            "registered_community"
        )
    }
    parties = {
        p.person_id: p
        for p in PartyMembership.objects.filter(person_id__in=person_ids).select_related(
            "organization"
        )
    }
    hours = dict(
        TeamService.objects.filter(team=team, confirmed_at__isnull=False)
        .values_list("member_id")
        .annotate(total=Sum("hours"))
    )
    rows = []
    for m in members:
        visitor = visitors.get(m.person_id)
        party = parties.get(m.person_id)
        rows.append(
            {
                "member": m,
                "visitor": visitor,
                "registered_community": getattr(visitor, "registered_community", None)
                if visitor is not None and visitor.kind == "party_member"
                else None,
                "party": party,
                "hours": hours.get(m.pk) or Decimal("0"),
            }
        )
    return rows


def services_for(
    actor, *, team: VolunteerTeam | None = None, confirmed: bool | None = None
) -> QuerySet:
    qs = scoped(
        TeamService.objects.select_related("member__person", "team", "activity"),
        actor,
        path_lookup="region_path",
    )
    if team is not None:
        qs = qs.filter(team=team)
    if confirmed is True:
        qs = qs.filter(confirmed_at__isnull=False)
    elif confirmed is False:
        qs = qs.filter(confirmed_at__isnull=True)
    return qs.order_by("-served_on", "-pk")


def service_get(actor, pk: int) -> TeamService:
    return get_in_scope(
        TeamService.objects.select_related("member__person", "team__region", "activity"),
        actor,
        path_lookup="region_path",
        pk=pk,
    )


# ------------------------------------------------------------------ writes


def team_save(*, actor, data: dict, team: VolunteerTeam | None = None, request=None):
    _ensure_officer(actor)
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写队伍名称")]
    elif len(name) > 100:
        errors["name"] = [_("最多 100 个字符")]
    kind = data.get("kind") or ""
    if kind not in TeamKind.values:
        errors["kind"] = [_("请选择队伍类型")]
    region = None
    try:
        region = region_in_scope(actor, data.get("region") or "")
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    team = team or VolunteerTeam(created_by=actor)
    team.name = name
    team.kind = kind
    team.region = region
    team.region_path = region.path
    team.leader = (data.get("leader") or "").strip()[:50]
    team.phone = (data.get("phone") or "").strip()[:20]
    team.description = (data.get("description") or "").strip()
    with transaction.atomic():
        created = team.pk is None
        team.save()
        audit.record(
            actor=actor,
            action="community.team_create" if created else "community.team_update",
            obj=team,
            request=request,
        )
    return team


def member_add(
    *,
    actor,
    team: VolunteerTeam,
    person_id: int | None = None,
    visitor_id: int | None = None,
    skills: str = "",
    availability: str = "",
    joined_on=None,
    request=None,
) -> TeamMember:
    """Add a Person to a team (directly, or the person of a registered visitor)."""
    from yanglao.people.models import Person
    from yanglao.visits.models import Visitor

    _ensure_officer(actor)
    errors: dict[str, list[str]] = {}
    person = None
    if visitor_id:
        visitor = (
            scoped(Visitor.objects.all(), actor, path_lookup="region_path")
            .filter(pk=visitor_id)
            .first()
        )
        if visitor is None:
            errors["visitor_id"] = [_("探访员/志愿者不存在或不在您的管辖范围内")]
        else:
            person = visitor.person
    elif person_id:
        person = scoped(Person.objects.all(), actor).filter(pk=person_id).first()
        if person is None:
            errors["person_id"] = [_("人员不存在或不在您的管辖范围内")]
    else:
        errors["visitor_id"] = [_("请选择队员")]
    joined = _date(joined_on, "joined_on", errors, required=False)
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(
                team=team,
                person=person,
                skills=(skills or "").strip()[:200],
                availability=(availability or "").strip()[:200],
                joined_on=joined,
            )
            audit.record(actor=actor, action="community.team_member_add", obj=team, request=request)
    except IntegrityError:
        raise ValidationFailed(
            fields={"visitor_id" if visitor_id else "person_id": [_("此人已在队中")]}
        ) from None
    return member


def service_record(
    *,
    actor,
    team: VolunteerTeam,
    member_id,
    hours,
    served_on,
    activity_id=None,
    what: str = "",
    request=None,
) -> TeamService:
    """Record hours a member served (not yet in the time bank until confirmed)."""
    from yanglao.party.models import Activity

    _ensure_officer(actor)
    errors: dict[str, list[str]] = {}
    member = team.members.filter(pk=member_id or 0).select_related("person").first()
    if member is None:
        errors["member_id"] = [_("请选择本队队员")]
    try:
        amount = Decimal(str(hours).strip())
        if not amount.is_finite() or amount <= 0:
            errors["hours"] = [_("服务时长应大于 0")]
        elif amount > MAX_HOURS:
            errors["hours"] = [_("一次记录不能超过 24 小时")]
        elif amount != amount.quantize(Decimal("0.01")):
            errors["hours"] = [_("最多两位小数")]
    except (InvalidOperation, ValueError, TypeError):
        errors["hours"] = [_("服务时长应为数字")]
        amount = None
    day = _date(served_on, "served_on", errors)
    if day is not None and day > timezone.localdate():
        errors["served_on"] = [_("服务日期不能晚于今天")]
    activity = None
    if activity_id:
        activity = (
            scoped(Activity.objects.all(), actor, path_lookup="region_path")
            .filter(pk=activity_id)
            .first()
        )
        if activity is None:
            errors["activity_id"] = [_("活动不存在或不在您的管辖范围内")]
    what = (what or "").strip()
    if activity is None and not what and "activity_id" not in errors:
        errors["what"] = [_("请选择活动或填写服务内容")]
    if len(what) > 200:
        errors["what"] = [_("最多 200 个字符")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        service = TeamService.objects.create(
            member=member,
            team=team,
            region_path=team.region_path,
            served_on=day,
            hours=amount,
            activity=activity,
            what=what,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="community.team_service_record",
            obj=team,
            detail={"service": service.pk, "hours": str(amount)},
            request=request,
        )
    return service


def service_confirm(*, actor, service: TeamService, request=None) -> TeamService:
    """A community officer confirms served hours: they reach the time bank once. A second
    confirm is a conflict and writes nothing."""
    from yanglao.timebank import services as timebank

    if not (may_manage(actor) and in_subtree(service.region_path, actor.region.path)):
        raise Forbidden(_("只有社区工作人员可以确认服务时长"))
    with transaction.atomic():
        service = (
            TeamService.objects.select_for_update(of=("self",))
            .select_related("member__person", "team__region")
            .get(pk=service.pk)
        )
        if service.confirmed_at is not None:
            raise Conflict(_("该服务时长已确认"), code="already_confirmed")
        service.confirmed_at = timezone.now()
        service.confirmed_by = actor
        service.save(update_fields=["confirmed_at", "confirmed_by"])
        timebank.earn(
            person=service.member.person,
            hours=service.hours,
            item_code="",
            region=service.team.region,
            reference=service.reference,
            actor=actor,
            request=request,
        )
        audit.record(
            actor=actor,
            action="community.team_service_confirm",
            obj=service.team,
            detail={"service": service.pk, "reference": service.reference},
            request=request,
        )
    return service


# ------------------------------------------------------------------ counts


def confirmed_hours(region: Region, start: dt.date, end: dt.date) -> Decimal:
    """Volunteer hours confirmed for teams in the region, served from start to end."""
    total = (
        TeamService.objects.filter(path_q(region.path, "region_path"))
        .filter(confirmed_at__isnull=False, served_on__gte=start, served_on__lte=end)
        .aggregate(total=Sum("hours"))["total"]
    )
    return total or Decimal("0")
