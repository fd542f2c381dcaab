"""Activities (issue 8 item 1): create, sign up (in person or by proxy), take attendance at
the door, close with a summary and photos; and the isolation flag. The activity is the
Party app's ``Activity``; officers write in their region, visitors sign up paired elders."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.elders.models import Elder, ElderStatus
from yanglao.party.models import Activity, ActivityKind
from yanglao.policy.selectors import lookup_param
from yanglao.regions.models import Region
from yanglao.services.services import _photo_ok
from yanglao.visits.pairing import elders_of_visitor, visitor_for_user

from .models import ActivityPhoto, Signup, SignupBy

COMMUNITY_KINDS = (
    ActivityKind.CULTURE_SPORTS,
    ActivityKind.LEARNING,
    ActivityKind.HEALTH_TALK,
    ActivityKind.LEGAL_ANTIFRAUD,
    ActivityKind.MUTUAL_HELP,
    ActivityKind.THEMED,
    ActivityKind.OTHER,
)
OFFICERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)
READERS = OFFICERS | {Role.PARTY_OFFICER, Role.VISITOR}
DEFAULT_ISOLATION_DAYS = 90


# ---- reads -----------------------------------------------------------------------------


def visible(user) -> QuerySet[Activity]:
    if getattr(user, "role", "") not in READERS:
        return Activity.objects.none()
    return scoped(Activity.objects.select_related("region"), user, path_lookup="region_path")


def activities(
    user, *, q: str = "", kind: str = "", date_from=None, date_to=None, region_code: str = ""
) -> QuerySet[Activity]:
    qs = visible(user).annotate(
        signed=Count("signups", filter=Q(signups__cancelled=False), distinct=True)
    )
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(held_on__gte=date_from)
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(venue__contains=q) | Q(organizer__contains=q))
    return qs.order_by("-held_on", "-id")


def activity_get(user, pk: int) -> Activity:
    if getattr(user, "role", "") not in READERS:
        raise NotFound()
    return get_in_scope(
        Activity.objects.select_related("region"), user, path_lookup="region_path", pk=pk
    )


def signups_of(activity: Activity) -> QuerySet[Signup]:
    return activity.signups.filter(cancelled=False).select_related("elder").order_by("id")


def elder_activities(elder: Elder, limit: int = 20) -> list[Signup]:
    return list(
        Signup.objects.filter(elder=elder, cancelled=False)
        .select_related("activity")
        .order_by("-activity__held_on", "-id")[:limit]
    )


def isolation_days(region: Region, on: dt.date | None = None) -> int:
    value = lookup_param("community.isolation_days", "days", region, on, DEFAULT_ISOLATION_DAYS)
    try:
        return int(value)
    except (TypeError, ValueError):
        return DEFAULT_ISOLATION_DAYS


def isolated_elders(user, *, today: dt.date | None = None) -> QuerySet[Elder]:
    """Active elders in scope who attended no activity in the last N days (policy rule
    ``community.isolation_days``, resolved at the user's region)."""
    if getattr(user, "role", "") not in OFFICERS | {Role.PARTY_OFFICER}:
        return Elder.objects.none()
    today = today or timezone.localdate()
    region = getattr(user, "region", None)
    days = isolation_days(region, today) if region is not None else DEFAULT_ISOLATION_DAYS
    since = today - dt.timedelta(days=days)
    attended = Signup.objects.filter(
        elder=OuterRef("pk"),
        attended=True,
        activity__held_on__gt=since,
        activity__held_on__lte=today,
    )
    qs = scoped(Elder.objects.filter(status=ElderStatus.ACTIVE), user, path_lookup="region_path")
    return qs.filter(~Exists(attended)).select_related("person").order_by("region_path", "pk")


# ---- writes ----------------------------------------------------------------------------


def _ensure_officer(actor, region_path: str) -> None:
    region = getattr(actor, "region", None)
    if getattr(actor, "role", "") not in OFFICERS or region is None:
        raise Forbidden(_("只有民政与村（社区）工作人员可以组织活动"))
    if not in_subtree(region_path, region.path):
        raise Forbidden(_("您只能管理本辖区的活动"))


def activity_create(*, actor, data: dict, request=None) -> Activity:
    errors: dict[str, list[str]] = {}
    kind = (data.get("kind") or "").strip()
    if kind not in [k.value for k in COMMUNITY_KINDS]:
        errors["kind"] = [_("请选择活动类型")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("请填写活动标题")]
    elif len(title) > 120:
        errors["title"] = [_("最多 %(v)s 个字符") % {"v": 120}]
    held_on = data.get("held_on")
    if isinstance(held_on, str):
        try:
            held_on = dt.date.fromisoformat(held_on)
        except ValueError:
            held_on = None
    if not held_on:
        errors["held_on"] = [_("请填写活动日期")]
    starts_at = data.get("starts_at") or None
    if isinstance(starts_at, str):
        try:
            starts_at = dt.time.fromisoformat(starts_at)
        except ValueError:
            errors["starts_at"] = [_("时间格式应为 HH:MM")]
    capacity = data.get("capacity")
    if capacity in ("", None):
        capacity = None
    else:
        try:
            capacity = int(capacity)
            if capacity < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["capacity"] = [_("名额应为正整数，不限名额请留空")]
    facility = None
    facility_id = data.get("facility_id")
    if facility_id not in (None, ""):
        from yanglao.facilities.models import Facility

        try:
            facility = (
                scoped(Facility.objects.select_related("region"), actor, path_lookup="region_path")
                .filter(pk=int(facility_id))
                .first()
            )
        except (TypeError, ValueError):
            facility = None
        if facility is None:
            errors["facility_id"] = [_("机构不存在或不在您的辖区")]
    code = (data.get("region_code") or "").strip()
    if code:
        region = Region.objects.filter(code=code).first()
    elif facility is not None:
        region = facility.region
    else:
        region = getattr(actor, "region", None)
    if region is None:
        errors["region_code"] = [_("请选择活动所在区划")]
    if errors:
        raise ValidationFailed(fields=errors)
    _ensure_officer(actor, region.path)
    with transaction.atomic():
        activity = Activity.objects.create(
            kind=kind,
            held_on=held_on,
            region=region,
            region_path=region.path,
            title=title,
            venue=(data.get("venue") or "").strip()[:120],
            starts_at=starts_at,
            capacity=capacity,
            organizer=(data.get("organizer") or "").strip()[:80],
            facility=facility,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="community.activity_create",
            obj=activity,
            region=region,
            request=request,
        )
    return activity


def may_sign_up(actor, elder: Elder) -> bool:
    role = getattr(actor, "role", "")
    if role == Role.VISITOR:
        visitor = visitor_for_user(actor)
        return visitor is not None and elders_of_visitor(visitor).filter(pk=elder.pk).exists()
    region = getattr(actor, "region", None)
    return role in OFFICERS and region is not None and in_subtree(elder.region_path, region.path)


def signup(
    *,
    actor,
    activity: Activity,
    elder: Elder,
    by_whom: str = "",
    proxy_name: str = "",
    request=None,
) -> Signup:
    """报名. Capacity is enforced (409 when full); an elder signs up once; a visitor may sign
    up only their paired elders."""
    role = getattr(actor, "role", "")
    if not by_whom:
        by_whom = SignupBy.VISITOR if role == Role.VISITOR else SignupBy.STAFF
    if by_whom not in SignupBy.values:
        raise ValidationFailed(fields={"by_whom": [_("请选择报名方式")]})
    if by_whom == SignupBy.FAMILY and not (proxy_name or "").strip():
        raise ValidationFailed(fields={"proxy_name": [_("请填写代报的家属姓名")]})
    if not may_sign_up(actor, elder):
        raise Forbidden(_("您只能为结对的老人或本辖区的老人报名"))
    if proxy_name == "" and by_whom == SignupBy.VISITOR:
        visitor = visitor_for_user(actor)
        proxy_name = visitor.person.name if visitor and visitor.person_id else actor.get_username()
    return _sign_up(
        actor=actor,
        activity=activity,
        elder=elder,
        by_whom=by_whom,
        proxy_name=proxy_name,
        request=request,
    )


def upcoming_for_elder(elder: Elder, *, today: dt.date | None = None) -> list[Activity]:
    """Open activities an elder may join: held from today on, by the elder's village or a
    region above it (a town's, a county's), soonest first, with the places taken."""
    today = today or timezone.localdate()
    parts = elder.region_path.split(".")
    paths = [".".join(parts[:i]) for i in range(2, len(parts) + 1)]
    return list(
        Activity.objects.filter(
            region_path__in=paths,
            kind__in=[k.value for k in COMMUNITY_KINDS],
            held_on__gte=today,
            closed_at__isnull=True,
        )
        .annotate(signed=Count("signups", filter=Q(signups__cancelled=False), distinct=True))
        .order_by("held_on", "starts_at", "pk")[:20]
    )


def signup_by_link(*, link, activity: Activity, request=None) -> Signup:
    """报名 from the elder's own page (服务申请链接): the elder or the family member the
    link was made for; the link is the authority, so no account is needed."""
    elder = link.elder
    if activity.pk not in {a.pk for a in upcoming_for_elder(elder)}:
        raise NotFound()
    for_self = (link.for_relation or "") in ("", _("本人"), "本人")
    return _sign_up(
        actor=None,
        activity=activity,
        elder=elder,
        by_whom=SignupBy.SELF if for_self else SignupBy.FAMILY,
        proxy_name="" if for_self else f"{link.for_name}（{link.for_relation}）",
        request=request,
    )


def cancel_by_link(*, link, activity: Activity, request=None) -> Signup:
    row = Signup.objects.filter(activity=activity, elder=link.elder, cancelled=False).first()
    if row is None or activity.closed_at is not None:
        raise NotFound()
    row.cancelled = True
    row.save(update_fields=["cancelled"])
    audit.record(
        actor=None,
        action="community.signup_cancel",
        obj=row,
        region=link.elder.region,
        request=request,
        username=f"link:{link.for_name}"[:150],
    )
    return row


def _sign_up(*, actor, activity, elder, by_whom, proxy_name, request=None) -> Signup:
    if not in_subtree(elder.region_path, activity.region_path) and not in_subtree(
        activity.region_path, elder.region_path
    ):
        # An activity of a village is for the elders of that village (or a town's for its villages).
        raise ValidationFailed(fields={"elder": [_("该老人不在活动所在区划")]})
    if elder.status != ElderStatus.ACTIVE:
        raise ValidationFailed(fields={"elder": [_("该老人档案已注销或迁出")]})
    if activity.closed_at is not None:
        raise Conflict(_("活动已结束，不能再报名"))
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        existing = Signup.objects.filter(activity=activity, elder=elder).first()
        if existing is not None and not existing.cancelled:
            raise Conflict(_("该老人已报名此活动"), fields={"elder": [_("已报名")]})
        taken = activity.signups.filter(cancelled=False).count()
        if activity.capacity is not None and taken >= activity.capacity:
            raise Conflict(_("活动名额已满"), fields={"activity": [_("名额已满")]})
        try:
            if existing is not None:
                existing.cancelled = False
                existing.by_whom = by_whom
                existing.proxy_name = (proxy_name or "")[:40]
                existing.created_by = actor
                existing.save(update_fields=["cancelled", "by_whom", "proxy_name", "created_by"])
                row = existing
            else:
                row = Signup.objects.create(
                    activity=activity,
                    elder=elder,
                    by_whom=by_whom,
                    proxy_name=(proxy_name or "").strip()[:40],
                    created_by=actor,
                )
        except IntegrityError as exc:  # pragma: no cover - a double submit racing
            raise Conflict(_("该老人已报名此活动")) from exc
        audit.record(
            actor=actor,
            action="community.signup",
            obj=row,
            region=elder.region,
            detail={"activity": activity.pk, "by_whom": by_whom},
            request=request,
            username=None if actor is not None else f"link:{proxy_name or elder.person.name}",
        )
    return row


def signup_cancel(*, actor, signup_row: Signup, request=None) -> Signup:
    if not may_sign_up(actor, signup_row.elder):
        raise Forbidden()
    signup_row.cancelled = True
    signup_row.save(update_fields=["cancelled"])
    audit.record(
        actor=actor,
        action="community.signup_cancel",
        obj=signup_row,
        region=signup_row.elder.region,
        request=request,
    )
    return signup_row


def attendance_take(*, actor, activity: Activity, present_elder_ids, request=None) -> int:
    """签到 at the door: the ticked elders attended; an elder not signed up is a walk-in."""
    _ensure_officer(actor, activity.region_path)
    ids = {int(i) for i in present_elder_ids or []}
    region = actor.region
    elders = {
        e.pk: e
        for e in Elder.objects.filter(pk__in=ids, status=ElderStatus.ACTIVE).filter(
            path_q(region.path, "region_path")
        )
    }
    unknown = ids - set(elders)
    if unknown:
        raise ValidationFailed(fields={"present_elder_ids": [_("有老人不在您的辖区或不存在")]})
    now = timezone.now()
    with transaction.atomic():
        rows = {s.elder_id: s for s in activity.signups.select_for_update()}
        for row in rows.values():
            present = row.elder_id in ids
            if present != row.attended or (present and row.cancelled):
                row.attended = present
                row.cancelled = False if present else row.cancelled
                row.taken_at = now
                row.taken_by = actor
                row.save(update_fields=["attended", "cancelled", "taken_at", "taken_by"])
        for pk in ids - set(rows):
            Signup.objects.create(
                activity=activity,
                elder=elders[pk],
                by_whom=SignupBy.STAFF,
                walk_in=True,
                attended=True,
                taken_at=now,
                taken_by=actor,
                created_by=actor,
            )
        audit.record(
            actor=actor,
            action="community.attendance",
            obj=activity,
            region=activity.region,
            detail={"present": len(ids)},
            request=request,
        )
    return len(ids)


def activity_close(*, actor, activity: Activity, summary: str, photos=(), request=None) -> Activity:
    _ensure_officer(actor, activity.region_path)
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("请填写活动小结")]
    photos = list(photos or [])
    if any(not _photo_ok(p) for p in photos):
        errors["photos"] = [_("照片须为 JPEG 或 PNG，且不超过 5 MB")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        activity.summary = summary
        activity.closed_at = timezone.now()
        activity.save(update_fields=["summary", "closed_at"])
        for p in photos:
            ActivityPhoto.objects.create(activity=activity, photo=p, uploaded_by=actor)
        audit.record(
            actor=actor,
            action="community.activity_close",
            obj=activity,
            region=activity.region,
            detail={"photos": len(photos)},
            request=request,
        )
    return activity
