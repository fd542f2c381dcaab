"""Alerts and the device webhook: /api/v1/alerts, /api/v1/devices/readings."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate

from . import devices, selectors, services
from .models import Alert, AlertLevel, AlertSource, AlertStatus

router = Router(tags=["alerts 告警与设备"])


class AlertEventOut(Schema):
    at: dt.datetime
    kind: str = Field(examples=["escalated"])
    step_name: str = Field(examples=["visitor"])
    note: str = Field(examples=["家属未在时限内确认，上报结对探访员"])


class AlertOut(Schema):
    id: int
    elder_id: int
    elder_name: str = Field(examples=["王秀英"])
    source: AlertSource
    level: AlertLevel
    status: AlertStatus
    title: str = Field(examples=["用水异常偏少：12 小时用水 0.004 立方米"])
    step_name: str = Field(description="当前责任方", examples=["family"])
    step_deadline: dt.datetime | None
    raised_at: dt.datetime
    resolution: str = ""
    events: list[AlertEventOut] = []

    @staticmethod
    def of(alert: Alert, with_events: bool = False) -> AlertOut:
        return AlertOut(
            id=alert.pk,
            elder_id=alert.elder_id,
            elder_name=alert.elder.person.name,
            source=alert.source,
            level=alert.level,
            status=alert.status,
            title=alert.title,
            step_name=alert.step_name,
            step_deadline=alert.step_deadline,
            raised_at=alert.raised_at,
            resolution=alert.resolution,
            events=[
                AlertEventOut(at=e.at, kind=e.kind, step_name=e.step_name, note=e.note)
                for e in alert.events.all()
            ]
            if with_events
            else [],
        )


class AlertQuery(PageParams):
    status: str = Field("", description="open / acknowledged / acting / resolved / unresolved")
    level: str = Field("", description="warning / urgent")
    source: str = ""


@router.get("/alerts", response={200: Page[AlertOut], **ERRORS}, summary="本辖区的告警")
def list_alerts(request: HttpRequest, query: Query[AlertQuery]):
    qs = selectors.alerts_for(
        request.auth, status=query.status, level=query.level, source=query.source
    )
    page = paginate(qs, query)
    page["items"] = [AlertOut.of(a) for a in page["items"]]
    return page


class AlertIn(Schema):
    elder_id: int = Field(examples=[1024])
    level: AlertLevel = Field(examples=["urgent"])
    title: str = Field(examples=["邻居反映老人两天未出门"])
    detail: str = Field("", examples=["邻居王大妈敲门无人应答"])


@router.post(
    "/alerts",
    response={201: AlertOut, **ERRORS},
    summary="人工上报告警（进入同一上报链）",
)
def raise_alert(request: HttpRequest, payload: AlertIn):
    from ninja import Status

    from yanglao.core.errors import Forbidden
    from yanglao.elders.selectors import elder_get

    if request.auth.role not in services.ALERT_HANDLERS:
        raise Forbidden()
    elder = elder_get(request.auth, payload.elder_id)
    alert = services.alert_raise(
        elder=elder,
        source=AlertSource.MANUAL,
        level=payload.level.value,
        title=payload.title,
        detail=payload.detail,
        actor=request.auth,
        request=request,
    )
    return Status(201, AlertOut.of(alert, with_events=True))


def _alert(request, alert_id: int) -> Alert:
    return selectors.alert_get(request.auth, alert_id)


@router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS}, summary="告警详情与处置记录")
def get_alert(request: HttpRequest, alert_id: int):
    return AlertOut.of(_alert(request, alert_id), with_events=True)


class NoteIn(Schema):
    note: str = Field("", examples=["已电话联系家属，正在上门"])


@router.post(
    "/alerts/{alert_id}/acknowledge", response={200: AlertOut, **ERRORS}, summary="确认告警"
)
def acknowledge(request: HttpRequest, alert_id: int, payload: NoteIn):
    alert = services.acknowledge(
        actor=request.auth, alert=_alert(request, alert_id), note=payload.note, request=request
    )
    return AlertOut.of(alert, with_events=True)


@router.post("/alerts/{alert_id}/act", response={200: AlertOut, **ERRORS}, summary="开始处置")
def act(request: HttpRequest, alert_id: int, payload: NoteIn):
    alert = services.start_action(
        actor=request.auth, alert=_alert(request, alert_id), note=payload.note, request=request
    )
    return AlertOut.of(alert, with_events=True)


@router.post(
    "/alerts/{alert_id}/resolve",
    response={200: AlertOut, **ERRORS},
    summary="解除告警（须写处置结果）",
)
def resolve(request: HttpRequest, alert_id: int, payload: NoteIn):
    alert = services.resolve(
        actor=request.auth, alert=_alert(request, alert_id), note=payload.note, request=request
    )
    return AlertOut.of(alert, with_events=True)


class ReadingsOut(Schema):
    accepted: int = Field(examples=[2])
    alerts: list[int] = Field(description="本次产生的告警编号", examples=[[]])


WEBHOOK_DOC = """设备上报读数（智能水表、一键呼叫等）。**不用登录令牌，用设备签名。**

请求头：
- `X-Device-Id`：设备编号（登记设备时填写）
- `X-Timestamp`：Unix 秒；与服务器时间相差超过 300 秒（规则 `device.webhook`）即拒收
- `X-Nonce`：每次请求不同的随机串（最多 64 个字符）；同一设备重复使用返回 409
- `X-Signature`：`hex(HMAC-SHA256(设备密钥, f"{X-Timestamp}.{X-Nonce}.".encode() + 原始请求体))`

示例（Python）：

```python
import hashlib, hmac, json, secrets, time, urllib.request
body = json.dumps({"readings": [{"at": "2026-11-24T08:00:00+08:00",
                                 "kind": "meter", "value": 1234.567}]}).encode()
ts, nonce = str(int(time.time())), secrets.token_hex(16)
sig = hmac.new(SECRET.encode(), f"{ts}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
req = urllib.request.Request(URL + "/api/v1/devices/readings", data=body, headers={
    "Content-Type": "application/json", "X-Device-Id": "WM-0001",
    "X-Timestamp": ts, "X-Nonce": nonce, "X-Signature": sig})
```

水表读数为累计值，用水量取差值；读数倒退（换表、清零）单独提示，不算负用水。
规则 `alert.water_meter`：默认 12 小时用水少于 0.01 立方米或一天超过 2 立方米告警；
`kind = "sos"` 立即产生紧急告警。签名错误、设备未登记或时间戳过期返回 401（同一提示），
重放返回 409，请求体格式错误返回 422 并指明字段；每次拒收都记入审计日志。"""


@router.post(
    "/devices/readings",
    auth=None,
    response={200: ReadingsOut, **ERRORS},
    summary="设备上报读数（HMAC 签名）",
    description=WEBHOOK_DOC,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["readings"],
                        "properties": {
                            "readings": {
                                "type": "array",
                                "maxItems": 500,
                                "items": {
                                    "type": "object",
                                    "required": ["at", "kind"],
                                    "properties": {
                                        "at": {"type": "string", "format": "date-time"},
                                        "kind": {
                                            "type": "string",
                                            "enum": ["meter", "sos", "event"],
                                        },
                                        "value": {
                                            "type": "number",
                                            "description": "水表累计读数（立方米）",
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "example": {
                        "readings": [
                            {"at": "2026-11-24T08:00:00+08:00", "kind": "meter", "value": 1234.567},
                            {"at": "2026-11-24T08:05:00+08:00", "kind": "sos"},
                        ]
                    },
                }
            },
        }
    },
)
def device_readings(request: HttpRequest):
    # The body is read raw: the signature covers its exact bytes.
    return devices.receive(request)


class DeviceOut(Schema):
    id: int
    serial: str = Field(examples=["WM-ZY-1001"])
    kind: str = Field(examples=["water_meter"])
    elder_id: int
    last_reading_at: dt.datetime | None
    last_value: float | None = Field(description="水表最近累计读数（立方米）", examples=[432.117])


@router.get("/devices", response={200: Page[DeviceOut], **ERRORS}, summary="本辖区的智能设备")
def list_devices(request: HttpRequest, query: Query[PageParams]):
    page = paginate(selectors.devices_for(request.auth), query)
    page["items"] = [
        DeviceOut(
            id=d.pk,
            serial=d.serial,
            kind=d.kind,
            elder_id=d.elder_id,
            last_reading_at=d.last_reading_at,
            last_value=float(d.last_value) if d.last_value is not None else None,
        )
        for d in page["items"]
    ]
    return page


class CheckInIn(Schema):
    plan_id: int = Field(examples=[3])
    fine: bool = Field(True, description="老人平安；否时须写明情况，并立即产生告警")
    note: str = Field("", examples=[""])


class CheckInOut(Schema):
    id: int
    plan_id: int
    day: dt.date
    fine: bool


@router.post(
    "/checkins",
    response={201: CheckInOut, **ERRORS},
    summary="每日签到：确认老人今天平安",
    description="每个签到安排每天一次，重复签到返回 409。",
)
def check_in(request: HttpRequest, payload: CheckInIn):
    from ninja import Status

    from yanglao.core.scope import get_in_scope

    from . import checkins
    from .models import CheckInPlan

    plan = get_in_scope(
        CheckInPlan.objects.select_related("elder__region"),
        request.auth,
        path_lookup="region_path",
        pk=payload.plan_id,
    )
    made = checkins.check_in(
        plan=plan, actor=request.auth, fine=payload.fine, note=payload.note, request=request
    )
    return Status(201, CheckInOut(id=made.pk, plan_id=plan.pk, day=made.day, fine=made.fine))
