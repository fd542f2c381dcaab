"""/api/v1/community/activities: list, create, sign up, attendance."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from yanglao.core.errors import NotFound
from yanglao.elders.models import Elder

from . import activities as svc

router = Router(tags=["community"])


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    held_on: dt.date
    starts_at: dt.time | None = None
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
    items: list[ActivityOut]
    count: int


class Filters(Schema):
    q: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    region: str = ""
    page: int = 1
    page_size: int = 50


class ActivityIn(Schema):
    kind: str
    title: str
    held_on: dt.date
    starts_at: dt.time | None = None
    venue: str = ""
    capacity: int | None = None
    organizer: str = ""
    region_code: str = ""


class SignupIn(Schema):
    elder_id: int
    by_whom: str = ""
    proxy_name: str = ""


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


@router.get("/community/activities", response=ListOut)
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


@router.post("/community/activities", response={201: ActivityOut})
def create_activity(request, payload: ActivityIn):
    activity = svc.activity_create(actor=request.user, data=payload.dict(), request=request)
    return Status(201, _out(activity))


@router.post("/community/activities/{activity_id}/signups", response={201: SignupOut})
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


@router.post("/community/activities/{activity_id}/attendance", response=AttendanceOut)
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


_ = get_object_or_404
