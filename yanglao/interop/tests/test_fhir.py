"""The FHIR R4 export of an elder's file, validated by the maintained models of
``fhir.resources`` (its R4B package: the R4 release does not run with pydantic 2; R4B
keeps R4's Patient, RelatedPerson, Observation, ServiceRequest and Appointment)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from yanglao.core.models import AccessLog
from yanglao.elders.assessment_services import assessment_record
from yanglao.interop import fhir
from yanglao.services import appointments, hospital
from yanglao.services.models import Order, ServiceItem

from .conftest import VILLAGE

SCORES = {
    "eating": 4, "grooming": 3, "bathing": 2, "dressing_upper": 3, "dressing_lower": 3,
    "urine_control": 4, "bowel_control": 4, "toileting": 3, "bed_mobility": 4,
    "bed_chair_transfer": 4, "walking": 3, "stairs": 2, "time_orientation": 4,
    "place_orientation": 4, "person_orientation": 4, "memory": 3, "understanding": 4,
    "expression": 4, "aggression": 1, "depression": 1, "consciousness": 2, "vision": 2,
    "hearing": 1, "daily_affairs": 3, "transport": 2, "social_contact": 3,
}  # fmt: skip


@pytest.fixture
def full_file(officer, elder_at):
    elder, number = elder_at(
        name="张桂兰",
        phone="13812345678",
        address="东峪村 12 号",
        contacts=[
            {"name": "张建军", "relation": "child", "phone": "13987654321", "is_emergency": True},
            {"name": "李大妈", "relation": "neighbour", "phone": "13600001111"},
        ],
    )
    assessment_record(
        actor=officer,
        elder=elder,
        assessed_on=timezone.localdate() - dt.timedelta(days=30),
        reason="first",
        assessors=["王评估", "李评估"],
        scores=SCORES,
    )
    item = ServiceItem.objects.get(code="medical_escort")
    order = Order.objects.create(
        number="T900001",
        elder=elder,
        region_path=elder.region_path,
        item=item,
        unit_price=item.price,
        amount=item.price,
        channel="phone",
        scheduled_for=timezone.now() + dt.timedelta(days=1),
        note="陪同去县医院复查",
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.isoweekday() > 5 or not hospital.is_workday(day):
        day += dt.timedelta(days=1)
    appointments.appointment_book(
        actor=officer,
        order=order,
        hospital_code="SI-141129-01",
        department_code="cardiology",
        starts_at=dt.datetime.combine(day, dt.time(8, 30), tzinfo=timezone.get_default_timezone()),
    )
    return elder, number


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_validates_as_fhir_and_holds_the_whole_file(api, officer, full_file):
    elder, number = full_file
    response = api.as_user(officer).get(f"/api/v1/interop/fhir/elders/{elder.pk}?full=true")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = response.json()
    parsed = Bundle.model_validate(data)  # every resource is checked against its model
    assert parsed.type == "collection"
    kinds = sorted(e["resource"]["resourceType"] for e in data["entry"])
    assert kinds == [
        "Appointment",
        "Observation",
        "Patient",
        "RelatedPerson",
        "RelatedPerson",
        "ServiceRequest",
    ]
    patient = resources(data, "Patient")[0]
    assert {"system": fhir.SID_ID_NUMBER, "value": number}.items() <= patient["identifier"][
        1
    ].items()
    assert patient["telecom"][0]["value"] == "13812345678"
    assert patient["gender"] == "female" or patient["gender"] == "male"
    assert patient["address"][0]["extension"][0]["valueCoding"]["code"] == VILLAGE
    assert patient["address"][0]["district"] == "中阳县"
    observation = resources(data, "Observation")[0]
    total = sum(SCORES.values())
    assert observation["valueInteger"] == total
    items = {c["code"]["coding"][0]["code"]: c for c in observation["component"]}
    assert items["eating"]["valueInteger"] == 4
    assert items["eating"]["code"]["coding"][0]["display"] == "进食"
    assert items["dimension.self_care"]["valueInteger"] == 26
    assert observation["interpretation"][0]["coding"][0]["system"] == fhir.CS_ABILITY_LEVEL
    request_ = resources(data, "ServiceRequest")[0]
    assert request_["code"]["coding"][0]["code"] == "medical_escort"
    appointment = resources(data, "Appointment")[0]
    assert appointment["status"] == "booked"
    assert appointment["basedOn"][0]["reference"] == fhir._urn("ServiceRequest", request_["id"][6:])
    patient_url = data["entry"][0]["fullUrl"]
    assert all(r["patient"]["reference"] == patient_url for r in resources(data, "RelatedPerson"))
    log = AccessLog.objects.get(kind="export", object_id=str(elder.pk))
    assert log.detail["format"] == "fhir-r4" and log.detail["full_values"] is True


def test_a_role_without_full_id_permission_gets_no_id_number_and_masked_phones(
    api, make_user, full_file
):
    elder, number = full_file
    party = make_user("party_officer", "141129")
    api.as_user(party)
    assert api.get(f"/api/v1/interop/fhir/elders/{elder.pk}?full=true").status_code == 403
    response = api.get(f"/api/v1/interop/fhir/elders/{elder.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    assert number not in text and number[-4:] + '"' not in text
    assert "13812345678" not in text and "13987654321" not in text
    data = json.loads(text)
    Bundle.model_validate(data)
    patient = resources(data, "Patient")[0]
    assert [i["system"] for i in patient["identifier"]] == [fhir.SID_ELDER]
    assert patient["telecom"][0]["value"] == "138****5678"
    assert patient["meta"]["security"][0]["code"] == "REDACTED"
    child = resources(data, "RelatedPerson")[0]
    assert child["telecom"][0]["value"] == "139****4321"
    assert child["relationship"][0]["coding"][0]["code"] == "CHILD"
    assert child["relationship"][1]["coding"][0]["code"] == "C"
    log = AccessLog.objects.get(actor=party, kind="export")
    assert log.detail["full_values"] is False


def test_an_elder_outside_the_scope_is_not_found(api, make_user, full_file):
    elder, _number = full_file
    sibling = make_user("county_admin", "141125")
    assert api.as_user(sibling).get(f"/api/v1/interop/fhir/elders/{elder.pk}").status_code == 404
    assert not AccessLog.objects.filter(actor=sibling).exists()


def test_the_download_button_on_the_elder_file(client, officer, full_file):
    elder, _number = full_file
    client.force_login(officer)
    page = client.get(f"/elders/{elder.pk}/").content.decode()
    assert f"/interop/elders/{elder.pk}/fhir/" in page and "下载 FHIR 档案" in page
    download = client.get(f"/interop/elders/{elder.pk}/fhir/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    Bundle.model_validate(json.loads(download.content))


def test_a_deceased_elder_is_exported_as_deceased(officer, elder_at):
    from yanglao.elders.services import elder_set_status

    elder, _number = elder_at()
    elder_set_status(actor=officer, elder=elder, status="deceased", on=timezone.localdate())
    data = fhir.bundle(elder, full=False)
    Bundle.model_validate(data)
    patient = data["entry"][0]["resource"]
    assert patient["deceasedDateTime"] == timezone.localdate().isoformat()
    assert "active" not in patient
