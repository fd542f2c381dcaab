"""Supervision: /api/v1/supervision/... (inspections, findings, operator evaluations)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.idempotency import idempotent
from yanglao.core.scope import in_subtree
from yanglao.regions.models import Region

from . import rules, selectors, services
from .roles import EVALUATION_READERS, EVALUATORS, READERS

router = Router(tags=["supervision 督查"])


def _may(request: HttpRequest, roles: frozenset[str]) -> None:
    if getattr(request.auth, "role", "") not in roles:
        raise Forbidden()


# ------------------------------------------------------------------ schemas


class ChecklistItemOut(Schema):
    code: str = Field(examples=["fire.equipment"])
    section: str = Field(examples=["fire"])
    section_label: str = Field(examples=["消防"])
    label: str = Field(examples=["消防设施设备齐全有效，通道畅通"])
    guide: str = Field(examples=["看灭火器有效期、消防通道与安全出口、应急照明"])
    basis: str = Field(description="依据的种子原文", examples=["加强日常消防监管和检查"])


class RuleOut(Schema):
    rule_id: str = Field("", examples=["supervision.checklist"])
    title: str = Field("", examples=["设施与区域督查检查表（本地默认）"])
    source: str = Field("", examples=["本地默认值"])
    local_default: bool = Field(False, examples=[True])


class ChecklistOut(Schema):
    target_kind: str = Field(examples=["facility"])
    items: list[ChecklistItemOut]
    rule: RuleOut


class ChecklistQuery(Schema):
    region: str = Field(description="区划代码", examples=["141129101"])
    target_kind: Literal["facility", "region"] = Field("facility", examples=["facility"])
    on: dt.date | None = Field(None, description="按该日有效的规则，默认今天")


class ItemResultOut(Schema):
    code: str = Field(examples=["fire.equipment"])
    section_label: str = Field(examples=["消防"])
    label: str
    result: str = Field(examples=["fail"])
    note: str = Field(examples=["2具灭火器过期"])


class FindingOut(Schema):
    id: int
    inspection_id: int
    target_name: str = Field(examples=["宁乡镇敬老院"])
    region_code: str = Field(examples=["141129100"])
    item_code: str = Field(examples=["fire.equipment"])
    item_label: str = Field(examples=["消防设施设备齐全有效，通道畅通"])
    severity: str = Field(examples=["major"])
    description: str = Field(examples=["2具灭火器过期，二楼消防通道堆放杂物"])
    deadline: dt.date = Field(examples=["2026-04-15"])
    responsible: str = Field(examples=["宁乡镇人民政府"])
    responsible_region_code: str = Field(examples=["141129100"])
    status: str = Field(description="open | submitted | closed", examples=["open"])
    days_overdue: int = Field(examples=[3])
    escalation_level: int = Field(examples=[1])
    escalated_to: str | None = Field(None, description="已上报至（区划代码）", examples=["141129"])
    reinspections: int = Field(examples=[0])
    rectification_note: str = Field("", examples=[""])

    @staticmethod
    def of(f) -> dict:
        return {
            "id": f.pk,
            "inspection_id": f.inspection_id,
            "target_name": f.inspection.target_name,
            "region_code": f.inspection.region_id,
            "item_code": f.item_code,
            "item_label": f.item_label,
            "severity": f.severity,
            "description": f.description,
            "deadline": f.deadline,
            "responsible": f.responsible,
            "responsible_region_code": f.responsible_region_id,
            "status": f.status,
            "days_overdue": selectors.days_overdue(f),
            "escalation_level": f.escalation_level,
            "escalated_to": f.escalated_to_id,
            "reinspections": f.reinspections,
            "rectification_note": f.rectification_note,
        }


class InspectionOut(Schema):
    id: int
    target_kind: str = Field(examples=["facility"])
    facility_id: int | None = Field(None, examples=[12])
    target_name: str = Field(examples=["宁乡镇敬老院"])
    region_code: str = Field(examples=["141129100"])
    organizer_region_code: str = Field(examples=["141129"])
    kind: str = Field(description="planned | unannounced", examples=["unannounced"])
    planned_on: dt.date = Field(examples=["2026-03-10"])
    inspected_on: dt.date | None = Field(None, examples=["2026-03-10"])
    inspectors: str = Field(examples=["张福平、李建国"])
    status: str = Field(
        description="planned | recorded | closed | cancelled", examples=["recorded"]
    )
    summary: str = ""
    findings: int = Field(examples=[2])
    open_findings: int = Field(examples=[1])

    @staticmethod
    def of(i) -> dict:
        finding_count = getattr(i, "finding_count", None)
        open_count = getattr(i, "open_count", None)
        if finding_count is None:
            finding_count = i.findings.count()
            open_count = i.findings.exclude(status="closed").count()
        return {
            "id": i.pk,
            "target_kind": i.target_kind,
            "facility_id": i.facility_id,
            "target_name": i.target_name,
            "region_code": i.region_id,
            "organizer_region_code": i.organizer_region_id,
            "kind": i.kind,
            "planned_on": i.planned_on,
            "inspected_on": i.inspected_on,
            "inspectors": i.inspectors,
            "status": i.status,
            "summary": i.summary,
            "findings": finding_count,
            "open_findings": open_count,
        }


class InspectionDetailOut(InspectionOut):
    items: list[ItemResultOut]
    finding_list: list[FindingOut]
    checklist_rule: RuleOut


def _detail(inspection) -> dict:
    return {
        **InspectionOut.of(inspection),
        "items": [
            {
                "code": it.code,
                "section_label": it.section_label,
                "label": it.label,
                "result": it.result,
                "note": it.note,
            }
            for it in inspection.items.all()
        ],
        "finding_list": [
            FindingOut.of(f)
            for f in inspection.findings.select_related(
                "inspection__facility", "inspection__region"
            ).order_by("deadline", "id")
        ],
        "checklist_rule": inspection.checklist_trace or {},
    }


class InspectionIn(Schema):
    target_kind: Literal["facility", "region"] = Field(examples=["facility"])
    facility_id: int | None = Field(None, description="检查设施时必填", examples=[12])
    region_code: str = Field("", description="检查区域工作时必填", examples=[""])
    kind: Literal["planned", "unannounced"] = Field(examples=["unannounced"])
    planned_on: dt.date = Field(examples=["2026-03-10"])
    inspectors: str = Field(max_length=200, examples=["张福平、李建国"])


class InspectionPatch(Schema):
    kind: Literal["planned", "unannounced"] | None = None
    planned_on: dt.date | None = Field(None, examples=["2026-03-12"])
    inspectors: str | None = Field(None, max_length=200)


class ItemIn(Schema):
    result: Literal["pass", "fail", "na"] = Field(examples=["fail"])
    note: str = Field("", max_length=500, examples=["2具灭火器过期"])
    severity: str = Field("", description="不合格时：minor | major | critical", examples=["major"])
    description: str = Field("", description="不合格时的问题描述（不填用 note）")
    deadline: dt.date | None = Field(None, description="不填按规则的默认期限")
    responsible: str = Field("", max_length=100, examples=["宁乡镇人民政府"])
    responsible_user_id: int | None = None


class RecordIn(Schema):
    inspected_on: dt.date = Field(examples=["2026-03-10"])
    inspectors: str | None = Field(None, max_length=200)
    summary: str = Field("", max_length=4000)
    results: dict[str, ItemIn] = Field(
        description="检查表每一项（代码见 GET /supervision/checklist）的结果",
        examples=[
            {
                "safety.rules": {"result": "pass"},
                "fire.equipment": {
                    "result": "fail",
                    "note": "2具灭火器过期",
                    "severity": "major",
                },
                "money.earmarked": {"result": "na"},
            }
        ],
    )


class FindingIn(Schema):
    item_code: str = Field("", examples=["hygiene.environment"])
    severity: Literal["minor", "major", "critical"] = Field(examples=["minor"])
    description: str = Field(max_length=2000, examples=["厨房地面油污，垃圾未及时清运"])
    deadline: dt.date | None = None
    responsible: str = Field("", max_length=100)
    responsible_user_id: int | None = None


class CancelIn(Schema):
    reason: str = Field(max_length=200, examples=["与县消防大队联合检查合并进行"])


class SubmitIn(Schema):
    note: str = Field(max_length=2000, examples=["已更换灭火器4具，清理二楼通道"])


class ReinspectIn(Schema):
    passed: bool = Field(examples=[False])
    on: dt.date = Field(examples=["2026-04-16"])
    note: str = Field("", max_length=2000, examples=["通道已清理，灭火器仍有1具未换"])
    new_deadline: dt.date | None = Field(None, description="不合格时必填", examples=["2026-04-30"])


class InspectionFilter(PageParams):
    q: str = ""
    status: Literal["", "planned", "recorded", "closed", "cancelled"] = ""
    kind: Literal["", "planned", "unannounced"] = ""
    target_kind: Literal["", "facility", "region"] = ""
    region: str = Field("", description="区划代码（辖区内）")
    facility_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class FindingFilter(PageParams):
    q: str = ""
    status: Literal["", "open", "submitted", "closed", "unclosed"] = ""
    severity: Literal["", "minor", "major", "critical"] = ""
    overdue: bool = Field(False, description="只列逾期未整改（期限已过且未销号）")
    escalated: Literal["", "any", "here"] = Field("", description="any 已逐级上报；here 上报至本级")
    region: str = ""


class SectionOut(Schema):
    code: str = Field(examples=["satisfaction"])
    label: str = Field(examples=["服务对象满意度"])
    score: str = Field(examples=["16.5"])
    max_points: str = Field(examples=["30"])
    min_points: str = Field(examples=["18.0"])
    short: bool = Field(description="低于该项最低得分", examples=[True])


class EvaluationOut(Schema):
    id: int
    region_code: str = Field(examples=["140403"])
    year: int = Field(examples=[2025])
    operator_name: str = Field(examples=["长治市银发家园养老服务有限公司"])
    facility_ids: list[int]
    provider_ids: list[int]
    evaluated_on: dt.date
    evaluators: str = Field(examples=["潞州区民政局、第三方评估机构"])
    sections: list[SectionOut]
    total: str = Field(examples=["55.5"])
    pass_mark: str = Field(examples=["60"])
    passed: bool = Field(examples=[False])
    reasons: list[str] = Field(examples=[["总分 55.5 低于合格线 60"]])
    satisfaction_from_ratings: bool
    satisfaction_note: str = ""
    ratings: dict = Field(description="满意度证据：评价条数、满意条数、平均分、各服务方")
    inspections: dict = Field(description="督查检查证据：次数、问题、未销号、逾期")
    flagged: bool = Field(description="建议调整运营方（不合格）", examples=[True])
    resolution: str = Field("", description="replaced | retained | 空（待处理）")
    resolution_note: str = ""
    rule: RuleOut

    @staticmethod
    def of(e) -> dict:
        params = e.trace.get("params", {})
        labels = dict(
            zip(params.get("sections", []), params.get("section_labels", []), strict=False)
        )
        share = rules.dec(params.get("section_min_share", "0"))
        sections = []
        for code in params.get("sections", []):
            top = rules.dec(params["section_max"][code])
            sections.append(
                {
                    "code": code,
                    "label": labels.get(code, code),
                    "score": e.scores.get(code, ""),
                    "max_points": str(top),
                    "min_points": str((top * share).quantize(rules.ONE_DECIMAL)),
                    "short": code in e.failed_sections,
                }
            )
        return {
            "id": e.pk,
            "region_code": e.region_id,
            "year": e.year,
            "operator_name": e.operator_name,
            "facility_ids": sorted(f.pk for f in e.facilities.all()),
            "provider_ids": sorted(p.pk for p in e.providers.all()),
            "evaluated_on": e.evaluated_on,
            "evaluators": e.evaluators,
            "sections": sections,
            "total": str(e.total),
            "pass_mark": str(e.pass_mark),
            "passed": e.passed,
            "reasons": e.evidence.get("reasons", []),
            "satisfaction_from_ratings": e.satisfaction_from_ratings,
            "satisfaction_note": e.satisfaction_note,
            "ratings": e.evidence.get("ratings", {}),
            "inspections": e.evidence.get("inspections", {}),
            "flagged": e.flagged,
            "resolution": e.resolution,
            "resolution_note": e.resolution_note,
            "rule": e.trace.get("scheme", {}),
        }


class EvaluationIn(Schema):
    region_code: str = Field(
        "", description="评估区划（市或县级），默认本人所在区划", examples=["140403"]
    )
    year: int = Field(examples=[2025])
    operator_name: str = Field(max_length=100, examples=["长治市银发家园养老服务有限公司"])
    facility_ids: list[int] | None = Field(None, description="不填：该运营方在本区划的全部设施")
    provider_ids: list[int] | None = Field(
        None, description="计入满意度的服务方；不填：按名称和运营账号自动匹配"
    )
    scores: dict[str, str] = Field(
        description="分项得分（十进制字符串）；满意度在评价条数足够时自动计算，不必填",
        examples=[{"service_quality": "24", "internal_management": "15"}],
    )
    satisfaction_note: str = Field("", description="评价不足时满意度得分的依据（必填）")
    evaluated_on: dt.date | None = Field(None, examples=["2026-01-20"])
    evaluators: str = Field(max_length=200, examples=["潞州区民政局"])
    note: str = Field("", max_length=4000)


class ResolveIn(Schema):
    resolution: Literal["replaced", "retained"] = Field(examples=["replaced"])
    note: str = Field(max_length=2000, examples=["2026年3月起由潞州区康乐养老服务中心接手运营"])


class EvaluationFilter(PageParams):
    q: str = ""
    year: int | None = Field(None, ge=2000, le=2100)
    result: Literal["", "passed", "failed", "flagged"] = ""
    region: str = ""


class OperatorOut(Schema):
    name: str = Field(examples=["山西康乐养老服务有限公司"])
    facilities: int = Field(examples=[1])


class OperatorQuery(Schema):
    region: str = Field("", description="市或县级区划代码，默认本人所在区划", examples=["141129"])
    all: bool = Field(False, description="也列出公办、民办设施的运营方")


# ------------------------------------------------------------------ checklist


@router.get(
    "/supervision/checklist",
    response={200: ChecklistOut, **ERRORS},
    summary="督查检查表（按区划和检查对象）",
    description="规则 supervision.checklist 在该区划、该日适用的检查项；每项带依据原文。",
)
def checklist(request: HttpRequest, query: Query[ChecklistQuery]):
    _may(request, READERS)
    region = Region.objects.filter(code=query.region).first()
    if region is None or not in_subtree(region.path, request.auth.region.path):
        raise ValidationFailed(fields={"region": [_("区划不存在或不在您的辖区")]})
    items, res = selectors.checklist_for(region, query.target_kind, query.on)
    return {
        "target_kind": query.target_kind,
        "items": [
            {
                "code": i.code,
                "section": i.section,
                "section_label": i.section_label,
                "label": i.label,
                "guide": i.guide,
                "basis": i.basis,
            }
            for i in items
        ],
        "rule": selectors.rule_summary(res),
    }


# ------------------------------------------------------------------ inspections


@router.get(
    "/supervision/inspections",
    response={200: Page[InspectionOut], **ERRORS},
    summary="督查检查列表",
    description="辖区内的检查；尚未进行的暗访只有组织单位及其上级看得到。",
)
def inspection_list(request: HttpRequest, filters: Query[InspectionFilter]):
    _may(request, READERS)
    qs = selectors.inspections(
        request.auth,
        q=filters.q,
        status=filters.status,
        kind=filters.kind,
        target_kind=filters.target_kind,
        region_code=filters.region,
        facility_id=filters.facility_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    page = paginate(qs, filters)
    return {"items": [InspectionOut.of(i) for i in page["items"]], "count": page["count"]}


@router.post(
    "/supervision/inspections",
    response={201: InspectionDetailOut, **ERRORS},
    summary="安排检查",
    description="计划检查或暗访；对象为设施（facility_id）或区域工作（region_code），须在辖区内。",
)
@decorate_view(idempotent)
def inspection_create(request: HttpRequest, payload: InspectionIn):
    inspection = services.inspection_plan(actor=request.auth, data=payload.dict(), request=request)
    return Status(201, _detail(inspection))


@router.get(
    "/supervision/inspections/{inspection_id}",
    response={200: InspectionDetailOut, **ERRORS},
    summary="一次检查：检查表结果与发现问题",
)
def inspection_detail(request: HttpRequest, inspection_id: int):
    return _detail(selectors.inspection_get(request.auth, inspection_id))


@router.patch(
    "/supervision/inspections/{inspection_id}",
    response={200: InspectionDetailOut, **ERRORS},
    summary="修改检查计划",
    description="只在检查前（planned）可改，否则 409 illegal_transition。",
)
@decorate_view(idempotent)
def inspection_patch(request: HttpRequest, inspection_id: int, payload: InspectionPatch):
    inspection = selectors.inspection_get(request.auth, inspection_id)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    inspection = services.inspection_update(
        actor=request.auth, inspection=inspection, data=data, request=request
    )
    return _detail(inspection)


@router.post(
    "/supervision/inspections/{inspection_id}/record",
    response={200: InspectionDetailOut, **ERRORS},
    summary="录入检查结果",
    description="检查表每一项 pass / fail / na；不合格项生成整改问题，期限不填按规则 "
    "supervision.rectification 的默认天数。只能录入一次（否则 409）。",
)
@decorate_view(idempotent)
def inspection_record(request: HttpRequest, inspection_id: int, payload: RecordIn):
    inspection = selectors.inspection_get(request.auth, inspection_id)
    inspection = services.inspection_record(
        actor=request.auth,
        inspection=inspection,
        inspected_on=payload.inspected_on,
        inspectors=payload.inspectors,
        summary=payload.summary,
        results={code: item.dict() for code, item in payload.results.items()},
        request=request,
    )
    return _detail(inspection)


@router.post(
    "/supervision/inspections/{inspection_id}/findings",
    response={201: FindingOut, **ERRORS},
    summary="添加问题",
    description="已检查（recorded）的检查可追加问题并下达整改。",
)
@decorate_view(idempotent)
def finding_create(request: HttpRequest, inspection_id: int, payload: FindingIn):
    inspection = selectors.inspection_get(request.auth, inspection_id)
    finding = services.finding_add(
        actor=request.auth, inspection=inspection, data=payload.dict(), request=request
    )
    return Status(201, FindingOut.of(finding))


@router.post(
    "/supervision/inspections/{inspection_id}/cancel",
    response={200: InspectionDetailOut, **ERRORS},
    summary="取消检查",
)
@decorate_view(idempotent)
def inspection_cancel(request: HttpRequest, inspection_id: int, payload: CancelIn):
    inspection = selectors.inspection_get(request.auth, inspection_id)
    inspection = services.inspection_cancel(
        actor=request.auth, inspection=inspection, reason=payload.reason, request=request
    )
    return _detail(inspection)


@router.post(
    "/supervision/inspections/{inspection_id}/close",
    response={200: InspectionDetailOut, **ERRORS},
    summary="办结检查",
    description="全部问题复查销号后才能办结，否则 409 findings_open。",
)
@decorate_view(idempotent)
def inspection_close(request: HttpRequest, inspection_id: int):
    inspection = selectors.inspection_get(request.auth, inspection_id)
    inspection = services.inspection_close(
        actor=request.auth, inspection=inspection, request=request
    )
    return _detail(inspection)


# ------------------------------------------------------------------ findings


@router.get(
    "/supervision/findings",
    response={200: Page[FindingOut], **ERRORS},
    summary="整改问题列表（overdue=true：逾期未整改）",
)
def finding_list(request: HttpRequest, filters: Query[FindingFilter]):
    _may(request, READERS)
    qs = selectors.findings(
        request.auth,
        q=filters.q,
        status=filters.status,
        severity=filters.severity,
        overdue=filters.overdue,
        escalated=filters.escalated,
        region_code=filters.region,
    )
    page = paginate(qs, filters)
    return {"items": [FindingOut.of(f) for f in page["items"]], "count": page["count"]}


@router.get(
    "/supervision/findings/{finding_id}",
    response={200: FindingOut, **ERRORS},
    summary="一个整改问题",
)
def finding_detail(request: HttpRequest, finding_id: int):
    return FindingOut.of(selectors.finding_get(request.auth, finding_id))


@router.post(
    "/supervision/findings/{finding_id}/submit",
    response={200: FindingOut, **ERRORS},
    summary="报告整改情况",
    description="责任人、设施运营方或当地工作人员报告已整改，等待复查；只能从待整改（open）报告。",
)
@decorate_view(idempotent)
def finding_submit(request: HttpRequest, finding_id: int, payload: SubmitIn):
    finding = selectors.finding_get(request.auth, finding_id)
    finding = services.finding_submit(
        actor=request.auth, finding=finding, note=payload.note, request=request
    )
    return FindingOut.of(finding)


@router.post(
    "/supervision/findings/{finding_id}/reinspect",
    response={200: FindingOut, **ERRORS},
    summary="复查",
    description="合格则销号（closed）；不合格须给出新的整改期限，问题重新待整改。"
    "已销号的再复查 409。",
)
@decorate_view(idempotent)
def finding_reinspect(request: HttpRequest, finding_id: int, payload: ReinspectIn):
    finding = selectors.finding_get(request.auth, finding_id)
    finding = services.finding_reinspect(
        actor=request.auth,
        finding=finding,
        passed=payload.passed,
        on=payload.on,
        note=payload.note,
        new_deadline=payload.new_deadline,
        request=request,
    )
    return FindingOut.of(finding)


# ------------------------------------------------------------------ operator evaluations


@router.get(
    "/supervision/operators",
    response={200: list[OperatorOut], **ERRORS},
    summary="可评估的运营方",
    description="区划内公建民营、民办公助设施的运营方（all=true 含全部）。",
)
def operator_list(request: HttpRequest, query: Query[OperatorQuery]):
    _may(request, EVALUATORS)
    code = query.region or request.auth.region_id
    region = Region.objects.filter(code=code).first()
    if region is None or not in_subtree(region.path, request.auth.region.path):
        raise ValidationFailed(fields={"region": [_("区划不存在或不在您的辖区")]})
    return selectors.operators_in(region, all_ownerships=query.all)


@router.get(
    "/supervision/evaluations",
    response={200: Page[EvaluationOut], **ERRORS},
    summary="运营方年度评估列表（result=flagged：建议调整待处理）",
)
def evaluation_list(request: HttpRequest, filters: Query[EvaluationFilter]):
    _may(request, EVALUATION_READERS)
    qs = selectors.evaluations(
        request.auth,
        q=filters.q,
        year=filters.year,
        result=filters.result,
        region_code=filters.region,
    ).prefetch_related("facilities", "providers")
    page = paginate(qs, filters)
    return {"items": [EvaluationOut.of(e) for e in page["items"]], "count": page["count"]}


@router.post(
    "/supervision/evaluations",
    response={201: EvaluationOut, **ERRORS},
    summary="运营方年度评估",
    description="服务质量、内部管理由评估人员打分；满意度按该年度服务工单的老人评价自动计算"
    "（评价不足时录入并说明依据）。总分与每项最低得分对照规则 operator_evaluation.scheme，"
    "不合格即列入建议调整的运营方。同一运营方同一年度只评一次（409 already_evaluated）。",
)
@decorate_view(idempotent)
def evaluation_create(request: HttpRequest, payload: EvaluationIn):
    evaluation = services.evaluation_create(
        actor=request.auth, data=payload.dict(), request=request
    )
    return Status(201, EvaluationOut.of(evaluation))


@router.get(
    "/supervision/evaluations/{evaluation_id}",
    response={200: EvaluationOut, **ERRORS},
    summary="一次运营方年度评估（含证据）",
)
def evaluation_detail(request: HttpRequest, evaluation_id: int):
    return EvaluationOut.of(selectors.evaluation_get(request.auth, evaluation_id))


@router.post(
    "/supervision/evaluations/{evaluation_id}/resolve",
    response={200: EvaluationOut, **ERRORS},
    summary="记录不合格运营方的处理结果",
    description="已调整运营方（replaced）或经研究保留（retained）；"
    "只对待处理的不合格评估（否则 409）。",
)
@decorate_view(idempotent)
def evaluation_resolve(request: HttpRequest, evaluation_id: int, payload: ResolveIn):
    evaluation = selectors.evaluation_get(request.auth, evaluation_id)
    evaluation = services.evaluation_resolve(
        actor=request.auth,
        evaluation=evaluation,
        resolution=payload.resolution,
        note=payload.note,
        request=request,
    )
    return EvaluationOut.of(evaluation)
