"""Linked systems (系统对接): what nursing-home management systems send us (their
residents and beds, one batch per call, with a report of the rows that did not match an
elder file) and the elder's stay in a facility that the matched rows record.

A batch copies its facility's region path (``region_path``) so a scope filter is one
indexed prefix scan, like every other domain table. No plain ID number is stored here:
the report keeps the masked number (``141129********1234``) and the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    RESIDENTS = "residents", _("在住老人")
    BEDS = "beds", _("床位")


class FeedBatch(models.Model):
    """机构报送批次: one call of a nursing-home system (residents or beds), with its
    counts and the rows that did not match (row, reason, masked ID number, name)."""

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("养老机构"),
        on_delete=models.PROTECT,
        related_name="feed_batches",
    )
    region_path = models.CharField(max_length=120, db_index=True)
    kind = models.CharField(_("报送内容"), max_length=12, choices=FeedKind.choices)
    as_of = models.DateField(_("数据日期"))
    complete = models.BooleanField(_("完整名单"), default=False)
    total = models.PositiveIntegerField(_("行数"), default=0)
    matched = models.PositiveIntegerField(_("匹配"), default=0)
    unmatched = models.PositiveIntegerField(_("未匹配"), default=0)
    created = models.PositiveIntegerField(_("新入住"), default=0)
    updated = models.PositiveIntegerField(_("信息变更"), default=0)
    discharged = models.PositiveIntegerField(_("离院"), default=0)
    beds_total = models.PositiveIntegerField(_("床位总数"), null=True, blank=True)
    beds_occupied = models.PositiveIntegerField(_("在住人数"), null=True, blank=True)
    nursing_beds = models.PositiveIntegerField(_("护理型床位数"), null=True, blank=True)
    report = models.JSONField(_("未匹配明细"), default=list, blank=True)
    source = models.CharField(_("来源"), max_length=12, default="api")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("机构报送批次")
        verbose_name_plural = _("机构报送批次")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["region_path", "kind"], name="feedbatch_scope_kind")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.kind} {self.as_of}"

    @property
    def region(self):
        return self.facility.region


class Residency(models.Model):
    """入住记录: an elder staying in a facility (bed, room, care level), from the day
    they were admitted until they left. One open stay per elder."""

    elder = models.ForeignKey(
        "elders.Elder", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="residencies"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("养老机构"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    # The facility's region path: whoever sees the facility sees who lives there.
    region_path = models.CharField(max_length=120, db_index=True)
    bed = models.CharField(_("床位号"), max_length=20, blank=True)
    room = models.CharField(_("房间号"), max_length=20, blank=True)
    care_level = models.CharField(_("护理等级"), max_length=30, blank=True)
    since = models.DateField(_("入住日期"))
    until = models.DateField(_("离院日期"), null=True, blank=True)
    batch = models.ForeignKey(
        FeedBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="residencies"
    )
    ended_by = models.ForeignKey(
        FeedBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("入住记录")
        verbose_name_plural = _("入住记录")
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=Q(until__isnull=True), name="residency_one_open"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="residency_until_after_since",
            ),
        ]
        indexes = [models.Index(fields=["facility", "until"], name="residency_facility_open")]

    def __str__(self) -> str:
        return f"{self.elder_id}@{self.facility_id} {self.since}"

    @property
    def region(self):
        return self.facility.region
