"""Writes of the facility registry: one function per use case, validated, audited.

Officers register and edit facilities in their region. A facility's operator (an
account in ``Facility.operators``) edits their own facility's record only, not its
place, type or ownership."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.regions.models import Region

from .models import Facility, FacilityStatus, FacilityType, FireReview, Ownership

OFFICERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
    }
)
# What an operator may change on their own facility.
OPERATOR_FIELDS = frozenset(
    {
        "address",
        "latitude",
        "longitude",
        "floor_area_m2",
        "rooms",
        "beds",
        "nursing_beds",
        "serves_meals",
        "public_welfare_posts",
        "other_staff",
        "residents",
        "operator_name",
        "first_resident_on",
        "filed_on",
        "food_licence_no",
        "food_licence_expires",
        "insurance_expires",
        "has_medical_unit",
        "medical_insurance_on",
        "residential_utilities",
        "fire_review",
        "fire_review_on",
        "note",
    }
)
INTS = ("beds", "nursing_beds", "public_welfare_posts", "other_staff", "residents")
DATES = (
    "planned_on",
    "building_from",
    "opened_on",
    "closed_on",
    "fire_review_on",
    "first_resident_on",
    "filed_on",
    "food_licence_expires",
    "insurance_expires",
    "medical_insurance_on",
)
BOOLS = (
    "serves_meals",
    "converted_building",
    "has_medical_unit",
    "residential_utilities",
)


def may_edit(actor, facility: Facility | None) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if facility is None:
        return actor.role in OFFICERS
    if actor.role in OFFICERS:
        return in_subtree(facility.region_path, actor.region.path)
    return facility.operators.filter(pk=actor.pk).exists()


def _clean(data: dict, errors: dict) -> dict:
    out: dict = {}
    for key in INTS:
        if key in data:
            raw = data[key]
            try:
                value = int(raw if raw not in (None, "") else 0)
                if not 0 <= value <= 100000:
                    raise ValueError
                out[key] = value
            except (TypeError, ValueError):
                errors[key] = [_("应为 0 到 100000 的整数")]
    for key in DATES:
        if key in data:
            raw = data[key]
            if raw in (None, ""):
                out[key] = None
            elif isinstance(raw, dt.date):
                out[key] = raw
            else:
                try:
                    out[key] = dt.date.fromisoformat(str(raw))
                except ValueError:
                    errors[key] = [_("日期格式应为 YYYY-MM-DD")]
    for key in BOOLS:
        if key in data:
            out[key] = bool(data[key])
    if "floor_area_m2" in data:
        raw = data["floor_area_m2"]
        if raw in (None, ""):
            out["floor_area_m2"] = None
        else:
            try:
                area = Decimal(str(raw))
                if not area.is_finite() or not Decimal(0) < area <= Decimal(1000000):
                    raise InvalidOperation
                out["floor_area_m2"] = area.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                errors["floor_area_m2"] = [_("应为大于 0 的数字（平方米）")]
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        if key in data:
            raw = data[key]
            if raw in (None, ""):
                out[key] = None
                continue
            try:
                value = Decimal(str(raw))
                if not value.is_finite() or not low <= value <= high:
                    raise InvalidOperation
                out[key] = value.quantize(Decimal("0.000001"))
            except (InvalidOperation, ValueError):
                errors[key] = [_("应在 %(a)s 到 %(b)s 之间") % {"a": low, "b": high}]
    if "rooms" in data:
        rooms = data["rooms"] or []
        if not isinstance(rooms, list) or not all(isinstance(r, str) for r in rooms):
            errors["rooms"] = [_("功能用房格式无效")]
        else:
            out["rooms"] = sorted({r.strip()[:40] for r in rooms if r.strip()})
    if "fire_review" in data:
        if (data["fire_review"] or "") not in FireReview.values:
            errors["fire_review"] = [_("消防手续选项无效")]
        else:
            out["fire_review"] = data["fire_review"] or ""
    for key, size in (("address", 200), ("operator_name", 100), ("food_licence_no", 60)):
        if key in data:
            value = (data[key] or "").strip()
            if len(value) > size:
                errors[key] = [_("不超过 %(n)s 字") % {"n": size}]
            out[key] = value[:size]
    if "note" in data:
        out["note"] = (data["note"] or "").strip()[:2000]
    return out


def facility_save(*, actor, facility: Facility | None = None, data: dict, request=None) -> Facility:
    """Register a facility (officers) or edit one (officers in scope; its operators,
    limited to ``OPERATOR_FIELDS``)."""
    if not may_edit(actor, facility):
        raise Forbidden(_("您只能编辑本辖区或本机构的设施"))
    officer = actor.role in OFFICERS
    if not officer:
        data = {k: v for k, v in data.items() if k in OPERATOR_FIELDS}
    errors: dict[str, list[str]] = {}
    fields = _clean(data, errors)
    if officer:
        name = (data.get("name") if "name" in data else getattr(facility, "name", "")) or ""
        name = name.strip()
        if not name or len(name) > 100:
            errors["name"] = [_("请填写名称（不超过 100 字）")]
        fields["name"] = name
        for key, choices, message in (
            ("type", FacilityType, _("请选择设施类型")),
            ("ownership", Ownership, _("请选择运营模式")),
            ("status", FacilityStatus, _("请选择状态")),
        ):
            value = data.get(key, getattr(facility, key, "") if facility else "")
            if key == "status" and not value:
                value = FacilityStatus.OPERATING
            if value not in choices.values:
                errors[key] = [message]
            fields[key] = value
        code = (data.get("region") or (facility.region_id if facility else "") or "").strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            errors["region"] = [_("区划代码不存在")]
        elif not in_subtree(region.path, actor.region.path):
            errors["region"] = [_("区划须在您的管辖范围内")]
        else:
            fields["region"], fields["region_path"] = region, region.path
    beds = fields.get("beds", getattr(facility, "beds", 0) if facility else 0)
    nursing = fields.get("nursing_beds", getattr(facility, "nursing_beds", 0) if facility else 0)
    if nursing > beds and "beds" not in errors:
        errors["nursing_beds"] = [_("护理型床位不能多于总床位")]
    opened = fields.get("opened_on", getattr(facility, "opened_on", None) if facility else None)
    closed = fields.get("closed_on", getattr(facility, "closed_on", None) if facility else None)
    if opened and closed and closed < opened:
        errors["closed_on"] = [_("停止运营日期不能早于投入运营日期")]
    first = fields.get(
        "first_resident_on", getattr(facility, "first_resident_on", None) if facility else None
    )
    filed = fields.get("filed_on", getattr(facility, "filed_on", None) if facility else None)
    if filed and first and filed < first - dt.timedelta(days=365):
        errors["filed_on"] = [_("备案日期早于首位老人入住一年以上，请核对")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        new = facility is None
        facility = facility or Facility(created_by=actor)
        before = {k: str(getattr(facility, k, "")) for k in fields if not new}
        for key, value in fields.items():
            setattr(facility, key, value)
        facility.save()
        audit.record(
            actor=actor,
            action="facility.create" if new else "facility.update",
            obj=facility,
            detail={
                "changed": sorted(
                    k for k in fields if new or before.get(k) != str(getattr(facility, k, ""))
                )
            },
            request=request,
        )
    return facility


def operators_set(*, actor, facility: Facility, users, request=None) -> Facility:
    if actor.role not in OFFICERS or not in_subtree(facility.region_path, actor.region.path):
        raise Forbidden()
    with transaction.atomic():
        facility.operators.set(users)
        audit.record(
            actor=actor,
            action="facility.operators",
            obj=facility,
            detail={"users": [u.username for u in users]},
            request=request,
        )
    return facility
