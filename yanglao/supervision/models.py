"""Supervision (督查): inspections of facilities and regions with a checklist from the
policy pack, findings with a rectification deadline (限期整改), re-inspection and closure,
escalation of overdue rectifications; and the yearly evaluation of facility operators
(运营方年度评估) with the policy's pass mark and the flag for replacement.

Every table copies the region path of what it is about (``region_path``) so that a scope
filter is one indexed prefix scan.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    FACILITY = "facility", _("设施")
    REGION = "region", _("区域工作")


class InspectionKind(models.TextChoices):
    PLANNED = "planned", _("计划检查")
    UNANNOUNCED = "unannounced", _("暗访（不打招呼）")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    RECORDED = "recorded", _("已检查")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已取消")


class ItemResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    CRITICAL = "critical", _("严重")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已报整改，待复查")
    CLOSED = "closed", _("已销号")


class Inspection(models.Model):
    """督查检查: one planned or unannounced inspection of a facility or of a region's work,
    organized by an office (the region of the officer who planned it)."""

    target_kind = models.CharField(_("检查对象"), max_length=8, choices=TargetKind.choices)
    facility = models.ForeignKey(
        "facilities.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("被检查设施"),
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    organizer_region = models.ForeignKey(
        "regions.Region", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    organizer_path = models.CharField(max_length=120)
    kind = models.CharField(_("检查方式"), max_length=12, choices=InspectionKind.choices)
    planned_on = models.DateField(_("计划日期"))
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    inspectors = models.CharField(_("检查人员"), max_length=200)
    summary = models.TextField(_("检查小结"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=InspectionStatus.choices,
        default=InspectionStatus.PLANNED,
    )
    # The checklist rule that applied (id, title, source, region of the decisive row).
    checklist_trace = models.JSONField(default=dict, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("督查检查")
        verbose_name_plural = _("督查检查")
        indexes = [
            models.Index(fields=["region_path", "status"], name="inspection_scope_status"),
            models.Index(fields=["status", "planned_on"], name="inspection_status_planned"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target_kind="facility") | Q(facility__isnull=False),
                name="inspection_facility_target_has_facility",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="inspection_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} {self.planned_on}"

    @property
    def target_name(self) -> str:
        if self.facility_id:
            return self.facility.name
        return self.region.name


class InspectionItem(models.Model):
    """检查项结果: one checklist item of an inspection, copied from the rule when the results
    are recorded (a later change of the checklist never rewrites a past inspection)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("检查项代码"), max_length=40)
    section = models.CharField(_("类别"), max_length=20)
    section_label = models.CharField(_("类别名称"), max_length=40)
    label = models.CharField(_("检查项"), max_length=200)
    result = models.CharField(_("结果"), max_length=4, choices=ItemResult.choices)
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "code"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code}={self.result}"


class Finding(models.Model):
    """发现问题: a problem found, with its severity, the deadline to put it right, who is
    responsible, and its state: open → submitted (rectification reported) → closed after a
    passing re-inspection; a failing re-inspection reopens it with a new deadline."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    region_path = models.CharField(max_length=120, db_index=True)
    item_code = models.CharField(_("检查项代码"), max_length=40, blank=True)
    item_label = models.CharField(_("检查项"), max_length=200, blank=True)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    description = models.TextField(_("问题描述"))
    deadline = models.DateField(_("整改期限"))
    responsible = models.CharField(_("整改责任人/单位"), max_length=100)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人账号"),
    )
    # The region whose officers answer for the rectification; escalation climbs from here.
    responsible_region = models.ForeignKey(
        "regions.Region", verbose_name=_("责任区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    rectification_note = models.TextField(_("整改情况"), blank=True)
    submitted_at = models.DateTimeField(_("报整改时间"), null=True, blank=True)
    reinspections = models.PositiveSmallIntegerField(_("复查次数"), default=0)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(_("上报级数"), default=0)
    escalated_to = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("已上报至"),
    )
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发现问题")
        verbose_name_plural = _("发现问题")
        indexes = [
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
            models.Index(fields=["region_path", "status"], name="finding_scope_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="finding_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_label or self.description[:20]}（{self.get_status_display()}）"


class EventKind(models.TextChoices):
    CREATED = "created", _("下达整改")
    SUBMITTED = "submitted", _("报告整改")
    REINSPECT_PASS = "reinspect_pass", _("复查合格，销号")
    REINSPECT_FAIL = "reinspect_fail", _("复查不合格，重新限期")
    ESCALATED = "escalated", _("逾期上报")


class FindingEvent(models.Model):
    """整改记录: each step of a finding, who took it and what they wrote (never edited)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=16, choices=EventKind.choices)
    on = models.DateField(_("日期"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"


class Photo(models.Model):
    """现场照片 of an inspection, a finding's rectification or its re-inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    event = models.ForeignKey(
        FindingEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    photo = models.FileField(upload_to="supervision/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")

    def __str__(self) -> str:
        return self.photo.name


class Resolution(models.TextChoices):
    NONE = "", _("待处理")
    REPLACED = "replaced", _("已调整运营方")
    RETAINED = "retained", _("经研究保留（限期改进）")


class OperatorEvaluation(models.Model):
    """运营方年度评估: one operator (运营主体) of the facilities it runs in a region, for
    one year: service quality and internal management scored by the evaluators,
    satisfaction computed from the elders' ratings of its services (or entered from other
    evidence when there are too few), the total against the pass mark of the rule. A
    failing operator is flagged for replacement with the evidence."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("评估区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    year = models.PositiveSmallIntegerField(_("评估年度"))
    operator_name = models.CharField(_("运营方"), max_length=100)
    facilities = models.ManyToManyField(
        "facilities.Facility", verbose_name=_("运营的设施"), related_name="operator_evaluations"
    )
    providers = models.ManyToManyField(
        "services.Provider",
        verbose_name=_("计入满意度的服务方"),
        related_name="operator_evaluations",
        blank=True,
    )
    evaluated_on = models.DateField(_("评估日期"))
    evaluators = models.CharField(_("评估人员/机构"), max_length=200)
    scores = models.JSONField(_("分项得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1)
    pass_mark = models.DecimalField(_("合格线"), max_digits=6, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    failed_sections = models.JSONField(default=list, blank=True)
    satisfaction_from_ratings = models.BooleanField(_("满意度按老人评价计算"), default=True)
    satisfaction_note = models.TextField(_("满意度说明"), blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    trace = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("评估意见"), blank=True)
    flagged = models.BooleanField(_("建议调整运营方"), default=False)
    resolution = models.CharField(
        _("处理结果"), max_length=10, choices=Resolution.choices, blank=True, default=""
    )
    resolution_note = models.TextField(_("处理说明"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("运营方年度评估")
        verbose_name_plural = _("运营方年度评估")
        ordering = ["-year", "operator_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "operator_name"], name="operator_evaluation_once"
            ),
            models.CheckConstraint(
                condition=Q(passed=True, flagged=False) | Q(passed=False),
                name="operator_evaluation_flag_only_failing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator_name} {self.year}"
