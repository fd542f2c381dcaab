"""Donations API: /api/v1/community/donations... (registered in yanglao/api.py)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.idempotency import idempotent

from . import donations

router = Router(tags=["community 捐赠与公示"])


class DonationLineOut(Schema):
    id: int
    seq: int
    line_kind: str = Field(description="donation | spending")
    donation_id: str
    recipient_kind: str
    recipient_id: int
    recipient_name: str
    region_path: str
    donor_kind: str
    donor_name: str = Field(description="登记人可见；公示中匿名者显示“匿名”")
    anonymous: bool
    amount: str = Field(examples=["1000.00"])
    items: str
    purpose: str
    receipt_no: str
    on_date: dt.date


def line_out(line) -> dict:
    return {
        "id": line.pk,
        "seq": line.seq,
        "line_kind": line.line_kind,
        "donation_id": str(line.donation),
        "recipient_kind": line.recipient_kind,
        "recipient_id": line.recipient_id,
        "recipient_name": line.recipient_name,
        "region_path": line.region_path,
        "donor_kind": line.donor_kind,
        "donor_name": line.donor_name,
        "anonymous": line.anonymous,
        "amount": f"{line.amount:.2f}",
        "items": line.items,
        "purpose": line.purpose,
        "receipt_no": line.receipt_no,
        "on_date": line.on_date,
    }


class DonationIn(Schema):
    recipient_kind: str = Field(description="centre | facility | elder | pool", examples=["centre"])
    recipient_id: str = Field(description="中心/设施/老人的 id；互助池为县级区划代码")
    donor_kind: str = Field(
        description="person | company | party_member | local_worthy | child_away"
    )
    donor_name: str = ""
    anonymous: bool = False
    amount: str = Field("0", examples=["1000.00"])
    items: str = ""
    purpose: str = Field(examples=["助餐"])
    receipt_no: str = ""
    on_date: dt.date
    memo: str = ""


class DonationSpendingIn(Schema):
    amount: str = Field(examples=["300.00"])
    purpose: str = Field("", description="默认为捐赠的用途")
    on_date: dt.date
    receipt_no: str = ""
    memo: str = ""


@router.get(
    "/community/donations",
    response={200: Page[DonationLineOut], **ERRORS},
    summary="捐赠台账（辖区内）",
)
def donation_list(
    request: HttpRequest, params: Query[PageParams], q: str = "", line_kind: str = ""
):
    page = paginate(donations.donation_list(request.auth, q=q, line_kind=line_kind), params)
    return {"items": [line_out(x) for x in page["items"]], "count": page["count"]}


@router.post(
    "/community/donations", response={200: DonationLineOut, **ERRORS}, summary="登记捐赠（钱或物）"
)
@decorate_view(idempotent)
def donation_create(request: HttpRequest, payload: DonationIn):
    data = payload.dict()
    line = donations.donation_record(actor=request.auth, **data)
    return line_out(line)


@router.post(
    "/community/donations/{donation_id}/spending",
    response={200: DonationLineOut, **ERRORS},
    summary="按捐赠用途登记支出（超支或改变用途会标记，不拒绝）",
)
@decorate_view(idempotent)
def spending_create(request: HttpRequest, donation_id: uuid.UUID, payload: DonationSpendingIn):
    line = donations.spending_record(actor=request.auth, donation=donation_id, **payload.dict())
    return line_out(line)


@router.get(
    "/community/donations/disclosure/{village_code}",
    response={200: dict, **ERRORS},
    auth=None,
    summary="捐赠公示（免登录，公开）",
    description="公开的捐赠公示，设计上无需登录：选择匿名的捐赠人显示为“匿名”，从不返回其姓名。",
)
def disclosure(request: HttpRequest, village_code: str):
    region, summary = donations.disclosure(village_code)
    return {"village_code": region.code, "village": region.name, **donations.public_rows(summary)}
