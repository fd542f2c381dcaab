"""Hospital appointments (预约挂号): the stand-in hospital's books, booking in a 助医 order,
slot taken, cancel frees the slot, scope, pages and the API round trip."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from yanglao.core.errors import Conflict, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.people.services import reveal_id
from yanglao.services import appointments, hospital
from yanglao.services.models import Appointment, Order, ServiceItem, StandInSlot

HOSPITAL = "SI-141129-01"  # 中阳县人民医院
_numbers = itertools.count(1)


def next_workday() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while not hospital.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def slot_at(day: dt.date, hour: int = 8, minute: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def order_for(elder, item: str = "medical_escort", status: str = "requested") -> Order:
    service = ServiceItem.objects.get(code=item)
    return Order.objects.create(
        number=f"T{next(_numbers):06d}",
        elder=elder,
        region_path=elder.region_path,
        item=service,
        unit_price=service.price,
        amount=service.price,
        channel="phone",
        status=status,
        scheduled_for=timezone.now() + dt.timedelta(days=1),
        cancel_reason="x" if status == "cancelled" else "",
    )


def book(actor, order, starts_at, department="cardiology", **extra):
    return appointments.appointment_book(
        actor=actor,
        order=order,
        hospital_code=extra.pop("hospital_code", HOSPITAL),
        department_code=department,
        starts_at=starts_at,
        **extra,
    )


# ------------------------------------------------------------------ the stand-in


@pytest.mark.django_db
def test_the_stand_in_names_hospitals_of_the_city_county_and_township():
    from yanglao.regions.models import Region

    his = hospital.StandInHospital()
    names = [h.name for h in his.hospitals(Region.objects.get(code="141129101201"))]
    assert names[0] == "吕梁市人民医院"
    assert "中阳县人民医院" in names and "中阳县中医医院" in names
    assert names[-1].endswith("卫生院")
    county = [h.code for h in his.hospitals(Region.objects.get(code="141129"))]
    assert HOSPITAL in county and len(county) > 4  # every township's health centre
    assert {d.name for d in his.departments(HOSPITAL)} >= {"内科", "心内科", "骨科", "眼科"}
    assert "康复科" in {d.name for d in his.departments("SI-141129-02")}
    with pytest.raises(hospital.UnknownHospital):
        his.departments("SI-999999-01")


@pytest.mark.django_db
def test_slots_are_half_hourly_on_working_days_only():
    his = hospital.StandInHospital()
    day = next_workday()
    slots = his.slots(HOSPITAL, "internal", day)
    times = [timezone.localtime(s).strftime("%H:%M") for s in slots]
    assert times[0] == "08:00" and "11:30" in times and "14:00" in times and times[-1] == "16:30"
    assert "12:00" not in times and len(times) == 14
    holiday = day
    while hospital.is_workday(holiday):
        holiday += dt.timedelta(days=1)
    assert his.slots(HOSPITAL, "internal", holiday) == []
    with pytest.raises(hospital.UnknownDepartment):
        his.slots(HOSPITAL, "dentistry", day)
    patient = hospital.Patient("张桂兰", "141129194005011004")
    assert "141129194005011004" not in repr(patient)
    with pytest.raises(hospital.SlotUnavailable):
        his.book(HOSPITAL, "internal", slot_at(day, 12, 0), patient)
    with pytest.raises(hospital.SlotUnavailable):
        his.book(HOSPITAL, "internal", slot_at(holiday), patient)


# ------------------------------------------------------------------ booking


@pytest.mark.django_db
def test_an_officer_books_a_slot_for_a_medical_order(county, elder_of):
    elder = elder_of()
    order = order_for(elder)
    starts = slot_at(next_workday())
    appointment = book(county, order, starts, doctor_name="王医生")
    assert appointment.status == "booked" and appointment.external_ref.startswith("SI")
    assert appointment.hospital_name == "中阳县人民医院"
    assert appointment.department_name == "心内科"
    assert appointment.elder == elder and appointment.region_path == elder.region_path
    slot = StandInSlot.objects.get(booking_ref=appointment.external_ref)
    assert slot.patient_hash and reveal_id(elder.person) not in slot.patient_hash
    assert starts not in appointments.free_slots(county, HOSPITAL, "cardiology", starts.date())
    # the ID number went to the hospital only: never into the audit
    event = AuditEvent.objects.get(action="appointment.book")
    assert reveal_id(elder.person) not in str(event.detail)
    assert event.detail["external_ref"] == appointment.external_ref
    assert appointments.for_order(order) == [appointment]


@pytest.mark.django_db
def test_a_slot_taken_twice_is_refused(county, elder_of):
    starts = slot_at(next_workday(), 9, 0)
    book(county, order_for(elder_of()), starts)
    other = order_for(elder_of(name="刘桂芳"))
    with pytest.raises(Conflict) as caught:
        book(county, other, starts)
    assert caught.value.code == "slot_taken" and "已被预约" in caught.value.message
    assert Appointment.objects.count() == 1
    # another department at the same time is free
    assert book(county, other, starts, department="orthopaedics").pk


@pytest.mark.django_db
def test_cancelling_frees_the_slot(county, elder_of):
    starts = slot_at(next_workday(), 10, 0)
    first = book(county, order_for(elder_of()), starts)
    with pytest.raises(ValidationFailed):
        appointments.appointment_cancel(actor=county, appointment=first, reason="  ")
    appointments.appointment_cancel(actor=county, appointment=first, reason="老人身体好转")
    first.refresh_from_db()
    assert first.status == "cancelled" and first.cancel_reason == "老人身体好转"
    assert starts in appointments.free_slots(county, HOSPITAL, "cardiology", starts.date())
    with pytest.raises(Conflict):
        appointments.appointment_cancel(actor=county, appointment=first, reason="again")
    second = book(county, order_for(elder_of(name="刘桂芳")), starts)
    assert second.external_ref != first.external_ref
    assert StandInSlot.objects.filter(starts_at=starts).count() == 1


@pytest.mark.django_db
def test_only_open_medical_orders_may_book(county, elder_of):
    elder = elder_of()
    starts = slot_at(next_workday())
    with pytest.raises(ValidationFailed) as caught:
        book(county, order_for(elder, item="bath_home"), starts)
    assert "助医" in caught.value.fields["order"][0]
    with pytest.raises(ValidationFailed):
        book(county, order_for(elder, status="cancelled"), starts)
    with pytest.raises(ValidationFailed):
        book(county, order_for(elder, status="rated"), starts)
    done = order_for(elder, item="medical_checkup", status="done")
    assert book(county, done, starts).pk
    with pytest.raises(ValidationFailed) as past:
        book(county, order_for(elder), timezone.now() - dt.timedelta(hours=1))
    assert "starts_at" in past.value.fields
    assert not StandInSlot.objects.exclude(booking_ref="").exclude(starts_at=starts).exists()


@pytest.mark.django_db
def test_out_of_scope_and_other_roles_are_refused(county, elder_of, make_user):
    order = order_for(elder_of())
    starts = slot_at(next_workday())
    sibling = make_user("county_admin", "141125")
    with pytest.raises(NotFound):
        book(sibling, order, starts)
    with pytest.raises(NotFound):
        appointments.order_get(sibling, order.pk)
    appointment = book(county, order, starts)
    with pytest.raises(NotFound):
        appointments.appointment_get(sibling, appointment.pk)
    with pytest.raises(NotFound):
        appointments.appointment_cancel(actor=sibling, appointment=appointment, reason="x")
    assert not appointments.appointments_for(sibling).exists()
    with pytest.raises(NotFound):
        appointments.departments_for(sibling, HOSPITAL)
    operator = make_user("facility_operator", "141129")
    with pytest.raises(NotFound):
        appointments.appointment_get(operator, appointment.pk)


@pytest.mark.django_db
def test_attended_only_on_or_after_the_day(county, elder_of):
    starts = slot_at(next_workday())
    appointment = book(county, order_for(elder_of()), starts)
    with pytest.raises(Conflict):
        appointments.appointment_attended(actor=county, appointment=appointment)
    appointments.appointment_attended(actor=county, appointment=appointment, today=starts.date())
    assert Appointment.objects.get().status == "attended"


# ------------------------------------------------------------------ pages


@pytest.mark.django_db
def test_the_appointment_pages_render_and_book(county, elder_of, client):
    elder = elder_of(name="张桂兰")
    order = order_for(elder)
    day = next_workday()
    client.force_login(county)
    form = client.get(f"/services/appointments/book/{order.pk}/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "中阳县人民医院" in page and "可预约时段" in page
    slots = client.get(
        "/services/appointments/slots/",
        {"hospital_code": HOSPITAL, "department_code": "cardiology", "day": day.isoformat()},
    ).content.decode()
    assert "08:30" in slots and "<html" not in slots
    partial = client.get(
        f"/services/appointments/book/{order.pk}/",
        {"partial": "form", "hospital_code": "SI-141129-02"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in partial and "针灸推拿科" in partial
    starts = slot_at(day)
    response = client.post(
        f"/services/appointments/book/{order.pk}/",
        {
            "hospital_code": HOSPITAL,
            "department_code": "cardiology",
            "day": day.isoformat(),
            "starts_at": starts.isoformat(),
            "next": "/services/appointments/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/services/appointments/"
    appointment = Appointment.objects.get()
    listing = client.get("/services/appointments/").content.decode()
    assert "张桂兰" in listing and "心内科" in listing
    again = client.post(
        f"/services/appointments/book/{order.pk}/",
        {
            "hospital_code": HOSPITAL,
            "department_code": "cardiology",
            "day": day.isoformat(),
            "starts_at": starts.isoformat(),
        },
    )
    assert again.status_code == 422 and "已被预约" in again.content.decode()
    # the include the order page uses, and the elder file's section
    request = RequestFactory().get(f"/services/{order.pk}/")
    request.user = county
    html = render_to_string(
        "services/_appointments.html",
        {"order": order, "appointments": [appointment], "can_book": True},
        request=request,
    )
    assert "取消挂号" in html and appointment.external_ref in html and "hx-get" in html
    html = render_to_string(
        "services/_elder_appointments.html",
        {"elder_appointments": appointments.appointments_of_elder(county, elder)},
    )
    assert "中阳县人民医院" in html and order.number in html
    response = client.post(
        f"/services/appointments/{appointment.pk}/cancel/",
        {"reason": "家属改约", "next": "/services/appointments/"},
    )
    assert response.status_code == 302
    assert Appointment.objects.get().status == "cancelled"


@pytest.mark.django_db
def test_the_pages_are_for_officers_in_scope(county, elder_of, client, make_user):
    order = order_for(elder_of())
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/services/appointments/book/{order.pk}/").status_code == 404
    client.force_login(make_user("facility_operator", "141129100"))
    assert client.get("/services/appointments/").status_code == 403


# ------------------------------------------------------------------ API


@pytest.mark.django_db
def test_api_round_trip(api, county, elder_of):
    elder = elder_of()
    order = order_for(elder)
    day = next_workday()
    api.as_user(county)
    hospitals = api.get("/api/v1/appointments/hospitals", data={"region": "141129101201"}).json()
    assert HOSPITAL in [h["code"] for h in hospitals]
    departments = api.get(f"/api/v1/appointments/hospitals/{HOSPITAL}/departments").json()
    assert "cardiology" in [d["code"] for d in departments]
    slots = api.get(
        "/api/v1/appointments/slots",
        data={"hospital": HOSPITAL, "department": "cardiology", "day": day.isoformat()},
    ).json()["slots"]
    assert len(slots) == 14
    body = {
        "order_id": order.pk,
        "hospital_code": HOSPITAL,
        "department_code": "cardiology",
        "starts_at": slots[1],
    }
    created = api.post("/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "booked" and data["elder_name"] == elder.person.name
    assert reveal_id(elder.person) not in created.content.decode()
    replay = api.post("/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.json() == data and Appointment.objects.count() == 1
    taken = api.post("/api/v1/appointments", body)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "slot_taken"
    listing = api.get("/api/v1/appointments", data={"status": "booked"}).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == data["id"]
    assert api.get(f"/api/v1/appointments/{data['id']}").json()["external_ref"]
    missing = api.post(f"/api/v1/appointments/{data['id']}/cancel", {"reason": ""})
    assert missing.status_code == 422 and "reason" in missing.json()["error"]["fields"]
    cancelled = api.post(f"/api/v1/appointments/{data['id']}/cancel", {"reason": "改期"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.get(
        "/api/v1/appointments/slots",
        data={"hospital": HOSPITAL, "department": "cardiology", "day": day.isoformat()},
    ).json()["slots"]
    assert slots[1] in again
    bath = order_for(elder, item="bath_home")
    refused = api.post("/api/v1/appointments", {**body, "order_id": bath.pk})
    assert refused.status_code == 422 and "order" in refused.json()["error"]["fields"]
