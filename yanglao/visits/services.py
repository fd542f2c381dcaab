"""Recording visits (巡视探访) and handling what they find: validated, one transaction,
audited. A form sent twice from a phone (the same ``client_key``) is recorded once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.core.uploads import image_ok
from yanglao.elders.models import ElderStatus
from yanglao.policy.selectors import lookup_param
from yanglao.regions.models import Region

from . import pairing, schedule
from .models import (
    FINDING_RANK,
    Finding,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Visit,
    VisitMethod,
)

DEFAULT_ITEMS = ["health", "mental_state", "safety", "hygiene", "living_environment"]
DEFAULT_LABELS = ["健康状况", "精神状态", "安全情况", "卫生环境", "居住环境"]
PHOTO_MAX_BYTES = 5 * 1024 * 1024
OFFICERS = pairing.PAIRING_WRITERS


def check_items(region: Region, on: dt.date | None = None) -> list[tuple[str, str]]:
    items = lookup_param("visit.check_items", "check_items", region, on, None) or DEFAULT_ITEMS
    labels = lookup_param("visit.check_items", "check_item_labels", region, on, None)
    if not labels or len(labels) != len(items):
        labels = [dict(zip(DEFAULT_ITEMS, DEFAULT_LABELS, strict=True)).get(i, i) for i in items]
    return list(zip(items, labels, strict=True))


def allowed_methods(region: Region, on: dt.date | None = None) -> list[str]:
    methods = lookup_param("visit.methods", "methods", region, on, None) or VisitMethod.values
    return [m for m in methods if m in VisitMethod.values]


def _photo_ok(photo) -> bool:
    return image_ok(photo, max_bytes=PHOTO_MAX_BYTES)


def _coordinate(value, low: int, high: int):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return "bad"
    return number if low <= number <= high else "bad"


def may_record(actor, elder, today: dt.date) -> bool:
    if actor.role == Role.VISITOR:
        return any(v.user_id == actor.pk for v in pairing.visitors_of(elder, today))
    return actor.role in OFFICERS and in_subtree(elder.region_path, actor.region.path)


def visit_record(
    *,
    actor,
    elder,
    method: str,
    visited_at: dt.datetime | None,
    checks: dict[str, Any],
    note: str = "",
    visitor=None,
    photo=None,
    latitude=None,
    longitude=None,
    client_key: str | None = None,
    request=None,
    now: dt.datetime | None = None,
) -> Visit:
    client_key = (client_key or "").strip() or None
    if client_key:
        first = Visit.objects.filter(client_key=client_key).first()
        if first is not None:
            if first.recorded_by_id != actor.pk:
                raise Conflict(
                    _("该提交编号已被使用"), fields={"client_key": [_("请重新打开表单")]}
                )
            return first  # the same form sent again: recorded once
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if elder.status != ElderStatus.ACTIVE or not may_record(actor, elder, today):
        raise Forbidden(_("您不能为这位老人记录探访（未结对或不在管辖范围内）"))
    region = elder.region
    errors: dict[str, list[str]] = {}
    if method not in allowed_methods(region, today):
        errors["method"] = [_("请选择有效的探访方式")]
    if visited_at is None:
        errors["visited_at"] = [_("请填写探访时间")]
    else:
        if timezone.is_naive(visited_at):
            visited_at = timezone.make_aware(visited_at)
        backfill = int(lookup_param("visit.backfill_days", "days", region, today, 7))
        if visited_at > now + dt.timedelta(minutes=5):
            errors["visited_at"] = [_("探访时间不能晚于现在")]
        elif visited_at < now - dt.timedelta(days=backfill):
            errors["visited_at"] = [
                _("只能补录 %(n)s 天内的探访") % {"n": backfill},
            ]
    items = check_items(region, today)
    clean: dict[str, dict[str, str]] = {}
    checks = checks if isinstance(checks, dict) else {}
    for code, label in items:
        entry = checks.get(code) or {}
        if not isinstance(entry, dict):
            entry = {"level": entry}
        level = str(entry.get("level") or "")
        text = str(entry.get("note") or "").strip()[:500]
        if level not in Finding.values:
            errors[f"checks.{code}"] = [_("请为“%(item)s”选择正常、关注或紧急") % {"item": label}]
        elif level != Finding.FINE and not text:
            errors[f"checks.{code}"] = [
                _("“%(item)s”有关注或紧急情况，请写明情况") % {"item": label}
            ]
        clean[code] = {"level": level, "note": text}
    unknown = set(checks) - {c for c, _label in items}
    if unknown:
        errors["checks"] = [_("未知的检查项：%(x)s") % {"x": "、".join(sorted(unknown))}]
    lat = _coordinate(latitude, -90, 90)
    lng = _coordinate(longitude, -180, 180)
    if lat == "bad":
        errors["latitude"] = [_("纬度应为 -90 到 90 之间的数")]
    if lng == "bad":
        errors["longitude"] = [_("经度应为 -180 到 180 之间的数")]
    if photo is not None and not _photo_ok(photo):
        errors["photo"] = [_("照片须为 JPEG 或 PNG 图片，且不超过 5 MB")]
    if client_key and len(client_key) > 64:
        errors["client_key"] = [_("提交编号最多 64 个字符")]
    if errors:
        raise ValidationFailed(fields=errors)
    if visitor is None and actor.role == Role.VISITOR:
        visitor = pairing.visitor_for_user(actor)
    worst = max((c["level"] for c in clean.values()), key=lambda x: FINDING_RANK[x])
    local = timezone.localtime(visited_at)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                elder=elder,
                region_path=elder.region_path,
                visitor=visitor,
                method=method,
                visited_at=visited_at,
                week_start=schedule.week_start(local.date()),
                checks=clean,
                worst=worst,
                note=(note or "").strip()[:2000],
                photo=photo or "",
                latitude=lat,
                longitude=lng,
                client_key=client_key,
                recorded_by=actor,
            )
            follow_ups = _follow_ups(actor, visit, items, today, now)
            schedule.visit_counted(elder, visited_at, today)
            audit.record(
                actor=actor,
                action="visit.record",
                obj=visit,
                region=region,
                detail={"method": method, "worst": worst, "follow_ups": follow_ups},
                request=request,
            )
    except IntegrityError:
        if client_key:
            first = Visit.objects.filter(client_key=client_key).first()
            if first is not None:
                return first
        raise
    if worst != Finding.FINE:
        from yanglao.elders.risk import refresh_risk

        refresh_risk(elder)
    return visit


def _follow_ups(actor, visit: Visit, items, today: dt.date, now: dt.datetime) -> int:
    """Every concern or urgent finding becomes a follow-up; an urgent one an alert too."""
    from yanglao.alerts.services import alert_raise

    region = visit.elder.region
    due_days = int(lookup_param("visit.follow_up", "concern_due_days", region, today, 3))
    service_items = set(
        lookup_param("visit.follow_up", "service_request_items", region, today, []) or []
    )
    labels = dict(items)
    lead = pairing.lead_visitor(visit.elder, today)
    assignee = lead.user if lead is not None and lead.user_id else None
    made = 0
    for code, entry in visit.checks.items():
        level = entry["level"]
        if level == Finding.FINE:
            continue
        label = labels.get(code, code)
        description = f"{label}：{entry['note']}"
        alert = None
        if level == Finding.URGENT:
            kind = FollowUpKind.ALERT
            alert = alert_raise(
                elder=visit.elder,
                source="visit",
                level="urgent",
                title=_("探访发现紧急情况：%(item)s") % {"item": label},
                detail=description,
                visit=visit,
                actor=actor,
                now=now,
            )
            due = today
        else:
            kind = FollowUpKind.SERVICE_REQUEST if code in service_items else FollowUpKind.TASK
            due = today + dt.timedelta(days=due_days)
        FollowUp.objects.create(
            elder=visit.elder,
            region_path=visit.region_path,
            visit=visit,
            kind=kind,
            item=code,
            level=level,
            description=description,
            assignee=assignee,
            due_on=due,
            alert=alert,
            created_by=actor,
        )
        made += 1
    return made


def follow_up_close(*, actor, follow_up: FollowUp, result: str, request=None) -> FollowUp:
    result = (result or "").strip()
    if not result:
        raise ValidationFailed(fields={"result": [_("请填写办理结果")]})
    if follow_up.status != FollowUpStatus.OPEN:
        raise Conflict(_("该事项已办结"))
    allowed = follow_up.assignee_id == actor.pk or (
        actor.role in OFFICERS and in_subtree(follow_up.region_path, actor.region.path)
    )
    if not allowed:
        raise Forbidden(_("您无权办理该事项"))
    with transaction.atomic():
        follow_up.status = FollowUpStatus.DONE
        follow_up.result = result[:2000]
        follow_up.done_at = timezone.now()
        follow_up.done_by = actor
        follow_up.save(update_fields=["status", "result", "done_at", "done_by"])
        audit.record(
            actor=actor,
            action="follow_up.close",
            obj=follow_up,
            region=follow_up.elder.region,
            request=request,
        )
    return follow_up
