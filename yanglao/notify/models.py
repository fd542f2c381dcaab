"""Messages the platform sends (SMS, app messages), kept so that a person can see what
was, or would have been, sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    APP = "app", _("站内消息")


class MessageStatus(models.TextChoices):
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Message(models.Model):
    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    to_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # The region the message is about (for scope: who may read it in the message log).
    region_path = models.CharField(max_length=120, db_index=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    # What it is about, e.g. "alert:123".
    topic = models.CharField(max_length=64, db_index=True, blank=True)
    adapter = models.CharField(_("发送通道"), max_length=32)
    status = models.CharField(_("状态"), max_length=8, choices=MessageStatus.choices)
    error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_user", "read_at"], name="message_inbox")]

    def __str__(self) -> str:
        return self.subject
