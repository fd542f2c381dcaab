"""Home-care services: /api/v1/services (catalogue, orders from request to rating,
dispatch proposals, providers, ratings) and the survey answer by token."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, LocalTime, Page, PageParams, paginate
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.idempotency import idempotent
from yanglao.elders.selectors import elder_get

from . import dispatch, selectors, services, survey
from .models import Channel, Help, OrderStatus, ProviderKind, RatingChannel, ServiceItem

router = Router(tags=["services 居家服务"])


def _officer(request) -> None:
    if request.auth.role not in services.OFFICERS:
        raise Forbidden()


class ItemOut(Schema):
    code: str = Field(examples=["bath_home"])
    name: str = Field(examples=["上门助浴"])
    category: str = Field(description="GB/T 43153-2023 服务内容", examples=["basic_care"])
    help: str = Field(description="六助分类", examples=["bath"])
    unit: str = Field(examples=["次"])
    standard_minutes: int = Field(examples=[90])
    price: str = Field(description="元", examples=["80.00"])
    deliverers: list[str] = Field(examples=[["facility", "company", "social_org"]])
    qualification: str = Field(examples=["care_worker"])
    active: bool


def _item(i: ServiceItem) -> ItemOut:
    return ItemOut(
        code=i.code,
        name=i.name,
        category=i.category,
        help=i.help,
        unit=i.unit,
        standard_minutes=i.standard_minutes,
        price=f"{i.price:.2f}",
        deliverers=list(i.deliverers),
        qualification=i.qualification,
        active=i.active,
    )


@router.get("/services/items", response={200: list[ItemOut], **ERRORS}, summary="服务目录")
def items(request: HttpRequest):
    return [_item(i) for i in selectors.catalogue_items()]


class ShareOut(Schema):
    payer: str = Field(examples=["government"])
    ratio: str = Field(examples=["0.5000"])
    amount: str = Field(examples=["40.00"])


class OrderOut(Schema):
    id: int
    number: str = Field(examples=["FW20261123000042"])
    elder_id: int
    elder_name: str = Field(examples=["张桂兰"])
    item: str = Field(examples=["bath_home"])
    item_name: str = Field(examples=["上门助浴"])
    quantity: str = Field(examples=["1.00"])
    amount: str = Field(examples=["80.00"])
    status: OrderStatus
    channel: Channel
    scheduled_for: dt.datetime
    provider_id: int | None
    provider_name: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    rating: int | None
    rating_comment: str
    cancel_reason: str
    confirmed_at: dt.datetime | None = Field(description="志愿者服务确认（计入时间银行）的时间")
    shares: list[ShareOut]

    @staticmethod
    def of(o) -> OrderOut:
        return OrderOut(
            id=o.pk,
            number=o.number,
            elder_id=o.elder_id,
            elder_name=o.elder.person.name,
            item=o.item.code,
            item_name=o.item.name,
            quantity=f"{o.quantity:.2f}",
            amount=f"{o.amount:.2f}",
            status=o.status,
            channel=o.channel,
            scheduled_for=o.scheduled_for,
            provider_id=o.provider_id,
            provider_name=o.provider.name if o.provider else "",
            started_at=o.started_at,
            finished_at=o.finished_at,
            rating=o.rating,
            rating_comment=o.rating_comment,
            cancel_reason=o.cancel_reason,
            confirmed_at=o.confirmed_at,
            shares=[
                ShareOut(payer=s.payer, ratio=f"{s.ratio:.4f}", amount=f"{s.amount:.2f}")
                for s in o.shares.all()
            ],
        )


class OrderQuery(PageParams):
    q: str = Field("", description="工单号、老人姓名或拼音首字母")
    status: str = Field("", description="状态；open 为未完成", examples=["requested"])
    help: Help | None = None
    provider: int | None = None
    region: str = Field("", description="区划代码（须在本人辖区内）")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    rating: str = Field("", description="low 不满意；unrated 已完成未评价")


@router.get("/services/orders", response={200: Page[OrderOut], **ERRORS}, summary="服务工单列表")
def order_list(request: HttpRequest, query: Query[OrderQuery]):
    _officer(request)
    if query.status and query.status != "open" and query.status not in OrderStatus.values:
        raise ValidationFailed(fields={"status": ["状态无效"]})
    qs = selectors.orders(
        request.auth,
        q=query.q,
        status=query.status,
        help=query.help.value if query.help else "",
        provider_id=query.provider,
        region_code=query.region,
        date_from=query.date_from,
        date_to=query.date_to,
        rating=query.rating,
    ).prefetch_related("shares")
    page = paginate(qs, query)
    page["items"] = [OrderOut.of(o) for o in page["items"]]
    return page


class OrderIn(Schema):
    elder_id: int = Field(examples=[1024])
    item: str = Field(description="服务项目编码（见 /services/items）", examples=["bath_home"])
    scheduled_for: dt.datetime = Field(examples=["2026-11-24T09:00:00+08:00"])
    channel: Channel = Field(examples=["phone"])
    quantity: Decimal = Field(Decimal("1"), examples=["1"])
    note: str = Field("", examples=["老人行动不便，需要两人协助"])
    requester_name: str = Field("", examples=["王丽"])
    requester_relation: str = Field("", examples=["女儿"])
    requester_phone: str = Field("", examples=["13800002222"])
    family_pays: bool = False


@router.post(
    "/services/orders",
    response={201: OrderOut, **ERRORS},
    summary="受理服务申请（生成工单）",
    description="电话、探访、告警转来的需求。探访员只能为结对的老人申请。费用分担按政策"
    "规则 service.payment_shares（助餐 meal.payment_shares）计算。",
)
@decorate_view(idempotent)
def order_create(request: HttpRequest, payload: OrderIn):
    if request.auth.role == "visitor":
        from yanglao.visits.selectors import elder_for_visit

        elder = elder_for_visit(request.auth, payload.elder_id)
    else:
        elder = elder_get(request.auth, payload.elder_id)
    item = selectors.active_item(payload.item)
    order = services.order_create(
        actor=request.auth,
        elder=elder,
        item=item,
        scheduled_for=payload.scheduled_for,
        channel=payload.channel.value,
        quantity=payload.quantity,
        note=payload.note,
        requester_name=payload.requester_name,
        requester_relation=payload.requester_relation,
        requester_phone=payload.requester_phone,
        family_pays=payload.family_pays,
        request=request,
    )
    return Status(201, OrderOut.of(order))


@router.get("/services/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="工单详情")
def order_detail(request: HttpRequest, order_id: int):
    return OrderOut.of(selectors.order_get(request.auth, order_id))


class ProposalOut(Schema):
    provider_id: int
    name: str = Field(examples=["中阳县康乐居家养老服务中心"])
    kind: ProviderKind
    available: bool
    load: int = Field(description="当天已有工单数")
    capacity: int
    distance_km: float | None
    tree_distance: int = Field(description="区划树上的距离（无坐标时用于排序）")
    rating: float | None
    notes: list[str]


@router.get(
    "/services/orders/{order_id}/proposals",
    response={200: list[ProposalOut], **ERRORS},
    summary="派单推荐：合格、可接单、最近的服务方",
)
def order_proposals(request: HttpRequest, order_id: int):
    _officer(request)
    order = selectors.order_get(request.auth, order_id)
    return [
        ProposalOut(
            provider_id=p.provider.pk,
            name=p.provider.name,
            kind=p.provider.kind,
            available=p.available,
            load=p.load,
            capacity=p.provider.daily_capacity,
            distance_km=p.distance_km,
            tree_distance=p.tree_distance,
            rating=p.rating,
            notes=[str(n) for n in p.notes],
        )
        for p in dispatch.proposals(order)
    ]


class AssignIn(Schema):
    provider_id: int = Field(examples=[7])


@router.post(
    "/services/orders/{order_id}/assign",
    response={200: OrderOut, **ERRORS},
    summary="派单（或改派）",
)
@decorate_view(idempotent)
def order_assign(request: HttpRequest, order_id: int, payload: AssignIn):
    _officer(request)
    order = selectors.order_get(request.auth, order_id)
    provider = selectors.providers(request.auth, active="1").filter(pk=payload.provider_id).first()
    return OrderOut.of(
        services.order_assign(actor=request.auth, order=order, provider=provider, request=request)
    )


@router.post(
    "/services/orders/{order_id}/accept", response={200: OrderOut, **ERRORS}, summary="服务方接单"
)
@decorate_view(idempotent)
def order_accept(request: HttpRequest, order_id: int):
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(services.order_accept(actor=request.auth, order=order, request=request))


class ReasonIn(Schema):
    reason: str = Field(examples=["服务人员临时生病"])


@router.post(
    "/services/orders/{order_id}/decline", response={200: OrderOut, **ERRORS}, summary="服务方退单"
)
@decorate_view(idempotent)
def order_decline(request: HttpRequest, order_id: int, payload: ReasonIn):
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(
        services.order_decline(
            actor=request.auth, order=order, reason=payload.reason, request=request
        )
    )


class PlaceIn(Schema):
    latitude: float | None = Field(None, examples=[37.357])
    longitude: float | None = Field(None, examples=[111.183])


@router.post(
    "/services/orders/{order_id}/start",
    response={200: OrderOut, **ERRORS},
    summary="开始服务（时间、位置）",
)
@decorate_view(idempotent)
def order_start(request: HttpRequest, order_id: int, payload: PlaceIn):
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(
        services.order_start(
            actor=request.auth,
            order=order,
            latitude=payload.latitude,
            longitude=payload.longitude,
            request=request,
        )
    )


class FinishIn(PlaceIn):
    note: str = Field("", examples=["已完成助浴，老人精神良好"])
    quantity: Decimal | None = Field(None, description="实际数量（不填按受理数量）")


@router.post(
    "/services/orders/{order_id}/finish",
    response={200: OrderOut, **ERRORS},
    summary="完成服务（推送满意度调查）",
)
@decorate_view(idempotent)
def order_finish(request: HttpRequest, order_id: int, payload: FinishIn):
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(
        services.order_finish(
            actor=request.auth,
            order=order,
            note=payload.note,
            quantity=payload.quantity,
            latitude=payload.latitude,
            longitude=payload.longitude,
            request=request,
        )
    )


@router.post(
    "/services/orders/{order_id}/cancel",
    response={200: OrderOut, **ERRORS},
    summary="取消工单（须写原因）",
)
@decorate_view(idempotent)
def order_cancel(request: HttpRequest, order_id: int, payload: ReasonIn):
    _officer(request)
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(
        services.order_cancel(
            actor=request.auth, order=order, reason=payload.reason, request=request
        )
    )


class RateIn(Schema):
    rating: int = Field(description="1–5 分", examples=[5])
    comment: str = Field("", examples=["服务很细致"])
    channel: RatingChannel = Field(RatingChannel.PHONE, examples=["phone"])


@router.post(
    "/services/orders/{order_id}/rating",
    response={200: OrderOut, **ERRORS},
    summary="工作人员代录评价（电话回访）",
    description="2 分及以下（规则 service.survey.low_rating_max）生成社区回访任务。",
)
@decorate_view(idempotent)
def order_rate(request: HttpRequest, order_id: int, payload: RateIn):
    _officer(request)
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(
        services.order_rate(
            actor=request.auth,
            order=order,
            rating=payload.rating,
            comment=payload.comment,
            channel=payload.channel.value,
            request=request,
        )
    )


@router.post(
    "/services/orders/{order_id}/confirm",
    response={200: OrderOut, **ERRORS},
    summary="社区确认志愿者服务（计入时间银行，只计一次）",
)
@decorate_view(idempotent)
def order_confirm(request: HttpRequest, order_id: int):
    _officer(request)
    order = selectors.order_get(request.auth, order_id)
    return OrderOut.of(services.order_confirm(actor=request.auth, order=order, request=request))


class MineQuery(Schema):
    status: str = Field("open", description="open 待办；done；rated")


@router.get(
    "/services/my-orders",
    response={200: list[OrderOut], **ERRORS},
    summary="我的服务单（服务方账号）",
)
def my_orders(request: HttpRequest, query: Query[MineQuery]):
    qs = selectors.provider_orders(request.auth, status=query.status).prefetch_related("shares")
    return [OrderOut.of(o) for o in qs[:200]]


class QualificationIO(Schema):
    kind: str = Field(examples=["care_worker"])
    number: str = Field("", examples=["YLHL-2024-0031"])
    expires_on: dt.date | None = Field(None, examples=["2027-06-30"])


class ProviderIn(Schema):
    name: str = Field(examples=["中阳县康乐居家养老服务中心"])
    kind: ProviderKind = Field(examples=["social_org"])
    region: str = Field(description="所在区划代码", examples=["141129100"])
    areas: list[str] = Field(description="服务区域（区划代码）", examples=[["141129100"]])
    items: list[str] = Field(description="服务项目编码", examples=[["bath_home", "clean_home"]])
    phone: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    work_days: str = Field("12345", description="ISO 星期，1=周一", examples=["123456"])
    work_start: LocalTime = Field(dt.time(8, 0), examples=["08:00"])
    work_end: LocalTime = Field(dt.time(18, 0), examples=["18:00"])
    daily_capacity: int = Field(10, examples=[8])
    qualifications: list[QualificationIO] = []
    active: bool = True


class ProviderOut(Schema):
    id: int
    name: str
    kind: ProviderKind
    region_code: str
    areas: list[str]
    items: list[str]
    phone: str
    work_days: str
    work_start: LocalTime
    work_end: LocalTime
    daily_capacity: int
    qualifications: list[QualificationIO]
    active: bool

    @staticmethod
    def of(p) -> ProviderOut:
        return ProviderOut(
            id=p.pk,
            name=p.name,
            kind=p.kind,
            region_code=p.region.code,
            areas=[a.code for a in p.areas.all()],
            items=[i.code for i in p.items.all()],
            phone=p.phone,
            work_days=p.work_days,
            work_start=p.work_start,
            work_end=p.work_end,
            daily_capacity=p.daily_capacity,
            qualifications=[
                QualificationIO(kind=q.kind, number=q.number, expires_on=q.expires_on)
                for q in p.qualifications.all()
            ],
            active=p.active,
        )


class ProviderQuery(PageParams):
    q: str = ""
    kind: ProviderKind | None = None
    item: str = ""


@router.get(
    "/services/providers", response={200: Page[ProviderOut], **ERRORS}, summary="服务提供方列表"
)
def provider_list(request: HttpRequest, query: Query[ProviderQuery]):
    _officer(request)
    qs = selectors.providers(
        request.auth, q=query.q, kind=query.kind.value if query.kind else "", item=query.item
    ).prefetch_related("areas", "items", "qualifications")
    page = paginate(qs, query)
    page["items"] = [ProviderOut.of(p) for p in page["items"]]
    return page


def _provider_data(payload: ProviderIn) -> dict:
    data = payload.dict()
    data["kind"] = payload.kind.value
    data["qualifications"] = [q.dict() for q in payload.qualifications]
    if payload.kind == ProviderKind.VOLUNTEER:
        raise ValidationFailed(fields={"kind": ["志愿者个人请在页面上从探访员/志愿者中登记"]})
    return data


@router.post("/services/providers", response={201: ProviderOut, **ERRORS}, summary="登记服务提供方")
@decorate_view(idempotent)
def provider_create(request: HttpRequest, payload: ProviderIn):
    provider = services.provider_save(
        actor=request.auth, data=_provider_data(payload), request=request
    )
    return Status(201, ProviderOut.of(provider))


@router.get(
    "/services/providers/{provider_id}",
    response={200: ProviderOut, **ERRORS},
    summary="服务提供方详情",
)
def provider_detail(request: HttpRequest, provider_id: int):
    return ProviderOut.of(selectors.provider_get(request.auth, provider_id))


@router.put(
    "/services/providers/{provider_id}",
    response={200: ProviderOut, **ERRORS},
    summary="修改服务提供方",
)
@decorate_view(idempotent)
def provider_update(request: HttpRequest, provider_id: int, payload: ProviderIn):
    _officer(request)
    provider = selectors.provider_get(request.auth, provider_id)
    return ProviderOut.of(
        services.provider_save(
            actor=request.auth, provider=provider, data=_provider_data(payload), request=request
        )
    )


class RatingRow(Schema):
    provider_id: int
    name: str
    kind: str
    done: int
    rated: int
    average: float
    low: int
    rate_of_rating: float | None


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get(
    "/services/ratings",
    response={200: list[RatingRow], **ERRORS},
    summary="满意度汇总（按服务方，供运营方考核）",
)
def ratings(request: HttpRequest, query: Query[YearQuery]):
    _officer(request)
    return [RatingRow(**r) for r in selectors.provider_ratings(request.auth, year=query.year)]


class SurveyIn(Schema):
    rating: int = Field(description="1–5 分", examples=[4])
    comment: str = Field("", examples=["准时，态度好"])


class SurveyOut(Schema):
    number: str
    rating: int


@router.post(
    "/services/survey/{token}",
    response={200: SurveyOut, **ERRORS},
    auth=None,
    summary="满意度调查作答（免登录，凭短信链接中的签名令牌）",
    description="令牌签名、有效期（规则 service.survey.token_days）、一次有效："
    "伪造或过期 404，已评价 409。",
)
def survey_answer(request: HttpRequest, token: str, payload: SurveyIn):
    order = survey.answer(token, payload.rating, payload.comment, request=request)
    return SurveyOut(number=order.number, rating=order.rating)
