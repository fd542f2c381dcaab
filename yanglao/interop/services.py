"""Writes of the nursing-home feed: one function per use case, validated, one
transaction per batch, audited.

A nursing-home management system (养老机构管理系统) sends, with the API token of an
account that runs the facility (``Facility.operators``) or of an officer over it:

- its residents (``feed_residents``): each row is matched to an elder file by the keyed
  index of the ID number (``people.services.id_hash``), never by the plain number; a
  matched row opens or updates the elder's stay (``Residency``); every other row goes
  into the batch's report with its reason; with ``complete`` the rows are the whole
  roster and the stays of elders no longer on it are closed;
- its beds (``feed_beds``): total, occupied and nursing beds, written to the facility
  record through ``facilities.services.facility_save``.

Bad input (a missing name, a bad date, too many rows) refuses the whole batch with a
422 naming the field (``residents.3.admitted_on``); an ID number that matches nobody is
not bad input but a row of the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.masking import mask_id_number
from yanglao.core.scope import in_subtree
from yanglao.elders.models import Elder, ElderStatus
from yanglao.facilities import services as facility_services
from yanglao.facilities.models import RESIDENTIAL_TYPES, Facility
from yanglao.people import services as people
from yanglao.people.idnumbers import IdNumberError, normalise, parse_id_number
from yanglao.regions.models import Region

from .models import FeedBatch, FeedKind, Residency

MAX_ROWS = 5000
LIMITS = {"name": 50, "bed": 20, "room": 20, "care_level": 30}
MAX_COUNT = 100000


class Reason:
    """Why a row did not match (the codes of the report, in the API and the sheet)."""

    INVALID_ID = "invalid_id"
    INVALID_CHECKSUM = "invalid_checksum"
    DUPLICATE = "duplicate"
    UNKNOWN_ID = "unknown_id"
    OUT_OF_REGION = "out_of_region"
    INACTIVE = "inactive"
    NAME_MISMATCH = "name_mismatch"
    RESIDENT_ELSEWHERE = "resident_elsewhere"


def reason_labels() -> dict[str, str]:
    return {
        Reason.INVALID_ID: _("身份证号格式无效"),
        Reason.INVALID_CHECKSUM: _("身份证号校验位错误"),
        Reason.DUPLICATE: _("本批重复"),
        Reason.UNKNOWN_ID: _("平台无此人档案"),
        Reason.OUT_OF_REGION: _("档案不在辖区内"),
        Reason.INACTIVE: _("档案已注销"),
        Reason.NAME_MISMATCH: _("姓名与档案不符"),
        Reason.RESIDENT_ELSEWHERE: _("在其他机构在住"),
    }


@dataclass
class ResidentRow:
    row: int
    id_number: str
    name: str
    bed: str = ""
    room: str = ""
    admitted_on: dt.date | None = None
    care_level: str = ""


# ---------------------------------------------------------------- permissions


def may_feed(actor, facility: Facility) -> bool:
    """The facility's own operator accounts, or an officer whose region holds it."""
    return facility_services.may_edit(actor, facility)


def _ensure_feeder(actor, facility: Facility) -> None:
    if not may_feed(actor, facility):
        raise Forbidden(_("只有本机构的运营方账号或辖区民政工作人员可以报送"))


# ---------------------------------------------------------------- validation


def _date(raw, key: str, errors: dict, today: dt.date) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if not isinstance(raw, dt.date):
        try:
            raw = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            errors[key] = [_("日期格式应为 YYYY-MM-DD")]
            return None
    if raw > today:
        errors[key] = [_("日期不能晚于今天")]
        return None
    if raw.year < 1900:
        errors[key] = [_("日期不合理")]
        return None
    return raw


def _text(raw) -> str:
    return " ".join(str(raw if raw is not None else "").split())


def clean_residents(
    rows: Any, *, as_of: Any = None, today: dt.date | None = None
) -> tuple[list[ResidentRow], dt.date]:
    """Check the shape of every row first; any error refuses the batch (422)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    day = _date(as_of, "as_of", errors, today) or (None if "as_of" in errors else today)
    if not isinstance(rows, list) or not rows:
        errors["residents"] = [_("请至少报送一名在住老人")]
        raise ValidationFailed(fields=errors)
    if len(rows) > MAX_ROWS:
        errors["residents"] = [_("一次最多报送 %(n)s 行，请分批报送") % {"n": MAX_ROWS}]
        raise ValidationFailed(fields=errors)
    out: list[ResidentRow] = []
    for index, raw in enumerate(rows):
        prefix = f"residents.{index}"
        if not isinstance(raw, dict):
            errors[prefix] = [_("应为 JSON 对象")]
            continue
        number = _text(raw.get("id_number"))
        if not number:
            errors[f"{prefix}.id_number"] = [_("必填")]
        elif len(number) > 30:
            errors[f"{prefix}.id_number"] = [_("最多 %(v)s 个字符") % {"v": 30}]
        values: dict[str, str] = {}
        for key, size in LIMITS.items():
            value = _text(raw.get(key))
            if len(value) > size:
                errors[f"{prefix}.{key}"] = [_("最多 %(v)s 个字符") % {"v": size}]
            values[key] = value
        if not values["name"]:
            errors[f"{prefix}.name"] = [_("必填")]
        admitted = _date(raw.get("admitted_on"), f"{prefix}.admitted_on", errors, today)
        if admitted and day and admitted > day:
            errors[f"{prefix}.admitted_on"] = [_("入住日期不能晚于数据日期")]
        out.append(
            ResidentRow(
                row=index + 1,
                id_number=number,
                name=values["name"],
                bed=values["bed"],
                room=values["room"],
                admitted_on=admitted,
                care_level=values["care_level"],
            )
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return out, day or today


# ---------------------------------------------------------------- matching


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return "".join(text.split()).replace("·", "").replace("•", "").replace("．", "")

    return norm(a) == norm(b)


def _checksum_only(number: str) -> bool:
    """The number has the shape of an ID number and only its check character is wrong."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if not (number[17].isdigit() or number[17] == "X"):
        return False
    return ric.calc_check_digit(number[:17]) != number[17]


def _county_name(path: str) -> str:
    parts = path.split(".")
    code = parts[3] if len(parts) > 3 else parts[-1]
    region = Region.objects.filter(code=code).only("name").first()
    return region.name if region else code


def match(actor, facility: Facility, rows: list[ResidentRow]) -> tuple[list, list, set[int]]:
    """Each row matched to an elder in the actor's region, or a report line.

    Returns (matched [(row, elder)], report [dict], elders present in the batch: the
    matched ones and those found but refused for their name, so a complete roster does
    not close their stay)."""
    labels = reason_labels()
    scope_path = actor.region.path
    report: list[dict[str, Any]] = []
    hashed: list[tuple[ResidentRow, str, str]] = []  # row, number, hash
    first_row: dict[str, int] = {}

    def refuse(row: ResidentRow, number: str, reason: str, message: str) -> None:
        report.append(
            {
                "row": row.row,
                "reason": reason,
                "label": labels[reason],
                "message": message,
                "name": row.name,
                "id_number": mask_id_number(number),
                "bed": row.bed,
                "room": row.room,
            }
        )

    for row in rows:
        number = normalise(row.id_number)
        try:
            info = parse_id_number(number)
        except IdNumberError as exc:
            if _checksum_only(number):
                refuse(
                    row,
                    number,
                    Reason.INVALID_CHECKSUM,
                    _("身份证号校验位错误，请核对号码（GB 11643 校验码）"),
                )
            else:
                refuse(row, number, Reason.INVALID_ID, str(exc))
            continue
        number_hash = people.id_hash(info.number)
        if number_hash in first_row:
            refuse(
                row,
                info.number,
                Reason.DUPLICATE,
                _("与第 %(row)s 行的身份证号重复，本行未处理") % {"row": first_row[number_hash]},
            )
            continue
        first_row[number_hash] = row.row
        hashed.append((row, info.number, number_hash))

    files: dict[str, list[Elder]] = {}
    hashes = [h for _r, _n, h in hashed]
    for start in range(0, len(hashes), 500):
        for elder in Elder.objects.filter(
            id_number_hash__in=hashes[start : start + 500]
        ).select_related("person"):
            files.setdefault(elder.id_number_hash, []).append(elder)
    open_stays = {
        r.elder_id: r
        for r in Residency.objects.filter(
            elder__id_number_hash__in=hashes, until__isnull=True
        ).only("elder_id", "facility_id")
    }

    matched: list[tuple[ResidentRow, Elder]] = []
    present: set[int] = set()
    for row, number, number_hash in hashed:
        found = files.get(number_hash, [])
        active = next((e for e in found if e.status == ElderStatus.ACTIVE), None)
        mine = [e for e in found if in_subtree(e.region_path, scope_path)]
        if active is not None and not in_subtree(active.region_path, scope_path):
            refuse(
                row,
                number,
                Reason.OUT_OF_REGION,
                _("老人档案在%(region)s，不在本账号辖区内；请联系民政部门办理档案转移")
                % {"region": _county_name(active.region_path)},
            )
            continue
        if active is None:
            if mine:
                refuse(
                    row,
                    number,
                    Reason.INACTIVE,
                    _("老人档案状态为“%(status)s”，请先核实档案")
                    % {"status": mine[0].get_status_display()},
                )
            else:
                refuse(
                    row,
                    number,
                    Reason.UNKNOWN_ID,
                    _("平台上没有这个身份证号的在册老人档案；请联系所在村(社区)建档"),
                )
            continue
        present.add(active.pk)
        if not _same_name(row.name, active.person.name):
            refuse(
                row,
                number,
                Reason.NAME_MISMATCH,
                _("姓名与该身份证号的档案不符，请核对姓名或号码"),
            )
            continue
        stay = open_stays.get(active.pk)
        if stay is not None and stay.facility_id != facility.pk:
            refuse(
                row,
                number,
                Reason.RESIDENT_ELSEWHERE,
                _("老人在其他养老机构有在住记录；请原机构报送离院，或联系民政部门核实"),
            )
            continue
        matched.append((row, active))
    return matched, sorted(report, key=lambda r: r["row"]), present


# ---------------------------------------------------------------- residents


def feed_residents(
    *,
    actor,
    facility: Facility,
    residents: Any,
    as_of: Any = None,
    complete: bool = False,
    source: str = "api",
    request=None,
) -> FeedBatch:
    """A nursing home's residents: validate every row, match, write the stays and the
    batch in one transaction. Re-sending the same roster changes nothing but adds a
    batch (with an ``Idempotency-Key`` the retry is not even recorded)."""
    _ensure_feeder(actor, facility)
    if facility.type not in RESIDENTIAL_TYPES:
        raise ValidationFailed(
            fields={
                "facility_id": [
                    _("%(type)s不收住老人，只能报送床位") % {"type": facility.get_type_display()}
                ]
            }
        )
    rows, day = clean_residents(residents, as_of=as_of)
    matched, report, present = match(actor, facility, rows)
    counts: Counter[str] = Counter()
    try:
        with transaction.atomic():
            batch = FeedBatch.objects.create(
                facility=facility,
                region_path=facility.region_path,
                kind=FeedKind.RESIDENTS,
                as_of=day,
                complete=bool(complete),
                total=len(rows),
                matched=len(matched),
                unmatched=len(report),
                report=report,
                source=source[:12],
                created_by=actor,
            )
            stays = {
                r.elder_id: r
                for r in Residency.objects.select_for_update().filter(
                    facility=facility, until__isnull=True
                )
            }
            for row, elder in matched:
                stay = stays.get(elder.pk)
                if stay is None:
                    Residency.objects.create(
                        elder=elder,
                        facility=facility,
                        region_path=facility.region_path,
                        bed=row.bed,
                        room=row.room,
                        care_level=row.care_level,
                        since=row.admitted_on or day,
                        batch=batch,
                    )
                    counts["created"] += 1
                    continue
                changes = {"bed": row.bed, "room": row.room, "care_level": row.care_level}
                if row.admitted_on:
                    changes["since"] = row.admitted_on
                changed = [k for k, v in changes.items() if getattr(stay, k) != v]
                if changed:
                    for key in changed:
                        setattr(stay, key, changes[key])
                    stay.batch = batch
                    stay.save(update_fields=[*changed, "batch", "updated_at"])
                    counts["updated"] += 1
            if complete:
                for elder_pk, stay in stays.items():
                    if elder_pk in present:
                        continue
                    stay.until = max(day, stay.since)
                    stay.ended_by = batch
                    stay.save(update_fields=["until", "ended_by", "updated_at"])
                    counts["discharged"] += 1
            batch.matched_rows = [{"row": row.row, "elder_id": elder.pk} for row, elder in matched]
            batch.created = counts["created"]
            batch.updated = counts["updated"]
            batch.discharged = counts["discharged"]
            batch.save(update_fields=["created", "updated", "discharged"])
            audit.record(
                actor=actor,
                action="interop.residents_feed",
                obj=batch,
                region=facility.region,
                request=request,
                detail={
                    "facility": facility.pk,
                    "as_of": day.isoformat(),
                    "complete": bool(complete),
                    "rows": len(rows),
                    "matched": len(matched),
                    "unmatched": dict(Counter(r["reason"] for r in report)),
                    **counts,
                },
            )
    except IntegrityError:
        raise Conflict(
            _("另一次报送正在写入同一位老人的在住记录，请稍后重试"), code="feed_conflict"
        ) from None
    return batch


# ---------------------------------------------------------------- beds


def _count(raw, key: str, errors: dict) -> int | None:
    if raw in (None, ""):
        return None
    message = _("应为 0 到 %(n)s 的整数") % {"n": MAX_COUNT}
    if isinstance(raw, bool):
        errors[key] = [message]
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text.isdigit():
            errors[key] = [message]
            return None
        value = int(text)
    if not 0 <= value <= MAX_COUNT:
        errors[key] = [message]
        return None
    return value


def feed_beds(
    *,
    actor,
    facility: Facility,
    total: Any,
    occupied: Any,
    nursing: Any = None,
    as_of: Any = None,
    source: str = "api",
    request=None,
) -> FeedBatch:
    """A facility's beds: total, occupied (written as the facility's residents) and,
    when sent, nursing beds; the facility record changes through its own service."""
    _ensure_feeder(actor, facility)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    day = _date(as_of, "as_of", errors, today) or today
    beds = _count(total, "total", errors)
    used = _count(occupied, "occupied", errors)
    care = _count(nursing, "nursing", errors)
    if beds is None and "total" not in errors:
        errors["total"] = [_("必填")]
    if used is None and "occupied" not in errors:
        errors["occupied"] = [_("必填")]
    if beds is not None and used is not None and used > beds:
        errors["occupied"] = [_("在住人数不能多于床位总数（%(n)s）") % {"n": beds}]
    if beds is not None and care is not None and care > beds:
        errors["nursing"] = [_("护理型床位不能多于床位总数（%(n)s）") % {"n": beds}]
    if beds is not None and care is None and facility.nursing_beds > beds:
        errors["total"] = [
            _("床位总数少于已登记的护理型床位数（%(n)s），请同时报送 nursing")
            % {"n": facility.nursing_beds}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    data: dict[str, Any] = {"beds": beds, "residents": used}
    if care is not None:
        data["nursing_beds"] = care
    before = {"beds": facility.beds, "residents": facility.residents}
    if care is not None:
        before["nursing_beds"] = facility.nursing_beds
    with transaction.atomic():
        facility_services.facility_save(actor=actor, facility=facility, data=data, request=request)
        batch = FeedBatch.objects.create(
            facility=facility,
            region_path=facility.region_path,
            kind=FeedKind.BEDS,
            as_of=day,
            total=1,
            matched=1,
            beds_total=beds,
            beds_occupied=used,
            nursing_beds=care,
            source=source[:12],
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="interop.beds_feed",
            obj=batch,
            region=facility.region,
            request=request,
            detail={
                "facility": facility.pk,
                "as_of": day.isoformat(),
                "before": before,
                "after": data,
            },
        )
    return batch
