"""Devices at elders' homes and the signed webhook they report through.

Signature: ``X-Signature`` is the lowercase hex HMAC-SHA256, keyed with the device's
secret, of ``f"{X-Timestamp}.{X-Nonce}.".encode() + raw_body``. The timestamp (unix
seconds) must be within the window of rule ``device.webhook`` (±300 s by default); a
nonce is accepted once per device. Readings: water meters send cumulative values (use is
the difference); an SOS press raises an urgent alert at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import logging
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yanglao.core import audit, crypto
from yanglao.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from yanglao.core.models import Outcome
from yanglao.core.scope import in_subtree
from yanglao.elders.models import ElderStatus
from yanglao.policy.selectors import lookup, lookup_param

from .models import AlertLevel, AlertSource, Device, DeviceKind, DeviceNonce, DeviceReading
from .services import ALERT_HANDLERS, alert_raise

log = logging.getLogger("yanglao.devices")
CONTEXT = "device.secret"
READING_KINDS = ("meter", "sos", "event")
MAX_READINGS = 500


class BadSignature(DomainError):
    status = 401
    code = "bad_signature"

    def default_message(self) -> str:
        return _("设备签名无效、设备未登记或时间戳超出有效期")


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def device_register(*, actor, elder, kind: str, serial: str, request=None) -> tuple[Device, str]:
    if actor.role not in ALERT_HANDLERS or not in_subtree(elder.region_path, actor.region.path):
        raise Forbidden(_("您不能为这位老人登记设备"))
    serial = (serial or "").strip()
    errors = {}
    if not serial or len(serial) > 64:
        errors["serial"] = [_("请填写设备编号（最多 64 个字符）")]
    elif Device.objects.filter(serial=serial).exists():
        errors["serial"] = [_("该设备编号已登记")]
    if kind not in DeviceKind.values:
        errors["kind"] = [_("请选择设备类型")]
    if elder.status != ElderStatus.ACTIVE:
        errors["elder"] = [_("老人档案不在册")]
    if errors:
        raise ValidationFailed(fields=errors)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(
            serial=serial,
            kind=kind,
            elder=elder,
            region_path=elder.region_path,
            secret_enc=crypto.encrypt(secret, context=CONTEXT),
            installed_on=timezone.localdate(),
            created_by=actor,
        )
        audit.record(
            actor=actor, action="device.register", obj=device, region=elder.region, request=request
        )
    return device, secret


def _refuse(error: DomainError, reason: str, device_id: str, request) -> DomainError:
    log.warning("device webhook refused (%s): device=%r", reason, device_id[:64])
    audit.record(
        actor=None,
        action="device.webhook",
        outcome=Outcome.DENIED,
        detail={"reason": reason, "device": device_id[:64]},
        request=request,
        username=f"device:{device_id[:40]}",
    )
    return error


def verify(request, *, now: dt.datetime | None = None) -> Device:
    """The device that signed this request, or an error (401 for anything about the
    signature, 409 for a replayed nonce)."""
    now = now or timezone.now()
    meta = request.META
    device_id = meta.get("HTTP_X_DEVICE_ID", "").strip()
    timestamp = meta.get("HTTP_X_TIMESTAMP", "").strip()
    nonce = meta.get("HTTP_X_NONCE", "").strip()
    signature = meta.get("HTTP_X_SIGNATURE", "").strip().lower()
    if not (device_id and timestamp and nonce and signature) or len(nonce) > 64:
        raise _refuse(BadSignature(), "missing headers", device_id, request)
    device = Device.objects.select_related("elder__region").filter(serial=device_id).first()
    if device is None or not device.active:
        raise _refuse(BadSignature(), "unknown device", device_id, request)
    secret = crypto.decrypt(device.secret_enc, context=CONTEXT)
    expected = sign(secret, timestamp, nonce, request.body)
    if not hmac.compare_digest(expected, signature):
        raise _refuse(BadSignature(), "bad signature", device_id, request)
    window = int(
        lookup_param("device.webhook", "timestamp_window_seconds", device.elder.region, None, 300)
    )
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise _refuse(BadSignature(), "bad timestamp", device_id, request) from None
    if abs((now - sent).total_seconds()) > window:
        raise _refuse(BadSignature(), "stale timestamp", device_id, request)
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device=device, nonce=nonce, at=now)
    except IntegrityError:
        raise _refuse(
            Conflict(_("该请求已处理过（重放）"), code="replayed"), "replay", device_id, request
        ) from None
    return device


def parse_readings(body: bytes, now: dt.datetime) -> list[dict]:
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(fields={"body": [_("请求体须为 JSON")]}) from None
    if not isinstance(data, dict) or not isinstance(data.get("readings"), list):
        raise ValidationFailed(fields={"readings": [_("须为读数数组")]})
    rows = data["readings"]
    if not rows or len(rows) > MAX_READINGS:
        raise ValidationFailed(
            fields={"readings": [_("每次 1 至 %(n)s 条读数") % {"n": MAX_READINGS}]}
        )
    out = []
    for i, row in enumerate(rows):
        where = f"readings.{i}"
        if not isinstance(row, dict):
            raise ValidationFailed(fields={where: [_("须为对象")]})
        at = parse_datetime(str(row.get("at", ""))) if row.get("at") else None
        if at is None:
            raise ValidationFailed(fields={f"{where}.at": [_("须为带时区的 ISO 8601 时间")]})
        if timezone.is_naive(at):
            raise ValidationFailed(fields={f"{where}.at": [_("时间须带时区，如 +08:00")]})
        if at > now + dt.timedelta(minutes=10):
            raise ValidationFailed(fields={f"{where}.at": [_("读数时间不能晚于现在")]})
        kind = row.get("kind")
        if kind not in READING_KINDS:
            raise ValidationFailed(fields={f"{where}.kind": [_("只能是 meter、sos 或 event")]})
        value = None
        if kind == "meter":
            try:
                value = Decimal(str(row.get("value")))
            except (InvalidOperation, ValueError):
                raise ValidationFailed(
                    fields={f"{where}.value": [_("水表读数须为数字（立方米）")]}
                ) from None
            if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
                raise ValidationFailed(fields={f"{where}.value": [_("水表读数超出范围")]})
        payload = row.get("payload") if isinstance(row.get("payload"), dict) else {}
        out.append({"at": at, "kind": kind, "value": value, "payload": payload})
    return sorted(out, key=lambda r: r["at"])


def receive(request, *, now: dt.datetime | None = None) -> dict:
    """The webhook: verify, store the readings, apply the rules."""
    now = now or timezone.now()
    device = verify(request, now=now)
    readings = parse_readings(request.body, now)
    alerts = []
    with transaction.atomic():
        DeviceReading.objects.bulk_create(
            DeviceReading(
                device=device, at=r["at"], kind=r["kind"], value=r["value"], payload=r["payload"]
            )
            for r in readings
        )
        meters = [r for r in readings if r["kind"] == "meter"]
        if meters:
            last = meters[-1]
            if device.last_reading_at is None or last["at"] >= device.last_reading_at:
                device.last_reading_at = last["at"]
                device.last_value = last["value"]
                device.save(update_fields=["last_reading_at", "last_value"])
        for r in readings:
            if r["kind"] == "sos":
                alerts.append(
                    alert_raise(
                        elder=device.elder,
                        source=AlertSource.SOS,
                        level=AlertLevel.URGENT,
                        title=_("一键呼叫：老人按下紧急按钮"),
                        detail=_("设备 %(s)s 于 %(t)s 呼叫")
                        % {
                            "s": device.serial,
                            "t": timezone.localtime(r["at"]).strftime("%Y-%m-%d %H:%M"),
                        },
                        device=device,
                        dedupe_key=f"sos:{device.pk}:{int(r['at'].timestamp())}",
                        now=now,
                    )
                )
    if meters:
        alerts += check_water(device, now=now)
    return {"accepted": len(readings), "alerts": [a.pk for a in alerts]}


def water_rule(device) -> dict:
    resolution = lookup("alert.water_meter", device.elder.region)
    params = resolution.params if resolution else {}
    return {
        "low": Decimal(str(params.get("low_usage_threshold_m3", "0.01"))),
        "low_hours": int(params.get("low_usage_window_hours", 12)),
        "high": Decimal(str(params.get("high_usage_threshold_m3_per_day", "2"))),
    }


def usage(device, start: dt.datetime, end: dt.datetime) -> tuple[Decimal | None, bool]:
    """Use between two times (cumulative difference) and whether the meter went back."""
    rows = list(
        DeviceReading.objects.filter(device=device, kind="meter", at__gte=start, at__lte=end)
        .order_by("at", "id")
        .values_list("value", flat=True)
    )
    before = (
        DeviceReading.objects.filter(device=device, kind="meter", at__lt=start)
        .order_by("-at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    values = ([before] if before is not None else []) + [v for v in rows if v is not None]
    if len(values) < 2:
        return None, False
    used = Decimal(0)
    backwards = False
    for a, b in itertools.pairwise(values):
        if b < a:
            backwards = True  # a reset or a replaced meter: not negative use
            continue
        used += b - a
    return used, backwards


def check_water(device, *, now: dt.datetime | None = None) -> list:
    """Apply the water-meter rules at ``now``: low use over the window, high use in the
    last day, and a meter that went backwards."""
    if device.kind != DeviceKind.WATER_METER or not device.active:
        return []
    now = now or timezone.now()
    rule = water_rule(device)
    raised = []
    window_start = now - dt.timedelta(hours=rule["low_hours"])
    first = DeviceReading.objects.filter(device=device, kind="meter").aggregate(
        first=Min("at"), last=Max("at")
    )
    day = timezone.localtime(now).date()
    if first["first"] is not None and first["first"] <= window_start:
        used, _back = usage(device, window_start, now)
        if used is None:
            used = Decimal(0)  # no reading in the window after an earlier one: no use seen
        if used < rule["low"]:
            raised.append(
                alert_raise(
                    elder=device.elder,
                    source=AlertSource.WATER_LOW,
                    level=AlertLevel.URGENT,
                    title=_("用水异常偏少：%(h)s 小时用水 %(u)s 立方米")
                    % {"h": rule["low_hours"], "u": used},
                    detail=_("阈值：%(h)s 小时少于 %(t)s 立方米（规则 alert.water_meter）")
                    % {"h": rule["low_hours"], "t": rule["low"]},
                    device=device,
                    dedupe_key=f"water_low:{device.pk}:{day}",
                    now=now,
                )
            )
    used_day, backwards = usage(device, now - dt.timedelta(hours=24), now)
    if used_day is not None and used_day > rule["high"]:
        raised.append(
            alert_raise(
                elder=device.elder,
                source=AlertSource.WATER_HIGH,
                level=AlertLevel.URGENT,
                title=_("用水异常偏多：24 小时用水 %(u)s 立方米（疑似漏水或跌倒）")
                % {"u": used_day},
                detail=_("阈值：一天超过 %(t)s 立方米（规则 alert.water_meter）")
                % {"t": rule["high"]},
                device=device,
                dedupe_key=f"water_high:{device.pk}:{day}",
                now=now,
            )
        )
    if backwards:
        raised.append(
            alert_raise(
                elder=device.elder,
                source=AlertSource.DEVICE,
                level=AlertLevel.WARNING,
                title=_("水表读数倒退，请核查设备"),
                detail=_("读数小于上一次，可能更换或重置了水表；这段不计用水量。"),
                device=device,
                dedupe_key=f"meter_back:{device.pk}:{day}",
                now=now,
            )
        )
    return raised


def check_all_water(now: dt.datetime | None = None) -> int:
    """The periodic check: meters whose readings stopped still show no use."""
    count = 0
    for device in Device.objects.filter(kind=DeviceKind.WATER_METER, active=True).select_related(
        "elder__region", "elder__person"
    ):
        count += len(check_water(device, now=now))
    return count


def prune_nonces(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return DeviceNonce.objects.filter(at__lt=now - dt.timedelta(hours=1)).delete()[0]
