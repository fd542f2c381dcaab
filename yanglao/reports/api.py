"""Reports API: /api/v1/reports/... (registered in yanglao/api.py).

The routes with a fixed first segment (``cards``, ``policies``) are declared before
``/{region_code}/{period}`` so that they are matched first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yanglao.core.apischema import ERRORS
from yanglao.core.errors import Forbidden

from . import card as cards
from . import figures, policies
from .views import CARD_PRINTERS, REPORT_READERS, parse_period

router = Router(tags=["reports 工作报告与明白卡"])

Cell = int | str | None


class ReportFigureOut(Schema):
    key: str = Field(examples=["visits"])
    label: str = Field(examples=["探访次数"])
    value: Cell = Field(
        description="整数；金额、时长为两位小数的十进制字符串；比例为四位小数（0.9512 即 95.12%）；"
        "null 表示无法计算",
        examples=[412],
    )
    unit: str = Field(description="“%” 表示比例", examples=["次"])
    note: str = Field(examples=[""])


class TableOut(Schema):
    key: str = Field(examples=["methods"])
    title: str = Field(examples=["按探访方式"])
    columns: list[str] = Field(examples=[["方式", "次数"]])
    rows: list[list[Cell]] = Field(examples=[[["上门", 250], ["电话", 140]]])
    note: str = ""


class ReportSectionOut(Schema):
    key: str = Field(examples=["visits"])
    title: str = Field(examples=["巡视探访"])
    figures: list[ReportFigureOut]
    tables: list[TableOut]
    note: str = ""


class ReportTargetOut(Schema):
    rule_id: str = Field(examples=["facility.village_coverage.2022"])
    title: str = Field(examples=["2022年底行政村农村养老服务设施全覆盖"])
    indicator: str = Field(examples=["village_care_facility_share"])
    comparator: str = Field(examples=[">="])
    threshold: str = Field(examples=["1"])
    deadline: dt.date = Field(examples=["2022-12-31"])
    value: str | None = Field(
        description="期末测得值（十进制字符串）；null 为尚未度量", examples=["0.8421"]
    )
    status: str = Field(description="met | behind | overdue | not_measured", examples=["overdue"])
    source: str = Field(
        examples=["中阳县推进农村养老服务实施方案（2020-2022年） 中办发〔2020〕22号"]
    )


class ProblemOut(Schema):
    kind: str = Field(description="target | visits | alerts | follow_ups", examples=["visits"])
    tone: str = Field(description="danger | warning", examples=["warning"])
    text: str = Field(examples=["每周巡访应访未访 37 人次（完成率 91.2%）"])
    count: int | None = Field(examples=[37])
    source: str = Field(examples=[""])


class ReportOut(Schema):
    region_code: str = Field(examples=["141129"])
    region_name: str = Field(examples=["中阳县"])
    period: str = Field(description="YYYY-MM（月度）或 YYYY-Qn（季度）", examples=["2025-06"])
    period_label: str = Field(examples=["2025年6月"])
    kind: str = Field(description="month | quarter", examples=["month"])
    start: dt.date = Field(examples=["2025-06-01"])
    as_of: dt.date = Field(
        description="统计截至（报告期末，或进行中的报告期的今天）", examples=["2025-06-30"]
    )
    complete: bool = Field(description="报告期是否已结束", examples=[True])
    sections: list[ReportSectionOut]
    children: TableOut | None = Field(description="下级区划（只含有记录的）")
    targets: list[ReportTargetOut]
    problems: list[ProblemOut]


def _value(value: Any, unit: str = "") -> Cell:
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value:.4f}" if unit == "%" else f"{value:.2f}"
    return str(value)


def _table(t: figures.Table) -> dict:
    keep = [i for i, c in enumerate(t.columns) if c]
    return {
        "key": t.key,
        "title": t.title,
        "columns": [t.columns[i] for i in keep],
        "rows": [[_value(row[i]) for i in keep if i < len(row)] for row in t.rows],
        "note": t.note,
    }


def report_out(r: figures.Report) -> dict:
    targets = []
    for t in r.targets:
        p = t.resolution.params
        targets.append(
            {
                "rule_id": t.resolution.rule_id,
                "title": t.resolution.title,
                "indicator": p["indicator"],
                "comparator": p["comparator"],
                "threshold": str(p["threshold"]),
                "deadline": p["deadline"],
                "value": None if t.measurement is None else str(t.measurement.value),
                "status": t.status,
                "source": t.resolution.decisive.source,
            }
        )
    return {
        "region_code": r.region.code,
        "region_name": r.region.name,
        "period": r.period.code,
        "period_label": r.period.label,
        "kind": r.period.kind,
        "start": r.period.start,
        "as_of": r.as_of,
        "complete": r.complete,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "value": _value(f.value, f.unit),
                        "unit": f.unit,
                        "note": f.note,
                    }
                    for f in s.figures
                ],
                "tables": [_table(t) for t in s.tables],
                "note": s.note,
            }
            for s in r.sections
        ],
        "children": _table(r.children) if r.children is not None else None,
        "targets": targets,
        "problems": [
            {"kind": p.kind, "tone": p.tone, "text": p.text, "count": p.count, "source": p.source}
            for p in r.problems
        ],
    }


class EntitlementOut(Schema):
    kind: str = Field(
        description="visits | care_plan | pairing | checkin | service | meal | services | "
        "timebank | nursing_home",
        examples=["visits"],
    )
    title: str = Field(examples=["有人定期来看您"])
    text: str = Field(examples=["每周至少 1 次，上门看望或打电话问候。"])
    lines: list[str] = Field(
        examples=[["金罗镇老年餐桌：每餐 10.00 元，补助 3.00 元，您付 7.00 元"]]
    )
    source: str = Field(
        examples=["《中阳县推进农村养老服务实施方案（2020-2022年）》 中办发〔2020〕22号 二（二）7"]
    )
    rule_id: str = Field(examples=["visit.schedule.weekly_visit"])


class CardVisitorOut(Schema):
    name: str = Field(examples=["李春梅"])
    phone: str = Field(
        description="结对探访员的电话（印在卡上给老人用，不打码）", examples=["13812345678"]
    )
    kind: str = Field(examples=["网格员"])
    is_lead: bool = Field(examples=[True])


class HotlineOut(Schema):
    label: str = Field(examples=["养老服务热线"])
    phone: str = Field(examples=["12349"])
    source: str = Field(examples=["本地规定（政策文件未定具体数值）"])


class CardOut(Schema):
    elder_id: int = Field(examples=[1024])
    name: str = Field(examples=["张桂兰"])
    age: int | None = Field(examples=[82])
    township: str = Field(examples=["金罗镇"])
    village: str = Field(examples=["金罗村"])
    groups: list[str] = Field(
        description="所属目标人群", examples=[["每周巡访对象", "特殊困难老年人"]]
    )
    entitlements: list[EntitlementOut]
    visitors: list[CardVisitorOut]
    hotline: HotlineOut | None
    printed_on: dt.date = Field(examples=["2025-06-30"])


def card_out(c: cards.Card) -> dict:
    return {
        "elder_id": c.elder.pk,
        "name": c.name,
        "age": c.age,
        "township": c.township,
        "village": c.village,
        "groups": c.groups,
        "entitlements": [
            {
                "kind": e.kind,
                "title": e.title,
                "text": e.text,
                "lines": e.lines,
                "source": e.source,
                "rule_id": e.rule_id,
            }
            for e in c.entitlements
        ],
        "visitors": [
            {"name": v.name, "phone": v.phone, "kind": v.kind, "is_lead": v.is_lead}
            for v in c.visitors
        ],
        "hotline": None
        if c.hotline is None
        else {"label": c.hotline.label, "phone": c.hotline.phone, "source": c.hotline.source},
        "printed_on": c.printed_on,
    }


class PolicyItemOut(Schema):
    title: str = Field(examples=["五星级农村幸福院市级奖补每个3万元"])
    region: str = Field(description="制定规则的区划", examples=["三明市"])
    valid: str = Field(examples=["2019-11-01 起施行"])
    source: str = Field(
        examples=[
            "《中共三明市委组织部 三明市民政局关于在全市农村建立“党建+养老服务中心”"
            "工作机制的通知》 五（三）"
        ]
    )
    quote: str = Field(
        examples=["市级按照五星级每个3万元、四星级每个1万元的标准，对农村幸福院进行奖补"]
    )
    rule_id: str = Field(examples=["facility.star_award.happiness_home.five_star"])


class ChapterOut(Schema):
    key: str = Field(examples=["funding"])
    title: str = Field(examples=["五、资金保障"])
    items: list[PolicyItemOut]


class CompilationOut(Schema):
    region_code: str = Field(examples=["350430"])
    region_name: str = Field(examples=["建宁县"])
    on: dt.date = Field(examples=["2025-06-30"])
    hotline: HotlineOut | None
    chapters: list[ChapterOut]


def _require(user, roles) -> None:
    if user.role not in roles:
        raise Forbidden()


@router.get(
    "/cards/{elder_id}",
    response={200: CardOut, **ERRORS},
    summary="明白卡内容（辖区内老人；记入访问日志）",
    description="与打印页相同的内容：所属目标人群、按现行政策可以享受的待遇（各附依据）、结对探访员及电话、"
    "养老服务热线。不含老人的身份证号。",
)
def card(request: HttpRequest, elder_id: int):
    _require(request.auth, CARD_PRINTERS)
    return card_out(cards.card_for(request.auth, elder_id, request=request))


@router.get(
    "/policies/{region_code}",
    response={200: CompilationOut, **ERRORS},
    auth=None,
    summary="政策汇编（免登录，公开）",
    description="某区划现行有效的养老服务政策（不含本地默认值和平台技术规则），按章分组，每条附出处。",
)
def public_policies(request: HttpRequest, region_code: str):
    region = policies.public_region(region_code)
    book = policies.compilation(region)
    hotline = cards.hotline_for(region, book.on)
    return {
        "region_code": region.code,
        "region_name": region.name,
        "on": book.on,
        "hotline": None
        if hotline is None
        else {"label": hotline.label, "phone": hotline.phone, "source": hotline.source},
        "chapters": [
            {
                "key": ch.key,
                "title": ch.title,
                "items": [
                    {
                        "title": i.title,
                        "region": i.region,
                        "valid": i.valid,
                        "source": i.source,
                        "quote": i.quote,
                        "rule_id": i.rule_id,
                    }
                    for i in ch.items
                ],
            }
            for ch in book.chapters
        ],
    }


@router.get(
    "/{region_code}/{period}",
    response={200: ReportOut, **ERRORS},
    summary="区划工作报告（月度 YYYY-MM / 季度 YYYY-Qn）",
    description="按请求即时计算：各板块数据与表格、下级区划、目标任务与状态、发现的问题。区划须在调用者"
    "辖区内（否则 404）。县级及以上区划数据量大时需要数秒。",
)
def report(request: HttpRequest, region_code: str, period: str):
    _require(request.auth, REPORT_READERS)
    return report_out(figures.report_for(request.auth, region_code, parse_period(period)))
