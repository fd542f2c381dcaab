"""/api/v1/community/activities: list, create, read, sign up, attendance, close; the
isolation list; the counts of community life per region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from yanglao.core.apischema import ERRORS, LocalTime, PageParams
from yanglao.core.errors import Conflict, Forbidden, NotFound
from yanglao.elders.models import Elder

from . import activities as svc
from . import counts

router = Router(tags=["community"])


class CommunityActivityOut(Schema):
    id: int
    kind: str
    title: str
    held_on: dt.date
    starts_at: LocalTime | None = None
    venue: str
    capacity: int | None = None
    organizer: str
    region_code: str
    signed: int = 0
    closed: bool = False


def _out(a) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "title": a.title,
        "held_on": a.held_on,
        "starts_at": a.starts_at,
        "venue": a.venue,
        "capacity": a.capacity,
        "organizer": a.organizer,
        "region_code": a.region.code,
        "signed": getattr(a, "signed", None)
        if getattr(a, "signed", None) is not None
        else a.signups.filter(cancelled=False).count(),
        "closed": a.closed_at is not None,
    }


class ListOut(Schema):
    items: list[CommunityActivityOut]
    count: int


class Filters(PageParams):
    q: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    region: str = ""


class CommunityActivityIn(Schema):
    kind: str = Field(examples=["health_talk"], description="culture_sports / learning / ...")
    title: str = Field(examples=["冬季防诈骗与健康讲座"])
    held_on: dt.date = Field(examples=["2026-12-05"])
    starts_at: LocalTime | None = Field(None, examples=["09:30"])
    venue: str = Field("", examples=["金罗村老年活动室"])
    capacity: int | None = Field(None, examples=[40], description="空为不限名额")
    organizer: str = Field("", examples=["金罗村委会"])
    region_code: str = Field("", examples=["141129101201"])
    facility_id: int | None = Field(None, examples=[12], description="在机构举办时")


class SignupIn(Schema):
    elder_id: int = Field(examples=[101])
    by_whom: str = Field("", examples=["family"], description="self / family / visitor / staff")
    proxy_name: str = Field("", examples=["郝建军（儿子）"])


class SignupRow(Schema):
    id: int
    elder_id: int
    elder_name: str
    by_whom: str
    proxy_name: str
    walk_in: bool
    attended: bool


class ActivityDetailOut(CommunityActivityOut):
    summary: str = ""
    signups: list[SignupRow] = []


class CloseIn(Schema):
    summary: str = Field(examples=["到场 32 人，讲解了保健品骗局的常见套路，老人反映很实用。"])


class IsolatedOut(Schema):
    elder_id: int
    name: str
    region_code: str


class IsolatedList(Schema):
    days: int
    items: list[IsolatedOut]
    count: int


class FiguresOut(Schema):
    region_code: str
    region_name: str
    activities: int
    attendances: int
    centre_activities: int
    themed_required: int
    themed_held: int
    themed_orgs: int
    themed_orgs_short: int
    volunteer_hours: Decimal
    donations_received: Decimal
    donations_spent: Decimal
    donations_balance: Decimal


class CountsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    quarter_start: dt.date
    quarter_end: dt.date
    total: FiguresOut
    children: list[FiguresOut]


class CountsFilters(Schema):
    region: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class SignupOut(Schema):
    id: int
    activity_id: int
    elder_id: int
    by_whom: str
    attended: bool


class AttendanceIn(Schema):
    present_elder_ids: list[int]


class AttendanceOut(Schema):
    present: int


@router.get("/community/activities", response={200: ListOut, **ERRORS})
def list_activities(request, filters: Query[Filters]):
    qs = svc.activities(
        request.user,
        q=filters.q,
        kind=filters.kind,
        date_from=filters.date_from,
        date_to=filters.date_to,
        region_code=filters.region,
    )
    size = max(1, min(filters.page_size, 200))
    start = (max(filters.page, 1) - 1) * size
    return {"items": [_out(a) for a in qs[start : start + size]], "count": qs.count()}


@router.post("/community/activities", response={201: CommunityActivityOut, **ERRORS})
def create_activity(request, payload: CommunityActivityIn):
    activity = svc.activity_create(actor=request.user, data=payload.dict(), request=request)
    return Status(201, _out(activity))


@router.post("/community/activities/{activity_id}/signups", response={201: SignupOut, **ERRORS})
def sign_up(request, activity_id: int, payload: SignupIn):
    activity = svc.activity_get(request.user, activity_id)
    elder = Elder.objects.filter(pk=payload.elder_id).first()
    if elder is None:
        raise NotFound()
    row = svc.signup(
        actor=request.user,
        activity=activity,
        elder=elder,
        by_whom=payload.by_whom,
        proxy_name=payload.proxy_name,
        request=request,
    )
    return Status(
        201,
        {
            "id": row.pk,
            "activity_id": activity.pk,
            "elder_id": elder.pk,
            "by_whom": row.by_whom,
            "attended": row.attended,
        },
    )


@router.post(
    "/community/activities/{activity_id}/attendance", response={200: AttendanceOut, **ERRORS}
)
def attendance(request, activity_id: int, payload: AttendanceIn):
    activity = svc.activity_get(request.user, activity_id)
    return {
        "present": svc.attendance_take(
            actor=request.user,
            activity=activity,
            present_elder_ids=payload.present_elder_ids,
            request=request,
        )
    }


@router.get("/community/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS})
def get_activity(request, activity_id: int):
    activity = svc.activity_get(request.user, activity_id)
    return {
        **_out(activity),
        "summary": activity.summary,
        "signups": [
            {
                "id": s.pk,
                "elder_id": s.elder_id,
                "elder_name": s.elder.person.name,
                "by_whom": s.by_whom,
                "proxy_name": s.proxy_name,
                "walk_in": s.walk_in,
                "attended": s.attended,
            }
            for s in svc.signups_of(activity).select_related("elder__person")
        ],
    }


@router.post(
    "/community/activities/{activity_id}/close", response={200: CommunityActivityOut, **ERRORS}
)
def close_activity(request, activity_id: int, payload: CloseIn):
    """结束活动并记录小结 (photos are added on the page)."""
    activity = svc.activity_get(request.user, activity_id)
    if activity.closed_at is not None:
        raise Conflict(_("活动已结束"))
    return _out(
        svc.activity_close(
            actor=request.user, activity=activity, summary=payload.summary, request=request
        )
    )


@router.get("/community/isolated-elders", response={200: IsolatedList, **ERRORS})
def isolated_elders(request, paging: Query[PageParams]):
    """Active elders in scope who attended no activity for ``community.isolation_days``."""
    qs = svc.isolated_elders(request.user)
    size = max(1, min(paging.page_size, 200))
    start = (max(paging.page, 1) - 1) * size
    region = getattr(request.user, "region", None)
    return {
        "days": svc.isolation_days(region) if region else svc.DEFAULT_ISOLATION_DAYS,
        "items": [
            {"elder_id": e.pk, "name": e.person.name, "region_code": e.region_id}
            for e in qs[start : start + size]
        ],
        "count": qs.count(),
    }


def _figures(f) -> dict:
    return {
        "region_code": f.region.code,
        "region_name": f.region.name,
        **{
            k: getattr(f, k)
            for k in FiguresOut.model_fields
            if k not in ("region_code", "region_name")
        },
    }


@router.get("/community/counts", response={200: CountsOut, **ERRORS})
def community_counts(request, filters: Query[CountsFilters]):
    """活动、主题活动、志愿服务时长、捐赠收支 for a region and each child region."""
    if getattr(request.user, "role", "") not in svc.OFFICERS | {"party_officer"}:
        raise Forbidden()
    view = counts.counts(
        request.user,
        region_code=filters.region,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return {
        "date_from": view.date_from,
        "date_to": view.date_to,
        "quarter_start": view.quarter[0],
        "quarter_end": view.quarter[1],
        "total": _figures(view.total),
        "children": [_figures(f) for f in view.rows],
    }
