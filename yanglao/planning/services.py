"""Writes of planning: task tables and their rows (by hand or from an .xlsx), project
applications and their statuses, county evaluations. One function per use case,
validated, in a transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.core.sheets import RowResult
from yanglao.facilities.compliance import source_of
from yanglao.facilities.models import FacilityType
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Level, Region

from . import tasks
from .models import (
    CountyEvaluation,
    EvaluationResult,
    ProjectApplication,
    ProjectStatus,
    StatusChange,
    TaskRow,
    TaskTable,
)

WRITERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})
TOTAL_LABELS = ("合计", "总计", "合  计")
FACTORS_RULE = "urban_project.application_ranking"
WEIGHTS_RULE = "urban_project.ranking_weights"
EVALUATION_RULE = "urban_project.county_evaluation"


def _require(actor, roles=WRITERS) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role not in roles:
        raise Forbidden()


def _region_in_scope(actor, code: str, field: str, levels: Sequence[int]) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None or not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={field: [_("区划不存在或不在您的管辖范围内")]})
    if region.level not in levels:
        raise ValidationFailed(fields={field: [_("区划层级不符")]})
    return region


# ---------------------------------------------------------------- task tables


def table_create(
    *,
    actor,
    region_code: str,
    title: str,
    year_from: int,
    year_to: int,
    source: str = "",
    unit: str = "个",
    columns: list[dict] | None = None,
    types: Sequence[str] = ("day_care_center", "happiness_courtyard"),
    request=None,
) -> TaskTable:
    """建立建设任务表. Without ``columns``: the village columns, then a day-care centre and
    a courtyard column (or one per ``types``) for each year (the Attachment 3 layout
    without resettlement sites)."""
    if not types or any(t not in FacilityType.values for t in types):
        raise ValidationFailed(fields={"types": [_("设施类型不正确")]})
    _require(actor)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("必填")]
    if not (2000 <= int(year_from or 0) <= int(year_to or 0) <= 2100):
        errors["year_to"] = [_("年度应在 2000–2100 之间，且截止年度不早于起始年度")]
    if errors:
        raise ValidationFailed(fields=errors)
    region = _region_in_scope(actor, region_code, "region", (Level.CITY, Level.COUNTY))
    if TaskTable.objects.filter(region=region, title=title).exists():
        raise Conflict(_("该区划已有同名任务表"), fields={"title": [_("已存在")]})
    if columns is None:
        columns = [
            tasks.column(tasks.TOTAL),
            tasks.column(tasks.BUILT),
            tasks.column(tasks.TO_BUILD),
        ]
        for year in range(int(year_from), int(year_to) + 1):
            for type_ in types:
                columns.append(tasks.column(tasks.TASK, year=year, type=type_))
    with transaction.atomic():
        table = TaskTable.objects.create(
            region=region,
            region_path=region.path,
            title=title,
            source=source,
            unit=unit,
            year_from=year_from,
            year_to=year_to,
            columns=columns,
            created_by=actor,
        )
        audit.record(actor=actor, action="planning.table_create", obj=table, request=request)
    return table


def _townships(table: TaskTable) -> dict[str, Region]:
    """Township names under the table's region, abolished ones included (a printed
    table may name a township merged since)."""
    qs = Region.objects.filter(path__startswith=table.region_path + ".", level=Level.TOWNSHIP)
    return {r.name: r for r in qs.order_by("valid_to", "code")[:5000]}


def _int(raw) -> int | None:
    if raw in (None, ""):
        return None
    value = Decimal(str(raw).strip())
    if value != value.to_integral_value() or not 0 <= value <= 100000:
        raise InvalidOperation
    return int(value)


def validate_row(
    table: TaskTable, label: str, raw: Mapping[str, object], townships: Mapping[str, Region]
) -> tuple[dict, Region | None, bool]:
    """A row's label and values checked; raises ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    label = (label or "").strip()
    is_total = label.replace(" ", "") in TOTAL_LABELS
    township = None
    if not label:
        errors["label"] = [_("乡镇名称必填")]
    elif not is_total:
        township = townships.get(label)
        if township is None:
            errors["label"] = [_("“%(n)s”不是本区划下的乡镇") % {"n": label}]
    values: dict[str, int | None] = {}
    for col in table.columns:
        try:
            values[col["key"]] = _int(raw.get(col["key"]))
        except (InvalidOperation, ValueError, TypeError):
            errors[col["key"]] = [_("“%(c)s”应为 0 到 100000 的整数") % {"c": tasks.header(col)}]
    if errors:
        raise ValidationFailed(fields=errors)
    return values, township, is_total


def rows_save(
    *, actor, table: TaskTable, rows: Sequence[tuple[str, Mapping[str, object]]], request=None
) -> RowResult:
    """Save rows as printed, matched by label: every row validated first, the good ones
    written in one transaction, the bad ones returned with their reason. Saving the same
    rows twice changes nothing."""
    _require(actor)
    townships = _townships(table)
    result = RowResult()
    good: list[tuple[int, str, dict, Region | None, bool]] = []
    seen: set[str] = set()
    for n, (label, raw) in enumerate(rows):
        cells = [label, *[str(raw.get(c["key"], "") or "") for c in table.columns]]
        try:
            values, township, is_total = validate_row(table, label, raw, townships)
        except ValidationFailed as error:
            result.rejected.append(
                (cells, "；".join(m for ms in error.fields.values() for m in ms))
            )
            continue
        if label.strip() in seen:
            result.rejected.append((cells, _("同一乡镇出现多次")))
            continue
        seen.add(label.strip())
        good.append((n, label.strip(), values, township, is_total))
    with transaction.atomic():
        existing = {r.label: r for r in table.rows.select_for_update()}
        next_position = max((r.position for r in existing.values()), default=0) + 1
        for _n, label, values, township, is_total in good:
            row = existing.get(label)
            if row is None:
                TaskRow.objects.create(
                    table=table,
                    position=next_position,
                    label=label,
                    township=township,
                    is_total=is_total,
                    values=values,
                )
                next_position += 1
                result.created += 1
            elif row.values == values and row.township_id == getattr(township, "code", None):
                result.unchanged += 1
            else:
                row.values, row.township, row.is_total = values, township, is_total
                row.save(update_fields=["values", "township", "is_total"])
                result.updated += 1
        if result.created or result.updated or result.rejected:
            audit.record(
                actor=actor,
                action="planning.rows_save",
                obj=table,
                request=request,
                detail={
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": len(result.rejected),
                },
            )
    return result


# ---------------------------------------------------------------- applications


def _barred(county: Region, year: int, on: dt.date) -> str:
    """The reason a county may not apply in ``year``, or ''."""
    rule = lookup(EVALUATION_RULE, county, on)
    if rule is None or rule.get("poor_result") != "ineligible_next_year":
        return ""
    evaluation = CountyEvaluation.objects.filter(county=county, year=year - 1).first()
    if evaluation is None or evaluation.result != EvaluationResult.POOR:
        return ""
    return _(
        "%(county)s %(year)s 年度绩效考核结果较差，取消 %(next)s 年度申报资格（%(source)s）"
    ) % {
        "county": county.name,
        "year": year - 1,
        "next": year,
        "source": source_of(rule),
    }


def barred_reason(county: Region, year: int) -> str:
    return _barred(county, year, timezone.localdate())


def factors(region: Region) -> tuple[list[str], dict[str, str]]:
    rule = lookup(FACTORS_RULE, region)
    if rule is None:
        return [], {}
    criteria = list(rule.get("criteria", []))
    return criteria, dict(zip(criteria, rule.get("criteria_labels", criteria), strict=False))


def _scores(region: Region, raw: Mapping[str, object] | None, errors: dict) -> dict[str, str]:
    names, _labels = factors(region)
    out: dict[str, str] = {}
    for name in names:
        value = (raw or {}).get(name)
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
            if not 0 <= number <= 100:
                raise InvalidOperation
            out[name] = str(number)
        except (InvalidOperation, ValueError):
            errors[f"scores.{name}"] = [_("得分应为 0 到 100 的数")]
    for name in raw or {}:
        if name not in names:
            errors[f"scores.{name}"] = [_("不是本地规则中的排序因素")]
    return out


def application_submit(
    *,
    actor,
    county_code: str,
    year: int,
    name: str,
    community_code: str = "",
    floor_area_m2=None,
    operator_name: str = "",
    scores: Mapping[str, object] | None = None,
    note: str = "",
    request=None,
) -> ProjectApplication:
    """县（区）申报城镇社区养老幸福工程. A county that evaluated badly last year is refused."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("必填")]
    if not 2000 <= int(year or 0) <= 2100:
        errors["year"] = [_("年度应在 2000–2100 之间")]
    area = None
    if floor_area_m2 not in (None, ""):
        try:
            area = Decimal(str(floor_area_m2))
            if area <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["floor_area_m2"] = [_("应为正数")]
    if errors:
        raise ValidationFailed(fields=errors)
    county = _region_in_scope(actor, county_code, "county", (Level.COUNTY,))
    community = None
    if community_code:
        community = _region_in_scope(actor, community_code, "community", (Level.VILLAGE,))
        if not in_subtree(community.path, county.path):
            raise ValidationFailed(fields={"community": [_("社区不在该县（区）内")]})
    clean = _scores(county, scores, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    reason = _barred(county, int(year), timezone.localdate())
    if reason:
        raise Conflict(reason, code="county_barred", fields={"county": [reason]})
    with transaction.atomic():
        app = ProjectApplication.objects.create(
            county=county,
            community=community,
            region_path=(community or county).path,
            year=year,
            name=name.strip(),
            floor_area_m2=area,
            operator_name=operator_name,
            scores=clean,
            note=note,
            created_by=actor,
        )
        StatusChange.objects.create(
            application=app,
            to_status=ProjectStatus.SUBMITTED,
            on=timezone.localdate(),
            actor=actor,
        )
        audit.record(
            actor=actor,
            action="planning.application_submit",
            obj=app,
            region=county,
            request=request,
        )
    return app


def application_score(
    *, actor, application: ProjectApplication, scores: Mapping[str, object], request=None
) -> ProjectApplication:
    """市级评分: the five factors, each 0–100."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    clean = _scores(application.county, scores, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        application.scores = {**application.scores, **clean}
        application.save(update_fields=["scores", "updated_at"])
        audit.record(
            actor=actor,
            action="planning.application_score",
            obj=application,
            region=application.county,
            request=request,
            detail={"scores": clean},
        )
    return application


S = ProjectStatus
# status -> the statuses it may move to, and who may make the move.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.SUBMITTED: {S.COUNTY_PASSED: WRITERS, S.REJECTED: WRITERS},
    S.COUNTY_PASSED: {
        S.APPROVED: frozenset({Role.CITY_ADMIN}),
        S.REJECTED: frozenset({Role.CITY_ADMIN}),
    },
    S.APPROVED: {S.BUILDING: WRITERS},
    S.BUILDING: {S.ACCEPTED: WRITERS},
    S.ACCEPTED: {S.OPERATING: WRITERS},
    S.OPERATING: {S.EVALUATED: WRITERS},
    S.EVALUATED: {S.EVALUATED: WRITERS},
    S.REJECTED: {},
}


def application_move(
    *,
    actor,
    application: ProjectApplication,
    to_status: str,
    on: dt.date | None = None,
    note: str = "",
    evaluation_passed: bool | None = None,
    request=None,
) -> ProjectApplication:
    """Move a project along 申报 → 县级审核 → 批准 → 建设 → 竣工验收 → 运营 → 运营评估."""
    _require(actor)
    allowed = TRANSITIONS.get(application.status, {})
    if to_status not in allowed:
        raise ValidationFailed(
            fields={
                "status": [
                    _("不能从“%(a)s”变为“%(b)s”")
                    % {
                        "a": S(application.status).label,
                        "b": dict(S.choices).get(to_status, to_status),
                    }
                ]
            }
        )
    if actor.role not in allowed[to_status]:
        raise Forbidden(_("这一步由市级民政部门办理"))
    if to_status == S.EVALUATED and evaluation_passed is None:
        raise ValidationFailed(fields={"evaluation_passed": [_("运营评估须填写是否合格")]})
    with transaction.atomic():
        StatusChange.objects.create(
            application=application,
            from_status=application.status,
            to_status=to_status,
            on=on or timezone.localdate(),
            note=note,
            actor=actor,
        )
        previous = application.status
        application.status = to_status
        if to_status == S.EVALUATED:
            application.evaluation_passed = evaluation_passed
        application.save(update_fields=["status", "evaluation_passed", "updated_at"])
        audit.record(
            actor=actor,
            action="planning.application_move",
            obj=application,
            region=application.county,
            request=request,
            detail={"from": previous, "to": to_status, "note": note},
        )
    return application


def evaluation_record(
    *, actor, county_code: str, year: int, result: str, note: str = "", request=None
) -> CountyEvaluation:
    """记录县（区）年度绩效考核结果 (the city's call)."""
    _require(actor, frozenset({Role.CITY_ADMIN}))
    if result not in EvaluationResult.values:
        raise ValidationFailed(fields={"result": [_("应为较好、一般或较差")]})
    if not 2000 <= int(year or 0) <= 2100:
        raise ValidationFailed(fields={"year": [_("年度应在 2000–2100 之间")]})
    county = _region_in_scope(actor, county_code, "county", (Level.COUNTY,))
    with transaction.atomic():
        evaluation, _created = CountyEvaluation.objects.update_or_create(
            county=county,
            year=year,
            defaults={
                "region_path": county.path,
                "result": result,
                "note": note,
                "created_by": actor,
            },
        )
        audit.record(
            actor=actor,
            action="planning.county_evaluation",
            obj=evaluation,
            region=county,
            request=request,
            detail={"year": year, "result": result},
        )
    return evaluation
