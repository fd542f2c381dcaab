"""Writes of supervision, one function per use case, each in one transaction with its audit
row: plan an inspection, record its checklist and findings, add a finding, report a
rectification, re-inspect, close, cancel; escalate overdue rectifications; evaluate an
operator for a year and resolve the flag for replacement.

``INSPECTION_MOVES`` and ``FINDING_MOVES`` are the state machines: any other move is a
409 ``illegal_transition``. Every number (checklist, deadlines, escalation steps, section
maxima, pass mark) comes from the policy rules in ``policy/packs/supervision.toml``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.models import User
from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import in_subtree, path_q
from yanglao.core.uploads import image_ok
from yanglao.facilities import selectors as facility_selectors
from yanglao.facilities.models import Facility, FacilityStatus
from yanglao.notify import services as notify
from yanglao.notify.models import Channel
from yanglao.policy import selectors as policy_selectors
from yanglao.regions.models import Level, Region
from yanglao.services.models import Provider

from . import rules, selectors
from .models import (
    EventKind,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    OperatorEvaluation,
    Photo,
    Resolution,
    Severity,
    TargetKind,
)
from .roles import EVALUATORS, INSPECTORS, OFFICERS

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 9

# Which inspection states each action may start from.
INSPECTION_MOVES: dict[str, frozenset[str]] = {
    "update": frozenset({InspectionStatus.PLANNED}),
    "record": frozenset({InspectionStatus.PLANNED}),
    "cancel": frozenset({InspectionStatus.PLANNED}),
    "add_finding": frozenset({InspectionStatus.RECORDED}),
    "close": frozenset({InspectionStatus.RECORDED}),
}
FINDING_MOVES: dict[str, frozenset[str]] = {
    "submit": frozenset({FindingStatus.OPEN}),
    "reinspect": frozenset({FindingStatus.OPEN, FindingStatus.SUBMITTED}),
}


def _illegal(action: str, status_label: str) -> Conflict:
    return Conflict(
        _("当前状态（%(s)s）不能%(a)s")
        % {"s": status_label, "a": ACTION_LABELS.get(action, action)},
        code="illegal_transition",
    )


ACTION_LABELS = {
    "update": _("修改检查计划"),
    "record": _("录入检查结果"),
    "cancel": _("取消检查"),
    "add_finding": _("添加问题"),
    "close": _("办结检查"),
    "submit": _("报告整改"),
    "reinspect": _("复查"),
}


def _move(inspection: Inspection, action: str) -> None:
    if inspection.status not in INSPECTION_MOVES[action]:
        raise _illegal(action, str(inspection.get_status_display()))


def _finding_move(finding: Finding, action: str) -> None:
    if finding.status not in FINDING_MOVES[action]:
        raise _illegal(action, str(finding.get_status_display()))


# ------------------------------------------------------------------ parsing helpers


def _date(value, key: str, errors: dict, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else value
    if not text:
        if required:
            errors[key] = [_("请填写日期")]
        return None
    try:
        day = dt.date.fromisoformat(str(text))
    except ValueError:
        errors[key] = [_("日期格式应为 YYYY-MM-DD")]
        return None
    if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
        errors[key] = [_("日期超出范围")]
        return None
    return day


def _text(value, key: str, errors: dict, *, size: int, required: bool, label: str) -> str:
    text = (
        (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
    )
    if required and not text:
        errors[key] = [_("请填写%(f)s") % {"f": label}]
    elif len(text) > size:
        errors[key] = [_("%(f)s最多 %(n)s 个字") % {"f": label, "n": size}]
    return text


def _photos_ok(photos, key: str, errors: dict) -> list:
    photos = [p for p in (photos or []) if p]
    if len(photos) > PHOTO_MAX_COUNT:
        errors[key] = [_("照片最多 %(n)s 张") % {"n": PHOTO_MAX_COUNT}]
        return []
    for photo in photos:
        if not image_ok(photo, max_bytes=PHOTO_MAX_BYTES):  # a whole JPEG or PNG
            errors[key] = [_("照片须为 JPEG 或 PNG，且不超过 5 MB")]
            return []
    return photos


def _save_photos(photos, *, inspection, actor, finding=None, event=None) -> None:
    for photo in photos:
        Photo.objects.create(
            inspection=inspection, finding=finding, event=event, photo=photo, uploaded_by=actor
        )


def _ancestor_at(region: Region, level: int) -> Region:
    """The region's ancestor at ``level`` (itself when it is at or above that level)."""
    if region.level <= level:
        return region
    code = region.path.split(".")[level]
    return Region.objects.get(code=code)


def _rule(rule_id: str, region: Region, on: dt.date, field: str):
    res = policy_selectors.lookup(rule_id, region, on)
    if res is None:
        raise ValidationFailed(
            _("%(r)s没有适用的规则 %(id)s，请先在政策规则页设置")
            % {"r": region.name, "id": rule_id},
            fields={field: [_("该区划没有适用的规则 %(id)s") % {"id": rule_id}]},
        )
    return res


# ------------------------------------------------------------------ who may act


def _officer_over(actor, path: str) -> bool:
    region = getattr(actor, "region", None)
    return (
        getattr(actor, "role", "") in OFFICERS
        and region is not None
        and in_subtree(path, region.path)
    )


def _ensure_inspector(actor, path: str) -> None:
    region = getattr(actor, "region", None)
    if getattr(actor, "role", "") not in INSPECTORS or region is None:
        raise Forbidden(_("只有民政、组织部门和乡镇（街道）工作人员可以开展督查检查"))
    if not in_subtree(path, region.path):
        raise NotFound()


def _ensure_organizer(actor, inspection: Inspection) -> None:
    """Plan changes, results, cancelling and closing belong to the office that planned the
    inspection and the offices above it."""
    _ensure_inspector(actor, inspection.region_path)
    if not in_subtree(inspection.organizer_path, actor.region.path):
        raise Forbidden(_("只有组织这次检查的单位（或其上级）可以进行此操作"))


def may_organize(actor, inspection: Inspection) -> bool:
    try:
        _ensure_organizer(actor, inspection)
    except (Forbidden, NotFound):
        return False
    return True


def may_reinspect(actor, finding: Finding) -> bool:
    region = getattr(actor, "region", None)
    return (
        getattr(actor, "role", "") in INSPECTORS
        and region is not None
        and in_subtree(finding.region_path, region.path)
    )


def may_submit(actor, finding: Finding) -> bool:
    """The responsible: the facility's operator accounts, the named responsible account, or
    an officer over the finding's region acting for them."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if finding.responsible_user_id == actor.pk:
        return True
    if getattr(actor, "role", "") == Role.FACILITY_OPERATOR:
        facility = finding.inspection.facility
        return facility is not None and facility.operators.filter(pk=actor.pk).exists()
    return _officer_over(actor, finding.region_path)


# ------------------------------------------------------------------ inspections


def _target(actor, data: dict, errors: dict) -> tuple[str, Facility | None, Region | None]:
    kind = (data.get("target_kind") or "").strip()
    if kind not in TargetKind.values:
        errors["target_kind"] = [_("请选择检查对象：设施或区域工作")]
        return kind, None, None
    if kind == TargetKind.FACILITY:
        raw = data.get("facility_id")
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            errors["facility_id"] = [_("请选择被检查的设施")]
            return kind, None, None
        facility = facility_selectors.visible(actor).filter(pk=pk).first()
        if facility is None:
            errors["facility_id"] = [_("设施不存在或不在您的辖区")]
            return kind, None, None
        if facility.status == FacilityStatus.CLOSED:
            errors["facility_id"] = [_("该设施已关闭，不能安排检查")]
            return kind, None, None
        return kind, facility, facility.region
    code = (data.get("region_code") or "").strip()
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        errors["region_code"] = [_("请填写被检查的区划代码")]
        return kind, None, None
    if region.level == Level.NATION:
        errors["region_code"] = [_("请选择省级以下的区划")]
        return kind, None, None
    return kind, None, region


def _kind(data: dict, errors: dict) -> str:
    kind = (data.get("kind") or "").strip()
    if kind not in InspectionKind.values:
        errors["kind"] = [_("请选择检查方式：计划检查或暗访")]
    return kind


def inspection_plan(*, actor, data: dict, request=None) -> Inspection:
    """安排检查: a planned or unannounced inspection of a facility or a region's work."""
    if getattr(actor, "role", "") not in INSPECTORS or getattr(actor, "region", None) is None:
        raise Forbidden(_("只有民政、组织部门和乡镇（街道）工作人员可以开展督查检查"))
    errors: dict[str, list[str]] = {}
    target_kind, facility, region = _target(actor, data, errors)
    kind = _kind(data, errors)
    planned_on = _date(data.get("planned_on"), "planned_on", errors)
    inspectors = _text(
        data.get("inspectors"), "inspectors", errors, size=200, required=True, label=_("检查人员")
    )
    if region is not None and not in_subtree(region.path, actor.region.path):
        errors["region_code"] = [_("只能检查本辖区的区划")]
    if errors:
        raise ValidationFailed(fields=errors)
    checklist, res = selectors.checklist_for(region, target_kind, planned_on)
    if not checklist:
        raise ValidationFailed(
            _("该区划没有适用的督查检查表（规则 %(id)s）") % {"id": rules.CHECKLIST_RULE},
            fields={"region_code" if facility is None else "facility_id": [_("没有适用的检查表")]},
        )
    with transaction.atomic():
        inspection = Inspection.objects.create(
            target_kind=target_kind,
            facility=facility,
            region=region,
            region_path=region.path,
            organizer_region=actor.region,
            organizer_path=actor.region.path,
            kind=kind,
            planned_on=planned_on,
            inspectors=inspectors,
            checklist_trace=selectors.rule_summary(res),
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="supervision.inspection_plan",
            obj=inspection,
            region=region,
            request=request,
            detail={"kind": kind, "target": target_kind, "planned_on": planned_on.isoformat()},
        )
    return inspection


def inspection_update(*, actor, inspection: Inspection, data: dict, request=None) -> Inspection:
    """Change a plan (date, method, inspectors) before it is held."""
    _ensure_organizer(actor, inspection)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if "kind" in data:
        changes["kind"] = _kind(data, errors)
    if "planned_on" in data:
        changes["planned_on"] = _date(data.get("planned_on"), "planned_on", errors)
    if "inspectors" in data:
        changes["inspectors"] = _text(
            data.get("inspectors"),
            "inspectors",
            errors,
            size=200,
            required=True,
            label=_("检查人员"),
        )
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _move(inspection, "update")
        before = {k: str(getattr(inspection, k)) for k in changes}
        for key, value in changes.items():
            setattr(inspection, key, value)
        inspection.save()
        audit.record(
            actor=actor,
            action="supervision.inspection_update",
            obj=inspection,
            region=inspection.region,
            request=request,
            detail={"before": before, "after": {k: str(v) for k, v in changes.items()}},
        )
    return inspection


def _default_responsible(inspection: Inspection) -> str:
    if inspection.facility_id:
        return inspection.facility.operator_name or inspection.facility.name
    return inspection.region.name


def _responsible_region(inspection: Inspection) -> Region:
    """A facility's rectification is answered for by its township (street); a region's
    by the region itself."""
    if inspection.facility_id:
        return _ancestor_at(inspection.region, Level.TOWNSHIP)
    return inspection.region


def _finding_fields(
    raw: dict,
    key: str,
    errors: dict,
    *,
    inspected_on: dt.date,
    rect: dict,
    default_description: str = "",
) -> dict:
    severity = (raw.get("severity") or "").strip()
    if severity not in Severity.values:
        errors[f"{key}.severity"] = [_("请选择问题严重程度")]
    description = (raw.get("description") or "").strip() or default_description.strip()
    if not description:
        errors[f"{key}.description"] = [_("请写明发现的问题")]
    elif len(description) > 2000:
        errors[f"{key}.description"] = [_("问题描述最多 2000 字")]
    deadline = _date(raw.get("deadline"), f"{key}.deadline", errors, required=False)
    if deadline is None and severity in Severity.values and f"{key}.deadline" not in errors:
        deadline = rules.default_deadline(rect, severity, inspected_on)
    if deadline is not None and f"{key}.deadline" not in errors:
        latest = rules.latest_deadline(rect, inspected_on)
        if deadline <= inspected_on:
            errors[f"{key}.deadline"] = [_("整改期限应晚于检查日期")]
        elif latest is not None and deadline > latest:
            errors[f"{key}.deadline"] = [
                _("整改期限不能超过检查后 %(n)s 天（%(d)s）") % {"n": rect["max_days"], "d": latest}
            ]
    responsible = (raw.get("responsible") or "").strip()
    if len(responsible) > 100:
        errors[f"{key}.responsible"] = [_("整改责任人/单位最多 100 字")]
    return {
        "severity": severity,
        "description": description,
        "deadline": deadline,
        "responsible": responsible,
    }


def _responsible_user(raw: dict, inspection: Inspection, key: str, errors: dict) -> User | None:
    value = raw.get("responsible_user_id")
    if value in (None, "", 0, "0"):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        errors[key] = [_("责任人账号无效")]
        return None
    user = User.objects.filter(pk=pk, is_active=True, disabled_at__isnull=True).first()
    facility = inspection.facility
    ok = user is not None and (
        in_subtree(inspection.region_path, user.region.path)
        or in_subtree(user.region.path, inspection.region_path)
        or (facility is not None and facility.operators.filter(pk=user.pk).exists())
    )
    if not ok:
        errors[key] = [_("责任人账号应为被检查设施的运营方或当地工作人员")]
        return None
    return user


def _create_finding(
    *, inspection, actor, item_code: str, item_label: str, fields: dict, user, today
) -> Finding:
    finding = Finding.objects.create(
        inspection=inspection,
        region_path=inspection.region_path,
        item_code=item_code,
        item_label=item_label,
        severity=fields["severity"],
        description=fields["description"],
        deadline=fields["deadline"],
        responsible=fields["responsible"] or _default_responsible(inspection),
        responsible_user=user,
        responsible_region=_responsible_region(inspection),
        created_by=actor,
    )
    FindingEvent.objects.create(
        finding=finding,
        kind=EventKind.CREATED,
        on=today,
        by=actor,
        note=finding.description,
        data={"deadline": finding.deadline.isoformat(), "severity": finding.severity},
    )
    return finding


def _tell_responsible(inspection: Inspection, findings: list[Finding]) -> None:
    """整改通知: the facility's operator accounts and any named responsible account get a
    message listing the problems and their deadlines."""
    if not findings:
        return
    people: dict[int, User] = {}
    if inspection.facility_id:
        for user in inspection.facility.operators.filter(is_active=True, disabled_at__isnull=True):
            people[user.pk] = user
    for finding in findings:
        if finding.responsible_user_id:
            people[finding.responsible_user_id] = finding.responsible_user
    if not people:
        return
    lines = [
        _("%(n)s. %(what)s（%(sev)s），%(d)s 前整改")
        % {
            "n": i,
            "what": f.item_label or f.description[:30],
            "sev": f.get_severity_display(),
            "d": f.deadline.isoformat(),
        }
        for i, f in enumerate(findings, start=1)
    ]
    subject = _("整改通知：%(t)s，%(n)s 项问题") % {
        "t": inspection.target_name,
        "n": len(findings),
    }
    body = "\n".join(
        [
            _("%(d)s 督查检查发现以下问题，请按期整改并在平台报告整改情况：")
            % {"d": inspection.inspected_on.isoformat()},
            *lines,
            f"/supervision/inspections/{inspection.pk}/",
        ]
    )
    for user in people.values():
        notify.send(
            channel=Channel.APP,
            subject=subject,
            body=body,
            region_path=inspection.region_path,
            to_user=user,
            topic=f"inspection:{inspection.pk}",
        )


def inspection_record(
    *,
    actor,
    inspection: Inspection,
    inspected_on,
    results: dict,
    summary: str = "",
    inspectors: str | None = None,
    photos=(),
    request=None,
) -> Inspection:
    """录入检查结果: every checklist item of the rule (for this kind of target) gets pass,
    fail or n/a; each failed item becomes a finding with its severity, description,
    deadline (the rule's default for the severity unless given) and responsible."""
    _ensure_organizer(actor, inspection)
    _move(inspection, "record")
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    day = _date(inspected_on, "inspected_on", errors)
    if day is not None and day > today:
        errors["inspected_on"] = [_("检查日期不能晚于今天")]
    names = inspection.inspectors
    if inspectors is not None:
        names = _text(
            inspectors, "inspectors", errors, size=200, required=True, label=_("检查人员")
        )
    summary = _text(summary, "summary", errors, size=4000, required=False, label=_("检查小结"))
    photos = _photos_ok(photos, "photos", errors)
    if not isinstance(results, dict):
        errors["results"] = [_("请逐项填写检查结果")]
        results = {}
    if errors and "inspected_on" in errors:
        raise ValidationFailed(fields=errors)
    checklist, res = selectors.checklist_for(inspection.region, inspection.target_kind, day)
    if not checklist:
        raise ValidationFailed(
            _("该区划没有适用的督查检查表（规则 %(id)s）") % {"id": rules.CHECKLIST_RULE},
            fields={"results": [_("没有适用的检查表")]},
        )
    rect = _rule(rules.RECTIFICATION_RULE, inspection.region, day, "results").params
    codes = {item.code for item in checklist}
    for code in set(results) - codes:
        errors[f"results.{code}"] = [_("检查表中没有这一项")]
    planned: list[tuple[rules.ChecklistItem, dict, dict | None, User | None]] = []
    for item in checklist:
        raw = results.get(item.code)
        key = f"results.{item.code}"
        if not isinstance(raw, dict) or raw.get("result") not in ItemResult.values:
            errors[key] = [_("请选择“%(l)s”的结果：合格、不合格或不适用") % {"l": item.label}]
            continue
        note = (raw.get("note") or "").strip()
        if len(note) > 500:
            errors[f"{key}.note"] = [_("情况说明最多 500 字")]
        finding = None
        user = None
        if raw["result"] == ItemResult.FAIL:
            finding = _finding_fields(
                raw, key, errors, inspected_on=day, rect=rect, default_description=note
            )
            user = _responsible_user(raw, inspection, f"{key}.responsible_user_id", errors)
        planned.append((item, {"result": raw["result"], "note": note}, finding, user))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _move(inspection, "record")
        made: list[Finding] = []
        for position, (item, result, finding, user) in enumerate(planned):
            InspectionItem.objects.create(
                inspection=inspection,
                code=item.code,
                section=item.section,
                section_label=item.section_label,
                label=item.label,
                result=result["result"],
                note=result["note"],
                position=position,
            )
            if finding is not None:
                made.append(
                    _create_finding(
                        inspection=inspection,
                        actor=actor,
                        item_code=item.code,
                        item_label=item.label,
                        fields=finding,
                        user=user,
                        today=today,
                    )
                )
        inspection.inspected_on = day
        inspection.inspectors = names
        inspection.summary = summary
        inspection.status = InspectionStatus.RECORDED
        inspection.recorded_by = actor
        inspection.checklist_trace = selectors.rule_summary(res)
        inspection.save()
        _save_photos(photos, inspection=inspection, actor=actor)
        audit.record(
            actor=actor,
            action="supervision.inspection_record",
            obj=inspection,
            region=inspection.region,
            request=request,
            detail={
                "inspected_on": day.isoformat(),
                "results": {i.code: r["result"] for i, r, _f, _u in planned},
                "findings": [f.pk for f in made],
                "photos": len(photos),
            },
        )
        _tell_responsible(inspection, made)
    return inspection


def finding_add(*, actor, inspection: Inspection, data: dict, request=None) -> Finding:
    """A further problem of a held inspection (not tied to a checklist item, or found while
    writing up)."""
    _ensure_inspector(actor, inspection.region_path)
    _move(inspection, "add_finding")
    errors: dict[str, list[str]] = {}
    item_code = (data.get("item_code") or "").strip()
    item_label = ""
    if item_code:
        item = inspection.items.filter(code=item_code).first()
        if item is None:
            errors["item_code"] = [_("这次检查没有这一检查项")]
        else:
            item_label = item.label
    rect = _rule(rules.RECTIFICATION_RULE, inspection.region, inspection.inspected_on, "deadline")
    fields = _finding_fields(
        data, "finding", errors, inspected_on=inspection.inspected_on, rect=rect.params
    )
    user = _responsible_user(data, inspection, "responsible_user_id", errors)
    photos = _photos_ok(data.get("photos"), "photos", errors)
    errors = {k.removeprefix("finding."): v for k, v in errors.items()}
    if errors:
        raise ValidationFailed(fields=errors)
    today = timezone.localdate()
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _move(inspection, "add_finding")
        finding = _create_finding(
            inspection=inspection,
            actor=actor,
            item_code=item_code,
            item_label=item_label,
            fields=fields,
            user=user,
            today=today,
        )
        _save_photos(photos, inspection=inspection, actor=actor, finding=finding)
        audit.record(
            actor=actor,
            action="supervision.finding_add",
            obj=finding,
            region=inspection.region,
            request=request,
            detail={"inspection": inspection.pk, "deadline": finding.deadline.isoformat()},
        )
        _tell_responsible(inspection, [finding])
    return finding


def inspection_cancel(*, actor, inspection: Inspection, reason: str, request=None) -> Inspection:
    _ensure_organizer(actor, inspection)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, size=200, required=True, label=_("取消原因"))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _move(inspection, "cancel")
        inspection.status = InspectionStatus.CANCELLED
        inspection.cancel_reason = reason
        inspection.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit.record(
            actor=actor,
            action="supervision.inspection_cancel",
            obj=inspection,
            region=inspection.region,
            request=request,
            detail={"reason": reason},
        )
    return inspection


def inspection_close(*, actor, inspection: Inspection, request=None) -> Inspection:
    """办结: only when every finding has passed its re-inspection (销号)."""
    _ensure_organizer(actor, inspection)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _move(inspection, "close")
        unclosed = inspection.findings.exclude(status=FindingStatus.CLOSED).count()
        if unclosed:
            raise Conflict(
                _("还有 %(n)s 项问题未复查销号，不能办结") % {"n": unclosed}, code="findings_open"
            )
        inspection.status = InspectionStatus.CLOSED
        inspection.closed_at = timezone.now()
        inspection.closed_by = actor
        inspection.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit.record(
            actor=actor,
            action="supervision.inspection_close",
            obj=inspection,
            region=inspection.region,
            request=request,
        )
    return inspection


# ------------------------------------------------------------------ findings


def finding_submit(*, actor, finding: Finding, note: str, photos=(), request=None) -> Finding:
    """报告整改: the responsible says what was done (with photos); it waits for re-inspection."""
    if not may_submit(actor, finding):
        raise Forbidden(_("只有整改责任人、设施运营方或当地工作人员可以报告整改"))
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", errors, size=2000, required=True, label=_("整改情况"))
    photos = _photos_ok(photos, "photos", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    today = timezone.localdate()
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _finding_move(finding, "submit")
        finding.status = FindingStatus.SUBMITTED
        finding.rectification_note = note
        finding.submitted_at = timezone.now()
        finding.save(update_fields=["status", "rectification_note", "submitted_at"])
        event = FindingEvent.objects.create(
            finding=finding, kind=EventKind.SUBMITTED, on=today, by=actor, note=note
        )
        _save_photos(
            photos, inspection=finding.inspection, actor=actor, finding=finding, event=event
        )
        audit.record(
            actor=actor,
            action="supervision.finding_submit",
            obj=finding,
            region=finding.inspection.region,
            request=request,
            detail={"photos": len(photos)},
        )
    return finding


def finding_reinspect(
    *,
    actor,
    finding: Finding,
    passed: bool,
    on,
    note: str = "",
    new_deadline=None,
    photos=(),
    request=None,
) -> Finding:
    """复查: passed closes the finding (销号); not passed reopens it with a new deadline
    (the escalation starts again from that deadline; the history keeps the old ones)."""
    if not may_reinspect(actor, finding):
        if getattr(actor, "role", "") in INSPECTORS:
            raise NotFound()
        raise Forbidden(_("只有民政、组织部门和乡镇（街道）工作人员可以复查"))
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    day = _date(on, "on", errors)
    if day is not None and day > today:
        errors["on"] = [_("复查日期不能晚于今天")]
    inspected_on = finding.inspection.inspected_on
    if day is not None and inspected_on and day < inspected_on:
        errors["on"] = [_("复查日期不能早于检查日期")]
    note = _text(note, "note", errors, size=2000, required=not passed, label=_("复查情况"))
    deadline = None
    if not passed:
        deadline = _date(new_deadline, "new_deadline", errors)
        if deadline is not None and day is not None:
            rect = _rule(rules.RECTIFICATION_RULE, finding.inspection.region, day, "new_deadline")
            latest = rules.latest_deadline(rect.params, day)
            if deadline <= day:
                errors["new_deadline"] = [_("新的整改期限应晚于复查日期")]
            elif latest is not None and deadline > latest:
                errors["new_deadline"] = [
                    _("整改期限不能超过复查后 %(n)s 天（%(d)s）")
                    % {"n": rect.params["max_days"], "d": latest}
                ]
    photos = _photos_ok(photos, "photos", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _finding_move(finding, "reinspect")
        finding.reinspections += 1
        before = finding.deadline
        if passed:
            finding.status = FindingStatus.CLOSED
            finding.closed_at = timezone.now()
            finding.closed_by = actor
            kind = EventKind.REINSPECT_PASS
            data = {}
        else:
            finding.status = FindingStatus.OPEN
            finding.deadline = deadline
            finding.escalation_level = 0
            finding.escalated_to = None
            finding.escalated_at = None
            kind = EventKind.REINSPECT_FAIL
            data = {"old_deadline": before.isoformat(), "deadline": deadline.isoformat()}
        finding.save()
        event = FindingEvent.objects.create(
            finding=finding, kind=kind, on=day, by=actor, note=note, data=data
        )
        _save_photos(
            photos, inspection=finding.inspection, actor=actor, finding=finding, event=event
        )
        audit.record(
            actor=actor,
            action="supervision.finding_reinspect",
            obj=finding,
            region=finding.inspection.region,
            request=request,
            detail={"passed": passed, "on": day.isoformat(), **data},
        )
        if not passed:
            _tell_responsible(finding.inspection, [finding])
    return finding


# ------------------------------------------------------------------ escalation


def _escalation_recipients(finding: Finding, target: Region) -> list[User]:
    people: dict[int, User] = {}
    active = User.objects.filter(is_active=True, disabled_at__isnull=True)
    for user in active.filter(region=finding.responsible_region, role__in=OFFICERS):
        people[user.pk] = user
    for user in active.filter(region=target, role__in=INSPECTORS):
        people[user.pk] = user
    facility = finding.inspection.facility
    if facility is not None:
        for user in facility.operators.filter(is_active=True, disabled_at__isnull=True):
            people[user.pk] = user
    if finding.responsible_user_id and finding.responsible_user.is_active:
        people[finding.responsible_user_id] = finding.responsible_user
    return list(people.values())


def escalate_overdue(*, today: dt.date | None = None) -> int:
    """逾期上报: every finding past its deadline and not closed climbs to the step the rule
    ``supervision.escalation`` gives for its days overdue (step n = n levels above its
    responsible region, at most the province). Each climb is recorded on the finding,
    audited, and sent to the responsible, the responsible region's officers and the
    officers of the region it now stands at. Running it twice on a day changes nothing."""
    today = today or timezone.localdate()
    book = policy_selectors.RuleBook(("supervision.",), today)
    moved = 0
    candidates = (
        Finding.objects.filter(selectors.overdue_q(today))
        .select_related("responsible_region", "inspection__region")
        .order_by("pk")
    )
    for finding in candidates.iterator():
        res = book.lookup(rules.ESCALATION_RULE, finding.inspection.region, today)
        if res is None:
            continue
        days = rules.overdue_days(finding.deadline, today)
        step = rules.escalation_step(res.params, days)
        if step <= finding.escalation_level:
            continue
        code = rules.escalation_code(finding.responsible_region.path, step)
        target = Region.objects.filter(code=code).first() if code else None
        if target is None:
            continue
        with transaction.atomic():
            locked = (
                # of=("self",): PostgreSQL cannot lock the nullable side of the joins.
                Finding.objects.select_for_update(of=("self",))
                .select_related("inspection", "inspection__facility", "responsible_user")
                .get(pk=finding.pk)
            )
            if locked.status == FindingStatus.CLOSED or locked.escalation_level >= step:
                continue
            if locked.deadline >= today:
                continue
            if locked.escalated_to_id == target.code:
                # Already at the top (the province): nobody new to tell.
                locked.escalation_level = step
                locked.save(update_fields=["escalation_level"])
                continue
            locked.escalation_level = step
            locked.escalated_to = target
            locked.escalated_at = timezone.now()
            locked.save(update_fields=["escalation_level", "escalated_to", "escalated_at"])
            note = _("逾期 %(d)s 天未整改销号，上报至%(r)s") % {"d": days, "r": target.name}
            FindingEvent.objects.create(
                finding=locked,
                kind=EventKind.ESCALATED,
                on=today,
                note=note,
                data={"step": step, "to": target.code, "days_overdue": days},
            )
            audit.record(
                actor=None,
                username="job",
                action="supervision.finding_escalate",
                obj=locked,
                region=target,
                detail={"step": step, "to": target.code, "days_overdue": days},
            )
            subject = _("逾期整改上报：%(t)s %(what)s") % {
                "t": locked.inspection.target_name,
                "what": locked.item_label or locked.description[:20],
            }
            body = "\n".join(
                [
                    _("整改期限 %(d)s，已逾期 %(n)s 天，责任人/单位：%(who)s。")
                    % {"d": locked.deadline.isoformat(), "n": days, "who": locked.responsible},
                    note,
                    f"/supervision/findings/{locked.pk}/",
                ]
            )
            for user in _escalation_recipients(locked, target):
                notify.send(
                    channel=Channel.APP,
                    subject=subject,
                    body=body,
                    region_path=locked.region_path,
                    to_user=user,
                    topic=f"finding:{locked.pk}",
                )
            moved += 1
    return moved


# ------------------------------------------------------------------ operator evaluation


def _evaluation_region(actor, code: str, errors: dict) -> Region | None:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if code else actor.region
    if region is None:
        errors["region_code"] = [_("区划代码不存在")]
        return None
    if not in_subtree(region.path, actor.region.path):
        errors["region_code"] = [_("只能评估本辖区的运营方")]
        return None
    if region.level not in (Level.CITY, Level.COUNTY):
        errors["region_code"] = [_("运营方年度评估由市、县（区）民政部门组织，请选择市或县级区划")]
        return None
    return region


def evaluation_scheme(region: Region, year: int):
    """The scheme in force at the end of the evaluated year (or today, for this year)."""
    on = min(dt.date(year, 12, 31), timezone.localdate())
    return policy_selectors.lookup(rules.SCHEME_RULE, region, on)


def evaluation_evidence(region: Region, year: int, facilities, providers, params: dict) -> dict:
    sat, per_provider, lows = selectors.satisfaction_of(region, year, providers, params)
    points = rules.satisfaction_points(params, sat)
    return {
        "satisfaction": sat,
        "satisfaction_points": points,
        "ratings": {
            "rated": sat.rated,
            "satisfied": sat.satisfied,
            "low": sat.low,
            "average": str(sat.average) if sat.average is not None else "",
            "satisfied_min_rating": int(params.get("satisfied_min_rating", 4)),
            "min_ratings": int(params.get("min_ratings", 1)),
            "points": str(points) if points is not None else "",
            "providers": per_provider,
            "low_ratings": lows,
        },
        "inspections": selectors.inspection_evidence(facilities, year),
        "stars": selectors.star_evidence(facilities, year),
        "facilities": [
            {"id": f.pk, "name": f.name, "type": f.type, "ownership": f.ownership}
            for f in facilities
        ],
    }


def evaluation_create(*, actor, data: dict, request=None) -> OperatorEvaluation:
    """运营方年度评估. Service quality and internal management are entered (0 to the
    section's maximum); satisfaction is computed from the elders' ratings of the operator's
    services when there are enough, else entered with a note on its evidence. The total
    and every section are held against the scheme; a failing operator is flagged."""
    if getattr(actor, "role", "") not in EVALUATORS or getattr(actor, "region", None) is None:
        raise Forbidden(_("只有市、县（区）民政部门可以评估运营方"))
    errors: dict[str, list[str]] = {}
    region = _evaluation_region(actor, data.get("region_code") or "", errors)
    try:
        year = int(data.get("year"))
    except (TypeError, ValueError):
        year = None
    this_year = timezone.localdate().year
    if year is None or not 2000 <= year <= this_year:
        errors["year"] = [_("评估年度应在 2000 到 %(y)s 之间") % {"y": this_year}]
    operator_name = _text(
        data.get("operator_name"),
        "operator_name",
        errors,
        size=100,
        required=True,
        label=_("运营方"),
    )
    evaluated_on = _date(data.get("evaluated_on") or timezone.localdate(), "evaluated_on", errors)
    if evaluated_on and evaluated_on > timezone.localdate():
        errors["evaluated_on"] = [_("评估日期不能晚于今天")]
    if evaluated_on and year and evaluated_on.year < year:
        errors["evaluated_on"] = [_("评估日期不能早于评估年度")]
    evaluators = _text(
        data.get("evaluators"),
        "evaluators",
        errors,
        size=200,
        required=True,
        label=_("评估人员/机构"),
    )
    note = _text(data.get("note"), "note", errors, size=4000, required=False, label=_("评估意见"))
    if errors:
        raise ValidationFailed(fields=errors)
    res = evaluation_scheme(region, year)
    if res is None:
        raise ValidationFailed(
            fields={
                "region_code": [
                    _("该区划没有适用的运营方评估规则 %(id)s") % {"id": rules.SCHEME_RULE}
                ]
            }
        )
    params = res.params
    all_facilities = list(selectors.operator_facilities(region, operator_name))
    if not all_facilities:
        raise ValidationFailed(fields={"operator_name": [_("该运营方在本区划没有运营的设施")]})
    facility_ids = data.get("facility_ids")
    if facility_ids:
        wanted = {int(x) for x in facility_ids if str(x).strip().isdigit()}
        facilities = [f for f in all_facilities if f.pk in wanted]
        if (
            not facilities
            or len(facilities) != len(wanted)
            or len(wanted) != len(set(map(str, facility_ids)))
        ):
            errors["facility_ids"] = [_("所选设施不属于该运营方或不在本区划")]
    else:
        facilities = all_facilities
    provider_ids = data.get("provider_ids")
    if provider_ids is None:
        providers = list(selectors.candidate_providers(region, operator_name, all_facilities))
    else:
        wanted = {int(x) for x in provider_ids if str(x).strip().isdigit()}
        providers = list(
            Provider.objects.filter(path_q(region.path, "region_path"), pk__in=wanted).exclude(
                kind="volunteer"
            )
        )
        if len(providers) != len(wanted) or len(wanted) != len(set(map(str, provider_ids))):
            errors["provider_ids"] = [_("所选服务方不在本区划")]
    if errors:
        raise ValidationFailed(fields=errors)
    evidence = evaluation_evidence(region, year, facilities, providers, params)
    points = evidence.pop("satisfaction_points")
    evidence.pop("satisfaction")
    raw_scores = data.get("scores") or {}
    from_ratings = points is not None
    skip = ("satisfaction",) if from_ratings else ()
    scores, score_errors = rules.check_scores(params, raw_scores, skip=skip)
    errors.update({f"scores.{k}": v for k, v in score_errors.items()})
    satisfaction_note = _text(
        data.get("satisfaction_note"),
        "satisfaction_note",
        errors,
        size=2000,
        required=not from_ratings,
        label=_("满意度依据（评价不足时的问卷等证据）"),
    )
    if errors:
        raise ValidationFailed(fields=errors)
    if from_ratings:
        scores["satisfaction"] = points
    result = rules.score(params, scores)
    trace = {"scheme": selectors.rule_summary(res), "params": dict(params)}
    basis = policy_selectors.lookup(rules.CHANGZHI_EVALUATION_RULE, region, evaluated_on)
    if basis is not None:
        trace["basis"] = selectors.rule_summary(basis)
    with transaction.atomic():
        try:
            with transaction.atomic():
                evaluation = OperatorEvaluation.objects.create(
                    region=region,
                    region_path=region.path,
                    year=year,
                    operator_name=operator_name,
                    evaluated_on=evaluated_on,
                    evaluators=evaluators,
                    scores={s.code: str(s.score) for s in result.sections},
                    total=result.total,
                    pass_mark=result.pass_mark,
                    passed=result.passed,
                    failed_sections=result.failed_sections,
                    satisfaction_from_ratings=from_ratings,
                    satisfaction_note=satisfaction_note,
                    evidence={**evidence, "reasons": result.reasons},
                    trace=trace,
                    note=note,
                    flagged=not result.passed,
                    created_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("%(o)s %(y)s 年度已评估") % {"o": operator_name, "y": year},
                code="already_evaluated",
                fields={"operator_name": [_("该运营方本年度已评估")]},
            ) from None
        evaluation.facilities.set(facilities)
        evaluation.providers.set(providers)
        audit.record(
            actor=actor,
            action="supervision.evaluation_create",
            obj=evaluation,
            region=region,
            request=request,
            detail={
                "year": year,
                "scores": evaluation.scores,
                "total": str(result.total),
                "pass_mark": str(result.pass_mark),
                "passed": result.passed,
                "reasons": result.reasons,
            },
        )
    return evaluation


def evaluation_resolve(
    *, actor, evaluation: OperatorEvaluation, resolution: str, note: str, request=None
) -> OperatorEvaluation:
    """处理: record what was decided about a flagged operator (replaced, or retained with
    a reason and a deadline to improve)."""
    region = getattr(actor, "region", None)
    if getattr(actor, "role", "") not in EVALUATORS or region is None:
        raise Forbidden(_("只有市、县（区）民政部门可以处理评估结果"))
    if not in_subtree(evaluation.region_path, region.path):
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if resolution not in (Resolution.REPLACED, Resolution.RETAINED):
        errors["resolution"] = [_("请选择处理结果：已调整运营方或经研究保留")]
    note = _text(note, "note", errors, size=2000, required=True, label=_("处理说明"))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        evaluation = OperatorEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.flagged or evaluation.resolution:
            raise Conflict(_("该评估没有待处理的调整建议"), code="illegal_transition")
        evaluation.resolution = resolution
        evaluation.resolution_note = note
        evaluation.resolved_at = timezone.now()
        evaluation.resolved_by = actor
        evaluation.save(
            update_fields=["resolution", "resolution_note", "resolved_at", "resolved_by"]
        )
        audit.record(
            actor=actor,
            action="supervision.evaluation_resolve",
            obj=evaluation,
            region=evaluation.region,
            request=request,
            detail={"resolution": resolution},
        )
    return evaluation


__all__ = [
    "escalate_overdue",
    "evaluation_create",
    "evaluation_resolve",
    "finding_add",
    "finding_reinspect",
    "finding_submit",
    "inspection_cancel",
    "inspection_close",
    "inspection_plan",
    "inspection_record",
    "inspection_update",
]
