"""Writes of regions: population figures, the urban-district flag, abolition, imports."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from yanglao.accounts.roles import REGION_EDITORS
from yanglao.core import audit
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.core.sheets import Sheet

from .importer import import_sheet_rows, validate_sheet
from .models import Level, Region

POPULATION_FIELDS = (
    "registered_total",
    "registered_60",
    "registered_80",
    "resident_total",
    "resident_60",
    "resident_80",
)


def _ensure_editor(actor, region: Region) -> None:
    if actor is None:
        return
    if actor.role not in REGION_EDITORS:
        raise Forbidden()
    if not in_subtree(region.path, actor.region.path):
        raise NotFound()


@transaction.atomic
def region_update(
    *,
    actor,
    region: Region,
    population_year: int | None = None,
    populations: dict[str, int | None] | None = None,
    is_urban_district: bool | None = None,
    request=None,
) -> Region:
    _ensure_editor(actor, region)
    errors: dict[str, list[str]] = {}
    changes: dict[str, list] = {}
    populations = populations or {}
    this_year = dt.date.today().year
    if population_year is not None and not 1949 <= population_year <= this_year:
        errors["population_year"] = [_("年份须在 1949 到 %(y)d 之间") % {"y": this_year}]
    for name, value in populations.items():
        if name not in POPULATION_FIELDS:
            errors[name] = [_("未知字段")]
        elif value is not None and value < 0:
            errors[name] = [_("不能为负数")]
    values = {name: populations.get(name, getattr(region, name)) for name in POPULATION_FIELDS}
    for kind in ("registered", "resident"):
        total, p60, p80 = values[f"{kind}_total"], values[f"{kind}_60"], values[f"{kind}_80"]
        if total is not None and p60 is not None and p60 > total:
            errors[f"{kind}_60"] = [_("60岁以上人口不能多于总人口")]
        if p60 is not None and p80 is not None and p80 > p60:
            errors[f"{kind}_80"] = [_("80岁以上人口不能多于60岁以上人口")]
    if is_urban_district is not None and region.level != Level.COUNTY and is_urban_district:
        errors["is_urban_district"] = [_("只有县级区划可以标为市辖区")]
    if errors:
        raise ValidationFailed(fields=errors)
    for name, value in populations.items():
        if getattr(region, name) != value:
            changes[name] = [getattr(region, name), value]
            setattr(region, name, value)
    if population_year is not None and population_year != region.population_year:
        changes["population_year"] = [region.population_year, population_year]
        region.population_year = population_year
    if is_urban_district is not None and is_urban_district != region.is_urban_district:
        changes["is_urban_district"] = [region.is_urban_district, is_urban_district]
        region.is_urban_district = is_urban_district
    if changes:
        region.save()
        audit.record(
            actor=actor,
            action="region.update",
            obj=region,
            region=region,
            request=request,
            username="cli" if actor is None else None,
            detail={"changes": changes},
        )
    return region


@transaction.atomic
def region_abolish(
    *,
    actor,
    region: Region,
    valid_to: dt.date,
    successor: Region | None,
    note: str = "",
    request=None,
) -> Region:
    """Mark a merged or abolished region; it is kept so old records still resolve."""
    _ensure_editor(actor, region)
    if successor is not None and successor.code == region.code:
        raise ValidationFailed(fields={"successor": [_("继承区划不能是自身")]})
    if successor is not None and successor.level != region.level:
        raise ValidationFailed(fields={"successor": [_("继承区划应与被撤销区划同级")]})
    region.valid_to = valid_to
    region.successor = successor
    region.change_note = note[:300]
    region.save(update_fields=["valid_to", "successor", "change_note"])
    audit.record(
        actor=actor,
        action="region.abolish",
        obj=region,
        region=region,
        request=request,
        username="cli" if actor is None else None,
        detail={
            "valid_to": valid_to.isoformat(),
            "successor": successor.code if successor else None,
        },
    )
    return region


def region_import_sheet(*, actor, sheet: Sheet, file_hash: str, filename: str, request=None):
    """Validate every row, commit the good ones together, return the rejected rows."""
    if actor is not None and actor.role not in REGION_EDITORS:
        raise Forbidden()
    scope_path = actor.region.path if actor is not None else "00"
    good, rejected = validate_sheet(sheet, scope_path=scope_path)
    with transaction.atomic():
        created, updated = import_sheet_rows(good) if good else (0, 0)
        audit.record(
            actor=actor,
            action="region.import",
            request=request,
            region=actor.region if actor else None,
            username="cli" if actor is None else None,
            detail={
                "file": filename,
                "sha256": file_hash,
                "rows": len(sheet.rows),
                "created": created,
                "updated": updated,
                "rejected": len(rejected),
            },
        )
    return created, updated, rejected
