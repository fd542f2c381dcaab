"""Meal aid and hospital appointments: /api/v1/meals/... and /api/v1/appointments/...."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import ValidationFailed
from yanglao.core.idempotency import idempotent

from . import appointments, meals
from .models import AppointmentStatus, MealKind, MealMode

router = Router(tags=["meals 助餐 / appointments 预约挂号"])


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# ------------------------------------------------------------------ meal points


class MealPointOut(Schema):
    id: int
    name: str = Field(examples=["金罗镇老年餐桌"])
    region_code: str = Field(examples=["141129101201"])
    region_name: str = Field(examples=["金罗村"])
    provider_id: int | None = Field(None, examples=[3])
    provider_name: str = Field("", examples=["中阳县康乐养老服务中心"])
    address: str = ""
    seats: int = Field(examples=[30])
    delivers: bool = Field(description="提供送餐上门", examples=[True])
    meal_price: str = Field(description="每餐价格（元）", examples=["10.00"])
    active: bool

    @staticmethod
    def of(point) -> MealPointOut:
        return MealPointOut(
            id=point.pk,
            name=point.name,
            region_code=point.region_id,
            region_name=point.region.name,
            provider_id=point.provider_id,
            provider_name=point.provider.name if point.provider_id else "",
            address=point.address,
            seats=point.seats,
            delivers=point.delivers,
            meal_price=_money(point.meal_price),
            active=point.active,
        )


class MealPointQuery(PageParams):
    q: str = Field("", description="名称、地址或运营方")
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["141129101"])
    active: bool | None = Field(None, description="只看运营中（true）或已停止（false）")


@router.get(
    "/meals/points",
    response={200: Page[MealPointOut], **ERRORS},
    summary="助餐点列表",
    description="工作人员看到本辖区的助餐点；养老机构运营方看到其服务提供方运营的助餐点。",
)
def list_meal_points(request: HttpRequest, query: Query[MealPointQuery]):
    page = paginate(
        meals.points_for(
            request.auth, q=query.q, region_code=query.region or None, active=query.active
        ),
        query,
    )
    page["items"] = [MealPointOut.of(p) for p in page["items"]]
    return page


class MealPointIn(Schema):
    name: str = Field(max_length=100, examples=["金罗镇老年餐桌"])
    region_code: str = Field(description="所在区划（县、乡镇或村）", examples=["141129101201"])
    provider_id: int | None = Field(None, description="运营方（本县在册的服务提供方）")
    address: str = Field("", max_length=200, examples=["金罗村村委会东侧"])
    seats: int = Field(20, ge=0, le=10000)
    delivers: bool = True
    meal_price: Decimal = Field(description="每餐价格（元）", examples=["10.00"])
    active: bool = True


class MealPointPatch(Schema):
    name: str | None = Field(None, max_length=100)
    region_code: str | None = None
    provider_id: int | None = None
    address: str | None = Field(None, max_length=200)
    seats: int | None = Field(None, ge=0, le=10000)
    delivers: bool | None = None
    meal_price: Decimal | None = Field(None, examples=["12.00"])
    active: bool | None = None


@router.post(
    "/meals/points",
    response={201: MealPointOut, **ERRORS},
    summary="设立助餐点（工作人员）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "name": "金罗镇老年餐桌",
                        "region_code": "141129101201",
                        "address": "金罗村村委会东侧",
                        "seats": 30,
                        "delivers": True,
                        "meal_price": "10.00",
                    }
                }
            }
        }
    },
)
@decorate_view(idempotent)
def create_meal_point(request: HttpRequest, payload: MealPointIn):
    point = meals.meal_point_create(actor=request.auth, request=request, **payload.dict())
    return Status(201, MealPointOut.of(point))


@router.get("/meals/points/{point_id}", response={200: MealPointOut, **ERRORS}, summary="助餐点")
def get_meal_point(request: HttpRequest, point_id: int):
    return MealPointOut.of(meals.point_get(request.auth, point_id))


@router.patch(
    "/meals/points/{point_id}",
    response={200: MealPointOut, **ERRORS},
    summary="修改助餐点（工作人员；价格只影响以后的记录）",
)
@decorate_view(idempotent)
def update_meal_point(request: HttpRequest, point_id: int, payload: MealPointPatch):
    point = meals.point_get(request.auth, point_id)
    data = payload.dict(exclude_unset=True)
    point = meals.meal_point_update(actor=request.auth, point=point, request=request, **data)
    return MealPointOut.of(point)


# ------------------------------------------------------------------ meal records


class MealRecordOut(Schema):
    id: int
    meal_point_id: int
    elder_id: int
    elder_name: str = Field(examples=["张桂兰"])
    date: dt.date
    meal: MealKind
    mode: MealMode
    count: int = Field(examples=[1])
    unit_price: str = Field(examples=["10.00"])
    amount: str = Field(examples=["10.00"])
    government: str = Field(description="政府补助（元）", examples=["4.00"])
    community: str = Field(description="街道社区（元）", examples=["1.00"])
    donation: str = Field(description="社会捐助（元）", examples=["1.00"])
    personal: str = Field(description="个人部分（元）：老人自付，或家属缴纳", examples=["4.00"])
    family_pays: bool

    @staticmethod
    def of(r) -> MealRecordOut:
        return MealRecordOut(
            id=r.pk,
            meal_point_id=r.meal_point_id,
            elder_id=r.elder_id,
            elder_name=r.elder.person.name,
            date=r.date,
            meal=r.meal,
            mode=r.mode,
            count=r.count,
            unit_price=_money(r.unit_price),
            amount=_money(r.amount),
            government=_money(r.government),
            community=_money(r.community),
            donation=_money(r.donation),
            personal=_money(r.personal),
            family_pays=r.family_pays,
        )


class MealRecordQuery(PageParams):
    point_id: int | None = Field(None, description="助餐点")
    date: dt.date | None = Field(None, description="某一天")
    month: str = Field("", description="某月，YYYY-MM", examples=["2026-05"])
    elder_id: int | None = None
    meal: MealKind | None = None


@router.get(
    "/meals/records",
    response={200: Page[MealRecordOut], **ERRORS},
    summary="就餐记录",
)
def list_meal_records(request: HttpRequest, query: Query[MealRecordQuery]):
    point = meals.point_get(request.auth, query.point_id) if query.point_id else None
    month = None
    if query.month:
        month = meals.parse_month(query.month)
        if month is None:
            raise ValidationFailed(fields={"month": [_("月份格式应为 YYYY-MM")]})
    qs = meals.records_for(
        request.auth,
        point=point,
        day=query.date,
        month=month,
        elder_id=query.elder_id,
        meal=query.meal.value if query.meal else "",
    )
    page = paginate(qs, query)
    page["items"] = [MealRecordOut.of(r) for r in page["items"]]
    return page


class MealRecordIn(Schema):
    point_id: int = Field(examples=[1])
    elder_id: int = Field(examples=[1024])
    date: dt.date = Field(examples=["2026-05-12"])
    meal: MealKind = Field(examples=["lunch"])
    mode: MealMode = Field(examples=["dine_in"])
    count: int = Field(1, ge=1, le=meals.MAX_COUNT)
    family_pays: bool = Field(False, description="个人部分由家属缴纳")


@router.post(
    "/meals/records",
    response={201: MealRecordOut, **ERRORS},
    summary="登记一位老人一餐的就餐",
    description="分担按登记日期的规则（长治 `meal.payment_shares`，其他地方 "
    "`service.payment_shares`）计算并保存。同一助餐点、同一老人、同一天、同一餐次已登记时"
    "返回 409（`meal_already_recorded`），不重复记录；助餐点不提供送餐时送餐返回 422。",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "point_id": 1,
                        "elder_id": 1024,
                        "date": "2026-05-12",
                        "meal": "lunch",
                        "mode": "dine_in",
                        "count": 1,
                        "family_pays": False,
                    }
                }
            }
        }
    },
)
@decorate_view(idempotent)
def record_meal(request: HttpRequest, payload: MealRecordIn):
    point = meals.point_get(request.auth, payload.point_id)
    elder = meals.elder_for_point(point, payload.elder_id)
    record = meals.meal_record(
        actor=request.auth,
        point=point,
        elder=elder,
        date=payload.date,
        meal=payload.meal.value,
        mode=payload.mode.value,
        count=payload.count,
        family_pays=payload.family_pays,
        request=request,
    )
    return Status(201, MealRecordOut.of(record))


class CorrectIn(Schema):
    reason: str = Field(examples=["份数登记错了"])
    count: int | None = Field(None, ge=1, le=meals.MAX_COUNT)
    mode: MealMode | None = None
    family_pays: bool | None = None


@router.post(
    "/meals/records/{record_id}/correct",
    response={200: MealRecordOut, **ERRORS},
    summary="更正就餐记录（仅登记当天，须写原因）",
)
@decorate_view(idempotent)
def correct_meal_record(request: HttpRequest, record_id: int, payload: CorrectIn):
    record = meals.record_get(request.auth, record_id)
    record = meals.meal_record_correct(
        actor=request.auth,
        record=record,
        reason=payload.reason,
        count=payload.count,
        mode=payload.mode.value if payload.mode else None,
        family_pays=payload.family_pays,
        request=request,
    )
    return MealRecordOut.of(record)


class MealReasonIn(Schema):
    reason: str = Field(examples=["登记错了老人"])


class DoneOut(Schema):
    ok: bool = True


@router.post(
    "/meals/records/{record_id}/delete",
    response={200: DoneOut, **ERRORS},
    summary="删除就餐记录（仅登记当天，须写原因；审计日志保留原记录）",
)
@decorate_view(idempotent)
def delete_meal_record(request: HttpRequest, record_id: int, payload: MealReasonIn):
    record = meals.record_get(request.auth, record_id)
    meals.meal_record_delete(
        actor=request.auth, record=record, reason=payload.reason, request=request
    )
    return DoneOut()


# ------------------------------------------------------------------ statements


class Shares(Schema):
    government: str = Field(examples=["120.00"])
    community: str = Field(examples=["30.00"])
    donation: str = Field(examples=["30.00"])
    elder: str = Field(examples=["100.00"])
    family: str = Field(examples=["20.00"])


def _shares(values: dict) -> Shares:
    return Shares(**{k: _money(v) for k, v in values.items()})


class StatementRowOut(Schema):
    elder_id: int
    name: str
    masked_id_number: str = Field(examples=["141129********1234"])
    village: str
    meals: int
    delivered: int
    amount: str
    shares: Shares


class StatementTotals(Schema):
    meals: int
    delivered: int
    amount: str
    shares: Shares


class MealStatementOut(Schema):
    point_id: int
    point_name: str
    month: str = Field(examples=["2026-05"])
    rule_id: str = Field("", description="分担规则", examples=["meal.payment_shares"])
    rows: list[StatementRowOut]
    totals: StatementTotals


class MonthQuery(Schema):
    month: str = Field("", description="YYYY-MM，默认本月", examples=["2026-05"])


def _month(text: str) -> dt.date:
    from django.utils import timezone

    if not text:
        return timezone.localdate().replace(day=1)
    month = meals.parse_month(text)
    if month is None:
        raise ValidationFailed(fields={"month": [_("月份格式应为 YYYY-MM")]})
    return month


@router.get(
    "/meals/points/{point_id}/statement",
    response={200: MealStatementOut, **ERRORS},
    summary="助餐点月结单：每位老人的份数、金额和各方分担，及合计",
)
def meal_statement(request: HttpRequest, point_id: int, query: Query[MonthQuery]):
    point = meals.point_get(request.auth, point_id)
    result = meals.statement(point, _month(query.month))
    return MealStatementOut(
        point_id=point.pk,
        point_name=point.name,
        month=result.month.strftime("%Y-%m"),
        rule_id=result.rule.rule_id if result.rule else "",
        rows=[
            StatementRowOut(
                elder_id=r.elder_id,
                name=r.name,
                masked_id_number=r.masked_id,
                village=r.village,
                meals=r.meals,
                delivered=r.delivered,
                amount=_money(r.amount),
                shares=_shares(r.shares),
            )
            for r in result.rows
        ],
        totals=StatementTotals(
            meals=result.totals.meals,
            delivered=result.totals.delivered,
            amount=_money(result.totals.amount),
            shares=_shares(result.totals.shares),
        ),
    )


class SummaryRowOut(Schema):
    point_id: int
    point_name: str
    region_code: str
    elders: int
    meals: int
    delivered: int
    amount: str
    shares: Shares


class SummaryOut(Schema):
    region_code: str
    region_name: str
    month: str
    rows: list[SummaryRowOut]
    totals: StatementTotals


class SummaryQuery(MonthQuery):
    region: str = Field("", description="区划代码（默认本人辖区）", examples=["141129"])


@router.get(
    "/meals/summary",
    response={200: SummaryOut, **ERRORS},
    summary="助餐月度汇总：各助餐点的份数和各方分担（工作人员）",
)
def meal_summary(request: HttpRequest, query: Query[SummaryQuery]):
    result = meals.summary(request.auth, _month(query.month), query.region or None)
    return SummaryOut(
        region_code=result.region.code,
        region_name=result.region.name,
        month=result.month.strftime("%Y-%m"),
        rows=[
            SummaryRowOut(
                point_id=r.point.pk,
                point_name=r.point.name,
                region_code=r.point.region_id,
                elders=r.elders,
                meals=r.meals,
                delivered=r.delivered,
                amount=_money(r.amount),
                shares=_shares(r.shares),
            )
            for r in result.rows
        ],
        totals=StatementTotals(
            meals=result.totals.meals,
            delivered=result.totals.delivered,
            amount=_money(result.totals.amount),
            shares=_shares(result.totals.shares),
        ),
    )


# ------------------------------------------------------------------ hospital lookups


class HospitalOut(Schema):
    code: str = Field(examples=["SI-141129-01"])
    name: str = Field(examples=["中阳县人民医院"])
    region_code: str = Field(examples=["141129"])
    level: str = Field("", examples=["二级甲等"])


class HospitalQuery(Schema):
    region: str = Field(
        "", description="区划代码（须在本人辖区内；默认本人辖区）", examples=["141129101201"]
    )


@router.get(
    "/appointments/hospitals",
    response={200: list[HospitalOut], **ERRORS},
    summary="可预约的医院（医院信息系统适配器）",
)
def list_hospitals(request: HttpRequest, query: Query[HospitalQuery]):
    if request.auth.role not in appointments.APPOINTMENT_OFFICERS:
        return []
    return [
        HospitalOut(code=h.code, name=h.name, region_code=h.region_code, level=h.level)
        for h in appointments.hospitals_for(request.auth, query.region or None)
    ]


class DepartmentOut(Schema):
    code: str = Field(examples=["cardiology"])
    name: str = Field(examples=["心内科"])


@router.get(
    "/appointments/hospitals/{hospital_code}/departments",
    response={200: list[DepartmentOut], **ERRORS},
    summary="医院的可预约科室",
)
def list_departments(request: HttpRequest, hospital_code: str):
    return [
        DepartmentOut(code=d.code, name=d.name)
        for d in appointments.departments_for(request.auth, hospital_code)
    ]


class SlotQuery(Schema):
    hospital: str = Field(examples=["SI-141129-01"])
    department: str = Field(examples=["cardiology"])
    day: dt.date = Field(examples=["2026-05-12"])


class SlotsOut(Schema):
    hospital: str
    department: str
    day: dt.date
    slots: list[dt.datetime] = Field(
        description="可预约的就诊时间（半小时一个号）", examples=[["2026-05-12T08:30:00+08:00"]]
    )


@router.get(
    "/appointments/slots",
    response={200: SlotsOut, **ERRORS},
    summary="某科室某天的可预约时段",
)
def list_slots(request: HttpRequest, query: Query[SlotQuery]):
    from django.utils import timezone

    slots = appointments.free_slots(request.auth, query.hospital, query.department, query.day)
    return SlotsOut(
        hospital=query.hospital,
        department=query.department,
        day=query.day,
        slots=[timezone.localtime(s) for s in slots],
    )


# ------------------------------------------------------------------ appointments


class AppointmentOut(Schema):
    id: int
    order_id: int
    order_number: str = Field(examples=["S2605120001"])
    elder_id: int
    elder_name: str = Field(examples=["张桂兰"])
    hospital_code: str
    hospital_name: str = Field(examples=["中阳县人民医院"])
    department_code: str
    department_name: str = Field(examples=["心内科"])
    doctor_name: str = ""
    starts_at: dt.datetime
    external_ref: str = Field(description="医院的挂号单号", examples=["SI20260512A1B2C3D4"])
    status: AppointmentStatus
    cancel_reason: str = ""

    @staticmethod
    def of(a) -> AppointmentOut:
        from django.utils import timezone

        return AppointmentOut(
            id=a.pk,
            order_id=a.order_id,
            order_number=a.order.number,
            elder_id=a.elder_id,
            elder_name=a.elder.person.name,
            hospital_code=a.hospital_code,
            hospital_name=a.hospital_name,
            department_code=a.department_code,
            department_name=a.department_name,
            doctor_name=a.doctor_name,
            starts_at=timezone.localtime(a.starts_at),
            external_ref=a.external_ref,
            status=a.status,
            cancel_reason=a.cancel_reason,
        )


class AppointmentQuery(PageParams):
    status: AppointmentStatus | None = None
    q: str = Field("", description="老人姓名、拼音首字母、医院、科室或工单号")
    upcoming: bool = Field(False, description="只看今后的（按时间先后）")
    order_id: int | None = None


@router.get(
    "/appointments",
    response={200: Page[AppointmentOut], **ERRORS},
    summary="预约挂号列表（工作人员，本辖区）",
)
def list_appointments(request: HttpRequest, query: Query[AppointmentQuery]):
    qs = appointments.appointments_for(
        request.auth,
        status=query.status.value if query.status else "",
        q=query.q,
        upcoming=query.upcoming,
    )
    if query.order_id:
        qs = qs.filter(order_id=query.order_id)
    page = paginate(qs, query)
    page["items"] = [AppointmentOut.of(a) for a in page["items"]]
    return page


class BookIn(Schema):
    order_id: int = Field(description="助医工单", examples=[15])
    hospital_code: str = Field(examples=["SI-141129-01"])
    department_code: str = Field(examples=["cardiology"])
    starts_at: dt.datetime = Field(examples=["2026-05-12T08:30:00+08:00"])
    doctor_name: str = Field("", max_length=30)


@router.post(
    "/appointments",
    response={201: AppointmentOut, **ERRORS},
    summary="为助医工单预约挂号",
    description="只有未取消、未评价的助医工单可以预约。老人的身份证号由系统直接传给医院系统"
    "（实名制挂号），不出现在响应和日志中。时段已被他人预约返回 409（`slot_taken`）。",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "order_id": 15,
                        "hospital_code": "SI-141129-01",
                        "department_code": "cardiology",
                        "starts_at": "2026-05-12T08:30:00+08:00",
                    }
                }
            }
        }
    },
)
@decorate_view(idempotent)
def book_appointment(request: HttpRequest, payload: BookIn):
    order = appointments.order_get(request.auth, payload.order_id)
    appointment = appointments.appointment_book(
        actor=request.auth,
        order=order,
        hospital_code=payload.hospital_code,
        department_code=payload.department_code,
        starts_at=payload.starts_at,
        doctor_name=payload.doctor_name,
        request=request,
    )
    return Status(201, AppointmentOut.of(appointment))


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    summary="预约挂号",
)
def get_appointment(request: HttpRequest, appointment_id: int):
    return AppointmentOut.of(appointments.appointment_get(request.auth, appointment_id))


class AppointmentCancelIn(Schema):
    reason: str = Field(examples=["老人身体好转，暂不就诊"])


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **ERRORS},
    summary="取消挂号（须写原因；号源释放）",
)
@decorate_view(idempotent)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: AppointmentCancelIn):
    appointment = appointments.appointment_get(request.auth, appointment_id)
    appointment = appointments.appointment_cancel(
        actor=request.auth, appointment=appointment, reason=payload.reason, request=request
    )
    return AppointmentOut.of(appointment)


@router.post(
    "/appointments/{appointment_id}/attended",
    response={200: AppointmentOut, **ERRORS},
    summary="标记已就诊",
)
@decorate_view(idempotent)
def attended_appointment(request: HttpRequest, appointment_id: int):
    appointment = appointments.appointment_get(request.auth, appointment_id)
    appointment = appointments.appointment_attended(
        actor=request.auth, appointment=appointment, request=request
    )
    return AppointmentOut.of(appointment)
