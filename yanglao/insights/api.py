"""Dashboard figures: /api/v1/insights (a region in scope with its child regions, and the
trend of one figure). Read from the stored figures the job keeps, never the raw tables."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yanglao.core.apischema import ERRORS

from . import selectors

router = Router(tags=["insights 区域概览"])


class InsightRegionRef(Schema):
    code: str = Field(examples=["1411"])
    name: str = Field(examples=["吕梁市"])
    level: int = Field(description="0 全国 1 省 2 市 3 县 4 乡镇 5 村(社区)", examples=[2])


class InsightFigureOut(Schema):
    key: str = Field(examples=["visits.overdue"])
    label: str = Field(examples=["逾期未访老人"])
    value: str = Field(description="显示值（比率为百分数，金额为元）", examples=["37"])
    raw: float | None = Field(description="数值；无分母时为 null", examples=[37.0])
    unit: str = Field(examples=["人"])
    url: str = Field(
        description="这一数字背后的记录清单（已带筛选条件）；角色无权查看时为空",
        examples=["/visits/overdue/?region=1411"],
    )


class InsightSectionOut(Schema):
    key: str = Field(examples=["visits"])
    title: str = Field(examples=["本周探访"])
    figures: list[InsightFigureOut]


class InsightChildOut(Schema):
    region: InsightRegionRef
    figures: dict[str, int] = Field(
        description="下级区划的原始指标（整数：人数、件数；金额为分；时长为百分之一小时）",
        examples=[{"elders.total": 1520, "visits.overdue": 12}],
    )


class InsightTargetOut(Schema):
    rule_id: str = Field(examples=["visit.special_difficulty_monthly.2025"])
    title: str = Field(examples=["特殊困难老年人月探访率达到100%"])
    indicator: str = Field(examples=["special_difficulty_monthly_visit_rate"])
    label: str = Field(examples=["特殊困难老年人月探访率"])
    comparator: str = Field(examples=[">="])
    threshold: str = Field(examples=["1"])
    deadline: str = Field(examples=["2025-12-31"])
    status: str = Field(
        description="met 已达标 / behind 未达标 / overdue 逾期未达标 / not_measured 尚未度量",
        examples=["behind"],
    )
    value: str | None = Field(examples=["0.8421"])
    numerator: int | None = Field(examples=[320])
    denominator: int | None = Field(examples=[380])
    url: str = Field(examples=["/visits/?region=1411"])


class InsightDashboardOut(Schema):
    region: InsightRegionRef
    day: dt.date | None = Field(description="统计日期；作业尚未运行时为 null")
    computed_at: dt.datetime | None = Field(description="数据截至（作业计算时间）")
    figures: dict[str, int] = Field(
        description="本区划的原始指标（整数）", examples=[{"elders.total": 41230}]
    )
    sections: list[InsightSectionOut]
    children: list[InsightChildOut]
    targets: list[InsightTargetOut]


class InsightTrendPoint(Schema):
    day: dt.date = Field(examples=["2026-03-02"])
    value: float | None = Field(examples=[0.9412])


class InsightTrendOut(Schema):
    region: InsightRegionRef
    metric: str = Field(examples=["visits.rate"])
    label: str = Field(examples=["本周探访完成率"])
    points: list[InsightTrendPoint]


class TrendParams(Schema):
    metric: str = Field(description="指标键，见 sections[].figures[].key", examples=["visits.rate"])
    days: int = Field(90, description="向前取多少天（1–730）", examples=[90])


def _ref(region) -> InsightRegionRef:
    return InsightRegionRef(code=region.code, name=region.name, level=region.level)


@router.get(
    "/regions/{code}",
    response={200: InsightDashboardOut, **ERRORS},
    summary="区划的统计概览（含下级区划与目标任务）",
)
def region_figures(request: HttpRequest, code: str):
    view = selectors.dashboard(request.auth, code, days=0)
    return InsightDashboardOut(
        region=_ref(view.region),
        day=view.current.day if view.current else None,
        computed_at=view.current.computed_at if view.current else None,
        figures=view.figures,
        sections=[
            InsightSectionOut(
                key=s.section.key,
                title=str(s.section.title),
                figures=[
                    InsightFigureOut(
                        key=t.key,
                        label=str(t.figure.label),
                        value=t.value,
                        raw=t.raw,
                        unit=str(t.figure.unit),
                        url=t.url,
                    )
                    for t in s.tiles
                ],
            )
            for s in view.sections
        ],
        children=[
            InsightChildOut(region=_ref(row.region), figures=row.figures)
            for row in view.children
            if row.has_data
        ],
        targets=[
            InsightTargetOut(**{k: t.get(k) for k in InsightTargetOut.model_fields})
            for t in view.targets
        ],
    )


@router.get(
    "/regions/{code}/trend",
    response={200: InsightTrendOut, **ERRORS},
    summary="某项指标的历史趋势（每日快照）",
)
def region_trend(request: HttpRequest, code: str, params: Query[TrendParams]):
    region, figure, points = selectors.trend(
        request.auth, code, metric=params.metric, days=params.days
    )
    return InsightTrendOut(
        region=_ref(region),
        metric=figure.key,
        label=str(figure.label),
        points=[InsightTrendPoint(day=day, value=value) for day, value in points],
    )
