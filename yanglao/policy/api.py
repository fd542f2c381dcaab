"""Policy endpoints: the rules in force for a region on a date, one rule's value with its
trace, targets and their status, and local overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS
from yanglao.core.errors import NotFound
from yanglao.core.idempotency import idempotent
from yanglao.regions.selectors import region_get

from . import indicators, selectors, services
from .engine import Resolution
from .models import PolicyRule

router = Router(tags=["policy 政策"])


class SourceOut(Schema):
    doc: str = Field(examples=["中阳县农村养老服务体系建设实施方案"])
    number: str
    clause: str = Field(examples=["三（二）"])
    seed: str = Field(examples=["002_1ca3c7f38532df77.txt"])
    quote: str
    local_default: bool
    note: str


class PolicyRuleOut(Schema):
    id: int
    rule_id: str = Field(examples=["visit.priority_weekly"])
    title: str
    kind: str
    region_code: str
    region_name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    params: dict[str, Any]
    source: SourceOut
    pack: str | None

    @staticmethod
    def from_rule(rule: PolicyRule) -> dict:
        return {
            "id": rule.pk,
            "rule_id": rule.rule_id,
            "title": rule.title,
            "kind": rule.kind,
            "region_code": rule.region_id,
            "region_name": rule.region.name,
            "valid_from": rule.valid_from,
            "valid_to": rule.valid_to,
            "params": rule.params,
            "source": {
                "doc": rule.source_doc,
                "number": rule.source_number,
                "clause": rule.source_clause,
                "seed": rule.source_seed,
                "quote": rule.source_quote,
                "local_default": rule.local_default,
                "note": rule.note,
            },
            "pack": rule.pack_id,
        }


class TraceOut(Schema):
    rule: PolicyRuleOut
    params_used: list[str]
    overridden: list[str]


class ResolutionOut(Schema):
    rule_id: str
    title: str
    kind: str
    params: dict[str, Any]
    param_source: dict[str, int] = Field(description="每个参数来自哪条规则（规则 id）")
    trace: list[TraceOut]


class PolicyOut(Schema):
    region_code: str
    on: dt.date
    in_force: list[ResolutionOut]
    expired: list[PolicyRuleOut]
    upcoming: list[PolicyRuleOut]


class PolicyQuery(Schema):
    region: str = Field(max_length=15, description="区划代码", examples=["141129"])
    on: dt.date | None = Field(None, description="日期，默认今天", examples=["2021-06-01"])
    kind: str = Field("", pattern="^(|rule|target)$")
    q: str = Field("", max_length=50)


def _resolution(res: Resolution, rows: dict[int, PolicyRule]) -> dict:
    return {
        "rule_id": res.rule_id,
        "title": res.title,
        "kind": res.kind,
        "params": res.params,
        "param_source": {k: v.pk for k, v in res.param_source.items()},
        "trace": [
            {
                "rule": PolicyRuleOut.from_rule(rows[step.rule.pk]),
                "params_used": list(step.params_used),
                "overridden": list(step.overridden),
            }
            for step in res.trace
        ],
    }


def _rows(region) -> dict[int, PolicyRule]:
    return {r.pk: r for r in selectors.ancestor_rules(region)}


@router.get(
    "/rules",
    response={200: PolicyOut, **ERRORS},
    summary="某区划某日有效的政策规则",
    description="列出适用于该区划（含上级区划下发）的规则及其来源；已失效和尚未生效的单独列出。",
)
def policy_rules(request: HttpRequest, query: Query[PolicyQuery]):
    region = region_get(request.auth, query.region)
    on = query.on or timezone.localdate()
    view = selectors.policy_for(region, on, kind=query.kind, q=query.q)
    rows = _rows(region)
    return {
        "region_code": region.code,
        "on": on,
        "in_force": [_resolution(r.resolution, rows) for r in view.in_force],
        "expired": [PolicyRuleOut.from_rule(r) for r in view.expired],
        "upcoming": [PolicyRuleOut.from_rule(r) for r in view.upcoming],
    }


class LookupQuery(Schema):
    region: str = Field(max_length=15, examples=["141129"])
    on: dt.date | None = None


@router.get(
    "/lookup/{rule_id}",
    response={200: ResolutionOut, **ERRORS},
    summary="查询一条规则在某区划某日的取值及依据链",
)
def policy_lookup(request: HttpRequest, rule_id: str, query: Query[LookupQuery]):
    region = region_get(request.auth, query.region)
    res = selectors.lookup(rule_id, region, query.on)
    if res is None:
        raise NotFound(f"规则 {rule_id} 在该区划该日无效")
    return _resolution(res, _rows(region))


class TargetOut(Schema):
    rule_id: str
    title: str
    indicator: str
    comparator: str
    threshold: str
    deadline: dt.date
    status: str = Field(
        description="met 已达标 / behind 未达标 / overdue 逾期 / not_measured 尚未度量"
    )
    status_label: str
    value: str | None
    days_left: int
    source: str


@router.get(
    "/targets", response={200: list[TargetOut], **ERRORS}, summary="区划的目标任务及完成情况"
)
def policy_targets(request: HttpRequest, query: Query[LookupQuery]):
    region = region_get(request.auth, query.region)
    on = query.on or timezone.localdate()
    out = []
    for res in selectors.targets_for(region, on):
        status = indicators.evaluate(res, region, on)
        out.append(
            {
                "rule_id": res.rule_id,
                "title": res.title,
                "indicator": res.params["indicator"],
                "comparator": res.params["comparator"],
                "threshold": str(res.params["threshold"]),
                "deadline": res.params["deadline"],
                "status": status.status,
                "status_label": str(indicators.STATUS_LABELS[status.status]),
                "value": str(status.measurement.value) if status.measurement else None,
                "days_left": status.days_left,
                "source": res.decisive.source,
            }
        )
    return out


class OverrideIn(Schema):
    rule_id: str = Field(
        max_length=120, examples=["facility.operating_subsidy.day_care_with_meals"]
    )
    region: str = Field(max_length=15, examples=["141129"])
    params: dict[str, Any] = Field(examples=[{"min_yuan": "40000"}])
    valid_from: dt.date | None = Field(None, examples=["2023-01-01"])
    valid_to: dt.date | None = None
    source_doc: str = Field("", max_length=300, examples=["中阳县2023年养老服务补贴调整通知"])
    source_number: str = Field("", max_length=100)
    source_clause: str = Field("", max_length=200)
    local_default: bool = False
    note: str = Field("", max_length=2000)


@router.post(
    "/rules",
    response={201: PolicyRuleOut, **ERRORS},
    summary="添加本地规则或覆盖上级取值",
    description="须注明依据文件，或标为本地默认值并说明理由；操作记入审计日志。",
)
@decorate_view(idempotent)
def policy_override(request: HttpRequest, payload: OverrideIn):
    rule = services.rule_override(
        actor=request.auth,
        rule_id=payload.rule_id,
        region_code=payload.region,
        params=payload.params,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        source_doc=payload.source_doc,
        source_number=payload.source_number,
        source_clause=payload.source_clause,
        local_default=payload.local_default,
        note=payload.note,
        request=request,
    )
    return Status(201, PolicyRuleOut.from_rule(rule))
