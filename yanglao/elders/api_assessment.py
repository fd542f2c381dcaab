"""Ability assessment endpoints (能力评估, GB/T 42195-2022), mounted at /api/v1/elders."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.accounts.roles import ELDER_READERS
from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden
from yanglao.core.idempotency import idempotent
from yanglao.core.scope import get_in_scope

from . import assessment_services as svc
from .models import AbilityLevel, Assessment, AssessmentReason, Elder

router = Router(tags=["elders 老年人"])

READERS = ELDER_READERS | svc.ASSESSMENT_WRITERS

EXAMPLE_SCORES = {
    "eating": 4,
    "grooming": 4,
    "bathing": 3,
    "dressing_upper": 4,
    "dressing_lower": 3,
    "urine_control": 3,
    "bowel_control": 4,
    "toileting": 4,
    "bed_mobility": 4,
    "bed_chair_transfer": 4,
    "walking": 3,
    "stairs": 2,
    "time_orientation": 4,
    "place_orientation": 4,
    "person_orientation": 4,
    "memory": 3,
    "understanding": 4,
    "expression": 4,
    "aggression": 1,
    "depression": 1,
    "consciousness": 2,
    "vision": 2,
    "hearing": 1,
    "daily_affairs": 3,
    "transport": 2,
    "social_contact": 4,
}


class AssessmentIn(Schema):
    assessed_on: dt.date = Field(description="评估日期，不晚于今天", examples=["2026-03-02"])
    reason: AssessmentReason = Field(
        description="first 首次评估，routine 常规评估，immediate 即时评估，reassessment 复评",
        examples=["routine"],
    )
    assessors: str = Field(
        max_length=100, description="评估员姓名，多人用顿号分隔", examples=["王芳、李强"]
    )
    scores: dict[str, int] = Field(
        description=(
            "26 个评估项目的得分（项目代码 → 分），各项满分见政策规则 assessment.items："
            "自理能力 8 项各 4 分；床上体位转移、床椅转移、平地行走各 4 分，上下楼梯 3 分；"
            "时间/空间/人物定向、记忆、理解、表达各 4 分，攻击行为 1 分，抑郁症状 1 分，"
            "意识水平 2 分；视力 2 分，听力 2 分，执行日常事务 4 分，使用交通工具外出 3 分，"
            "社会交往能力 4 分；合计 90 分"
        ),
        examples=[EXAMPLE_SCORES],
    )
    coma: bool = Field(False, description="处于昏迷状态（直接评定为能力完全丧失）")
    dementia_or_psychiatric: bool = Field(
        False, description="确诊失智（痴呆）或精神科疾病（提高一级）"
    )
    risk_events_30d: int = Field(
        0,
        ge=0,
        le=svc.MAX_RISK_EVENTS,
        description="近30天照护风险事件（跌倒、噎食、自杀自伤、走失）合计次数；2 次及以上提高一级",
        examples=[0],
    )


class AssessmentOut(Schema):
    id: int = Field(examples=[17])
    elder_id: int = Field(examples=[1024])
    assessed_on: dt.date = Field(examples=["2026-03-02"])
    reason: AssessmentReason = Field(examples=["routine"])
    reason_label: str = Field(examples=["常规评估"])
    assessors: str = Field(examples=["王芳、李强"])
    scores: dict[str, int] = Field(examples=[EXAMPLE_SCORES])
    total: int = Field(examples=[81])
    base_level: AbilityLevel = Field(description="按总分的初步等级", examples=["mild"])
    level: AbilityLevel = Field(description="调整后的能力等级", examples=["moderate"])
    level_label: str = Field(examples=["中度受损"])
    coma: bool = Field(examples=[False])
    dementia_or_psychiatric: bool = Field(examples=[True])
    risk_events_30d: int = Field(examples=[0])
    trace: list[str] = Field(
        description="判定依据（中文）",
        examples=[
            [
                "总分 81 分（满分 90 分；自理能力 29/32，基础运动能力 13/15，"
                "精神状态 27/28，感知觉与社会参与 12/15）",
                "初步等级：能力轻度受损（轻度失能）",
                "有失智（痴呆）或精神科诊断：提高1级"
                "（能力轻度受损（轻度失能）→能力中度受损（中度失能））",
                "最终等级：能力中度受损（中度失能）",
            ]
        ],
    )
    created_at: dt.datetime

    @staticmethod
    def of(a: Assessment) -> dict:
        return {
            "id": a.pk,
            "elder_id": a.elder_id,
            "assessed_on": a.assessed_on,
            "reason": a.reason,
            "reason_label": a.get_reason_display(),
            "assessors": a.assessors,
            "scores": a.scores,
            "total": a.total,
            "base_level": a.base_level,
            "level": a.level,
            "level_label": a.get_level_display(),
            "coma": a.coma,
            "dementia_or_psychiatric": a.dementia_or_psychiatric,
            "risk_events_30d": a.risk_events_30d,
            "trace": a.trace,
            "created_at": a.created_at,
        }


def _elder(request: HttpRequest, elder_id: int) -> Elder:
    return get_in_scope(Elder.objects.select_related("person", "region"), request.auth, pk=elder_id)


@router.get(
    "/{elder_id}/assessments",
    response={200: Page[AssessmentOut], **ERRORS},
    summary="能力评估历史",
    description="最近的在前（按评估日期）。",
)
def list_assessments(request: HttpRequest, elder_id: int, query: Query[PageParams]):
    elder = _elder(request, elder_id)
    if request.auth.role not in READERS:
        raise Forbidden()
    qs = elder.assessments.order_by("-assessed_on", "-id")
    page = paginate(qs, query)
    page["items"] = [AssessmentOut.of(a) for a in page["items"]]
    return page


@router.post(
    "/{elder_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    summary="录入能力评估",
    description=(
        "逐项录入 26 项得分，按 GB/T 42195-2022 计算总分、初步等级和调整后的等级。"
        "某项缺失、未知或超出该项分值时返回 422，字段为 `scores.<项目代码>`，不写入任何数据。"
        "档案已迁出或已故时返回 409。"
    ),
)
@decorate_view(idempotent)
def create_assessment(request: HttpRequest, elder_id: int, payload: AssessmentIn):
    elder = _elder(request, elder_id)
    record = svc.assessment_record(
        actor=request.auth,
        elder=elder,
        assessed_on=payload.assessed_on,
        reason=payload.reason.value,
        assessors=payload.assessors,
        scores=payload.scores,
        coma=payload.coma,
        dementia_or_psychiatric=payload.dementia_or_psychiatric,
        risk_events_30d=payload.risk_events_30d,
        request=request,
    )
    return Status(201, AssessmentOut.of(record))
