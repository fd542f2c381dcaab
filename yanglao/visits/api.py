"""Visits: /api/v1/visits (record, overdue, compliance, my week)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.errors import Forbidden
from yanglao.core.idempotency import idempotent
from yanglao.elders.selectors import elder_get

from . import pairing, selectors, services
from .models import Finding, VisitMethod

router = Router(tags=["visits 探访"])


class CheckIn(Schema):
    level: Finding = Field(examples=["concern"])
    note: str = Field("", examples=["右腿浮肿，行走不便"])


class VisitIn(Schema):
    elder_id: int = Field(examples=[1024])
    method: VisitMethod = Field(examples=["door"])
    visited_at: dt.datetime = Field(examples=["2026-11-24T10:30:00+08:00"])
    checks: dict[str, CheckIn] = Field(
        description="检查项（规则 visit.check_items）：health, mental_state, safety, hygiene, "
        "living_environment；关注或紧急须写说明",
        examples=[
            {
                "health": {"level": "concern", "note": "右腿浮肿"},
                "mental_state": {"level": "fine"},
                "safety": {"level": "fine"},
                "hygiene": {"level": "fine"},
                "living_environment": {"level": "fine"},
            }
        ],
    )
    note: str = ""
    latitude: float | None = Field(None, examples=[37.357])
    longitude: float | None = Field(None, examples=[111.183])
    client_key: str | None = Field(
        None,
        description="手机端生成的提交编号（UUID）：同一编号重复提交只记录一次",
        examples=["0b8e6a0e-1c1a-4c55-9a6e-1d2f3a4b5c6d"],
    )


class VisitOut(Schema):
    id: int
    elder_id: int
    elder_name: str = Field(examples=["张桂兰"])
    method: VisitMethod
    visited_at: dt.datetime
    week_start: dt.date
    worst: Finding
    checks: dict
    follow_ups: int = Field(description="由本次发现产生的跟进事项数", examples=[1])

    @staticmethod
    def of(visit) -> VisitOut:
        return VisitOut(
            id=visit.pk,
            elder_id=visit.elder_id,
            elder_name=visit.elder.person.name,
            method=visit.method,
            visited_at=visit.visited_at,
            week_start=visit.week_start,
            worst=visit.worst,
            checks=visit.checks,
            follow_ups=visit.follow_ups.count(),
        )


@router.post(
    "/visits",
    response={201: VisitOut, **ERRORS},
    summary="记录一次探访",
    description="关注项产生跟进事项，紧急项同时产生告警。`client_key` 或 `Idempotency-Key` "
    "头保证断网重发只记录一次。探访员只能为结对的老人记录。",
)
@decorate_view(idempotent)
def record_visit(request: HttpRequest, payload: VisitIn):
    elder = elder_get(request.auth, payload.elder_id) if request.auth.role != "visitor" else None
    if elder is None:
        visitor = pairing.visitor_for_user(request.auth)
        elder = (
            pairing.elders_of_visitor(visitor).filter(pk=payload.elder_id).first()
            if visitor
            else None
        )
        if elder is None:
            raise Forbidden("您不能为这位老人记录探访（未结对）")
    visit = services.visit_record(
        actor=request.auth,
        elder=elder,
        method=payload.method.value,
        visited_at=payload.visited_at,
        checks={k: v.dict() | {"level": v.level.value} for k, v in payload.checks.items()},
        note=payload.note,
        latitude=payload.latitude,
        longitude=payload.longitude,
        client_key=payload.client_key,
        request=request,
    )
    return Status(201, VisitOut.of(visit))


class OverdueOut(Schema):
    elder_id: int
    elder_name: str = Field(examples=["张桂兰"])
    region_code: str = Field(examples=["141129101201"])
    region_name: str
    period: str = Field(examples=["week"])
    due_on: dt.date = Field(description="应在此日前探访", examples=["2026-11-22"])
    days_overdue: int = Field(examples=[2])
    last_visit_at: dt.datetime | None


class RegionQuery(PageParams):
    region: str = Field("", description="区划代码（须在本人辖区内）", examples=["141129101"])


@router.get(
    "/visits/overdue",
    response={200: Page[OverdueOut], **ERRORS},
    summary="探访逾期的老人",
)
def overdue(request: HttpRequest, query: Query[RegionQuery]):
    from django.utils import timezone

    today = timezone.localdate()
    page = paginate(selectors.overdue(request.auth, region_code=query.region or None), query)
    page["items"] = [
        OverdueOut(
            elder_id=d.elder_id,
            elder_name=d.elder.person.name,
            region_code=d.elder.region_id,
            region_name=d.elder.region.name,
            period=d.period,
            due_on=d.due_on,
            days_overdue=(today - d.due_on).days,
            last_visit_at=d.last_visit_at,
        )
        for d in selectors.with_elders(page["items"])
    ]
    return page


class ComplianceRow(Schema):
    region_code: str = Field(examples=["141129101"])
    region_name: str = Field(examples=["金罗镇"])
    due: int = Field(examples=[120])
    visited: int = Field(examples=[113])
    rate: float | None = Field(examples=[0.942])


class ComplianceOut(Schema):
    week_start: dt.date
    region: ComplianceRow
    children: list[ComplianceRow]
    computed_at: dt.datetime | None


class ComplianceQuery(Schema):
    region: str = Field("", examples=["1411"])
    week: dt.date | None = Field(None, description="该周任一天，默认本周")


def _row(region, c) -> ComplianceRow:
    return ComplianceRow(
        region_code=region.code,
        region_name=region.name,
        due=c.due if c else 0,
        visited=c.visited if c else 0,
        rate=c.rate if c else None,
    )


@router.get(
    "/visits/compliance",
    response={200: ComplianceOut, **ERRORS},
    summary="每周探访完成率（夜间计算）",
)
def compliance(request: HttpRequest, query: Query[ComplianceQuery]):
    view = selectors.compliance(
        request.auth, region_code=query.region or None, period_start=query.week
    )
    return ComplianceOut(
        week_start=view.period_start,
        region=_row(view.region, view.own),
        children=[_row(r, c) for r, c in view.children],
        computed_at=view.own.computed_at if view.own else None,
    )


class WeekItem(Schema):
    elder_id: int
    elder_name: str
    state: str = Field(description="overdue / due / later / done", examples=["due"])
    due_on: dt.date | None
    done_this_week: int


@router.get(
    "/visits/my-week", response={200: list[WeekItem], **ERRORS}, summary="探访员本周的探访清单"
)
def my_week(request: HttpRequest):
    visitor = pairing.visitor_for_user(request.auth)
    if visitor is None:
        return []
    return [
        WeekItem(
            elder_id=r["elder"].pk,
            elder_name=r["elder"].person.name,
            state=r["state"],
            due_on=r["due"].due_on if r["due"] else None,
            done_this_week=r["done"],
        )
        for r in selectors.week_list(visitor)
    ]


# ------------------------------------------------------------------ visitors and pairing


class VisitorOut(Schema):
    id: int
    name: str = Field(examples=["李春梅"])
    kind: str = Field(examples=["grid_worker"])
    region_code: str = Field(examples=["141129101201"])
    phone: str = Field(description="已脱敏", examples=["138****1111"])
    active: bool


class VisitorQuery(PageParams):
    q: str = Field("", description="姓名、拼音首字母或手机尾号")


@router.get("/visitors", response={200: Page[VisitorOut], **ERRORS}, summary="本辖区的探访员")
def list_visitors(request: HttpRequest, query: Query[VisitorQuery]):
    from yanglao.core.masking import mask_phone

    page = paginate(pairing.visitors_for(request.auth, q=query.q, active=None), query)
    page["items"] = [
        VisitorOut(
            id=v.pk,
            name=v.person.name,
            kind=v.kind,
            region_code=v.region_id,
            phone=mask_phone(v.person.phone),
            active=v.active,
        )
        for v in page["items"]
    ]
    return page


class PairIn(Schema):
    visitor_id: int = Field(examples=[12])
    elder_ids: list[int] = Field(description="一位或多位老人（一对一、一对多）", examples=[[1024]])
    starts_on: dt.date = Field(examples=["2026-11-24"])
    ends_on: dt.date | None = None
    is_lead: bool | None = Field(None, description="是否主责；不填时老人尚无主责探访员即为主责")


class PairingOut(Schema):
    id: int
    visitor_id: int
    elder_id: int
    is_lead: bool
    starts_on: dt.date
    ends_on: dt.date | None


@router.post(
    "/pairings",
    response={201: list[PairingOut], **ERRORS},
    summary="结对（一对一、一对多；对同一老人再结对即多对一）",
)
@decorate_view(idempotent)
def create_pairings(request: HttpRequest, payload: PairIn):
    from yanglao.core.scope import get_in_scope, scoped
    from yanglao.elders.models import Elder

    from .models import Visitor

    visitor = get_in_scope(
        Visitor.objects.all(), request.auth, path_lookup="region_path", pk=payload.visitor_id
    )
    elders = list(
        scoped(
            Elder.objects.select_related("person"), request.auth, path_lookup="region_path"
        ).filter(pk__in=payload.elder_ids)
    )
    if len(elders) != len(set(payload.elder_ids)):
        from yanglao.core.errors import NotFound

        raise NotFound()
    rows = pairing.pair(
        actor=request.auth,
        visitor=visitor,
        elders=elders,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        is_lead=payload.is_lead,
        request=request,
    )
    return Status(
        201,
        [
            PairingOut(
                id=p.pk,
                visitor_id=p.visitor_id,
                elder_id=p.elder_id,
                is_lead=p.is_lead,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
            )
            for p in rows
        ],
    )


class UnpairedOut(Schema):
    elder_id: int
    elder_name: str
    region_code: str
    period: str
    due_on: dt.date


@router.get(
    "/pairings/unpaired",
    response={200: Page[UnpairedOut], **ERRORS},
    summary="须定期探访但没有在岗探访员结对的老人",
)
def unpaired(request: HttpRequest, query: Query[RegionQuery]):
    page = paginate(pairing.unpaired_elders(request.auth, region_code=query.region or None), query)
    page["items"] = [
        UnpairedOut(
            elder_id=d.elder_id,
            elder_name=d.elder.person.name,
            region_code=d.elder.region_id,
            period=d.period,
            due_on=d.due_on,
        )
        for d in page["items"]
    ]
    return page


class EndIn(Schema):
    on: dt.date = Field(examples=["2026-11-24"])
    reason: str = Field(examples=["老人随子女迁往太原"])


@router.post(
    "/pairings/{pairing_id}/end",
    response={200: PairingOut, **ERRORS},
    summary="结束一条结对（主责结束时由该老人的下一位探访员接任主责）",
)
def end_pairing(request: HttpRequest, pairing_id: int, payload: EndIn):
    from yanglao.core.scope import get_in_scope

    from .models import Pairing

    row = get_in_scope(
        Pairing.objects.select_related("elder__region"),
        request.auth,
        path_lookup="region_path",
        pk=pairing_id,
    )
    p = pairing.unpair(
        actor=request.auth, pairing=row, on=payload.on, reason=payload.reason, request=request
    )
    return PairingOut(
        id=p.pk,
        visitor_id=p.visitor_id,
        elder_id=p.elder_id,
        is_lead=p.is_lead,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
    )
