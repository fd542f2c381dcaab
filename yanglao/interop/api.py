"""Linked systems: /api/v1/interop (the nursing-home feed, the FHIR R4 export of an
elder's file, the upper-level export and its code tables)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.exports import XLSX_MIME
from yanglao.core.idempotency import idempotent

from . import export, fhir, selectors, services
from .models import FeedBatch, FeedKind, Residency

router = Router(tags=["interop 系统对接"])

FEED_DESCRIPTION = (
    "养老机构管理系统用本机构运营方账号的 API 令牌（`Authorization: Bearer yl_…`）报送。"
    "每一行按身份证号的加密索引匹配本账号辖区内的在册老人档案：匹配的行登记或更新入住记录"
    "（床位、房间、护理等级、入住日期）；未匹配的行连同原因列在响应的 `report` 中，"
    "原因代码：`invalid_id` 身份证号格式无效，`invalid_checksum` 校验位错误，"
    "`duplicate` 本批重复，`unknown_id` 平台无此人档案，`out_of_region` 档案不在辖区内"
    "（只说明所在县区），`inactive` 档案已迁出或已故，`name_mismatch` 姓名与档案不符，"
    "`resident_elsewhere` 在其他机构在住。`complete: true` 表示这是完整在住名单，"
    "名单上没有的本机构在住老人记为离院（离院日期 = `as_of`）。"
    "格式错误（缺姓名、日期无效、超过 5000 行）整批不写入，返回 422 并指出字段，"
    "如 `residents.3.admitted_on`。带 `Idempotency-Key` 重试返回第一次的结果。"
)


class ResidentIn(Schema):
    id_number: str = Field(..., max_length=30, examples=["141129194501011234"])
    name: str = Field(..., max_length=50, examples=["张桂兰"])
    bed: str = Field("", max_length=20, examples=["203-2"])
    room: str = Field("", max_length=20, examples=["203"])
    admitted_on: dt.date | None = Field(None, examples=["2024-03-18"])
    care_level: str = Field(
        "", max_length=30, description="机构自己的护理等级", examples=["二级护理"]
    )


class ResidentsIn(Schema):
    as_of: dt.date | None = Field(None, description="数据日期，默认今天", examples=["2026-05-12"])
    complete: bool = Field(False, description="完整在住名单：名单上没有的本机构在住老人记为离院")
    residents: list[ResidentIn] = Field(..., description="最多 5000 行")


class ReportRowOut(Schema):
    row: int = Field(examples=[3])
    reason: str = Field(examples=["invalid_checksum"])
    label: str = Field(examples=["身份证号校验位错误"])
    message: str
    name: str
    id_number: str = Field(description="脱敏的身份证号", examples=["141129********1235"])
    bed: str = ""
    room: str = ""


class MatchedRowOut(Schema):
    row: int = Field(examples=[1])
    elder_id: int = Field(examples=[1024])


class BatchOut(Schema):
    id: int
    facility_id: int
    facility_name: str = Field(examples=["宁乡镇敬老院"])
    kind: FeedKind
    as_of: dt.date
    complete: bool
    received_at: dt.datetime
    created_by: str
    total: int
    matched: int
    unmatched: int
    created: int = Field(description="新登记入住")
    updated: int = Field(description="床位、房间、护理等级或入住日期有变化")
    discharged: int = Field(description="完整名单之外、记为离院")
    beds_total: int | None
    beds_occupied: int | None
    nursing_beds: int | None
    report: list[ReportRowOut] = Field(description="未匹配的行及原因")
    matched_rows: list[MatchedRowOut] | None = Field(
        None, description="只在报送的响应中：每个匹配行对应的老人档案编号"
    )

    @staticmethod
    def of(batch: FeedBatch) -> BatchOut:
        return BatchOut(
            id=batch.pk,
            facility_id=batch.facility_id,
            facility_name=batch.facility.name,
            kind=batch.kind,
            as_of=batch.as_of,
            complete=batch.complete,
            received_at=batch.received_at,
            created_by=getattr(batch.created_by, "username", ""),
            total=batch.total,
            matched=batch.matched,
            unmatched=batch.unmatched,
            created=batch.created,
            updated=batch.updated,
            discharged=batch.discharged,
            beds_total=batch.beds_total,
            beds_occupied=batch.beds_occupied,
            nursing_beds=batch.nursing_beds,
            report=[ReportRowOut(**row) for row in batch.report or []],
            matched_rows=getattr(batch, "matched_rows", None),
        )


@router.post(
    "/facilities/{facility_id}/residents",
    response={201: BatchOut, **ERRORS},
    summary="养老机构报送在住老人（按身份证号匹配档案）",
    description=FEED_DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "as_of": "2026-05-12",
                        "complete": True,
                        "residents": [
                            {
                                "id_number": "141129194501011234",
                                "name": "张桂兰",
                                "bed": "203-2",
                                "room": "203",
                                "admitted_on": "2024-03-18",
                                "care_level": "二级护理",
                            },
                            {
                                "id_number": "141129193807150021",
                                "name": "王德明",
                                "bed": "105-1",
                                "room": "105",
                                "admitted_on": "2025-11-02",
                                "care_level": "特级护理",
                            },
                        ],
                    }
                }
            }
        }
    },
)
@decorate_view(idempotent)
def feed_residents(request: HttpRequest, facility_id: int, payload: ResidentsIn):
    facility = selectors.facility_get(request.auth, facility_id)
    batch = services.feed_residents(
        actor=request.auth,
        facility=facility,
        residents=[r.dict() for r in payload.residents],
        as_of=payload.as_of,
        complete=payload.complete,
        request=request,
    )
    return Status(201, BatchOut.of(batch))


class BedsIn(Schema):
    as_of: dt.date | None = Field(None, examples=["2026-05-12"])
    total: int = Field(..., description="床位总数", examples=[60])
    occupied: int = Field(..., description="在住人数（写入设施的入住老人数）", examples=[43])
    nursing: int | None = Field(None, description="护理型床位数（可不报）", examples=[20])


@router.post(
    "/facilities/{facility_id}/beds",
    response={201: BatchOut, **ERRORS},
    summary="养老机构报送床位（总数、在住、护理型）",
    description="写入设施档案的床位数、护理型床位数和入住老人数，并记一个报送批次。"
    "在住多于床位、护理型多于床位返回 422。",
)
@decorate_view(idempotent)
def feed_beds(request: HttpRequest, facility_id: int, payload: BedsIn):
    facility = selectors.facility_get(request.auth, facility_id)
    batch = services.feed_beds(
        actor=request.auth,
        facility=facility,
        total=payload.total,
        occupied=payload.occupied,
        nursing=payload.nursing,
        as_of=payload.as_of,
        request=request,
    )
    return Status(201, BatchOut.of(batch))


class BatchQuery(PageParams):
    q: str = Field("", description="机构名称或运营方")
    kind: FeedKind | None = None
    facility_id: int | None = None
    unmatched: bool = Field(False, description="只看有未匹配行的批次")
    region: str = Field("", description="区划代码（须在本人辖区内）")


@router.get("/batches", response={200: Page[BatchOut], **ERRORS}, summary="报送批次列表")
def batch_list(request: HttpRequest, query: Query[BatchQuery]):
    qs = selectors.batches(
        request.auth,
        q=query.q,
        kind=query.kind.value if query.kind else "",
        facility_id=query.facility_id,
        unmatched=query.unmatched,
        region_code=query.region,
    )
    page = paginate(qs, query)
    page["items"] = [BatchOut.of(b) for b in page["items"]]
    return page


@router.get(
    "/batches/{batch_id}", response={200: BatchOut, **ERRORS}, summary="报送批次及未匹配明细"
)
def batch_detail(request: HttpRequest, batch_id: int):
    return BatchOut.of(selectors.batch_get(request.auth, batch_id))


class ResidentOut(Schema):
    id: int
    elder_id: int
    name: str
    id_number: str = Field(description="脱敏", examples=["141129********1234"])
    region_code: str = Field(description="老人档案所属村(社区)")
    bed: str
    room: str
    care_level: str
    since: dt.date
    until: dt.date | None

    @staticmethod
    def of(stay: Residency) -> ResidentOut:
        person = stay.elder.person
        return ResidentOut(
            id=stay.pk,
            elder_id=stay.elder_id,
            name=person.name,
            id_number=person.masked_id_number,
            region_code=stay.elder.region_id,
            bed=stay.bed,
            room=stay.room,
            care_level=stay.care_level,
            since=stay.since,
            until=stay.until,
        )


class ResidentQuery(PageParams):
    q: str = Field("", description="姓名、拼音首字母、床位号或房间号")
    current: bool = Field(True, description="只看在住（false：含已离院）")


@router.get(
    "/facilities/{facility_id}/residents",
    response={200: Page[ResidentOut], **ERRORS},
    summary="本机构在住老人（已匹配档案）",
)
def resident_list(request: HttpRequest, facility_id: int, query: Query[ResidentQuery]):
    facility = selectors.facility_get(request.auth, facility_id)
    qs = selectors.residents(request.auth, facility, q=query.q, current=query.current)
    page = paginate(qs, query)
    page["items"] = [ResidentOut.of(s) for s in page["items"]]
    return page


class FhirBundleOut(Schema):
    resourceType: Literal["Bundle"] = "Bundle"
    type: Literal["collection"] = "collection"
    timestamp: str
    entry: list[dict[str, Any]]


@router.get(
    "/fhir/elders/{elder_id}",
    response={200: FhirBundleOut, **ERRORS},
    summary="老人档案导出为 HL7 FHIR R4 Bundle",
    description="返回 `application/fhir+json` 的 Bundle（type collection）：Patient、"
    "RelatedPerson（联系人）、Observation（能力评估，GB/T 42195-2022）、ServiceRequest"
    "（服务工单）、Appointment（预约挂号）。身份证号只在 `full=true` 且角色有权查看完整号码时"
    "给出，否则不含身份证号、电话脱敏，并在 `meta.security` 标 REDACTED。每次导出记入访问日志。",
    openapi_extra={
        "responses": {
            200: {  # an int, as Ninja's own key: merged into it, not a second "200"
                "content": {
                    "application/fhir+json": {
                        "example": {
                            "resourceType": "Bundle",
                            "type": "collection",
                            "timestamp": "2026-05-12T09:30:00+08:00",
                            "entry": [
                                {
                                    "fullUrl": "urn:uuid:3b0b7f0e-5d7c-5a8e-9a7e-2f0c1d2e3f40",
                                    "resource": {
                                        "resourceType": "Patient",
                                        "id": "elder-1024",
                                        "meta": {
                                            "security": [
                                                {
                                                    "system": fhir.V3_OBSERVATION_VALUE,
                                                    "code": "REDACTED",
                                                }
                                            ]
                                        },
                                        "identifier": [
                                            {
                                                "use": "usual",
                                                "system": fhir.SID_ELDER,
                                                "value": "1024",
                                            }
                                        ],
                                        "name": [{"use": "official", "text": "张桂兰"}],
                                        "gender": "female",
                                        "birthDate": "1945-01-01",
                                        "telecom": [
                                            {
                                                "system": "phone",
                                                "value": "138****5678",
                                                "use": "mobile",
                                            }
                                        ],
                                    },
                                }
                            ],
                        }
                    }
                }
            }
        }
    },
)
def fhir_elder(request: HttpRequest, elder_id: int, full: bool = False):
    elder, data = fhir.export_bundle(
        actor=request.auth, elder_id=elder_id, full=full, request=request
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type=f"{fhir.MEDIA_TYPE}; charset=utf-8"
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="elder-{elder.pk}-fhir.json"'
    return response


class ColumnOut(Schema):
    key: str = Field(examples=["gender_code"])
    header: str = Field(examples=["性别代码"])
    code_table: str = Field(
        description="所用代码表（见 /interop/code-tables）", examples=["gender"]
    )


class ExportPageOut(Schema):
    kind: str = Field(examples=["elders"])
    region_code: str = Field(examples=["141129"])
    region_name: str = Field(examples=["中阳县"])
    generated_at: str
    full_values: bool
    columns: list[ColumnOut]
    items: list[dict[str, Any]]
    count: int


class ExportQuery(PageParams):
    region: str = Field("", description="区划代码（须在本人辖区内；默认本人辖区）")
    format: Literal["json", "csv", "xlsx"] = Field(
        "json", description="json 分页；csv（UTF-8 带 BOM）和 xlsx 为整个文件"
    )
    full: bool = Field(False, description="完整身份证号和电话（仅有权限的角色）")
    date_from: dt.date | None = Field(None, description="服务工单：预约服务日期起")
    date_to: dt.date | None = Field(None, description="服务工单：预约服务日期止")


@router.get(
    "/exports/{kind}",
    response={200: ExportPageOut, **ERRORS},
    summary="向上级系统导出：老年人、设施、服务工单（含代码）",
    description="`kind` 为 elders、facilities 或 services。每个有代码的字段给出代码列"
    "（`*_code`，代码表见 `/interop/code-tables`）和名称列。列说明见用户手册《系统对接》。"
    "每次导出记入访问日志。",
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    },
)
def export_kind(
    request: HttpRequest,
    kind: Literal["elders", "facilities", "services"],
    query: Query[ExportQuery],
):
    prepared = export.prepare(
        actor=request.auth,
        kind=kind,
        region_code=query.region,
        full=query.full,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    if query.format == "xlsx":
        return export.xlsx(actor=request.auth, export=prepared, request=request)
    if query.format == "csv":
        return export.csv_response(actor=request.auth, export=prepared, request=request)
    return export.json_page(
        actor=request.auth,
        export=prepared,
        page=query.page,
        page_size=query.page_size,
        request=request,
    )


class CodeOut(Schema):
    code: str = Field(examples=["1"])
    label: str = Field(examples=["男性"])


class CodeTableOut(Schema):
    name: str = Field(examples=["gender"])
    title: str = Field(examples=["性别代码"])
    source: str = Field(examples=["GB/T 2261.1-2003"])
    codes: list[CodeOut]


@router.get("/code-tables", response={200: list[CodeTableOut], **ERRORS}, summary="导出所用代码表")
def code_tables(request: HttpRequest):
    return export.code_tables()
