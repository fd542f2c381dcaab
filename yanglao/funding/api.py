"""Funding: /api/v1/funding/... (the award and subsidy estimator)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import ValidationFailed
from yanglao.core.idempotency import idempotent

from . import budget, selectors, services
from .rules import Estimate

router = Router(tags=["funding 资金"])


class EstimateIn(Schema):
    region: str = Field(description="区划代码（任一层级，规则向下继承）", examples=["140403"])
    facility_type: str = Field(
        description="设施类型代码（FacilityType）", examples=["urban_community_project"]
    )
    floor_area_m2: str | None = Field(
        None, description="实际建筑面积（平方米，十进制字符串）", examples=["2500"]
    )
    star_rating: int | None = Field(None, description="星级 1-5", examples=[None])
    provides_meals: bool | None = Field(None, description="是否提供用餐", examples=[None])
    county_funded: bool | None = Field(None, description="是否县乡自筹资金建设", examples=[None])
    on_date: dt.date = Field(description="按该日有效的规则计算", examples=["2024-06-30"])


class PartOut(Schema):
    payer_level: str = Field(description="province | city | county", examples=["province"])
    kind: str = Field(examples=["area_award"])
    amount: str = Field(description="元，两位小数", examples=["1400000.00"])
    minimum: bool = Field(description="规则为“不低于”：按下限计入合计", examples=[False])
    rule_id: str = Field(examples=["urban_project.award.province"])
    title: str = Field(examples=["城镇社区养老幸福工程省级奖补"])
    source: str = Field(examples=["山西省民政厅 山西省财政厅… 晋民发〔2020〕34号"])
    seed: str = Field(description="出处种子文件", examples=["003_a17558bec4d7d236.txt"])
    explanation: str = Field(examples=["700 元/m² × 2000 m² = 1,400,000 元。"])


class EstimateOut(Schema):
    total: str = Field(examples=["3400000.00"])
    by_level: dict[str, str] = Field(examples=[{"province": "1400000.00"}])
    parts: list[PartOut]


def estimate_out(result: Estimate) -> dict:
    return {
        "total": f"{result.total:.2f}",
        "by_level": {k: f"{v:.2f}" for k, v in result.by_level().items()},
        "parts": [
            {
                "payer_level": p.payer_level,
                "kind": p.kind,
                "amount": f"{p.amount:.2f}",
                "minimum": p.minimum,
                "rule_id": p.rule_id,
                "title": p.title,
                "source": p.source,
                "seed": p.seed,
                "explanation": p.explanation,
            }
            for p in result.parts
        ],
    }


def parse_area(value: str | None) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        area = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(fields={"floor_area_m2": [_("应为数字")]}) from None
    if not area.is_finite():
        raise ValidationFailed(fields={"floor_area_m2": [_("应为数字")]})
    return area


@router.post(
    "/funding/estimate",
    response={200: EstimateOut, **ERRORS},
    summary="估算奖补与补贴",
    description="按区划、设施类型与情况，列出适用的每项奖补和补贴（按省、市、县支付层级），"
    "各项带金额、规则、出处与算式，以及合计。规则需要而未填的情况返回 422 并指明字段；"
    "“不低于”的项 `minimum` 为 true，按下限计入合计。只读，不写任何记录。",
)
def estimate(request: HttpRequest, payload: EstimateIn):
    result = selectors.estimate(
        actor=request.auth,
        region_code=payload.region,
        facility_type=payload.facility_type,
        on_date=payload.on_date,
        floor_area_m2=parse_area(payload.floor_area_m2),
        star_rating=payload.star_rating,
        provides_meals=payload.provides_meals,
        county_funded=payload.county_funded,
    )
    return Status(200, estimate_out(result))


# ---------------------------------------------------------------- the grants ledger


class GrantLineOut(Schema):
    seq: int
    line_kind: str = Field(examples=["spending"])
    status: str = Field(examples=["approved"])
    amount: str = Field(examples=["200000.00"])
    use: str = Field(examples=["fit_out"])
    on_date: dt.date
    memo: str
    hash: str

    @staticmethod
    def of(line) -> dict:
        return {
            "seq": line.seq,
            "line_kind": line.line_kind,
            "status": line.status,
            "amount": f"{line.amount:.2f}",
            "use": line.use,
            "on_date": line.on_date,
            "memo": line.memo,
            "hash": line.hash,
        }


class SpendingOut(Schema):
    seq: int
    use: str = Field(examples=["rent"])
    use_label: str = Field(examples=["房屋租赁"])
    amount: str = Field(examples=["30000.00"])
    on_date: dt.date
    outside_allowed_uses: bool = Field(description="用途不在规则允许范围内", examples=[True])


class GrantOut(Schema):
    grant_id: uuid.UUID
    facility_id: int
    facility_name: str = Field(examples=["潞州区英雄南路社区养老幸福工程"])
    year: int = Field(examples=[2023])
    payer_level: str = Field(examples=["county"])
    kind: str = Field(examples=["county_match"])
    rule_id: str = Field(examples=["urban_project.award.county_match"])
    status: str = Field(examples=["approved"])
    amount: str = Field(examples=["980000.00"])
    spent: str = Field(examples=["250000.00"])
    outside_allowed_uses: list[SpendingOut]
    match_due: dt.date | None = Field(None, description="县级配套资金拨付期限（该日之前）")
    match_missed: bool = Field(examples=[False])
    spending: list[SpendingOut]
    lines: list[GrantLineOut]

    @staticmethod
    def of(state) -> dict:
        def spending(s) -> dict:
            return {
                "seq": s.line.seq,
                "use": s.line.use,
                "use_label": s.use_label,
                "amount": f"{s.line.amount:.2f}",
                "on_date": s.line.on_date,
                "outside_allowed_uses": s.allowed is False,
            }

        return {
            "grant_id": state.grant,
            "facility_id": state.facility.pk,
            "facility_name": state.facility.name,
            "year": state.year,
            "payer_level": state.payer_level,
            "kind": state.kind,
            "rule_id": state.rule_id,
            "status": state.status,
            "amount": f"{state.amount:.2f}",
            "spent": f"{state.spent:.2f}",
            "outside_allowed_uses": [spending(s) for s in state.outside_uses],
            "match_due": state.match_due,
            "match_missed": state.match_missed,
            "spending": [spending(s) for s in state.spending],
            "lines": [GrantLineOut.of(line) for line in state.lines],
        }


class GrantIn(Schema):
    facility_id: int = Field(examples=[1])
    year: int = Field(description="奖补年度（县级配套期限按此计算）", examples=[2023])
    payer_level: Literal["province", "city", "county"] = Field(examples=["county"])
    kind: str = Field(description="奖补项目（估算中的 kind）", examples=["county_match"])
    rule_id: str = Field("", examples=["urban_project.award.county_match"])
    amount: str = Field(examples=["980000.00"])
    status: Literal["estimated", "approved", "disbursed"] = "estimated"
    on_date: dt.date = Field(examples=["2023-05-01"])
    memo: str = Field("", max_length=200)


class GrantStatusIn(Schema):
    status: Literal["approved", "disbursed"] = Field(examples=["disbursed"])
    amount: str | None = Field(None, description="批准或拨付金额；不填沿用上一金额")
    on_date: dt.date = Field(examples=["2024-05-20"])
    memo: str = Field("", max_length=200)


class GrantSpendingIn(Schema):
    use: str = Field(description="用途代码", examples=["fit_out"])
    amount: str = Field(examples=["200000.00"])
    on_date: dt.date = Field(examples=["2023-09-01"])
    memo: str = Field("", max_length=200)


class RunningCostIn(Schema):
    facility_id: int = Field(examples=[1])
    year: int = Field(examples=[2024])
    source: Literal["government", "collective", "donations", "elder", "children"]
    amount: str = Field(examples=["30000.00"])
    on_date: dt.date = Field(examples=["2024-12-31"])
    memo: str = Field("", max_length=200)


class AwardShareOut(Schema):
    source: str
    label: str
    amount: str
    share_percent: str | None


class RunningCostOut(Schema):
    facility_id: int
    year: int
    total: str
    shares: list[AwardShareOut]


class GrantFilter(PageParams):
    facility_id: int | None = None
    year: int | None = None


def _running_out(report: dict) -> dict:
    return {
        "facility_id": report["facility_id"],
        "year": report["year"],
        "total": f"{report['total']:.2f}",
        "shares": [
            {
                "source": s["source"],
                "label": s["label"],
                "amount": f"{s['amount']:.2f}",
                "share_percent": None if s["share"] is None else f"{s['share']}",
            }
            for s in report["shares"]
        ],
    }


@router.get(
    "/funding/grants",
    response={200: Page[GrantOut], **ERRORS},
    summary="奖补资金台账",
    description="辖区内各项奖补及其状态、支出，标出用途不符的支出和逾期未拨付的县级配套。",
)
def grant_list(request: HttpRequest, filters: Query[GrantFilter]):
    states = selectors.grant_states(
        request.auth, facility_id=filters.facility_id, year=filters.year
    )
    page = paginate(states, filters)
    return {"items": [GrantOut.of(s) for s in page["items"]], "count": page["count"]}


@router.get("/funding/grants/{grant_id}", response={200: GrantOut, **ERRORS}, summary="一项奖补")
def grant_detail(request: HttpRequest, grant_id: uuid.UUID):
    return GrantOut.of(selectors.grant_get(request.auth, grant_id))


@router.post(
    "/funding/grants",
    response={201: GrantOut, **ERRORS},
    summary="登记一项奖补",
    description="在台账末尾追加一行（只增不改）。带 `Idempotency-Key` 头重试只登记一次。",
)
@decorate_view(idempotent)
def grant_create(request: HttpRequest, payload: GrantIn):
    facility = selectors.facility_for_funding(request.auth, payload.facility_id)
    line = services.grant_record(
        actor=request.auth,
        facility=facility,
        year=payload.year,
        payer_level=payload.payer_level,
        kind=payload.kind,
        rule_id=payload.rule_id,
        amount=payload.amount,
        status=payload.status,
        on_date=payload.on_date,
        memo=payload.memo,
    )
    return Status(201, GrantOut.of(selectors.grant_get(request.auth, line.grant)))


@router.post(
    "/funding/grants/{grant_id}/status",
    response={201: GrantOut, **ERRORS},
    summary="奖补状态变更",
    description="批准或拨付：追加一行，状态只能向前推进（否则 409）。",
)
@decorate_view(idempotent)
def grant_status(request: HttpRequest, grant_id: uuid.UUID, payload: GrantStatusIn):
    selectors.grant_get(request.auth, grant_id)
    services.grant_status(
        actor=request.auth,
        grant=grant_id,
        status=payload.status,
        amount=payload.amount,
        on_date=payload.on_date,
        memo=payload.memo,
    )
    return Status(201, GrantOut.of(selectors.grant_get(request.auth, grant_id)))


@router.post(
    "/funding/grants/{grant_id}/spending",
    response={201: GrantOut, **ERRORS},
    summary="登记支出",
    description="支出按用途记入台账；用途不在规则允许范围内的照常记录并标出。",
)
@decorate_view(idempotent)
def grant_spending(request: HttpRequest, grant_id: uuid.UUID, payload: GrantSpendingIn):
    selectors.grant_get(request.auth, grant_id)
    services.grant_spend(
        actor=request.auth,
        grant=grant_id,
        amount=payload.amount,
        use=payload.use,
        on_date=payload.on_date,
        memo=payload.memo,
    )
    return Status(201, GrantOut.of(selectors.grant_get(request.auth, grant_id)))


@router.post(
    "/funding/running-costs",
    response={201: RunningCostOut, **ERRORS},
    summary="登记运营经费来源",
    description="某设施某年度运营经费的一份来源（政府、集体、捐赠、老人、子女）。",
)
@decorate_view(idempotent)
def running_cost_create(request: HttpRequest, payload: RunningCostIn):
    facility = selectors.facility_for_funding(request.auth, payload.facility_id)
    services.running_cost_record(
        actor=request.auth,
        facility=facility,
        year=payload.year,
        source=payload.source,
        amount=payload.amount,
        on_date=payload.on_date,
        memo=payload.memo,
    )
    report = selectors.running_costs(request.auth, facility_id=facility.pk, year=payload.year)
    return Status(201, _running_out(report))


@router.get(
    "/funding/facilities/{facility_id}/running-costs",
    response={200: RunningCostOut, **ERRORS},
    summary="运营经费来源构成",
)
def running_cost_report(request: HttpRequest, facility_id: int, year: int):
    facility = selectors.facility_for_funding(request.auth, facility_id)
    return _running_out(selectors.running_costs(request.auth, facility_id=facility.pk, year=year))


# ---------------------------------------------------------------- county evaluation tiers


class CountyRowOut(Schema):
    county_code: str = Field(examples=["350424"])
    county_name: str = Field(examples=["宁化县"])
    value: str = Field(description="指标值（比例）", examples=["0.8500"])
    numerator: int | None
    denominator: int | None
    rank: int
    tier: str = Field(description="档次；空为不获奖", examples=["一档"])
    amount: str = Field(examples=["100000.00"])


class EvaluationAwardsOut(Schema):
    region: str
    year: int
    measured_on: dt.date
    rule_id: str | None = Field(examples=["centre.registration_evaluation_award"])
    source: str
    indicator: str = Field(examples=["registered_centre_coverage"])
    indicator_label: str
    tiers: list[str] = Field(examples=[["100000.00", "50000.00", "30000.00"]])
    total: str
    rows: list[CountyRowOut]
    unmeasured: list[str] = Field(description="无法度量的县（无建制村）")


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        raise ValidationFailed(fields={"tier_sizes": [_("应为逗号分隔的整数，如 1,2,3")]}) from None
    if not sizes:
        raise ValidationFailed(fields={"tier_sizes": [_("必填")]})
    return sizes


def evaluation_out(result) -> dict:
    return {
        "region": result.region.code,
        "year": result.year,
        "measured_on": result.on,
        "rule_id": result.rule.rule_id if result.rule else None,
        "source": result.source,
        "indicator": result.indicator,
        "indicator_label": result.indicator_label,
        "tiers": [f"{Decimal(t):.2f}" for t in (result.rule["tiers"] if result.rule else [])],
        "total": f"{result.total:.2f}",
        "rows": [
            {
                "county_code": r.county.code,
                "county_name": r.county.name,
                "value": f"{r.value:.4f}",
                "numerator": r.numerator,
                "denominator": r.denominator,
                "rank": r.rank,
                "tier": r.tier_label,
                "amount": f"{r.amount:.2f}",
            }
            for r in result.rows
        ],
        "unmeasured": [c.code for c in result.unmeasured],
    }


@router.get(
    "/funding/county-evaluation",
    response={200: EvaluationAwardsOut, **ERRORS},
    summary="县级年终评估奖补档次",
    description="按政策所列指标（已登记中心的建制村覆盖率，年末度量）给区划下各县排名，"
    "按规则的三档金额奖补。各档名额种子未定，由 `tier_sizes` 给出（如 `1,2,3`）。",
)
def county_evaluation(request: HttpRequest, region: str, year: int, tier_sizes: str):
    sizes = parse_sizes(tier_sizes)
    result = selectors.county_evaluation(
        request.auth, region_code=region, year=year, tier_sizes=sizes
    )
    return evaluation_out(result)


# ---------------------------------------------------------------- budget what-if


class WhatIfOverrideIn(Schema):
    rule_id: str = Field(examples=["urban_project.award.city_topup"])
    param: str = Field(examples=["share_of_province_award"])
    value: str = Field(examples=["0.4"])


class BudgetIn(Schema):
    region: str = Field(examples=["1404"])
    year: int = Field(examples=[2025])
    provides_meals: bool | None = Field(None, description="日间照料中心是否按提供用餐计")
    overrides: list[WhatIfOverrideIn] = Field(default_factory=list, description="假设的规则取值")


class LevelRowOut(Schema):
    level: str = Field(examples=["city"])
    base: str = Field(examples=["840000.00"])
    what_if: str = Field(examples=["1120000.00"])
    delta: str = Field(examples=["280000.00"])


class BudgetLineOut(Schema):
    label: str
    region: str
    facility_type: str
    count: int
    floor_area_m2: str | None
    base: dict[str, str]
    what_if: dict[str, str]
    missing: list[str] = Field(description="规则需要而计划中没有的情况")


class BudgetOut(Schema):
    region: str
    year: int
    rules_on: dt.date
    levels: list[LevelRowOut]
    lines: list[BudgetLineOut]


def budget_out(result) -> dict:
    def money_map(values: dict) -> dict:
        return {k: f"{v:.2f}" for k, v in values.items()}

    return {
        "region": result.region.code,
        "year": result.year,
        "rules_on": result.on,
        "levels": [
            {k: (f"{v:.2f}" if k != "level" else v) for k, v in row.items()} for row in result.rows
        ],
        "lines": [
            {
                "label": line.item.label,
                "region": line.item.region.code,
                "facility_type": line.item.facility_type,
                "count": line.item.count,
                "floor_area_m2": None
                if line.item.floor_area_m2 is None
                else f"{line.item.floor_area_m2}",
                "base": money_map(line.base),
                "what_if": money_map(line.what_if),
                "missing": line.missing,
            }
            for line in result.lines
        ],
    }


@router.post(
    "/funding/budget",
    response={200: BudgetOut, **ERRORS},
    summary="预算测算（假设分析）",
    description="区划某年度计划任务（建设任务表、城镇社区养老幸福工程申报）按现行规则对各支付层级的"
    "成本，以及在 `overrides` 中假设某规则取值后的变化；规则本身不改。只读。",
)
def budget_what_if(request: HttpRequest, payload: BudgetIn):
    overrides = budget.parse_overrides([o.dict() for o in payload.overrides])
    result = budget.budget(
        request.auth,
        region_code=payload.region,
        year=payload.year,
        provides_meals=payload.provides_meals,
        overrides=overrides,
    )
    return budget_out(result)
