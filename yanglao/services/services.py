"""Service orders (服务工单): from a request to a rated, paid, followed-up service.

Every write is one function here: validated, one transaction, audited, with an
``OrderEvent`` for the order's history. The allowed moves are in ``TRANSITIONS``; any
other is refused with a 409 naming both states.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.core.uploads import image_ok
from yanglao.elders.models import ElderStatus
from yanglao.policy.selectors import lookup_param
from yanglao.regions.models import Region

from . import dispatch, shares
from .models import (
    Channel,
    Help,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentShare,
    Provider,
    ProviderKind,
    Qualification,
    QualificationKind,
    RatingChannel,
    ServiceItem,
)

OFFICERS = VISIT_OFFICERS
S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.REQUESTED: {S.ASSIGNED, S.CANCELLED},
    S.ASSIGNED: {S.ACCEPTED, S.REQUESTED, S.ASSIGNED, S.CANCELLED},
    S.ACCEPTED: {S.IN_PROGRESS, S.CANCELLED},
    S.IN_PROGRESS: {S.DONE},
    S.DONE: {S.RATED},
    S.RATED: set(),
    S.CANCELLED: set(),
}
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def _officer_over(actor, region_path: str) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.role in OFFICERS
        and in_subtree(region_path, actor.region.path)
    )


def acts_for_provider(actor, provider: Provider | None) -> bool:
    """The actor answers for the provider: one of its accounts, or the volunteer's own."""
    if provider is None or actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if provider.users.filter(pk=actor.pk).exists():
        return True
    if provider.person_id is None:
        return False
    from yanglao.visits.models import Visitor

    return Visitor.objects.filter(user=actor, person_id=provider.person_id).exists()


def _move(order: Order, to: str, *, actor, note: str = "", actor_name: str = "") -> None:
    if to not in TRANSITIONS[order.status]:
        raise Conflict(
            _("工单状态为“%(from)s”，不能改为“%(to)s”")
            % {"from": S(order.status).label, "to": S(to).label},
            code="illegal_transition",
        )
    OrderEvent.objects.create(
        order=order,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=actor_name or (getattr(actor, "username", "") or ""),
        from_status=order.status,
        to_status=to,
        note=note[:300],
    )
    order.status = to


def _decimal(value, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(fields={field: [_("请填写数字")]}) from None
    if not number.is_finite() or number < low or number > high:
        raise ValidationFailed(
            fields={field: [_("应在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high}]}
        )
    return number.quantize(Decimal("0.01"))


def _coordinate(value, field: str, low: int, high: int) -> Decimal | None:
    if value in (None, ""):
        return None
    return _decimal(value, field, low=Decimal(low), high=Decimal(high)).quantize(
        Decimal("0.000001")
    )


def _photo_ok(photo) -> bool:
    return image_ok(photo, max_bytes=PHOTO_MAX_BYTES)


def _write_shares(order: Order, on: dt.date) -> None:
    order.shares.all().delete()
    kind = "meal" if order.item.help == Help.MEAL else "service"
    for s in shares.shares_for(
        order.elder, order.amount, kind=kind, family_pays=order.family_pays, on=on
    ):
        PaymentShare.objects.create(
            order=order, payer=s.payer, ratio=s.ratio, amount=s.amount, trace=s.trace
        )


def _may_request(actor, elder, channel: str) -> bool:
    if channel == Channel.SELF:
        return True  # through a request link, checked by the caller
    if _officer_over(actor, elder.region_path):
        return True
    if actor is not None and getattr(actor, "role", "") == Role.VISITOR:
        from yanglao.visits import pairing

        visitor = pairing.visitor_for_user(actor)
        today = timezone.localdate()
        return bool(
            visitor
            and elder.pairings.filter(pairing.active_pairing_q(today), visitor=visitor).exists()
        )
    return False


def order_create(
    *,
    actor,
    elder,
    item: ServiceItem | None,
    scheduled_for: dt.datetime | None,
    channel: str,
    quantity="1",
    note: str = "",
    requester_name: str = "",
    requester_relation: str = "",
    requester_phone: str = "",
    family_pays: bool = False,
    follow_up=None,
    alert=None,
    request=None,
) -> Order:
    """Take a request (by phone, from the elder's or family's page, from a visit or an
    alert) and make it an order; dispatch at once when the local rule says so."""
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("请选择申请来源")]
    if item is None or not item.active:
        errors["item"] = [_("请选择服务项目")]
    if scheduled_for is None:
        errors["scheduled_for"] = [_("请填写预约服务时间")]
    elif scheduled_for < timezone.now() - dt.timedelta(days=1):
        errors["scheduled_for"] = [_("预约时间不能早于昨天")]
    elif scheduled_for > timezone.now() + dt.timedelta(days=90):
        errors["scheduled_for"] = [_("只能预约 90 天以内的服务")]
    if elder.status != ElderStatus.ACTIVE:
        errors["elder"] = [_("该老人档案不在册，不能申请服务")]
    if len(note) > 1000:
        errors["note"] = [_("需求说明不超过 1000 字")]
    try:
        qty = _decimal(quantity or "1", "quantity", low=Decimal("0.5"), high=Decimal("100"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        qty = Decimal(1)
    if errors:
        raise ValidationFailed(fields=errors)
    if not _may_request(actor, elder, channel):
        raise Forbidden(_("您无权为该老人申请服务"))
    amount = (item.price * qty).quantize(Decimal("0.01"))
    with transaction.atomic():
        order = Order.objects.create(
            number=f"T{timezone.now():%y%m%d%H%M%S%f}"[:20],
            elder=elder,
            region_path=elder.region_path,
            item=item,
            quantity=qty,
            unit_price=item.price,
            amount=amount,
            channel=channel,
            requester_name=requester_name.strip()[:50],
            requester_relation=requester_relation.strip()[:20],
            requester_phone=requester_phone.strip()[:20],
            scheduled_for=scheduled_for,
            note=note.strip(),
            family_pays=bool(family_pays),
            follow_up=follow_up,
            alert=alert,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        order.number = f"FW{timezone.localdate():%Y%m%d}{order.pk:06d}"
        order.save(update_fields=["number"])
        _write_shares(order, timezone.localdate())
        OrderEvent.objects.create(
            order=order,
            actor=order.created_by,
            actor_name=getattr(actor, "username", "") or requester_name[:60],
            to_status=S.REQUESTED,
            note=str(Channel(channel).label),
        )
        audit.record(
            actor=actor,
            action="service.order_create",
            obj=order,
            region=elder.region,
            detail={"item": item.code, "channel": channel, "number": order.number},
            request=request,
        )
        if lookup_param("service.dispatch", "auto_assign", elder.region, None, False):
            best = [p for p in dispatch.proposals(order) if p.available]
            if best:
                _assign(order, best[0].provider, actor=actor, note=_("按规则自动派单"))
    return order


def _assign(order: Order, provider: Provider, *, actor, note: str = "") -> None:
    _move(order, S.ASSIGNED, actor=actor, note=note or provider.name)
    order.provider = provider
    order.assigned_at = timezone.now()
    order.accepted_at = None
    order.save(update_fields=["status", "provider", "assigned_at", "accepted_at"])


def order_assign(*, actor, order: Order, provider: Provider | None, request=None) -> Order:
    """An officer assigns (or reassigns) a provider; only a qualified one."""
    if not _officer_over(actor, order.region_path):
        raise Forbidden(_("只有工作人员可以派单"))
    if provider is None:
        raise ValidationFailed(fields={"provider": [_("请选择服务提供方")]})
    problems = dispatch.why_not(order, provider)
    if problems:
        raise ValidationFailed(fields={"provider": problems})
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _assign(order, provider, actor=actor)
        audit.record(
            actor=actor,
            action="service.order_assign",
            obj=order,
            region=order.elder.region,
            detail={"provider": provider.pk},
            request=request,
        )
    return order


def _provider_step(actor, order: Order) -> None:
    if not (acts_for_provider(actor, order.provider) or _officer_over(actor, order.region_path)):
        raise Forbidden(_("只有接单的服务方可以操作该工单"))


def order_accept(*, actor, order: Order, request=None) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _provider_step(actor, order)
        _move(order, S.ACCEPTED, actor=actor)
        order.accepted_at = timezone.now()
        order.save(update_fields=["status", "accepted_at"])
        audit.record(actor=actor, action="service.order_accept", obj=order, request=request)
    return order


def order_decline(*, actor, order: Order, reason: str, request=None) -> Order:
    """The provider gives the order back (with a reason): it is to be dispatched again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写退单原因")]})
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _provider_step(actor, order)
        if order.status != S.ASSIGNED:
            raise Conflict(_("只有已派单、未接单的工单可以退回"), code="illegal_transition")
        _move(order, S.REQUESTED, actor=actor, note=reason)
        order.provider = None
        order.save(update_fields=["status", "provider"])
        audit.record(
            actor=actor,
            action="service.order_decline",
            obj=order,
            detail={"reason": reason},
            request=request,
        )
    return order


def _place_and_photo(latitude, longitude, photo) -> tuple:
    errors: dict[str, list[str]] = {}
    lat = lng = None
    try:
        lat = _coordinate(latitude, "latitude", -90, 90)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        lng = _coordinate(longitude, "longitude", -180, 180)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if photo is not None and not _photo_ok(photo):
        errors["photo"] = [_("照片须为 JPEG 或 PNG，且不超过 5 MB")]
    if errors:
        raise ValidationFailed(fields=errors)
    return lat, lng


def order_start(
    *, actor, order: Order, latitude=None, longitude=None, photo=None, request=None
) -> Order:
    lat, lng = _place_and_photo(latitude, longitude, photo)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _provider_step(actor, order)
        _move(order, S.IN_PROGRESS, actor=actor)
        order.started_at = timezone.now()
        order.start_latitude, order.start_longitude = lat, lng
        if photo is not None:
            order.start_photo.save(f"{order.number}-start", photo, save=False)
        order.save()
        audit.record(actor=actor, action="service.order_start", obj=order, request=request)
    return order


def order_finish(
    *,
    actor,
    order: Order,
    note: str = "",
    quantity=None,
    latitude=None,
    longitude=None,
    photo=None,
    request=None,
) -> Order:
    """The service is done: time, place, photo and a short record; the final shares are
    written and the satisfaction survey goes out after the commit."""
    lat, lng = _place_and_photo(latitude, longitude, photo)
    if len(note or "") > 1000:
        raise ValidationFailed(fields={"note": [_("服务记录不超过 1000 字")]})
    qty = None
    if quantity not in (None, ""):
        qty = _decimal(quantity, "quantity", low=Decimal("0.5"), high=Decimal("100"))
    from . import survey

    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("item", "elder")
            .get(pk=order.pk)
        )
        _provider_step(actor, order)
        _move(order, S.DONE, actor=actor)
        order.finished_at = timezone.now()
        order.finish_latitude, order.finish_longitude = lat, lng
        order.finish_note = (note or "").strip()
        if qty is not None:
            order.quantity = qty
            order.amount = (order.unit_price * qty).quantize(Decimal("0.01"))
        if photo is not None:
            order.finish_photo.save(f"{order.number}-finish", photo, save=False)
        order.save()
        _write_shares(order, timezone.localdate())
        audit.record(actor=actor, action="service.order_finish", obj=order, request=request)
        transaction.on_commit(lambda: survey.send(order.pk))
    return order


def order_cancel(*, actor, order: Order, reason: str, request=None) -> Order:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写取消原因")]})
    if len(reason) > 200:
        raise ValidationFailed(fields={"reason": [_("取消原因不超过 200 字")]})
    if not _officer_over(actor, order.region_path):
        raise Forbidden(_("只有工作人员可以取消工单"))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _move(order, S.CANCELLED, actor=actor, note=reason)
        order.cancel_reason = reason
        order.cancelled_at = timezone.now()
        order.save(update_fields=["status", "cancel_reason", "cancelled_at"])
        audit.record(
            actor=actor,
            action="service.order_cancel",
            obj=order,
            detail={"reason": reason},
            request=request,
        )
    return order


def _satisfaction_follow_up(order: Order, description: str, *, actor) -> None:
    from yanglao.visits.models import Finding, FollowUp, FollowUpKind

    days = int(lookup_param("service.survey", "follow_up_due_days", order.elder.region, None, 3))
    FollowUp.objects.create(
        elder=order.elder,
        region_path=order.region_path,
        kind=FollowUpKind.SATISFACTION,
        item=order.item.code,
        level=Finding.CONCERN,
        description=description,
        due_on=timezone.localdate() + dt.timedelta(days=days),
        order=order,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def order_rate(
    *,
    order: Order,
    rating,
    comment: str = "",
    channel: str = RatingChannel.SURVEY,
    actor=None,
    request=None,
) -> Order:
    """Record the satisfaction rating (1–5): from the survey page (no login), or by staff
    on the phone. A low rating opens a follow-up for the community; for a volunteer the
    recipient's rating confirms the service and credits the time bank."""
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationFailed(fields={"rating": [_("请选择 1 到 5 分")]})
    if channel not in RatingChannel.values:
        raise ValidationFailed(fields={"channel": [_("评价方式无效")]})
    if len(comment or "") > 300:
        raise ValidationFailed(fields={"comment": [_("评价意见不超过 300 字")]})
    if channel != RatingChannel.SURVEY and not _officer_over(actor, order.region_path):
        raise Forbidden(_("只有工作人员可以代录评价"))
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("item", "elder")
            .get(pk=order.pk)
        )
        if order.status == S.RATED:
            raise Conflict(_("该工单已评价"), code="already_rated")
        _move(order, S.RATED, actor=actor, note=f"{value}", actor_name=_("老人/家属"))
        order.rating = value
        order.rating_comment = (comment or "").strip()
        order.rating_channel = channel
        order.rated_at = timezone.now()
        order.survey_nonce = ""
        order.save()
        low = int(lookup_param("service.survey", "low_rating_max", order.elder.region, None, 2))
        if value <= low:
            _satisfaction_follow_up(
                order,
                _("服务评价不满意（%(n)s 分）：%(item)s %(number)s。%(comment)s")
                % {
                    "n": value,
                    "item": order.item.name,
                    "number": order.number,
                    "comment": order.rating_comment,
                },
                actor=actor,
            )
        audit.record(
            actor=actor,
            action="service.order_rate",
            obj=order,
            region=order.elder.region,
            detail={"rating": value, "channel": channel},
            request=request,
        )
        if order.provider_id and order.provider.kind == ProviderKind.VOLUNTEER:
            _confirm(order, actor=actor, by=_("服务对象评价确认"))
    return order


def _confirm(order: Order, *, actor, by: str) -> None:
    """Credit a volunteer's hours once: the standard duration times the quantity."""
    if order.confirmed_at is not None:
        return
    order.confirmed_at = timezone.now()
    order.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    order.save(update_fields=["confirmed_at", "confirmed_by"])
    OrderEvent.objects.create(
        order=order,
        actor=order.confirmed_by,
        actor_name=getattr(actor, "username", "") or "",
        from_status=order.status,
        to_status=order.status,
        note=by,
    )
    hours = (Decimal(order.item.standard_minutes) * order.quantity / 60).quantize(Decimal("0.01"))
    from yanglao.timebank import services as timebank

    timebank.earn(
        person=order.provider.person,
        hours=hours,
        item_code=order.item.code,
        region=order.elder.region,
        reference=f"order:{order.pk}",
        actor=actor,
    )


def order_confirm(*, actor, order: Order, request=None) -> Order:
    """The community confirms a volunteer's finished service (when the elder cannot
    rate): the hours reach the time bank, exactly once."""
    if not _officer_over(actor, order.region_path):
        raise Forbidden(_("只有社区工作人员可以确认服务"))
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("item", "provider")
            .get(pk=order.pk)
        )
        if order.status not in (S.DONE, S.RATED):
            raise Conflict(_("服务完成后才能确认"), code="illegal_transition")
        if order.provider is None or order.provider.kind != ProviderKind.VOLUNTEER:
            raise Conflict(_("只有志愿者服务需要确认计入时间银行"))
        if order.confirmed_at is not None:
            raise Conflict(_("该服务已确认"), code="already_confirmed")
        _confirm(order, actor=actor, by=_("社区确认"))
        audit.record(actor=actor, action="service.order_confirm", obj=order, request=request)
    return order


def follow_up_unrated(now: dt.datetime | None = None) -> int:
    """Orders done for longer than the rule's days without a rating get a 回访 task."""
    now = now or timezone.now()
    made = 0
    candidates = (
        Order.objects.filter(status=S.DONE, unrated_followed_up=False, finished_at__isnull=False)
        .select_related("elder__region", "item")
        .order_by("finished_at")
    )
    for order in candidates.iterator(chunk_size=500):
        days = int(
            lookup_param("service.survey", "unrated_after_days", order.elder.region, None, 3)
        )
        if order.finished_at > now - dt.timedelta(days=days):
            continue
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status != S.DONE or locked.unrated_followed_up:
                continue
            _satisfaction_follow_up(
                order,
                _("服务完成 %(d)s 天未评价，请电话回访：%(item)s %(number)s")
                % {"d": days, "item": order.item.name, "number": order.number},
                actor=None,
            )
            locked.unrated_followed_up = True
            locked.save(update_fields=["unrated_followed_up"])
            audit.record(
                actor=None,
                action="service.unrated_follow_up",
                obj=locked,
                region=order.elder.region,
            )
            made += 1
    return made


# Catalogue and providers ------------------------------------------------------------

CATALOGUE_EDITORS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})


def item_update(*, actor, item: ServiceItem, data: dict, request=None) -> ServiceItem:
    if actor.role not in CATALOGUE_EDITORS:
        raise Forbidden(_("只有市、县民政管理员可以修改服务目录"))
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 60:
        errors["name"] = [_("请填写名称（不超过 60 字）")]
    unit = (data.get("unit") or "").strip()
    if not unit or len(unit) > 10:
        errors["unit"] = [_("请填写计量单位")]
    try:
        minutes = int(data.get("standard_minutes"))
        if not 5 <= minutes <= 24 * 60:
            raise ValueError
    except (TypeError, ValueError):
        errors["standard_minutes"] = [_("标准时长应为 5 到 1440 分钟")]
        minutes = item.standard_minutes
    try:
        price = _decimal(data.get("price"), "price", low=Decimal(0), high=Decimal(100000))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        price = item.price
    deliverers = [d for d in data.get("deliverers") or [] if d in ProviderKind.values]
    if not deliverers:
        errors["deliverers"] = [_("至少选择一类可提供者")]
    qualification = data.get("qualification") or ""
    if qualification and qualification not in QualificationKind.values:
        errors["qualification"] = [_("资质类型无效")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = {"price": str(item.price), "minutes": item.standard_minutes}
    with transaction.atomic():
        item.name, item.unit, item.standard_minutes, item.price = name, unit, minutes, price
        item.deliverers, item.qualification = deliverers, qualification
        item.active = bool(data.get("active", True))
        item.description = (data.get("description") or "").strip()[:200]
        item.save()
        audit.record(
            actor=actor,
            action="service.item_update",
            obj=item,
            detail={"before": before, "after": {"price": str(price), "minutes": minutes}},
            request=request,
        )
    return item


def _regions(codes, actor, field: str, errors: dict) -> list[Region]:
    codes = [c.strip() for c in codes or [] if c and c.strip()]
    found = list(Region.objects.filter(code__in=codes))
    if len(found) != len(set(codes)):
        errors[field] = [_("有区划代码不存在")]
    elif any(not in_subtree(r.path, actor.region.path) for r in found):
        errors[field] = [_("服务区域须在您的管辖范围内")]
    return found


def provider_save(*, actor, provider: Provider | None = None, data: dict, request=None) -> Provider:
    """Create or edit a provider with its items, areas, working hours and
    qualifications (``data["qualifications"]``: list of {kind, number, expires_on})."""
    if actor.role not in OFFICERS:
        raise Forbidden(_("只有工作人员可以登记服务提供方"))
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("请填写名称（不超过 100 字）")]
    kind = data.get("kind") or ""
    if kind not in ProviderKind.values:
        errors["kind"] = [_("请选择类型")]
    region = Region.objects.filter(code=(data.get("region") or "").strip()).first()
    if region is None:
        errors["region"] = [_("区划代码不存在")]
    elif not in_subtree(region.path, actor.region.path):
        errors["region"] = [_("区划须在您的管辖范围内")]
    areas = _regions(data.get("areas"), actor, "areas", errors)
    if not areas and "areas" not in errors:
        errors["areas"] = [_("至少选择一个服务区域")]
    items = list(ServiceItem.objects.filter(code__in=data.get("items") or [], active=True))
    if not items:
        errors["items"] = [_("至少选择一个服务项目")]
    elif kind and any(kind not in i.deliverers for i in items):
        bad = "、".join(i.name for i in items if kind not in i.deliverers)
        errors["items"] = [_("该类型不能提供：%(items)s") % {"items": bad}]
    work_days = "".join(sorted(set(str(data.get("work_days") or "")) & set("1234567")))
    if not work_days:
        errors["work_days"] = [_("至少选择一个工作日")]
    start = _time(data.get("work_start"), "work_start", errors)
    end = _time(data.get("work_end"), "work_end", errors)
    if start and end and start >= end:
        errors["work_end"] = [_("下班时间应晚于上班时间")]
    try:
        capacity = int(data.get("daily_capacity") or 0)
        if not 1 <= capacity <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors["daily_capacity"] = [_("每日接单上限应为 1 到 1000")]
        capacity = 1
    lat = lng = None
    try:
        lat = _coordinate(data.get("latitude"), "latitude", -90, 90)
        lng = _coordinate(data.get("longitude"), "longitude", -180, 180)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    quals = []
    for i, q in enumerate(data.get("qualifications") or []):
        if not q.get("kind"):
            continue
        if q["kind"] not in QualificationKind.values:
            errors[f"qualifications.{i}.kind"] = [_("资质类型无效")]
            continue
        expires = q.get("expires_on")
        if isinstance(expires, str):
            expires = _date(expires, f"qualifications.{i}.expires_on", errors)
        quals.append((q["kind"], (q.get("number") or "").strip()[:60], expires))
    person = None
    if kind == ProviderKind.VOLUNTEER:
        person = data.get("person")
        if person is None:
            errors["person"] = [_("志愿者个人须关联本人")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        new = provider is None
        provider = provider or Provider(created_by=actor)
        provider.name, provider.kind, provider.person = name, kind, person
        provider.region, provider.region_path = region, region.path
        provider.phone = (data.get("phone") or "").strip()[:20]
        provider.address = (data.get("address") or "").strip()[:200]
        provider.latitude, provider.longitude = lat, lng
        provider.work_days, provider.work_start, provider.work_end = work_days, start, end
        provider.daily_capacity = capacity
        provider.active = bool(data.get("active", True))
        provider.save()
        provider.items.set(items)
        provider.areas.set(areas)
        if "qualifications" in data:
            provider.qualifications.all().delete()
            Qualification.objects.bulk_create(
                Qualification(provider=provider, kind=k, number=n, expires_on=e)
                for k, n, e in quals
            )
        if "users" in data:
            provider.users.set(data["users"])
        audit.record(
            actor=actor,
            action="service.provider_create" if new else "service.provider_update",
            obj=provider,
            detail={"items": [i.code for i in items], "areas": [a.code for a in areas]},
            request=request,
        )
    return provider


def _time(value, field: str, errors: dict):
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value or ""))
    except ValueError:
        errors[field] = [_("时间格式应为 时:分")]
        return None


def _date(value: str, field: str, errors: dict):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("日期格式应为 YYYY-MM-DD")]
        return None
