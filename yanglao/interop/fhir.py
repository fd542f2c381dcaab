"""An elder's file as an HL7 FHIR R4 Bundle (type ``collection``).

- ``Patient``: the file's local identifier; the ID number only when the caller may see
  full values and asked for them (``full``), otherwise left out, and the phone masked
  (``138****5678``), with ``meta.security`` REDACTED so a receiver knows; name, gender,
  birth date, the home address with the region code (GB/T 2260 and the statistical
  codes below it) in an extension;
- ``RelatedPerson``: each contact (child, spouse, relative, neighbour), phone masked
  the same way, emergency contacts flagged (v2-0131 ``C``);
- ``Observation``: each ability assessment (GB/T 42195-2022): the total as
  ``valueInteger``, the level as ``interpretation``, every item and dimension score as
  a ``component``, all coded in the platform's local code systems;
- ``ServiceRequest``: each home-care service order (item, GB/T 43153 content, the six
  helps); ``Appointment``: each hospital appointment, based on its 助医 order.

Everything is built from the database in a handful of queries; the export is logged by
``export_bundle`` (``AccessLog`` kind ``export``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import ELDER_READERS, SENSITIVE_VIEWERS
from yanglao.core.audit import AccessKind, log_access
from yanglao.core.errors import Forbidden
from yanglao.core.masking import mask_phone
from yanglao.elders import selectors as elder_selectors
from yanglao.elders.assessment_services import rules_for
from yanglao.elders.models import AbilityLevel, Elder, ElderStatus, Relation
from yanglao.people.services import reveal_id
from yanglao.regions.models import Level, Region
from yanglao.services.models import (
    Appointment,
    AppointmentStatus,
    Category,
    Help,
    Order,
    OrderStatus,
)

# The platform's own namespace for its code systems, identifier systems and extensions.
# It names things; nothing is fetched from it.
BASE = "http://yanglao.local/fhir"
CS_ASSESSMENT = f"{BASE}/CodeSystem/ability-assessment"
CS_ABILITY_LEVEL = f"{BASE}/CodeSystem/ability-level"
CS_SERVICE_ITEM = f"{BASE}/CodeSystem/service-item"
CS_SERVICE_CONTENT = f"{BASE}/CodeSystem/service-content"
CS_HELP = f"{BASE}/CodeSystem/six-helps"
CS_REGION = f"{BASE}/CodeSystem/region"
SID_ELDER = f"{BASE}/sid/elder"
SID_ID_NUMBER = f"{BASE}/sid/cn-resident-id"
SID_ORDER = f"{BASE}/sid/service-order"
SID_APPOINTMENT = f"{BASE}/sid/hospital-appointment"
EXT_REGION = f"{BASE}/StructureDefinition/region-code"

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"
V3_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
MEDIA_TYPE = "application/fhir+json"

# The stand-in hospital's slots are half an hour; an adapter gives only the start.
APPOINTMENT_MINUTES = 30

GENDER = {"M": "male", "F": "female"}
RELATION_ROLE = {
    Relation.CHILD: ("CHILD", "child"),
    Relation.SPOUSE: ("SPS", "spouse"),
    Relation.RELATIVE: ("FAMMEMB", "family member"),
    Relation.NEIGHBOUR: ("NBOR", "neighbor"),
}
ORDER_STATUS = {
    OrderStatus.REQUESTED: "active",
    OrderStatus.ASSIGNED: "active",
    OrderStatus.ACCEPTED: "active",
    OrderStatus.IN_PROGRESS: "active",
    OrderStatus.DONE: "completed",
    OrderStatus.RATED: "completed",
    OrderStatus.CANCELLED: "revoked",
}
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.ATTENDED: "fulfilled",
}
_NAMESPACE = uuid.UUID("6f1c3a52-5b0e-4d1e-9a51-3f1e8c0b7a11")


def _urn(kind: str, pk: Any) -> str:
    """A stable fullUrl: the same record gets the same urn in every export."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{pk}')}"


def _instant(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _coding(system: str, code: str, display: str = "") -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = str(display)
    return out


def _region_parts(region: Region) -> dict[int, Region]:
    codes = region.path.split(".")[1:]
    return {r.level: r for r in Region.objects.filter(code__in=codes)}


def _address(person, region: Region) -> dict:
    parts = _region_parts(region)
    names = [parts[level].name for level in sorted(parts)]
    text = "".join(names) + (person.address or "")
    address: dict[str, Any] = {
        "extension": [
            {
                "url": EXT_REGION,
                "valueCoding": _coding(CS_REGION, region.code, region.name),
            }
        ],
        "use": "home",
        "type": "physical",
        "text": text,
        "country": "CN",
    }
    lines = [parts[lv].name for lv in (Level.TOWNSHIP, Level.VILLAGE) if lv in parts]
    if person.address:
        lines.append(person.address)
    if lines:
        address["line"] = lines
    for level, key in ((Level.PROVINCE, "state"), (Level.CITY, "city"), (Level.COUNTY, "district")):
        if level in parts:
            address[key] = parts[level].name
    return address


def _phone(value: str, full: bool) -> list[dict]:
    if not value:
        return []
    return [{"system": "phone", "value": value if full else mask_phone(value), "use": "mobile"}]


def _redacted() -> dict:
    return {"security": [_coding(V3_OBSERVATION_VALUE, "REDACTED", "redacted")]}


def patient(elder: Elder, *, full: bool) -> dict:
    person = elder.person
    identifiers = [{"use": "usual", "system": SID_ELDER, "value": str(elder.pk)}]
    if full and person.id_number_enc:
        identifiers.append(
            {
                "use": "official",
                "type": {"coding": [_coding(V2_0203, "NI")], "text": "居民身份证"},
                "system": SID_ID_NUMBER,
                "value": reveal_id(person),
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"elder-{elder.pk}",
        "identifier": identifiers,
        "active": elder.status == ElderStatus.ACTIVE,
        "name": [{"use": "official", "text": person.name}],
        "gender": GENDER.get(person.sex, "unknown"),
        "address": [_address(person, elder.region)],
    }
    if not full:
        resource["meta"] = _redacted()
    telecom = _phone(person.phone, full)
    if telecom:
        resource["telecom"] = telecom
    if person.birth_date:
        resource["birthDate"] = person.birth_date.isoformat()
    if elder.status == ElderStatus.DECEASED:
        resource.pop("active")
        if elder.status_changed_on:
            resource["deceasedDateTime"] = elder.status_changed_on.isoformat()
        else:
            resource["deceasedBoolean"] = True
    return resource


def related_person(contact, patient_ref: str, *, full: bool) -> dict:
    relationship: dict[str, Any] = {"text": contact.get_relation_display()}
    role = RELATION_ROLE.get(contact.relation)
    if role:
        relationship["coding"] = [_coding(V3_ROLE, *role)]
    relationships = [relationship]
    if contact.is_emergency:
        relationships.append(
            {"coding": [_coding(V2_0131, "C", "Emergency Contact")], "text": "紧急联系人"}
        )
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": f"contact-{contact.pk}",
        "patient": {"reference": patient_ref},
        "relationship": relationships,
        "name": [{"text": contact.person.name}],
    }
    if not full:
        resource["meta"] = _redacted()
    telecom = _phone(contact.person.phone, full)
    if telecom:
        resource["telecom"] = telecom
    return resource


class _Catalogue:
    """Item and dimension labels from the assessment rules, per region and day."""

    def __init__(self, elder: Elder):
        self.elder = elder
        self._cache: dict[dt.date, Any] = {}

    def __call__(self, on: dt.date):
        if on not in self._cache:
            rules = rules_for(self.elder.region, on)
            self._cache[on] = rules.catalogue if rules else None
        return self._cache[on]


def observation(assessment, patient_ref: str, catalogue: _Catalogue) -> dict:
    items = catalogue(assessment.assessed_on)
    labels = {i.code: i.label for i in items.items} if items else {}
    dimension_of = {i.code: i.dimension for i in items.items} if items else {}
    components: list[dict] = []
    scores = assessment.scores or {}
    for code in (i.code for i in items.items) if items else sorted(scores):
        if code not in scores:
            continue
        components.append(
            {
                "code": {"coding": [_coding(CS_ASSESSMENT, code, labels.get(code, ""))]},
                "valueInteger": int(scores[code]),
            }
        )
    if items:
        for dimension in items.dimensions:
            total = sum(int(scores.get(i.code, 0)) for i in dimension.items)
            components.append(
                {
                    "code": {
                        "coding": [
                            _coding(CS_ASSESSMENT, f"dimension.{dimension.code}", dimension.label)
                        ]
                    },
                    "valueInteger": total,
                }
            )
    unknown = sorted(set(scores) - set(dimension_of)) if items else []
    for code in unknown:
        components.append(
            {"code": {"coding": [_coding(CS_ASSESSMENT, code)]}, "valueInteger": int(scores[code])}
        )
    components.append(
        {
            "code": {"coding": [_coding(CS_ASSESSMENT, "base_level", "初步等级")]},
            "valueCodeableConcept": {
                "coding": [
                    _coding(
                        CS_ABILITY_LEVEL,
                        assessment.base_level,
                        AbilityLevel(assessment.base_level).label,
                    )
                ]
            },
        }
    )
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"assessment-{assessment.pk}",
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {
            "coding": [_coding(CS_ASSESSMENT, "total", "老年人能力评估总分（GB/T 42195-2022）")],
            "text": "老年人能力评估",
        },
        "subject": {"reference": patient_ref},
        "effectiveDateTime": assessment.assessed_on.isoformat(),
        "issued": _instant(assessment.created_at),
        "valueInteger": int(assessment.total),
        "interpretation": [
            {
                "coding": [
                    _coding(
                        CS_ABILITY_LEVEL, assessment.level, AbilityLevel(assessment.level).label
                    )
                ],
                "text": str(AbilityLevel(assessment.level).label),
            }
        ],
        "note": [{"text": f"评估类型：{assessment.get_reason_display()}"}],
        "component": components,
    }
    if assessment.assessors:
        resource["performer"] = [{"display": assessment.assessors}]
    return resource


def service_request(order: Order, patient_ref: str) -> dict:
    item = order.item
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"order-{order.pk}",
        "identifier": [{"system": SID_ORDER, "value": order.number}],
        "status": ORDER_STATUS.get(order.status, "unknown"),
        "intent": "order",
        "category": [
            {"coding": [_coding(CS_SERVICE_CONTENT, item.category, Category(item.category).label)]},
            {"coding": [_coding(CS_HELP, item.help, Help(item.help).label)]},
        ],
        "code": {"coding": [_coding(CS_SERVICE_ITEM, item.code, item.name)], "text": item.name},
        "quantityQuantity": {"value": float(order.quantity), "unit": item.unit},
        "subject": {"reference": patient_ref},
        "occurrenceDateTime": _instant(order.scheduled_for),
        "authoredOn": _instant(order.created_at),
    }
    if order.provider_id:
        resource["performer"] = [{"display": order.provider.name}]
    if order.note:
        resource["note"] = [{"text": order.note}]
    return resource


def appointment(item: Appointment, patient_ref: str, name: str, order_refs: dict) -> dict:
    start = timezone.localtime(item.starts_at)
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"appointment-{item.pk}",
        "identifier": [{"system": SID_APPOINTMENT, "value": item.external_ref}],
        "status": APPOINTMENT_STATUS.get(item.status, "booked"),
        "serviceType": [{"text": item.department_name}],
        "description": f"{item.hospital_name} {item.department_name}",
        "start": start.isoformat(timespec="seconds"),
        "end": (start + dt.timedelta(minutes=APPOINTMENT_MINUTES)).isoformat(timespec="seconds"),
        "created": _instant(item.created_at),
        "participant": [
            {"actor": {"reference": patient_ref, "display": name}, "status": "accepted"},
            {
                "actor": {
                    "display": " ".join(
                        p for p in (item.hospital_name, item.department_name, item.doctor_name) if p
                    )
                },
                "status": "accepted",
            },
        ],
    }
    if item.order_id in order_refs:
        resource["basedOn"] = [{"reference": order_refs[item.order_id]}]
    if item.status == AppointmentStatus.CANCELLED and item.cancel_reason:
        resource["cancelationReason"] = {"text": item.cancel_reason}
    return resource


def bundle(elder: Elder, *, full: bool, now: dt.datetime | None = None) -> dict:
    """The Bundle for one elder (the caller checked scope and role)."""
    now = now or timezone.now()
    patient_ref = _urn("Patient", elder.pk)
    entries = [{"fullUrl": patient_ref, "resource": patient(elder, full=full)}]
    for contact in elder.contacts.select_related("person").order_by("pk"):
        entries.append(
            {
                "fullUrl": _urn("RelatedPerson", contact.pk),
                "resource": related_person(contact, patient_ref, full=full),
            }
        )
    catalogue = _Catalogue(elder)
    for assessment in elder.assessments.order_by("assessed_on", "pk"):
        entries.append(
            {
                "fullUrl": _urn("Observation", assessment.pk),
                "resource": observation(assessment, patient_ref, catalogue),
            }
        )
    order_refs: dict[int, str] = {}
    for order in (
        Order.objects.filter(elder=elder)
        .select_related("item", "provider")
        .order_by("created_at", "pk")
    ):
        order_refs[order.pk] = _urn("ServiceRequest", order.pk)
        entries.append(
            {"fullUrl": order_refs[order.pk], "resource": service_request(order, patient_ref)}
        )
    for item in Appointment.objects.filter(elder=elder).order_by("starts_at", "pk"):
        entries.append(
            {
                "fullUrl": _urn("Appointment", item.pk),
                "resource": appointment(item, patient_ref, elder.person.name, order_refs),
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(now)},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": entries,
    }


def export_bundle(*, actor, elder_id: int, full: bool = False, request=None) -> tuple[Elder, dict]:
    """Read the elder in the caller's scope (404 otherwise), refuse full values to roles
    without the permission (403), build the bundle and log the export."""
    if actor.role not in ELDER_READERS:
        raise Forbidden()
    elder = elder_selectors.elder_get(actor, elder_id)
    if full and actor.role not in SENSITIVE_VIEWERS:
        raise Forbidden(_("您的角色无权导出完整的身份证号和电话"))
    data = bundle(elder, full=full)
    counts: dict[str, int] = {}
    for entry in data["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    log_access(
        actor=actor,
        kind=AccessKind.EXPORT,
        obj=elder,
        region=elder.region,
        request=request,
        detail={
            "object_type": "Elder",
            "format": "fhir-r4",
            "full_values": full,
            "resources": counts,
        },
    )
    return elder, data
