"""Facilities: /api/v1/facilities (the registry, each facility's gaps and compliance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.idempotency import idempotent

from . import compliance, selectors, services, standards
from .models import FacilityStatus, FacilityType, FireReview, Ownership

router = Router(tags=["facilities 养老设施"])


class GapOut(Schema):
    code: str = Field(examples=["area"])
    message: str = Field(examples=["建筑面积 120 m²，低于标准下限 150 m²"])
    rule_id: str = Field(examples=["facility.standard.day_care_center"])
    title: str
    source: str


class ComplianceItemOut(Schema):
    code: str = Field(examples=["filing"])
    label: str = Field(examples=["养老机构备案"])
    state: str = Field(description="ok missing overdue due expiring info", examples=["overdue"])
    detail: str
    rule_id: str
    source: str


class FacilityOut(Schema):
    id: int
    name: str = Field(examples=["金罗镇日间照料中心"])
    type: FacilityType
    region_code: str = Field(examples=["141129101"])
    region_name: str
    ownership: Ownership
    status: FacilityStatus
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    floor_area_m2: Decimal | None
    rooms: list[str]
    beds: int
    nursing_beds: int
    serves_meals: bool
    public_welfare_posts: int
    other_staff: int
    residents: int
    operator_name: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    converted_building: bool
    fire_review: str
    first_resident_on: dt.date | None
    filed_on: dt.date | None
    food_licence_no: str
    food_licence_expires: dt.date | None
    insurance_expires: dt.date | None
    has_medical_unit: bool
    medical_insurance_on: dt.date | None
    residential_utilities: bool
    gaps: list[GapOut] = Field(description="对照建设标准的差距（只作提示）")
    compliance: list[ComplianceItemOut]

    @staticmethod
    def of(f) -> FacilityOut:
        return FacilityOut(
            id=f.pk,
            name=f.name,
            type=f.type,
            region_code=f.region_id,
            region_name=f.region.name,
            ownership=f.ownership,
            status=f.status,
            address=f.address,
            latitude=f.latitude,
            longitude=f.longitude,
            floor_area_m2=f.floor_area_m2,
            rooms=list(f.rooms or []),
            beds=f.beds,
            nursing_beds=f.nursing_beds,
            serves_meals=f.serves_meals,
            public_welfare_posts=f.public_welfare_posts,
            other_staff=f.other_staff,
            residents=f.residents,
            operator_name=f.operator_name,
            opened_on=f.opened_on,
            closed_on=f.closed_on,
            converted_building=f.converted_building,
            fire_review=f.fire_review,
            first_resident_on=f.first_resident_on,
            filed_on=f.filed_on,
            food_licence_no=f.food_licence_no,
            food_licence_expires=f.food_licence_expires,
            insurance_expires=f.insurance_expires,
            has_medical_unit=f.has_medical_unit,
            medical_insurance_on=f.medical_insurance_on,
            residential_utilities=f.residential_utilities,
            gaps=[GapOut(**g.__dict__) for g in standards.gaps(f)],
            compliance=[ComplianceItemOut(**i.__dict__) for i in compliance.items(f)],
        )


class FacilityQuery(PageParams):
    q: str = Field("", description="名称、地址或运营方")
    type: FacilityType | None = None
    ownership: Ownership | None = None
    status: FacilityStatus | None = None
    region: str = Field("", description="区划代码（须在本人辖区内）")


@router.get("/facilities", response={200: Page[FacilityOut], **ERRORS}, summary="设施名录")
def facility_list(request: HttpRequest, query: Query[FacilityQuery]):
    qs = selectors.facilities(
        request.auth,
        q=query.q,
        type=query.type.value if query.type else "",
        ownership=query.ownership.value if query.ownership else "",
        status=query.status.value if query.status else "",
        region_code=query.region,
    )
    page = paginate(qs, query)
    page["items"] = [FacilityOut.of(f) for f in page["items"]]
    return page


@router.get(
    "/facilities/{facility_id}",
    response={200: FacilityOut, **ERRORS},
    summary="设施详情（含建设标准差距和合规事项）",
)
def facility_detail(request: HttpRequest, facility_id: int):
    return FacilityOut.of(selectors.facility_get(request.auth, facility_id))


class FacilityIn(Schema):
    name: str | None = Field(None, examples=["金罗镇日间照料中心"])
    type: FacilityType | None = Field(None, examples=["day_care_center"])
    region: str | None = Field(None, examples=["141129101"])
    ownership: Ownership | None = Field(None, examples=["public"])
    status: FacilityStatus | None = Field(None, examples=["operating"])
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    floor_area_m2: Decimal | None = Field(None, examples=["320"])
    rooms: list[str] | None = Field(None, examples=[["day_rest", "dining", "leisure"]])
    beds: int | None = Field(None, examples=[12])
    nursing_beds: int | None = None
    serves_meals: bool | None = None
    public_welfare_posts: int | None = Field(None, examples=[2])
    other_staff: int | None = None
    residents: int | None = None
    operator_name: str | None = None
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    converted_building: bool | None = None
    fire_review: FireReview | None = None
    first_resident_on: dt.date | None = None
    filed_on: dt.date | None = None
    food_licence_no: str | None = None
    food_licence_expires: dt.date | None = None
    insurance_expires: dt.date | None = None
    has_medical_unit: bool | None = None
    medical_insurance_on: dt.date | None = None
    residential_utilities: bool | None = None
    note: str | None = None


def _data(payload: FacilityIn) -> dict:
    data = payload.dict(exclude_unset=True)
    for key in ("type", "ownership", "status", "fire_review"):
        if data.get(key) is not None:
            data[key] = getattr(data[key], "value", data[key])
    return data


@router.post(
    "/facilities",
    response={201: FacilityOut, **ERRORS},
    summary="登记设施",
    description="差距不影响登记，只作提示。",
)
@decorate_view(idempotent)
def facility_create(request: HttpRequest, payload: FacilityIn):
    facility = services.facility_save(actor=request.auth, data=_data(payload), request=request)
    return Status(201, FacilityOut.of(facility))


@router.patch(
    "/facilities/{facility_id}",
    response={200: FacilityOut, **ERRORS},
    summary="修改设施（运营方只能改本机构的运营信息）",
)
@decorate_view(idempotent)
def facility_update(request: HttpRequest, facility_id: int, payload: FacilityIn):
    facility = selectors.facility_get(request.auth, facility_id)
    facility = services.facility_save(
        actor=request.auth, facility=facility, data=_data(payload), request=request
    )
    return FacilityOut.of(facility)
