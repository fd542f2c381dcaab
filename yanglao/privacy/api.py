"""Privacy API: /api/v1/privacy/... (registered in yanglao/api.py)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden, NotFound
from yanglao.core.idempotency import idempotent
from yanglao.elders import selectors as elder_selectors

from . import filecopy, selectors, services
from .models import RequestKind, RequestStatus

router = Router(tags=["privacy 个人信息保护"])


class NoticeOut(Schema):
    version: int = Field(examples=[1])
    title: str = Field(examples=["养老服务平台个人信息处理告知书"])
    body: str
    items: list[dict] = Field(
        examples=[[{"item": "身份证号", "purpose": "核实身份、避免重复建档"}]]
    )
    controller: str = Field(examples=["中阳县民政局"])
    contact: str = Field(examples=["0358-1234567"])
    effective_on: dt.date


class ConsentOut(Schema):
    id: int
    elder_id: int
    basis: str = Field(description="consent | legal_duty | vital_interest", examples=["consent"])
    given_by: str = Field(description="elder | guardian | proxy", examples=["guardian"])
    giver_name: str = Field(examples=["王建国"])
    giver_relation: str = Field(examples=["儿子"])
    legal_reference: str
    notice_version: int | None = Field(None, examples=[1])
    given_on: dt.date
    evidence: str = Field(examples=["签字同意书存村委会档案柜"])
    withdrawn_on: dt.date | None = None
    withdrawn_reason: str = ""
    in_force: bool


def consent_out(r) -> dict:
    return {
        "id": r.pk,
        "elder_id": r.elder_id,
        "basis": r.basis,
        "given_by": r.given_by,
        "giver_name": r.giver_name,
        "giver_relation": r.giver_relation,
        "legal_reference": r.legal_reference,
        "notice_version": r.notice.version if r.notice_id else None,
        "given_on": r.given_on,
        "evidence": r.evidence,
        "withdrawn_on": r.withdrawn_on,
        "withdrawn_reason": r.withdrawn_reason,
        "in_force": r.in_force,
    }


class ConsentIn(Schema):
    basis: str = Field(description="consent | legal_duty | vital_interest", examples=["consent"])
    given_by: str = Field(description="elder | guardian | proxy", examples=["elder"])
    giver_name: str = ""
    giver_relation: str = ""
    legal_reference: str = Field("", examples=["《中华人民共和国老年人权益保障法》"])
    notice_version: int | None = Field(None, description="留空为当日生效的版本")
    given_on: dt.date = Field(examples=["2026-05-01"])
    evidence: str = Field(examples=["签字同意书存村委会档案柜第3格"])


class WithdrawIn(Schema):
    on: dt.date = Field(examples=["2026-06-01"])
    reason: str = Field(examples=["本人撤回同意"])


class RequestOut(Schema):
    id: int
    elder_id: int
    kind: str = Field(description="access | correction | deletion", examples=["access"])
    requested_by: str = Field(examples=["guardian"])
    requester_name: str
    requester_relation: str
    detail: str
    received_on: dt.date
    due_on: dt.date = Field(description="收到日期 + privacy.request_response 的天数")
    status: str = Field(description="open | done | refused", examples=["open"])
    outcome: str = Field(examples=["provided"])
    response: str
    handled_by: str = ""


def request_out(r) -> dict:
    return {
        "id": r.pk,
        "elder_id": r.elder_id,
        "kind": r.kind,
        "requested_by": r.requested_by,
        "requester_name": r.requester_name,
        "requester_relation": r.requester_relation,
        "detail": r.detail,
        "received_on": r.received_on,
        "due_on": r.due_on,
        "status": r.status,
        "outcome": r.outcome,
        "response": r.response,
        "handled_by": r.handled_by.username if r.handled_by_id else "",
    }


class RequestIn(Schema):
    elder_id: int
    kind: str = Field(examples=["access"])
    requested_by: str = Field(examples=["elder"])
    requester_name: str = Field(examples=["张桂兰"])
    requester_relation: str = ""
    detail: str = Field(examples=["要求复制本人档案"])
    received_on: dt.date = Field(examples=["2026-05-06"])


class HandleIn(Schema):
    outcome: str = Field(
        description="provided | corrected | anonymised | refused", examples=["provided"]
    )
    response: str = Field(examples=["已当面交付档案副本一份"])


class FileRow(Schema):
    section: str = Field(examples=["基本信息"])
    item: str = Field(examples=["姓名"])
    value: str = Field(examples=["张桂兰"])


@router.get(
    "/privacy/notice",
    response={200: NoticeOut, **ERRORS},
    auth=None,
    summary="现行个人信息处理告知书（免登录，公开）",
)
def notice(request: HttpRequest):
    current = services.current_notice()
    if current is None:
        raise NotFound("告知书尚未发布")
    return current


@router.get(
    "/privacy/elders/{elder_id}/consents",
    response={200: list[ConsentOut], **ERRORS},
    summary="一位老人的处理依据记录",
)
def consents(request: HttpRequest, elder_id: int):
    if request.auth.role not in services.PRIVACY_READERS:
        raise Forbidden()
    elder = elder_selectors.elder_get(request.auth, elder_id)
    return [consent_out(r) for r in selectors.consents_of(request.auth, elder)]


@router.post(
    "/privacy/elders/{elder_id}/consents",
    response={201: ConsentOut, **ERRORS},
    summary="登记处理依据（同意、法定职责或紧急情况）",
)
@decorate_view(idempotent)
def consent_create(request: HttpRequest, elder_id: int, payload: ConsentIn):
    elder = elder_selectors.elder_get(request.auth, elder_id)
    record = services.consent_record(
        actor=request.auth, elder=elder, request=request, **payload.dict()
    )
    return 201, consent_out(record)


@router.post(
    "/privacy/consents/{consent_id}/withdraw",
    response={200: ConsentOut, **ERRORS},
    summary="撤回同意或终止依据",
)
@decorate_view(idempotent)
def consent_withdraw(request: HttpRequest, consent_id: int, payload: WithdrawIn):
    record = selectors.consent_get(request.auth, consent_id)
    record = services.consent_withdraw(
        actor=request.auth, record=record, on=payload.on, reason=payload.reason, request=request
    )
    return consent_out(record)


@router.get(
    "/privacy/requests",
    response={200: Page[RequestOut], **ERRORS},
    summary="个人信息权利请求（辖区内）",
)
def request_list(
    request: HttpRequest,
    params: Query[PageParams],
    q: str = "",
    kind: str = "",
    status: str = "",
    overdue: bool = False,
):
    if request.auth.role not in services.PRIVACY_READERS:
        raise Forbidden()
    qs = selectors.requests_for(
        request.auth,
        q=q,
        kind=kind if kind in RequestKind.values else "",
        status=status if status in RequestStatus.values else "",
        overdue=overdue,
    )
    page = paginate(qs, params)
    return {"items": [request_out(r) for r in page["items"]], "count": page["count"]}


@router.post(
    "/privacy/requests", response={201: RequestOut, **ERRORS}, summary="登记查阅/更正/删除请求"
)
@decorate_view(idempotent)
def request_create(request: HttpRequest, payload: RequestIn):
    data = payload.dict()
    elder = elder_selectors.elder_get(request.auth, data.pop("elder_id"))
    created = services.request_open(actor=request.auth, elder=elder, request=request, **data)
    return 201, request_out(created)


@router.get(
    "/privacy/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="一项请求"
)
def request_get(request: HttpRequest, request_id: int):
    return request_out(selectors.request_get(request.auth, request_id))


@router.post(
    "/privacy/requests/{request_id}/handle",
    response={200: RequestOut, **ERRORS},
    summary="办结请求（删除＝匿名化，仅限已故或迁出的档案）",
)
@decorate_view(idempotent)
def request_handle(request: HttpRequest, request_id: int, payload: HandleIn):
    data_request = selectors.request_get(request.auth, request_id)
    handled = services.request_handle(
        actor=request.auth,
        data_request=data_request,
        outcome=payload.outcome,
        response=payload.response,
        request=request,
    )
    return request_out(handled)


@router.get(
    "/privacy/requests/{request_id}/file",
    response={200: list[FileRow], **ERRORS},
    summary="查阅请求的档案副本（记入访问日志）",
)
def request_file(request: HttpRequest, request_id: int):
    if request.auth.role not in services.PRIVACY_WRITERS:
        raise Forbidden()
    data_request = selectors.request_get(request.auth, request_id)
    if data_request.kind != RequestKind.ACCESS:
        raise NotFound("只有查阅、复制请求才提供档案副本")
    rows = filecopy.handover(actor=request.auth, data_request=data_request, request=request)
    return [{"section": s, "item": i, "value": v} for s, i, v in rows]
