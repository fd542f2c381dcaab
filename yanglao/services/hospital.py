"""Hospital information systems (医院信息系统, HIS) behind an adapter (ARCHITECTURE.md rule 6).

An officer books an appointment (预约挂号) for an elder as part of a 助医 order; the
platform talks to the hospital through ``HospitalAdapter``, chosen by the setting
``YANGLAO_HOSPITAL_ADAPTER``. The default, ``StandInHospital``, is a local stand-in: a
few hospitals per county (the city's, the county's and the township health centres),
their departments and half-hourly slots on working days, booked in ``StandInSlot`` so
that a slot is taken once and freed by a cancel, as a real system behaves. Nothing
leaves the machine.

A deployment that reaches a real system (a provincial booking platform, a county
hospital's HIS) writes a subclass and names it in the setting. Adapters raise the
``HospitalError`` subclasses below; ``appointments.py`` turns them into clear Chinese
messages.
"""

from __future__ import annotations

import datetime as dt
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from yanglao.core import crypto
from yanglao.regions.models import Level, Region

from .models import StandInSlot


@dataclass(frozen=True)
class Hospital:
    code: str
    name: str
    region_code: str
    level: str = ""  # e.g. "二级甲等", "乡镇卫生院"


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Patient:
    """What a hospital needs for a real-name booking (实名制挂号). The ID number is passed
    to the adapter and nowhere else: never logged, never stored by the platform's side."""

    name: str
    id_number: str
    phone: str = ""

    def __repr__(self) -> str:  # keep the ID number out of tracebacks and logs
        return f"Patient(name={self.name!r})"


class HospitalError(Exception):
    """An adapter's refusal. ``field`` names the input it is about (for the error body)."""

    field = "__all__"


class UnknownHospital(HospitalError):
    field = "hospital_code"


class UnknownDepartment(HospitalError):
    field = "department_code"


class SlotUnavailable(HospitalError):
    """Not a time the department sees patients (closed day, outside hours, in the past)."""

    field = "starts_at"


class SlotTaken(HospitalError):
    field = "starts_at"


class PatientRejected(HospitalError):
    field = "patient"


class BookingNotFound(HospitalError):
    field = "external_ref"


class HospitalUnavailable(HospitalError):
    """The hospital system did not answer (network, maintenance)."""


class HospitalAdapter(ABC):
    """The operations the platform needs from a hospital system."""

    name = "base"

    @abstractmethod
    def hospitals(self, region: Region) -> list[Hospital]:
        """Hospitals that serve ``region`` (an elder's village, an officer's county)."""

    @abstractmethod
    def departments(self, hospital_code: str) -> list[Department]:
        """Departments of a hospital that take appointments."""

    @abstractmethod
    def slots(self, hospital_code: str, department_code: str, day: dt.date) -> list[dt.datetime]:
        """Free appointment times (aware datetimes) of a department on ``day``."""

    @abstractmethod
    def book(
        self, hospital_code: str, department_code: str, starts_at: dt.datetime, patient: Patient
    ) -> str:
        """Book the slot for the patient; return the hospital's booking number."""

    @abstractmethod
    def cancel(self, external_ref: str) -> None:
        """Cancel a booking (the slot is free again)."""


def adapter() -> HospitalAdapter:
    return import_string(settings.HOSPITAL_ADAPTER)()


# ------------------------------------------------------------------ the local stand-in

PREFIX = "SI"
COUNTY_DEPARTMENTS = [
    ("internal", "内科"),
    ("cardiology", "心内科"),
    ("respiratory", "呼吸内科"),
    ("neurology", "神经内科"),
    ("geriatrics", "老年病科"),
    ("orthopaedics", "骨科"),
    ("ophthalmology", "眼科"),
    ("tcm", "中医科"),
    ("rehabilitation", "康复科"),
]
TCM_DEPARTMENTS = [
    ("tcm_internal", "中医内科"),
    ("acupuncture", "针灸推拿科"),
    ("tcm_orthopaedics", "骨伤科"),
    ("rehabilitation", "康复科"),
]
TOWNSHIP_DEPARTMENTS = [
    ("general", "全科"),
    ("tcm", "中医科"),
    ("rehabilitation", "康复科"),
]
MORNING = [dt.time(8, 0), dt.time(11, 30)]
AFTERNOON = [dt.time(14, 0), dt.time(16, 30)]
BOOKING_DAYS = 14  # how far ahead the stand-in opens its books


def is_workday(day: dt.date) -> bool:
    """Official working days (holidays and make-up days); Monday to Friday for years the
    calendar does not cover yet."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _half_hours(start: dt.time, end: dt.time) -> list[dt.time]:
    out, minutes = [], start.hour * 60 + start.minute
    last = end.hour * 60 + end.minute
    while minutes <= last:
        out.append(dt.time(minutes // 60, minutes % 60))
        minutes += 30
    return out


SLOT_TIMES = _half_hours(*MORNING) + _half_hours(*AFTERNOON)


class StandInHospital(HospitalAdapter):
    """The hospitals of each county, invented from the region tree: the city's people's
    hospital, the county's people's and TCM hospitals, one health centre per township.
    Codes carry the region (``SI-141129-01``) so that nothing else needs storing."""

    name = "stand-in"

    # ---- directory

    def _county_hospitals(self, county: Region) -> list[Hospital]:
        return [
            Hospital(
                f"{PREFIX}-{county.code}-01", f"{county.name}人民医院", county.code, "二级甲等"
            ),
            Hospital(
                f"{PREFIX}-{county.code}-02", f"{county.name}中医医院", county.code, "二级甲等"
            ),
        ]

    def _city_hospitals(self, city: Region) -> list[Hospital]:
        return [Hospital(f"{PREFIX}-{city.code}-01", f"{city.name}人民医院", city.code, "三级甲等")]

    def _township_hospital(self, township: Region) -> Hospital:
        suffix = "社区卫生服务中心" if township.name.endswith("街道") else "卫生院"
        name = township.name.removesuffix("街道办事处").removesuffix("街道") + suffix
        return Hospital(f"{PREFIX}-{township.code}-01", name, township.code, "基层医疗卫生机构")

    def hospitals(self, region: Region) -> list[Hospital]:
        codes = region.path.split(".")
        levels = {Level.CITY: None, Level.COUNTY: None, Level.TOWNSHIP: None}
        for level in levels:
            if len(codes) > level:
                levels[level] = codes[level]
        wanted = [c for c in levels.values() if c]
        found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
        out: list[Hospital] = []
        city = found.get(levels[Level.CITY] or "")
        county = found.get(levels[Level.COUNTY] or "")
        township = found.get(levels[Level.TOWNSHIP] or "")
        if city is not None:
            out += self._city_hospitals(city)
        if county is not None:
            out += self._county_hospitals(county)
        elif city is not None:  # a city officer: every county's hospitals
            for child in Region.objects.filter(
                parent=city, level=Level.COUNTY, valid_to__isnull=True
            ).order_by("code"):
                out += self._county_hospitals(child)
        if township is not None:
            out.append(self._township_hospital(township))
        elif county is not None:  # a county officer: every township's health centre
            for child in Region.objects.filter(
                parent=county, level=Level.TOWNSHIP, valid_to__isnull=True
            ).order_by("code"):
                out.append(self._township_hospital(child))
        return out

    def _hospital(self, code: str) -> Hospital:
        parts = (code or "").split("-")
        if len(parts) != 3 or parts[0] != PREFIX or parts[2] not in ("01", "02"):
            raise UnknownHospital(code)
        region = Region.objects.filter(code=parts[1], valid_to__isnull=True).first()
        if region is None:
            raise UnknownHospital(code)
        if region.level == Level.CITY and parts[2] == "01":
            return self._city_hospitals(region)[0]
        if region.level == Level.COUNTY:
            return self._county_hospitals(region)[int(parts[2]) - 1]
        if region.level == Level.TOWNSHIP and parts[2] == "01":
            return self._township_hospital(region)
        raise UnknownHospital(code)

    def departments(self, hospital_code: str) -> list[Department]:
        hospital = self._hospital(hospital_code)
        if hospital.code.endswith("-02"):
            rows = TCM_DEPARTMENTS
        elif len(hospital.region_code) == 9:
            rows = TOWNSHIP_DEPARTMENTS
        else:
            rows = COUNTY_DEPARTMENTS
        return [Department(code, name) for code, name in rows]

    def _department(self, hospital_code: str, department_code: str) -> Department:
        for department in self.departments(hospital_code):
            if department.code == department_code:
                return department
        raise UnknownDepartment(department_code)

    # ---- slots

    def _times(self, day: dt.date) -> list[dt.datetime]:
        tz = timezone.get_default_timezone()
        return [dt.datetime.combine(day, t, tzinfo=tz) for t in SLOT_TIMES]

    def _open(self, day: dt.date, now: dt.datetime | None = None) -> bool:
        today = timezone.localdate(now) if now else timezone.localdate()
        return today <= day <= today + dt.timedelta(days=BOOKING_DAYS) and is_workday(day)

    def slots(
        self,
        hospital_code: str,
        department_code: str,
        day: dt.date,
        now: dt.datetime | None = None,
    ) -> list[dt.datetime]:
        self._department(hospital_code, department_code)
        now = now or timezone.now()
        if not self._open(day, now):
            return []
        times = [t for t in self._times(day) if t > now]
        taken = set(
            StandInSlot.objects.filter(
                hospital_code=hospital_code,
                department_code=department_code,
                starts_at__in=times,
            )
            .exclude(booking_ref="")
            .values_list("starts_at", flat=True)
        )
        return [t for t in times if t not in taken]

    def book(
        self,
        hospital_code: str,
        department_code: str,
        starts_at: dt.datetime,
        patient: Patient,
        now: dt.datetime | None = None,
    ) -> str:
        self._department(hospital_code, department_code)
        if not patient.name or not patient.id_number:
            raise PatientRejected("real-name booking needs a name and an ID number")
        now = now or timezone.now()
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        local = timezone.localtime(starts_at)
        if (
            local.time().replace(second=0, microsecond=0) not in SLOT_TIMES
            or local.second
            or local.microsecond
            or starts_at <= now
            or not self._open(local.date(), now)
        ):
            raise SlotUnavailable(starts_at.isoformat())
        ref = f"{PREFIX}{local:%Y%m%d}{secrets.token_hex(4).upper()}"
        patient_hash = crypto.blind_index(patient.id_number, purpose="standin_patient")
        key = {
            "hospital_code": hospital_code,
            "department_code": department_code,
            "starts_at": starts_at,
        }
        # A freed slot is taken again by a conditional update; a new one by an insert that
        # the unique constraint refuses when someone else was quicker.
        if StandInSlot.objects.filter(**key, booking_ref="").update(
            booking_ref=ref, patient_hash=patient_hash
        ):
            return ref
        try:
            with transaction.atomic():
                StandInSlot.objects.create(**key, booking_ref=ref, patient_hash=patient_hash)
        except IntegrityError:
            raise SlotTaken(starts_at.isoformat()) from None
        return ref

    def cancel(self, external_ref: str) -> None:
        if not external_ref or not StandInSlot.objects.filter(booking_ref=external_ref).update(
            booking_ref="", patient_hash=""
        ):
            raise BookingNotFound(external_ref)
