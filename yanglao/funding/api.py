"""Funding: /api/v1/funding/... (the award and subsidy estimator)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from yanglao.core.apischema import ERRORS
from yanglao.core.errors import ValidationFailed

from . import selectors
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
