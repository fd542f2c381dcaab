"""Daily check-ins (敲门行动, 亮灯行动, 窗帘之约): someone confirms each day that an elder
living alone is fine; a day without a confirmation by the deadline raises an alert."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.elders.models import ElderStatus, LivingSituation

from .models import AlertLevel, AlertSource, CheckIn, CheckInMethod, CheckInPlan
from .services import ALERT_HANDLERS, alert_raise, may_act_for


def plan_create(
    *,
    actor,
    elder,
    method: str,
    deadline: dt.time | None,
    starts_on: dt.date | None = None,
    confirmer=None,
    request=None,
) -> CheckInPlan:
    if actor.role not in ALERT_HANDLERS or not in_subtree(elder.region_path, actor.region.path):
        raise Forbidden(_("您不能为这位老人安排每日签到"))
    errors = {}
    if elder.status != ElderStatus.ACTIVE:
        errors["elder"] = [_("老人档案不在册")]
    elif elder.living_situation != LivingSituation.ALONE:
        errors["elder"] = [_("每日签到只为独居老人安排（档案居住情况须为独居）")]
    if method not in CheckInMethod.values:
        errors["method"] = [_("请选择签到方式")]
    if deadline is None:
        errors["deadline"] = [_("请填写每日截止时间")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        plan = CheckInPlan.objects.create(
            elder=elder,
            region_path=elder.region_path,
            method=method,
            confirmer=confirmer,
            deadline=deadline,
            starts_on=starts_on or timezone.localdate(),
            created_by=actor,
        )
        audit.record(
            actor=actor, action="checkin.plan", obj=plan, region=elder.region, request=request
        )
    return plan


def check_in(
    *,
    plan: CheckInPlan,
    day: dt.date | None = None,
    fine: bool = True,
    note: str = "",
    actor=None,
    device=None,
    now: dt.datetime | None = None,
    request=None,
) -> CheckIn:
    now = now or timezone.now()
    day = day or timezone.localtime(now).date()
    if actor is not None and device is None and not may_act_for(actor, plan.elder):
        raise Forbidden(_("您不能为这位老人签到"))
    if not plan.active:
        raise ValidationFailed(fields={"plan": [_("该签到安排已停用")]})
    if not fine and not (note or "").strip():
        raise ValidationFailed(fields={"note": [_("老人情况不好时请写明情况")]})
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                plan=plan,
                day=day,
                at=now,
                fine=fine,
                note=(note or "")[:200],
                by_user=actor,
                by_device=device,
            )
            if actor is not None:
                audit.record(
                    actor=actor,
                    action="checkin.record",
                    obj=checkin,
                    region=plan.elder.region,
                    detail={"fine": fine},
                    request=request,
                )
    except IntegrityError:
        raise Conflict(_("今天已签到")) from None
    if not fine:
        alert_raise(
            elder=plan.elder,
            source=AlertSource.MANUAL,
            level=AlertLevel.URGENT,
            title=_("每日签到反馈老人情况异常"),
            detail=note,
            dedupe_key=f"checkin_bad:{plan.pk}:{day}",
            actor=actor,
            now=now,
        )
    return checkin


def raise_missed(now: dt.datetime | None = None) -> int:
    """One alert per active plan whose deadline today has passed without a check-in."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    done = CheckIn.objects.filter(plan=OuterRef("pk"), day=today)
    plans = (
        CheckInPlan.objects.filter(active=True, starts_on__lte=today, deadline__lt=local.time())
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(~Exists(done), elder__status=ElderStatus.ACTIVE)
        .select_related("elder__person", "elder__region")
    )
    raised = 0
    for plan in plans:
        alert_raise(
            elder=plan.elder,
            source=AlertSource.CHECKIN_MISSED,
            level=AlertLevel.URGENT,
            title=_("今日未按时签到（%(m)s，截止 %(t)s）")
            % {"m": plan.get_method_display(), "t": plan.deadline.strftime("%H:%M")},
            dedupe_key=f"checkin:{plan.pk}:{today}",
            now=now,
        )
        raised += 1
    return raised


def today_list(user, now: dt.datetime | None = None) -> list[dict]:
    from yanglao.core.scope import scoped

    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    plans = (
        scoped(CheckInPlan.objects.filter(active=True), user, path_lookup="region_path")
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("elder__person", "confirmer")
        .order_by("deadline", "id")
    )
    done = {c.plan_id: c for c in CheckIn.objects.filter(plan__in=[p.pk for p in plans], day=today)}
    rows = []
    for plan in plans:
        checkin = done.get(plan.pk)
        state = "done" if checkin else ("missed" if plan.deadline < local.time() else "waiting")
        rows.append({"plan": plan, "checkin": checkin, "state": state})
    return rows
