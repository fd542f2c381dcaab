"""Alert, check-in and device pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import get_in_scope, scoped

from . import checkins, devices, selectors, services
from .models import (
    AlertLevel,
    AlertSource,
    AlertStatus,
    CheckInMethod,
    CheckInPlan,
    Device,
    DeviceKind,
)

OFFICERS = services.ALERT_HANDLERS
EVERYONE = OFFICERS | {Role.VISITOR}

# "导出 Excel" of the lists: their own scoped querysets with their filters.
ALERT_COLUMNS = [
    Column(gettext_lazy("发生时间"), lambda a: a.raised_at, 18),
    Column(gettext_lazy("老人"), lambda a: a.elder.person.name),
    Column(gettext_lazy("村(社区)"), lambda a: a.elder.region.name, 20),
    Column(gettext_lazy("级别"), lambda a: a.get_level_display()),
    Column(gettext_lazy("来源"), lambda a: a.get_source_display()),
    Column(gettext_lazy("摘要"), lambda a: a.title, 30),
    Column(gettext_lazy("状态"), lambda a: a.get_status_display()),
    Column(gettext_lazy("当前责任方"), lambda a: services.step_label(a.step_name)),
    Column(gettext_lazy("确认时间"), lambda a: a.acknowledged_at, 18),
    Column(gettext_lazy("解除时间"), lambda a: a.resolved_at, 18),
]
DEVICE_COLUMNS = [
    Column(gettext_lazy("设备编号"), lambda d: d.serial, 20),
    Column(gettext_lazy("类型"), lambda d: d.get_kind_display()),
    Column(gettext_lazy("老人"), lambda d: d.elder.person.name),
    Column(gettext_lazy("村(社区)"), lambda d: d.elder.region.name, 20),
    Column(gettext_lazy("启用"), lambda d: d.active),
    Column(gettext_lazy("最近上报"), lambda d: d.last_reading_at, 18),
]


def _elder_from(user, raw: str | None):
    """The elder a form names by file number, through the registry's scoped selector
    (a number outside the user's scope is audited and answered as unknown)."""
    from yanglao.elders.selectors import elder_get

    if not (raw or "").strip().isdigit():
        return None
    try:
        return elder_get(user, int(raw))
    except DomainError:
        return None


@role_required(EVERYONE)
def alert_list(request):
    status = request.GET.get("status", "unresolved")
    level = request.GET.get("level", "")
    source = request.GET.get("source", "")
    region_code = request.GET.get("region", "").strip()[:15]
    try:
        since = dt.date.fromisoformat(request.GET.get("since", "").strip() or "x")
    except ValueError:
        since = None
    qs = selectors.alerts_for(
        request.user,
        status=status,
        level=level,
        source=source,
        region_code=region_code,
        since=since,
    )
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("告警"),
            filename="alerts",
            columns=ALERT_COLUMNS,
            rows=qs.select_related("elder__person", "elder__region"),
            object_type="Alert",
        )
    page = paginate(request, qs)
    now = timezone.now()
    rows = [
        {"a": a, "overdue": services.is_overdue(a, now), "step": services.step_label(a.step_name)}
        for a in page.object_list
    ]
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "level": level,
            "source": source,
            "statuses": [("unresolved", _("未解除")), *AlertStatus.choices],
            "levels": AlertLevel.choices,
            "sources": AlertSource.choices,
            "region_code": region_code,
            "since": since,
            "step_label": services.step_label,
            "qs": query_without_page(request),
        },
    )


@role_required(EVERYONE)
def alert_detail(request, pk: int):
    try:
        alert = selectors.alert_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    error_message = ""
    if request.method == "POST":
        action = request.POST.get("action")
        note = request.POST.get("note", "")
        handlers = {
            "acknowledge": services.acknowledge,
            "act": services.start_action,
            "resolve": services.resolve,
            "note": services.add_note,
        }
        handler = handlers.get(action)
        if handler is None:
            error_message = _("未知的操作")
        else:
            try:
                handler(actor=request.user, alert=alert, note=note, request=request)
            except DomainError as error:
                record_refusal(request, error)
                error_message = error_text(error)
            else:
                messages.success(request, _("已记录"))
                return redirect("alerts:detail", alert.pk)
    chain = [
        {"name": s["name"], "label": services.step_label(s["name"]), "minutes": s["minutes"]}
        for s in alert.chain
    ]
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "events": alert.events.select_related("actor"),
            "chain": chain,
            "overdue": services.is_overdue(alert),
            "can_handle": services.can_handle(request.user, alert),
            "error_message": error_message,
            "step_label": services.step_label(alert.step_name),
        },
        status=422 if error_message else 200,
    )


@role_required(EVERYONE)
def checkin_today(request):
    rows = checkins.today_list(request.user)
    return render(
        request,
        "alerts/checkins.html",
        {
            "rows": rows,
            "methods": CheckInMethod.choices,
            "can_plan": request.user.role in OFFICERS,
            "errors": {},
            "values": {},
        },
    )


@require_POST
@role_required(EVERYONE)
def checkin_confirm(request, plan_id: int):
    plan = (
        scoped(
            CheckInPlan.objects.select_related("elder__region"),
            request.user,
            path_lookup="region_path",
        )
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        return error_response(request, NotFound())
    try:
        checkins.check_in(
            plan=plan,
            actor=request.user,
            fine=request.POST.get("fine", "1") == "1",
            note=request.POST.get("note", ""),
            request=request,
        )
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已签到：%(n)s 平安") % {"n": plan.elder.person.name})
    return redirect("alerts:checkins")


@require_POST
@role_required(OFFICERS)
def checkin_plan(request):
    values = request.POST
    elder = _elder_from(request.user, values.get("elder"))
    errors: dict = {}
    if elder is None:
        errors["elder"] = [_("请填写本辖区老人的档案编号")]
    else:
        try:
            deadline = dt.time.fromisoformat(values.get("deadline") or "")
        except ValueError:
            deadline = None
        try:
            checkins.plan_create(
                actor=request.user,
                elder=elder,
                method=values.get("method", ""),
                deadline=deadline,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
    if not errors:
        messages.success(request, _("已安排每日签到"))
        return redirect("alerts:checkins")
    return render(
        request,
        "alerts/checkins.html",
        {
            "rows": checkins.today_list(request.user),
            "methods": CheckInMethod.choices,
            "can_plan": True,
            "errors": errors,
            "values": values,
        },
        status=422,
    )


@role_required(OFFICERS)
def device_list(request):
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("智能设备"),
            filename="devices",
            columns=DEVICE_COLUMNS,
            rows=selectors.devices_for(request.user).select_related(
                "elder__person", "elder__region"
            ),
            object_type="Device",
        )
    page = paginate(request, selectors.devices_for(request.user))
    secret = None
    errors: dict = {}
    values = {}
    if request.method == "POST":
        values = request.POST
        elder = _elder_from(request.user, values.get("elder"))
        if elder is None:
            errors["elder"] = [_("请填写本辖区老人的档案编号")]
        else:
            try:
                device, secret = devices.device_register(
                    actor=request.user,
                    elder=elder,
                    kind=values.get("kind", ""),
                    serial=values.get("serial", ""),
                    request=request,
                )
            except DomainError as error:
                record_refusal(request, error)
                errors = error.fields or {"__all__": [error_text(error)]}
            else:
                secret = {"serial": device.serial, "secret": secret}
                page = paginate(request, selectors.devices_for(request.user))
                values = {}
    return render(
        request,
        "alerts/devices.html",
        {
            "page": page,
            "kinds": DeviceKind.choices,
            "secret": secret,
            "errors": errors,
            "values": values,
            "qs": query_without_page(request),
        },
        status=422 if errors else 200,
    )


@role_required(OFFICERS)
def device_detail(request, pk: int):
    try:
        device = get_in_scope(
            Device.objects.select_related("elder__person"),
            request.user,
            path_lookup="region_path",
            pk=pk,
        )
    except DomainError as error:
        return error_response(request, error)
    return render(
        request,
        "alerts/device.html",
        {
            "device": device,
            "readings": device.readings.order_by("-at", "-id")[:50],
            "alerts": device.alerts.order_by("-raised_at")[:20],
            "rule": devices.water_rule(device) if device.kind == DeviceKind.WATER_METER else None,
        },
    )
