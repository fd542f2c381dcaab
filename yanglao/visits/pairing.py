"""Visitors and pairing (结对帮扶): services and selectors.

A pairing is in force while its dates hold, its visitor is active and the visitor's
account (if any) is active: disabling an account makes the visitor's elders unpaired at
once, with no hook to forget."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree, path_q, scoped
from yanglao.elders.models import Elder, ElderStatus
from yanglao.people import services as people
from yanglao.people.models import Person
from yanglao.regions.models import Level, Region

from .models import FollowUp, FollowUpStatus, Pairing, Visitor, VisitorKind

PAIRING_WRITERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.PARTY_OFFICER,
    }
)


def active_pairing_q(today: dt.date, prefix: str = "") -> Q:
    p = prefix
    return (
        Q(**{f"{p}starts_on__lte": today})
        & (Q(**{f"{p}ends_on__isnull": True}) | Q(**{f"{p}ends_on__gt": today}))
        & Q(**{f"{p}visitor__active": True})
        & (
            Q(**{f"{p}visitor__user__isnull": True})
            | Q(**{f"{p}visitor__user__is_active": True, f"{p}visitor__user__disabled_at": None})
        )
    )


def active_pairings(today: dt.date | None = None) -> QuerySet[Pairing]:
    return Pairing.objects.filter(active_pairing_q(today or timezone.localdate()))


def lead_visitor(elder, today: dt.date | None = None) -> Visitor | None:
    pairing = (
        active_pairings(today)
        .filter(elder=elder)
        .select_related("visitor__person", "visitor__user")
        .order_by("-is_lead", "starts_on", "id")
        .first()
    )
    return pairing.visitor if pairing else None


def lead_visitors(elder_ids: list[int], today: dt.date | None = None) -> dict[int, Visitor]:
    """The lead visitor of each of these elders, in one query."""
    rows = (
        active_pairings(today)
        .filter(elder_id__in=list(elder_ids))
        .select_related("visitor__person")
        .order_by("elder_id", "-is_lead", "starts_on", "id")
    )
    out: dict[int, Visitor] = {}
    for p in rows:
        out.setdefault(p.elder_id, p.visitor)
    return out


def visitors_of(elder, today: dt.date | None = None) -> list[Visitor]:
    rows = (
        active_pairings(today)
        .filter(elder=elder)
        .select_related("visitor__person")
        .order_by("-is_lead", "id")
    )
    return [p.visitor for p in rows]


def elders_of_visitor(visitor: Visitor, today: dt.date | None = None) -> QuerySet[Elder]:
    pairs = active_pairings(today).filter(visitor=visitor, elder=OuterRef("pk"))
    return Elder.objects.filter(Exists(pairs), status=ElderStatus.ACTIVE)


def visitor_for_user(user) -> Visitor | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Visitor.objects.filter(user=user, active=True).select_related("person").first()


def _ensure_writer(actor) -> None:
    if actor is None or actor.role not in PAIRING_WRITERS:
        raise Forbidden(_("您的角色不能管理探访员和结对"))


def _region_in_scope(actor, code: str, field: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), valid_to__isnull=True).first()
    if region is None or not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={field: [_("区划不存在或不在您的管辖范围内")]})
    return region


def visitor_register(
    *,
    actor,
    name: str,
    phone: str,
    kind: str,
    region_code: str,
    registered_community_code: str | None = None,
    organization: str = "",
    user=None,
    request=None,
) -> Visitor:
    _ensure_writer(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    phone = (phone or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名")]
    if not phone.isdigit() or len(phone) != 11 or not phone.startswith("1"):
        errors["phone"] = [_("请填写11位手机号")]
    if kind not in VisitorKind.values:
        errors["kind"] = [_("请选择身份")]
    region = community = None
    try:
        region = _region_in_scope(actor, region_code, "region")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if kind == VisitorKind.PARTY_MEMBER:
        if not registered_community_code:
            errors["registered_community"] = [_("报到党员须填写报到的村(社区)")]
        else:
            community = Region.objects.filter(code=registered_community_code.strip()).first()
            if community is None or community.level != Level.VILLAGE:
                errors["registered_community"] = [_("报到社区须是村(社区)一级的区划")]
    if user is not None:
        if user.role != Role.VISITOR or not in_subtree(user.region.path, actor.region.path):
            errors["user"] = [_("只能关联本辖区内角色为探访员的账号")]
        elif Visitor.objects.filter(user=user).exists():
            errors["user"] = [_("该账号已关联探访员")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        person = Person(region=region, phone=phone)
        people.apply_name(person, name)
        person.save()
        visitor = Visitor.objects.create(
            person=person,
            user=user,
            kind=kind,
            region=region,
            region_path=region.path,
            registered_community=community,
            organization=(organization or "").strip()[:100],
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="visitor.register",
            obj=visitor,
            region=region,
            detail={"kind": kind},
            request=request,
        )
    return visitor


def pair(
    *,
    actor,
    visitor: Visitor,
    elders: list[Elder],
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    is_lead: bool | None = None,
    request=None,
) -> list[Pairing]:
    """Pair one visitor with one or more elders (one-to-one, one-to-many); pairing an
    elder who already has a visitor adds a second one (many-to-one)."""
    _ensure_writer(actor)
    errors: dict[str, list[str]] = {}
    if not visitor.active:
        errors["visitor"] = [_("该探访员已离岗")]
    elif not in_subtree(visitor.region_path, actor.region.path):
        errors["visitor"] = [_("探访员不在您的管辖范围内")]
    if not elders:
        errors["elders"] = [_("请至少选择一位老人")]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期")]
    today = timezone.localdate()
    for elder in elders:
        if elder.status != ElderStatus.ACTIVE or not in_subtree(
            elder.region_path, actor.region.path
        ):
            errors.setdefault("elders", []).append(
                _("%(name)s 不在您的管辖范围内或档案不在册") % {"name": elder.person.name}
            )
        elif Pairing.objects.filter(visitor=visitor, elder=elder, ends_on__isnull=True).exists():
            errors.setdefault("elders", []).append(
                _("%(name)s 已与该探访员结对") % {"name": elder.person.name}
            )
    if errors:
        raise ValidationFailed(fields=errors)
    created = []
    with transaction.atomic():
        for elder in elders:
            has_lead = active_pairings(today).filter(elder=elder, is_lead=True).exists()
            lead = (not has_lead) if is_lead is None else is_lead
            if lead and has_lead:
                Pairing.objects.filter(active_pairing_q(today), elder=elder).update(is_lead=False)
            created.append(
                Pairing.objects.create(
                    visitor=visitor,
                    elder=elder,
                    region_path=elder.region_path,
                    is_lead=lead,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    created_by=actor,
                )
            )
        audit.record(
            actor=actor,
            action="pairing.create",
            obj=visitor,
            region=visitor.region,
            detail={"elders": [e.pk for e in elders], "starts_on": str(starts_on)},
            request=request,
        )
    return created


def unpair(*, actor, pairing: Pairing, on: dt.date, reason: str, request=None) -> Pairing:
    """End one pairing; if it was the lead, the elder's next active visitor becomes lead."""
    _ensure_writer(actor)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写结束原因")]
    if pairing.ends_on is not None and pairing.ends_on <= on:
        errors["pairing"] = [_("该结对已结束")]
    elif on < pairing.starts_on:
        errors["on"] = [_("结束日期不能早于开始日期")]
    if not in_subtree(pairing.region_path, actor.region.path):
        raise Forbidden(_("该结对不在您的管辖范围内"))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        pairing.ends_on = on
        pairing.end_reason = reason.strip()[:200]
        pairing.save(update_fields=["ends_on", "end_reason"])
        if pairing.is_lead:
            nxt = (
                active_pairings(on + dt.timedelta(days=1))
                .filter(elder_id=pairing.elder_id)
                .exclude(pk=pairing.pk)
                .order_by("starts_on", "id")
                .first()
            )
            if nxt is not None:
                nxt.is_lead = True
                nxt.save(update_fields=["is_lead"])
        audit.record(
            actor=actor,
            action="pairing.end",
            obj=pairing,
            region=pairing.elder.region,
            detail={"reason": pairing.end_reason},
            request=request,
        )
    return pairing


def visitor_leave(*, actor, visitor: Visitor, on: dt.date, reason: str, request=None) -> int:
    _ensure_writer(actor)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("请填写离岗原因")]})
    with transaction.atomic():
        ended = Pairing.objects.filter(visitor=visitor, ends_on__isnull=True).update(
            ends_on=on, end_reason=reason[:200]
        )
        visitor.active = False
        visitor.left_on = on
        visitor.left_reason = reason[:200]
        visitor.save(update_fields=["active", "left_on", "left_reason"])
        audit.record(
            actor=actor,
            action="visitor.leave",
            obj=visitor,
            region=visitor.region,
            detail={"pairings_ended": ended},
            request=request,
        )
    return ended


def hand_over(
    *, actor, from_visitor: Visitor, to_visitor: Visitor, on: dt.date, request=None
) -> dict:
    """Hand every elder of a visitor, with their open follow-ups and alerts, to a
    successor in one step."""
    from yanglao.alerts.models import Alert, AlertEvent, AlertEventKind, AlertStatus

    _ensure_writer(actor)
    if to_visitor.pk == from_visitor.pk:
        raise ValidationFailed(fields={"to_visitor": [_("接手人不能是原探访员本人")]})
    if not to_visitor.active or not in_subtree(to_visitor.region_path, actor.region.path):
        raise ValidationFailed(fields={"to_visitor": [_("接手人须是本辖区在岗的探访员")]})
    with transaction.atomic():
        old = list(
            Pairing.objects.select_for_update().filter(visitor=from_visitor, ends_on__isnull=True)
        )
        elders = [p.elder_id for p in old]
        moved = 0
        for pairing in old:
            new = Pairing.objects.filter(
                visitor=to_visitor, elder_id=pairing.elder_id, ends_on__isnull=True
            ).first()
            if new is None:
                new = Pairing.objects.create(
                    visitor=to_visitor,
                    elder_id=pairing.elder_id,
                    region_path=pairing.region_path,
                    is_lead=pairing.is_lead,
                    starts_on=on,
                    created_by=actor,
                )
                moved += 1
            elif pairing.is_lead and not new.is_lead:
                new.is_lead = True
                new.save(update_fields=["is_lead"])
            pairing.ends_on = max(on, pairing.starts_on)
            pairing.end_reason = _("转交 %(name)s") % {"name": to_visitor.person.name}
            pairing.handed_to = new
            pairing.save(update_fields=["ends_on", "end_reason", "handed_to"])
        follow_ups = 0
        if from_visitor.user_id:
            follow_ups = FollowUp.objects.filter(
                assignee_id=from_visitor.user_id,
                status=FollowUpStatus.OPEN,
                elder_id__in=elders,
            ).update(assignee_id=to_visitor.user_id)
        now = timezone.now()
        alerts = list(
            Alert.objects.filter(elder_id__in=elders, step_name="visitor").exclude(
                status=AlertStatus.RESOLVED
            )
        )
        AlertEvent.objects.bulk_create(
            AlertEvent(
                alert=a,
                at=now,
                kind=AlertEventKind.HANDED_OVER,
                step_name="visitor",
                actor=actor,
                note=_("结对探访员由 %(a)s 转交 %(b)s")
                % {"a": from_visitor.person.name, "b": to_visitor.person.name},
            )
            for a in alerts
        )
        result = {"pairings": moved, "follow_ups": follow_ups, "alerts": len(alerts)}
        audit.record(
            actor=actor,
            action="visitor.hand_over",
            obj=from_visitor,
            region=from_visitor.region,
            detail={**result, "to": to_visitor.pk},
            request=request,
        )
    return result


def unpaired_elders(user, *, region_code: str | None = None, today: dt.date | None = None):
    """Active elders in scope who must be visited (they have a visit schedule) and have
    no pairing in force."""
    from .models import VisitDue

    today = today or timezone.localdate()
    dues = scoped(VisitDue.objects.all(), user, path_lookup="region_path")
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        dues = dues.filter(path_q(region.path, "region_path")) if region else dues.none()
    paired = Pairing.objects.filter(active_pairing_q(today), elder_id=OuterRef("elder_id"))
    return (
        dues.filter(elder__status=ElderStatus.ACTIVE)
        .filter(~Exists(paired))
        .select_related("elder__person", "elder__region")
        .order_by("region_path", "elder_id")
    )


def visitors_for(user, *, q: str = "", active: bool | None = True) -> QuerySet[Visitor]:
    qs = scoped(Visitor.objects.all(), user, path_lookup="region_path")
    if active is not None:
        qs = qs.filter(active=active)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(person__name__contains=q)
            | Q(person__name_initials__startswith=q.lower())
            | Q(person__phone__endswith=q)
        )
    return qs.select_related("person", "region", "user").order_by("region_path", "person__name")
