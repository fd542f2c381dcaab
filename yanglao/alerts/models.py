"""Alerts and their escalation (助急), daily check-ins (敲门, 亮灯, 窗帘之约) and devices
(smart water meters, SOS buttons) that report through a signed webhook."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AlertSource(models.TextChoices):
    VISIT = "visit", _("探访发现")
    CHECKIN_MISSED = "checkin_missed", _("未按时签到")
    WATER_LOW = "water_low", _("用水过少")
    WATER_HIGH = "water_high", _("用水过多")
    SOS = "sos", _("紧急呼叫")
    DEVICE = "device", _("其他设备")
    MANUAL = "manual", _("人工上报")


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("关注")
    URGENT = "urgent", _("紧急")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待确认")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    ACTING = "acting", _("处置中")
    RESOLVED = "resolved", _("已解除")


class Alert(models.Model):
    """告警. It walks the escalation chain of the policy pack (family contact → paired
    visitor → community → township by default); each step has a time limit to
    acknowledge, after which a periodic job moves it up. Every step is an ``AlertEvent``."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="alerts")
    region_path = models.CharField(max_length=120)
    source = models.CharField(_("来源"), max_length=16, choices=AlertSource.choices)
    level = models.CharField(_("级别"), max_length=8, choices=AlertLevel.choices)
    title = models.CharField(_("摘要"), max_length=200)
    detail = models.TextField(_("详情"), blank=True)
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        "alerts.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    # Where it stands on the chain: the index into the chain and that step's name.
    step = models.PositiveSmallIntegerField(_("当前层级"), default=0)
    step_name = models.CharField(_("当前责任方"), max_length=16)
    step_deadline = models.DateTimeField(_("确认时限"), null=True, blank=True)
    chain = models.JSONField(_("上报链"), default=list)
    # A key so that one condition raises one alert (a missed check-in on one day, say).
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    raised_at = models.DateTimeField(_("发生时间"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("处置结果"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = _("告警")
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["region_path", "status"], name="alert_scope_status"),
            models.Index(
                fields=["step_deadline"],
                name="alert_open_deadline",
                condition=Q(status="open"),
            ),
            models.Index(fields=["elder", "raised_at"], name="alert_elder_time"),
        ]

    def __str__(self) -> str:
        return self.title


class AlertEventKind(models.TextChoices):
    RAISED = "raised", _("产生")
    NOTIFIED = "notified", _("通知")
    ESCALATED = "escalated", _("逐级上报")
    ACKNOWLEDGED = "acknowledged", _("确认")
    ACTING = "acting", _("开始处置")
    RESOLVED = "resolved", _("解除")
    NOTE = "note", _("备注")
    HANDED_OVER = "handed_over", _("转交")


class AlertEvent(models.Model):
    """One step in an alert's life: append-only."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=AlertEventKind.choices)
    step_name = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"


class CheckInMethod(models.TextChoices):
    KNOCK = "knock", _("敲门行动")
    LIGHT_ON = "light_on", _("亮灯行动")
    CURTAIN = "curtain", _("窗帘之约")
    SELF = "self", _("老人自报平安")
    DEVICE = "device", _("设备自动确认")


class CheckInPlan(models.Model):
    """每日签到: someone (a neighbour, the elder or a device) confirms "fine" each day
    before ``deadline`` (local time); a missed day raises an alert."""

    elder = models.ForeignKey(
        "elders.Elder", on_delete=models.PROTECT, related_name="checkin_plans"
    )
    region_path = models.CharField(max_length=120)
    method = models.CharField(_("方式"), max_length=16, choices=CheckInMethod.choices)
    confirmer = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    deadline = models.TimeField(_("每日截止时间"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("每日签到安排")
        verbose_name_plural = _("每日签到安排")
        indexes = [models.Index(fields=["region_path", "active"], name="checkinplan_scope")]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.method}"


class CheckIn(models.Model):
    plan = models.ForeignKey(CheckInPlan, on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField(_("日期"))
    at = models.DateTimeField(_("确认时间"))
    fine = models.BooleanField(_("平安"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_device = models.ForeignKey(
        "alerts.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="checkin_one_per_day")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.day}"


class DeviceKind(models.TextChoices):
    WATER_METER = "water_meter", _("智能水表")
    SOS_BUTTON = "sos_button", _("一键呼叫")
    DOOR_SENSOR = "door_sensor", _("门磁")
    SMOKE = "smoke", _("烟感")
    OTHER = "other", _("其他传感器")


class Device(models.Model):
    """A device at an elder's home. It signs each webhook call with its own secret
    (stored encrypted; shown once when the device is registered)."""

    serial = models.CharField(_("设备编号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DeviceKind.choices)
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="devices")
    region_path = models.CharField(max_length=120)
    secret_enc = models.TextField()
    active = models.BooleanField(_("启用"), default=True)
    installed_on = models.DateField(_("安装日期"))
    last_reading_at = models.DateTimeField(_("最近上报"), null=True, blank=True)
    last_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")
        indexes = [models.Index(fields=["region_path", "kind"], name="device_scope_kind")]

    def __str__(self) -> str:
        return self.serial


class DeviceReading(models.Model):
    """One reading: a cumulative meter value (use is the difference), an SOS press, or
    another sensor event."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="readings")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)  # "meter", "sos", "event"
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["device", "at"], name="reading_device_time")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.at}"


class DeviceNonce(models.Model):
    """Nonces seen inside the timestamp window: a replayed call is refused."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="device_nonce_once")
        ]

    def __str__(self) -> str:
        return self.nonce
