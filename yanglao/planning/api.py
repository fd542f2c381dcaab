"""Planning: /api/v1/planning (task tables with the totals check and progress; urban
community care project applications, their ranking and statuses; county evaluations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden
from yanglao.core.idempotency import idempotent

from . import selectors, services
from .models import EvaluationResult, ProjectStatus

router = Router(tags=["planning 规划任务"])


class TaskColumnOut(Schema):
    key: str = Field(examples=["2020.day_care_center"])
    kind: str = Field(examples=["task"])
    label: str = Field(examples=["日照中心"])
    year: int | None = Field(None, examples=[2020])
    type: str = Field("", examples=["day_care_center"])
    resettlement: bool = False


class MismatchOut(Schema):
    row: str = Field(examples=["合计"])
    column: str = Field(examples=["2022.day_care_center"])
    kind: str = Field(description="row_total to_build column_total", examples=["column_total"])
    printed: int = Field(examples=[5])
    computed: int = Field(examples=[4])
    explanation: str = Field(examples=["合计 5 ≠ 各乡镇之和 4"])


class CellOut(Schema):
    key: str
    printed: int | None = Field(description="印刷数值")
    built: int | None = Field(None, description="截至该年度已建成（按设施台账）")
    planned_through: int | None = Field(None, description="截至该年度计划累计")
    mismatch: bool = False


class RowOut(Schema):
    label: str = Field(examples=["金罗镇"])
    township_code: str | None = Field(None, examples=["141129101"])
    is_total: bool
    cells: list[CellOut]


class TableSummaryOut(Schema):
    id: int
    title: str = Field(examples=["中阳县农村养老服务设施建设任务表"])
    region_code: str = Field(examples=["141129"])
    source: str
    year_from: int
    year_to: int


class TaskTableOut(TableSummaryOut):
    columns: list[TaskColumnOut]
    rows: list[RowOut]
    mismatches: list[MismatchOut]
    whole: bool = Field(description="false：只含本人乡镇的行，不做合计核对")


def _summary(t) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "region_code": t.region_id,
        "source": t.source,
        "year_from": t.year_from,
        "year_to": t.year_to,
    }


def _table_out(view) -> TaskTableOut:
    return TaskTableOut(
        **_summary(view.table),
        columns=[TaskColumnOut(**c) for c in view.columns],
        rows=[
            RowOut(
                label=r.row.label,
                township_code=r.row.township_id,
                is_total=r.row.is_total,
                cells=[
                    CellOut(
                        key=c.key,
                        printed=c.printed,
                        built=c.built,
                        planned_through=c.planned_through,
                        mismatch=c.mismatch is not None,
                    )
                    for c in r.cells
                ],
            )
            for r in view.rows
        ],
        mismatches=[MismatchOut(**m.__dict__) for m in view.mismatches],
        whole=view.whole,
    )


@router.get(
    "/planning/tables", response={200: Page[TableSummaryOut], **ERRORS}, summary="建设任务表"
)
def table_list(request: HttpRequest, query: Query[PageParams]):
    page = paginate(selectors.tables(request.auth), query)
    page["items"] = [TableSummaryOut(**_summary(t)) for t in page["items"]]
    return page


@router.get(
    "/planning/tables/{table_id}",
    response={200: TaskTableOut, **ERRORS},
    summary="任务表（印刷数值、合计核对、按设施统计的进度）",
)
def table_detail(request: HttpRequest, table_id: int, on: dt.date | None = None):
    table = selectors.table_get(request.auth, table_id)
    return _table_out(selectors.table_view(request.auth, table, on or timezone.localdate()))


class TableIn(Schema):
    region: str = Field(examples=["141129"])
    title: str = Field(examples=["中阳县2023—2025年建设任务表"])
    source: str = ""
    year_from: int = Field(examples=[2023])
    year_to: int = Field(examples=[2025])
    types: list[str] = Field(
        default=["day_care_center", "happiness_courtyard"],
        description="每个年度一列的设施类型",
        examples=[["community_complex"]],
    )


@router.post("/planning/tables", response={201: TableSummaryOut, **ERRORS}, summary="新建任务表")
@decorate_view(idempotent)
def table_create(request: HttpRequest, payload: TableIn):
    table = services.table_create(
        actor=request.auth,
        region_code=payload.region,
        title=payload.title,
        source=payload.source,
        year_from=payload.year_from,
        year_to=payload.year_to,
        types=payload.types,
        request=request,
    )
    return Status(201, TableSummaryOut(**_summary(table)))


class RowIn(Schema):
    label: str = Field(examples=["金罗镇"], description="乡镇名称或“合计”")
    values: dict[str, int | None] = Field(examples=[{"villages_total": 21, "villages_built": 10}])


class RowsIn(Schema):
    rows: list[RowIn]


class RejectedOut(Schema):
    cells: list[str]
    reason: str


class RowsResultOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedOut]


@router.put(
    "/planning/tables/{table_id}/rows",
    response={200: RowsResultOut, **ERRORS},
    summary="保存任务表的行（按印刷数值，按乡镇名称匹配；重复提交不改变数据）",
)
@decorate_view(idempotent)
def table_rows(request: HttpRequest, table_id: int, payload: RowsIn):
    table = selectors.table_get(request.auth, table_id)
    if not selectors.whole_table(request.auth, table):
        raise Forbidden()
    result = services.rows_save(
        actor=request.auth,
        table=table,
        rows=[(r.label, r.values) for r in payload.rows],
        request=request,
    )
    return RowsResultOut(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=[RejectedOut(cells=c, reason=r) for c, r in result.rejected],
    )


# ---------------------------------------------------------------- projects


class ProjectOut(Schema):
    id: int
    county_code: str = Field(examples=["140403"])
    county_name: str
    community_code: str | None
    year: int = Field(examples=[2026])
    name: str = Field(examples=["潞州区英雄南路社区养老幸福工程"])
    floor_area_m2: Decimal | None
    operator_name: str
    scores: dict[str, str] = Field(examples=[{"site_layout": "90"}])
    status: ProjectStatus
    evaluation_passed: bool | None

    @staticmethod
    def of(a) -> ProjectOut:
        return ProjectOut(
            id=a.pk,
            county_code=a.county_id,
            county_name=a.county.name,
            community_code=a.community_id,
            year=a.year,
            name=a.name,
            floor_area_m2=a.floor_area_m2,
            operator_name=a.operator_name,
            scores={k: str(v) for k, v in a.scores.items()},
            status=a.status,
            evaluation_passed=a.evaluation_passed,
        )


class ProjectQuery(PageParams):
    year: int | None = None
    status: ProjectStatus | None = None


@router.get(
    "/planning/projects", response={200: Page[ProjectOut], **ERRORS}, summary="幸福工程申报"
)
def project_list(request: HttpRequest, query: Query[ProjectQuery]):
    qs = selectors.applications(
        request.auth, year=query.year, status=query.status.value if query.status else ""
    )
    page = paginate(qs, query)
    page["items"] = [ProjectOut.of(a) for a in page["items"]]
    return page


class ProjectIn(Schema):
    county: str = Field(examples=["140403"])
    community: str = ""
    year: int = Field(examples=[2026])
    name: str = Field(examples=["潞州区英雄南路社区养老幸福工程"])
    floor_area_m2: Decimal | None = Field(None, examples=["1200"])
    operator_name: str = ""
    scores: dict[str, Decimal] = Field(
        default_factory=dict, examples=[{"site_layout": "90", "function_plan": "85"}]
    )
    note: str = ""


@router.post(
    "/planning/projects",
    response={201: ProjectOut, **ERRORS},
    summary="申报项目",
    description="上一年度绩效考核较差的县（区）被拒绝（409 county_barred，附原因）。",
)
@decorate_view(idempotent)
def project_create(request: HttpRequest, payload: ProjectIn):
    app = services.application_submit(
        actor=request.auth,
        county_code=payload.county,
        community_code=payload.community,
        year=payload.year,
        name=payload.name,
        floor_area_m2=payload.floor_area_m2,
        operator_name=payload.operator_name,
        scores=payload.scores,
        note=payload.note,
        request=request,
    )
    return Status(201, ProjectOut.of(app))


class ReasonOut(Schema):
    factor: str
    label: str
    score: Decimal
    weight: Decimal
    points: Decimal


class RankedOut(Schema):
    id: int = Field(description="项目 id")
    rank: int
    total: Decimal
    priority: bool = Field(description="上一年度考核较好的县（区）：同分时优先")
    tied_with: list[int]
    reasons: list[ReasonOut]
    project: ProjectOut


class RankingOut(Schema):
    year: int
    weights: dict[str, Decimal]
    weights_source: str
    items: list[RankedOut]


@router.get(
    "/planning/projects/ranking",
    response={200: RankingOut, **ERRORS},
    summary="排序（五项因素加权，权重取自政策规则）",
)
def project_ranking(request: HttpRequest, year: int):
    view = selectors.ranked(request.auth, year)
    return RankingOut(
        year=year,
        weights=view.weights,
        weights_source=view.weights_source,
        items=[
            RankedOut(
                id=a.pk,
                rank=r.rank,
                total=r.total,
                priority=r.priority,
                tied_with=list(r.tied_with),
                reasons=[ReasonOut(**x.__dict__) for x in r.reasons],
                project=ProjectOut.of(a),
            )
            for r, a in view.rows
        ],
    )


@router.get(
    "/planning/projects/{project_id}", response={200: ProjectOut, **ERRORS}, summary="申报详情"
)
def project_detail(request: HttpRequest, project_id: int):
    return ProjectOut.of(selectors.application_get(request.auth, project_id))


class MoveIn(Schema):
    status: ProjectStatus = Field(examples=["county_passed"])
    on: dt.date | None = None
    note: str = ""
    evaluation_passed: bool | None = None


@router.post(
    "/planning/projects/{project_id}/status",
    response={200: ProjectOut, **ERRORS},
    summary="变更项目状态（审核、批准、建设、竣工验收、运营、运营评估）",
)
@decorate_view(idempotent)
def project_move(request: HttpRequest, project_id: int, payload: MoveIn):
    app = selectors.application_get(request.auth, project_id)
    app = services.application_move(
        actor=request.auth,
        application=app,
        to_status=payload.status.value,
        on=payload.on,
        note=payload.note,
        evaluation_passed=payload.evaluation_passed,
        request=request,
    )
    return ProjectOut.of(app)


class ScoresIn(Schema):
    scores: dict[str, Decimal] = Field(examples=[{"operator": "80"}])


@router.put(
    "/planning/projects/{project_id}/scores",
    response={200: ProjectOut, **ERRORS},
    summary="五项排序因素评分（0–100）",
)
@decorate_view(idempotent)
def project_score(request: HttpRequest, project_id: int, payload: ScoresIn):
    app = selectors.application_get(request.auth, project_id)
    app = services.application_score(
        actor=request.auth, application=app, scores=payload.scores, request=request
    )
    return ProjectOut.of(app)


class CountyEvaluationOut(Schema):
    id: int
    county_code: str
    year: int
    result: EvaluationResult
    note: str


class CountyEvaluationIn(Schema):
    county: str = Field(examples=["140405"])
    year: int = Field(examples=[2025])
    result: EvaluationResult = Field(examples=["poor"])
    note: str = ""


def _evaluation_out(e) -> CountyEvaluationOut:
    return CountyEvaluationOut(
        id=e.pk, county_code=e.county_id, year=e.year, result=e.result, note=e.note
    )


@router.get(
    "/planning/evaluations",
    response={200: Page[CountyEvaluationOut], **ERRORS},
    summary="县区绩效考核",
)
def evaluation_list(request: HttpRequest, query: Query[PageParams]):
    page = paginate(selectors.evaluations(request.auth), query)
    page["items"] = [_evaluation_out(e) for e in page["items"]]
    return page


@router.post(
    "/planning/evaluations",
    response={201: CountyEvaluationOut, **ERRORS},
    summary="记录县区绩效考核结果（较差：取消下一年度申报资格）",
)
@decorate_view(idempotent)
def evaluation_create(request: HttpRequest, payload: CountyEvaluationIn):
    evaluation = services.evaluation_record(
        actor=request.auth,
        county_code=payload.county,
        year=payload.year,
        result=payload.result.value,
        note=payload.note,
        request=request,
    )
    return Status(201, _evaluation_out(evaluation))
