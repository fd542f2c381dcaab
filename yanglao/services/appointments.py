"""Hospital appointments (预约挂号) booked for an elder as part of a 助医 order, through
the hospital adapter (``hospital.py``).

The elder's ID number is needed for a real-name booking: it is decrypted only to be
handed to the adapter, and never written to the audit, the logs or a page. The booking
is made at the hospital first and recorded here after; when recording fails the
booking is cancelled again, so the hospital's books and ours agree.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS
from yanglao.core import audit
from yanglao.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Outcome
from yanglao.core.scope import get_in_scope, in_subtree, scoped
from yanglao.elders.models import Elder, ElderStatus
from yanglao.elders.selectors import search_q
from yanglao.people.services import reveal_id
from yanglao.regions.models import Region

from . import hospital
from .models import Appointment, AppointmentStatus, Help, Order, OrderStatus

# Officers book, cancel and close appointments in their region.
APPOINTMENT_OFFICERS = VISIT_OFFICERS
# Orders that may still get an appointment: everything but cancelled and rated.
BOOKABLE_STATUSES = (
    OrderStatus.REQUESTED,
    OrderStatus.ASSIGNED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.DONE,
)

log = logging.getLogger("yanglao.services.appointments")


def adapter() -> hospital.HospitalAdapter:
    return hospital.adapter()


def hospital_error(error: hospital.HospitalError) -> DomainError:
    """An adapter's refusal as the message an officer reads."""
    if isinstance(error, hospital.SlotTaken):
        return Conflict(
            _("该时段已被预约，请选择其他时段"),
            code="slot_taken",
            fields={"starts_at": [_("该时段已被预约")]},
        )
    if isinstance(error, hospital.UnknownHospital):
        return ValidationFailed(fields={"hospital_code": [_("医院不存在或不接受预约")]})
    if isinstance(error, hospital.UnknownDepartment):
        return ValidationFailed(
            fields={"department_code": [_("该医院没有这个科室或科室不接受预约")]}
        )
    if isinstance(error, hospital.SlotUnavailable):
        return ValidationFailed(fields={"starts_at": [_("不是可预约的时段，请从可选时段中选择")]})
    if isinstance(error, hospital.PatientRejected):
        return ValidationFailed(
            fields={"elder": [_("医院实名挂号需要老人的姓名和身份证号，请先在档案中补全")]}
        )
    if isinstance(error, hospital.BookingNotFound):
        return Conflict(_("医院系统中找不到这个挂号单"), code="booking_not_found")
    return Conflict(_("医院系统暂时无法办理，请稍后重试或电话预约"), code="hospital_unavailable")


def can_book(user, order: Order) -> bool:
    """Whether the booking form shows on an order's page."""
    return (
        getattr(user, "role", None) in APPOINTMENT_OFFICERS
        and order.item.help == Help.MEDICAL
        and order.status in BOOKABLE_STATUSES
        and in_subtree(order.region_path, user.region.path)
    )


def _officer_in_scope(actor, region_path: str) -> None:
    if not in_subtree(region_path, actor.region.path):
        raise NotFound()
    if actor.role not in APPOINTMENT_OFFICERS:
        raise Forbidden(_("只有民政、乡镇和村(社区)工作人员可以办理预约挂号"))


# ------------------------------------------------------------------ reads


def hospitals_for(user, region_code: str | None = None) -> list[hospital.Hospital]:
    """Hospitals serving a region in the user's scope (default: the user's region)."""
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    try:
        return adapter().hospitals(region)
    except hospital.HospitalError as error:
        raise hospital_error(error) from error


def hospital_in_scope(user, hospital_code: str, region: Region | None = None) -> hospital.Hospital:
    """A hospital that serves ``region`` (default the user's region), else NotFound."""
    for item in hospitals_for(user) if region is None else adapter().hospitals(region):
        if item.code == hospital_code:
            return item
    if getattr(user, "is_authenticated", False):
        audit.record(
            actor=user,
            action="access.out_of_scope",
            outcome=Outcome.DENIED,
            detail={"model": "Hospital", "lookup": {"code": str(hospital_code)[:40]}},
        )
    raise NotFound(_("医院不存在或不在您的辖区服务范围内"))


def departments_for(user, hospital_code: str) -> list[hospital.Department]:
    hospital_in_scope(user, hospital_code)
    try:
        return adapter().departments(hospital_code)
    except hospital.HospitalError as error:
        raise hospital_error(error) from error


def free_slots(user, hospital_code: str, department_code: str, day: dt.date) -> list[dt.datetime]:
    hospital_in_scope(user, hospital_code)
    try:
        return adapter().slots(hospital_code, department_code, day)
    except hospital.HospitalError as error:
        raise hospital_error(error) from error


def appointments_for(
    user, *, status: str = "", q: str = "", upcoming: bool = False, now: dt.datetime | None = None
) -> QuerySet[Appointment]:
    """Appointments of the elders in the user's region (officers)."""
    if getattr(user, "role", None) not in APPOINTMENT_OFFICERS:
        return Appointment.objects.none()
    qs = scoped(Appointment.objects.all(), user, path_lookup="region_path")
    if status:
        qs = qs.filter(status=status)
    if upcoming:
        qs = qs.filter(starts_at__gte=now or timezone.now())
    if q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(elder__in=Elder.objects.filter(search_q(text)).values("pk"))
            | Q(hospital_name__contains=text)
            | Q(department_name__contains=text)
            | Q(order__number=text)
        )
    order = ("starts_at", "pk") if upcoming else ("-starts_at", "-pk")
    return qs.select_related("elder__person", "order").order_by(*order)


def appointment_get(user, pk: int) -> Appointment:
    if getattr(user, "role", None) not in APPOINTMENT_OFFICERS:
        raise NotFound()
    return get_in_scope(
        Appointment.objects.select_related("elder__person", "order__item"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def order_get(user, pk: int) -> Order:
    """A 助医 order an officer may book for (in scope), else NotFound."""
    if getattr(user, "role", None) not in APPOINTMENT_OFFICERS:
        raise NotFound()
    return get_in_scope(
        Order.objects.select_related("elder__person", "elder__region", "item"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def appointments_of_order(order: Order) -> list[Appointment]:
    """An order's appointments, newest first (the order page's ``_appointments.html``)."""
    return list(order.appointments.select_related("booked_by").order_by("-starts_at", "-pk"))


for_order = appointments_of_order


def appointments_of_elder(user, elder) -> list[Appointment]:
    """The elder file's section (``services/_elder_appointments.html``)."""
    return list(
        appointments_for(user)
        .filter(elder=elder)
        .select_related("order")
        .order_by("-starts_at", "-pk")[:50]
    )


# ------------------------------------------------------------------ writes


def appointment_book(
    *,
    actor,
    order: Order,
    hospital_code: str,
    department_code: str,
    starts_at: dt.datetime | None,
    doctor_name: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> Appointment:
    """预约挂号: book a slot at a hospital for the elder of a 助医 order."""
    _officer_in_scope(actor, order.region_path)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if order.item.help != Help.MEDICAL:
        errors["order"] = [_("只有助医工单可以预约挂号")]
    elif order.status not in BOOKABLE_STATUSES:
        errors["order"] = [_("工单已取消或已评价，不能再预约挂号")]
    elder = order.elder
    if elder.status != ElderStatus.ACTIVE:
        errors["elder"] = [_("该老人档案不在册（已迁出或已故）")]
    if not hospital_code:
        errors["hospital_code"] = [_("请选择医院")]
    if not department_code:
        errors["department_code"] = [_("请选择科室")]
    if starts_at is None:
        errors["starts_at"] = [_("请选择就诊时段")]
    else:
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        if starts_at <= now:
            errors["starts_at"] = [_("就诊时段已过，请选择以后的时段")]
    doctor_name = (doctor_name or "").strip()
    if len(doctor_name) > 30:
        errors["doctor_name"] = [_("医生姓名最多 30 个字符")]
    if errors:
        raise ValidationFailed(fields=errors)
    found = hospital_in_scope(actor, hospital_code, region=elder.region)
    his = adapter()
    try:
        department = next(
            (d for d in his.departments(hospital_code) if d.code == department_code), None
        )
        if department is None:
            raise hospital.UnknownDepartment(department_code)
        patient = hospital.Patient(
            name=elder.person.name,
            id_number=reveal_id(elder.person),
            phone=elder.person.phone,
        )
        ref = his.book(hospital_code, department_code, starts_at, patient)
    except hospital.HospitalError as error:
        raise hospital_error(error) from error
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                order=order,
                elder=elder,
                region_path=order.region_path,
                hospital_code=found.code,
                hospital_name=found.name,
                department_code=department.code,
                department_name=department.name,
                doctor_name=doctor_name,
                starts_at=starts_at,
                external_ref=ref,
                booked_by=actor,
            )
            audit.record(
                actor=actor,
                action="appointment.book",
                obj=appointment,
                region=elder.region,
                detail={
                    "order": order.number,
                    "hospital": found.code,
                    "department": department.code,
                    "starts_at": starts_at.isoformat(),
                    "external_ref": ref,
                    # the ID number went to the hospital system, and nowhere else
                    "patient_id_number_sent": True,
                },
                request=request,
            )
    except Exception:
        try:
            his.cancel(ref)
        except hospital.HospitalError:
            log.warning("booking %s made but not recorded, and could not be cancelled", ref)
        raise
    return appointment


def appointment_cancel(
    *, actor, appointment: Appointment, reason: str, request=None
) -> Appointment:
    """Cancel at the hospital (the slot is free again) and here, with a reason."""
    _officer_in_scope(actor, appointment.region_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写取消原因")]})
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("只有已预约的挂号可以取消"))
    note = ""
    try:
        adapter().cancel(appointment.external_ref)
    except hospital.BookingNotFound:
        note = "not found at the hospital"  # cancelled there already: record it here too
    except hospital.HospitalError as error:
        raise hospital_error(error) from error
    with transaction.atomic():
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancel_reason = reason[:200]
        appointment.save(update_fields=["status", "cancel_reason"])
        audit.record(
            actor=actor,
            action="appointment.cancel",
            obj=appointment,
            region=appointment.elder.region,
            detail={"external_ref": appointment.external_ref, "reason": reason, "note": note},
            request=request,
        )
    return appointment


def appointment_attended(
    *, actor, appointment: Appointment, request=None, today: dt.date | None = None
) -> Appointment:
    """The elder went to the appointment (就诊), recorded on or after its day."""
    _officer_in_scope(actor, appointment.region_path)
    today = today or timezone.localdate()
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("只有已预约的挂号可以标记为已就诊"))
    if timezone.localdate(appointment.starts_at) > today:
        raise Conflict(_("还没到就诊日期"))
    with transaction.atomic():
        appointment.status = AppointmentStatus.ATTENDED
        appointment.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="appointment.attended",
            obj=appointment,
            region=appointment.elder.region,
            detail={"external_ref": appointment.external_ref},
            request=request,
        )
    return appointment
