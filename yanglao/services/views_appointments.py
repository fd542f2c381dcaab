"""Hospital appointment pages (预约挂号): the officers' list, the booking form of a 助医
order (hospital, department, day, then the free slots loaded by htmx), cancel and
attended. The order page includes ``services/_appointments.html``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page

from . import appointments, hospital
from .models import AppointmentStatus

OFFICERS = appointments.APPOINTMENT_OFFICERS


def _next(request, order_id: int) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("services:order", args=[order_id])


APPOINTMENT_COLUMNS = [
    Column(gettext_lazy("就诊时间"), lambda a: a.starts_at, 18),
    Column(gettext_lazy("老人"), lambda a: a.elder.person.name),
    Column(gettext_lazy("医院"), lambda a: a.hospital_name, 24),
    Column(gettext_lazy("科室"), lambda a: a.department_name),
    Column(gettext_lazy("医生"), lambda a: a.doctor_name),
    Column(gettext_lazy("挂号单号"), lambda a: a.external_ref, 20),
    Column(gettext_lazy("状态"), lambda a: a.get_status_display()),
    Column(gettext_lazy("助医工单"), lambda a: a.order.number, 18),
]


@role_required(OFFICERS)
def appointment_list(request):
    g = request.GET
    status = g.get("status", AppointmentStatus.BOOKED)
    if status not in (*AppointmentStatus.values, ""):
        status = AppointmentStatus.BOOKED
    upcoming = g.get("upcoming", "1") == "1"
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("预约挂号"),
            filename="appointments",
            columns=APPOINTMENT_COLUMNS,
            rows=appointments.appointments_for(
                request.user, status=status, q=g.get("q", ""), upcoming=upcoming
            ).select_related("elder__person", "order"),
            object_type="Appointment",
        )
    page = paginate(
        request,
        appointments.appointments_for(
            request.user, status=status, q=g.get("q", ""), upcoming=upcoming
        ),
    )
    return render(
        request,
        "services/appointment_list.html",
        {
            "page": page,
            "status": status,
            "statuses": AppointmentStatus.choices,
            "upcoming": upcoming,
            "q": g.get("q", ""),
            "qs": query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _form_context(request, order, values=None, errors=None) -> dict:
    """The booking form: the hospitals serving the elder's village, the departments of
    the chosen one (the first by default) and the free slots of the chosen day."""
    values = values or {}
    hospitals = appointments.adapter().hospitals(order.elder.region)
    codes = [h.code for h in hospitals]
    hospital_code = values.get("hospital_code", "")
    if hospital_code not in codes:
        hospital_code = codes[0] if codes else ""
    departments = []
    if hospital_code:
        try:
            departments = appointments.adapter().departments(hospital_code)
        except hospital.HospitalError:
            departments = []
    department_code = values.get("department_code", "")
    if department_code not in [d.code for d in departments]:
        department_code = departments[0].code if departments else ""
    day = parse_date(values.get("day", "") or "") or _first_open_day()
    slots = _slots_context(request.user, hospital_code, department_code, day)
    return {
        "order": order,
        "hospitals": hospitals,
        "departments": departments,
        "values": {
            **values,
            "hospital_code": hospital_code,
            "department_code": department_code,
            "day": day.isoformat(),
        },
        "errors": errors or {},
        "today": timezone.localdate(),
        "last_day": timezone.localdate() + dt.timedelta(days=hospital.BOOKING_DAYS),
        "next": values.get("next", ""),
        **slots,
        "selected": values.get("starts_at", ""),
    }


def _slots_context(user, hospital_code: str, department_code: str, day: dt.date | None) -> dict:
    slots: list[dt.datetime] = []
    problem = ""
    if not (hospital_code and department_code and day):
        problem = _("请选择医院、科室和日期")
    else:
        try:
            slots = appointments.free_slots(user, hospital_code, department_code, day)
        except DomainError as error:
            problem = error_text(error)
        else:
            if not slots:
                problem = (
                    _("这一天不接受预约（节假日或周末），请换一天")
                    if not hospital.is_workday(day)
                    else _("这一天没有可预约的时段（已约满、已过或超出可约日期），请换一天")
                )
    return {"slots": [timezone.localtime(s) for s in slots], "problem": problem}


def _first_open_day() -> dt.date:
    day = timezone.localdate()
    if timezone.localtime().time() >= hospital.SLOT_TIMES[-1]:
        day += dt.timedelta(days=1)
    for _i in range(15):
        if hospital.is_workday(day):
            return day
        day += dt.timedelta(days=1)
    return day


@role_required(OFFICERS)
def appointment_book(request, order_id: int):
    """The booking form of an order (page, or the partial the order page loads), and the
    booking itself."""
    try:
        order = appointments.order_get(request.user, order_id)
    except DomainError as error:
        return error_response(request, error)
    values = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    if request.method == "POST":
        raw = values.get("starts_at", "")
        starts_at = parse_datetime(raw) if raw else None
        try:
            appointment = appointments.appointment_book(
                actor=request.user,
                order=order,
                hospital_code=values.get("hospital_code", ""),
                department_code=values.get("department_code", ""),
                starts_at=starts_at,
                doctor_name=values.get("doctor_name", ""),
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
            if "__all__" not in errors and error.message:
                errors["__all__"] = [error.message]
        else:
            messages.success(
                request,
                _("已预约：%(h)s %(d)s %(t)s，挂号单号 %(ref)s")
                % {
                    "h": appointment.hospital_name,
                    "d": appointment.department_name,
                    "t": timezone.localtime(appointment.starts_at).strftime("%m-%d %H:%M"),
                    "ref": appointment.external_ref,
                },
            )
            return redirect(_next(request, order.pk))
    context = _form_context(request, order, dict(values.items()), errors)
    context["can_book"] = appointments.can_book(request.user, order)
    partial = getattr(request, "htmx", False) and values.get("partial") == "form"
    template = "services/appointment_form.html" if partial else "services/appointment_book.html"
    return render(request, template, context, status=422 if errors else 200)


@role_required(OFFICERS)
def appointment_slots(request):
    """htmx: the free slots of a department on a day, as radio buttons."""
    g = request.GET
    context = _slots_context(
        request.user,
        g.get("hospital_code", ""),
        g.get("department_code", ""),
        parse_date(g.get("day", "") or ""),
    )
    return render(
        request, "services/appointment_slots.html", {**context, "selected": g.get("starts_at", "")}
    )


@require_POST
@role_required(OFFICERS)
def appointment_cancel(request, pk: int):
    try:
        appointment = appointments.appointment_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    try:
        appointments.appointment_cancel(
            actor=request.user,
            appointment=appointment,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("挂号已取消，号源已释放"))
    return redirect(_next(request, appointment.order_id))


@require_POST
@role_required(OFFICERS)
def appointment_attended(request, pk: int):
    try:
        appointment = appointments.appointment_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    try:
        appointments.appointment_attended(
            actor=request.user, appointment=appointment, request=request
        )
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已标记为已就诊"))
    return redirect(_next(request, appointment.order_id))


urlpatterns = [
    path("appointments/", appointment_list, name="appointment_list"),
    path("appointments/slots/", appointment_slots, name="appointment_slots"),
    path("appointments/book/<int:order_id>/", appointment_book, name="appointment_book"),
    path("appointments/<int:pk>/cancel/", appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/attended/", appointment_attended, name="appointment_attended"),
]
