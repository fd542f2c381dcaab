"""Messages: /api/v1/messages (what was sent to the caller)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate

from . import selectors

router = Router(tags=["messages 消息"])


class MessageOut(Schema):
    id: int
    channel: str = Field(examples=["app"])
    subject: str = Field(examples=["【紧急】王秀英：探访发现紧急情况：安全情况"])
    body: str
    topic: str = Field(examples=["alert:12"])
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("/messages", response={200: Page[MessageOut], **ERRORS}, summary="发给我的消息")
def list_messages(request: HttpRequest, query: Query[PageParams]):
    page = paginate(selectors.inbox(request.auth), query)
    page["items"] = [
        MessageOut(
            id=m.pk,
            channel=m.channel,
            subject=m.subject,
            body=m.body,
            topic=m.topic,
            created_at=m.created_at,
            read_at=m.read_at,
        )
        for m in page["items"]
    ]
    return page
