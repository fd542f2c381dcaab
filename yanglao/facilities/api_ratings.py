"""Star ratings, grades and Sanming village centres: /api/v1/facilities/ratings/... and
/api/v1/facilities/centres/...."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import NotFound
from yanglao.core.idempotency import idempotent

from . import centres, ratings

router = Router(tags=["facilities 星级评定 / 村级养老服务中心"])


class AwardOut(Schema):
    rule_id: str = Field(examples=["facility.star_award.happiness_home.five_star"])
    title: str
    source: str
    amount: str = Field(description="金额（元）", examples=["30000.00"])
    payer: str = Field(examples=["city"])
    proposed: bool = Field(description="前提条件均满足，建议发放")
    missing: list[str] = Field(examples=[["牌匾未镶嵌“万寿延”标识"]])


class RatingOut(Schema):
    id: int
    facility_id: int
    facility_name: str = Field(examples=["岭背村幸福院"])
    scheme: str = Field(examples=["stars"])
    rated_on: dt.date
    stars: int | None = Field(description="星级或等级（1–5）；未达一级为空", examples=[5])
    section_scores: dict[str, str] = Field(examples=[{"environment": "110.00"}])
    total: str | None = Field(None, examples=["960.00"])
    assessor: str = ""
    valid_until: dt.date | None = None
    trace: dict[str, Any] = Field(description="等级判定依据链：各级是否达到及原因")
    awards: list[AwardOut] = []

    @staticmethod
    def of(rating, *, with_awards: bool = False) -> RatingOut:
        awards = []
        if with_awards and rating.stars:
            awards = [
                AwardOut(
                    rule_id=a.rule_id,
                    title=a.title,
                    source=a.source,
                    amount=f"{a.amount:.2f}",
                    payer=a.payer,
                    proposed=a.proposed,
                    missing=a.missing,
                )
                for a in ratings.award_proposals(rating)
            ]
        return RatingOut(
            id=rating.pk,
            facility_id=rating.facility_id,
            facility_name=rating.facility.name,
            scheme=rating.scheme,
            rated_on=rating.rated_on,
            stars=rating.stars,
            section_scores=rating.section_scores or {},
            total=f"{rating.total:.2f}" if rating.total is not None else None,
            assessor=rating.assessor,
            valid_until=rating.valid_until,
            trace=rating.trace or {},
            awards=awards,
        )


class RatingQuery(PageParams):
    q: str = Field("", description="设施名称")
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["350424"])
    scheme: str = Field("", description="stars 或 grade")
    stars: int | None = Field(None, ge=1, le=5)
    facility_id: int | None = None


@router.get(
    "/facilities/ratings",
    response={200: Page[RatingOut], **ERRORS},
    summary="星级/等级评定列表",
)
def list_ratings(request: HttpRequest, query: Query[RatingQuery]):
    page = paginate(
        ratings.ratings_for(
            request.auth,
            q=query.q,
            scheme=query.scheme,
            stars=query.stars,
            region_code=query.region or None,
            facility_id=query.facility_id,
        ),
        query,
    )
    page["items"] = [RatingOut.of(r) for r in page["items"]]
    return page


class RatingIn(Schema):
    facility_id: int
    rated_on: dt.date = Field(examples=["2020-09-01"])
    stars: int | None = Field(None, description="农村幸福院：1–5 星", examples=[5])
    section_scores: dict[str, Any] | None = Field(
        None,
        description="养老机构：GB/T 37276 各部分得分",
        examples=[{"environment": 110, "facilities": 120, "operation": 140, "service": 590}],
    )
    assessor: str = Field("", max_length=100, examples=["宁化县民政局"])
    valid_until: dt.date | None = None


@router.post(
    "/facilities/ratings",
    response={201: RatingOut, **ERRORS},
    summary="记录评定（县、市民政）：幸福院录入星级，养老机构按分项得分计算等级",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {"facility_id": 1, "rated_on": "2020-09-01", "stars": 5}
                }
            }
        }
    },
)
@decorate_view(idempotent)
def create_rating(request: HttpRequest, payload: RatingIn):
    facility = ratings.facility_get(request.auth, payload.facility_id)
    rating = ratings.rating_record(
        actor=request.auth,
        facility=facility,
        rated_on=payload.rated_on,
        stars=payload.stars,
        section_scores=payload.section_scores,
        assessor=payload.assessor,
        valid_until=payload.valid_until,
        request=request,
    )
    return Status(201, RatingOut.of(rating, with_awards=True))


@router.get(
    "/facilities/ratings/{rating_id}",
    response={200: RatingOut, **ERRORS},
    summary="一次评定，含判定依据链和建议的奖补",
)
def get_rating(request: HttpRequest, rating_id: int):
    return RatingOut.of(ratings.rating_get(request.auth, rating_id), with_awards=True)


# ------------------------------------------------------------------ village centres


class IssueOut(Schema):
    code: str = Field(examples=["chairman"])
    severity: str = Field(description="gap 差距 / warning 提示", examples=["warning"])
    field: str
    message: str
    rule_id: str
    source: str


class CentreOut(Schema):
    id: int
    village_code: str = Field(examples=["350424103201"])
    village_name: str = Field(examples=["岭背村"])
    facility_id: int | None = None
    registered_name: str = Field(examples=["岭背村万寿延养老服务中心"])
    credit_code: str = Field(examples=["52350424MJ0000011J"])
    registered_on: dt.date | None = None
    registered: bool
    start_up_funds: str | None = Field(None, examples=["5000.00"])
    plaque_mark: bool
    chairman_name: str = ""
    chairman_is_party_secretary: bool
    secretary_general_name: str = ""
    secretary_general_old_member: bool
    supervisors: str = ""
    rules_kept: list[str] = Field(examples=[["finance", "safety", "food", "hygiene"]])
    converted_from_association: bool
    issues: list[IssueOut]

    @staticmethod
    def of(centre) -> CentreOut:
        return CentreOut(
            id=centre.pk,
            village_code=centre.village_id,
            village_name=centre.village.name,
            facility_id=centre.facility_id,
            registered_name=centre.registered_name,
            credit_code=centre.credit_code,
            registered_on=centre.registered_on,
            registered=centre.registered,
            start_up_funds=(
                f"{centre.start_up_funds:.2f}" if centre.start_up_funds is not None else None
            ),
            plaque_mark=centre.plaque_mark,
            chairman_name=centre.chairman_name,
            chairman_is_party_secretary=centre.chairman_is_party_secretary,
            secretary_general_name=centre.secretary_general_name,
            secretary_general_old_member=centre.secretary_general_old_member,
            supervisors=centre.supervisors,
            rules_kept=list(centre.rules_kept or []),
            converted_from_association=centre.converted_from_association,
            issues=[IssueOut(**i.__dict__) for i in centres.centre_issues(centre)],
        )


class CentreQuery(PageParams):
    q: str = ""
    region: str = Field("", examples=["350424"])
    registered: bool | None = None
    mark: bool | None = None
    issue: str = Field("", description="chairman, secretary_general, name, funds, mark, any")


@router.get(
    "/facilities/centres", response={200: Page[CentreOut], **ERRORS}, summary="村级养老服务中心列表"
)
def list_centres(request: HttpRequest, query: Query[CentreQuery]):
    page = paginate(
        centres.centres_for(
            request.auth,
            q=query.q,
            region_code=query.region or None,
            registered=query.registered,
            mark=query.mark,
            issue=query.issue,
        ),
        query,
    )
    page["items"] = [CentreOut.of(c) for c in page["items"]]
    return page


class CentreIn(Schema):
    registered_name: str = Field(max_length=100, examples=["岭背村万寿延养老服务中心"])
    credit_code: str = Field("", max_length=20, examples=["52350424MJ0000011J"])
    registered_on: dt.date | None = Field(None, examples=["2020-03-01"])
    start_up_funds: str | None = Field(None, examples=["5000.00"])
    plaque_mark: bool = False
    chairman_name: str = Field("", max_length=50)
    chairman_is_party_secretary: bool = False
    secretary_general_name: str = Field("", max_length=50)
    secretary_general_old_member: bool = False
    supervisors: str = Field("", max_length=200)
    rules_kept: list[str] = Field(default_factory=list, examples=[["finance", "safety"]])
    converted_from_association: bool = False
    facility_id: int | None = None


class CentreCreate(CentreIn):
    village: str = Field(description="建制村区划代码（12 位）", examples=["350424103201"])


@router.post(
    "/facilities/centres",
    response={201: CentreOut, **ERRORS},
    summary="登记村级养老服务中心（差距和提示不阻止保存，见 issues）",
)
@decorate_view(idempotent)
def create_centre(request: HttpRequest, payload: CentreCreate):
    data = payload.dict()
    village = data.pop("village")
    centre = centres.centre_save(
        actor=request.auth, data=data, village_code=village, request=request
    )
    return Status(201, CentreOut.of(centre))


@router.get(
    "/facilities/centres/{centre_id}",
    response={200: CentreOut, **ERRORS},
    summary="村级养老服务中心",
)
def get_centre(request: HttpRequest, centre_id: int):
    return CentreOut.of(centres.centre_get(request.auth, centre_id))


@router.put(
    "/facilities/centres/{centre_id}",
    response={200: CentreOut, **ERRORS},
    summary="修改村级养老服务中心（整体替换）",
)
@decorate_view(idempotent)
def update_centre(request: HttpRequest, centre_id: int, payload: CentreIn):
    centre = centres.centre_get(request.auth, centre_id)
    centre = centres.centre_save(
        actor=request.auth, data=payload.dict(), centre=centre, request=request
    )
    return CentreOut.of(centre)


class CentreCoverageOut(Schema):
    region_code: str = Field(examples=["350424"])
    region_name: str = Field(examples=["宁化县"])
    villages: int
    registered: int
    share: str | None = Field(None, examples=["0.8500"])
    target_rule_id: str | None = Field(None, examples=["centre.registration_coverage.2020"])
    target_threshold: str | None = None
    target_deadline: str | None = None
    target_source: str | None = None
    met: bool | None = None


@router.get(
    "/facilities/centres-coverage",
    response={200: list[CentreCoverageOut], **ERRORS},
    summary="各县农村养老服务中心建制村覆盖率（对照目标）",
)
def centre_coverage(request: HttpRequest, region: str = ""):
    rows = centres.coverage(request.auth, region_code=region or None)
    if region and not rows:
        raise NotFound()
    return [
        CentreCoverageOut(
            region_code=r.region.code,
            region_name=r.region.name,
            villages=r.villages,
            registered=r.registered,
            share=str(r.share) if r.share is not None else None,
            target_rule_id=r.target.rule_id if r.target else None,
            target_threshold=str(r.target.params["threshold"]) if r.target else None,
            target_deadline=str(r.target.params["deadline"]) if r.target else None,
            target_source=r.target.decisive.source if r.target else None,
            met=r.met,
        )
        for r in rows
    ]
