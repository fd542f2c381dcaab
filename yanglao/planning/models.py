"""Planning (规划任务): construction task tables (建设任务表) such as Zhongyang's
Attachment 3, stored exactly as printed, and the urban community care project
applications (城镇社区养老幸福工程申报) with their ranking, statuses and the yearly
county evaluations (县区绩效考核) that bar a county from applying.

Each table copies its region path (``region_path``) for the scope filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskTable(models.Model):
    """建设任务表: one region's facility construction tasks by township and year.

    ``columns`` lists the printed columns, each ``{"key", "label", "kind", ...}``: kind
    ``villages_total`` / ``villages_built`` / ``villages_to_build``, or ``task`` with its
    ``year``, facility ``type`` and ``resettlement`` flag."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True, default="个")
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"))
    columns = models.JSONField(_("栏目"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("建设任务表")
        verbose_name_plural = _("建设任务表")
        constraints = [
            models.UniqueConstraint(fields=["region", "title"], name="tasktable_region_title"),
            models.CheckConstraint(
                condition=models.Q(year_to__gte=models.F("year_from")), name="tasktable_years"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskRow(models.Model):
    """任务表的一行: a township (or the printed totals row), with its values as printed."""

    table = models.ForeignKey(TaskTable, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(_("行号"))
    label = models.CharField(_("乡镇（印刷名称）"), max_length=60)
    township = models.ForeignKey(
        "regions.Region",
        verbose_name=_("乡镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_total = models.BooleanField(_("合计行"), default=False)
    values = models.JSONField(_("印刷数值"), default=dict)

    class Meta:
        verbose_name = _("任务表行")
        verbose_name_plural = _("任务表行")
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "label"], name="taskrow_table_label"),
        ]

    def __str__(self) -> str:
        return self.label


class ProjectStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已申报")
    COUNTY_PASSED = "county_passed", _("县级审核通过")
    REJECTED = "rejected", _("未通过")
    APPROVED = "approved", _("已批准立项")
    BUILDING = "building", _("建设中")
    ACCEPTED = "accepted", _("已竣工验收")
    OPERATING = "operating", _("运营中")
    EVALUATED = "evaluated", _("已运营评估")


class ProjectApplication(models.Model):
    """城镇社区养老幸福工程申报: one project a county sends up, with the five factors
    the city ranks it by (scores 0–100) and its status through evaluation."""

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("县（区）"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "regions.Region",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_path = models.CharField(max_length=120, db_index=True)
    year = models.PositiveSmallIntegerField(_("申报年度"))
    name = models.CharField(_("项目名称"), max_length=120)
    floor_area_m2 = models.DecimalField(
        _("建筑面积(m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    operator_name = models.CharField(_("运营主体"), max_length=100, blank=True)
    scores = models.JSONField(_("排序因素得分"), default=dict)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.SUBMITTED
    )
    evaluation_passed = models.BooleanField(_("运营评估合格"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("城镇社区养老幸福工程申报")
        verbose_name_plural = _("城镇社区养老幸福工程申报")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    """项目状态变更记录 (append-only)."""

    application = models.ForeignKey(
        ProjectApplication, on_delete=models.PROTECT, related_name="changes"
    )
    from_status = models.CharField(max_length=16, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ProjectStatus.choices)
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目状态变更")
        verbose_name_plural = _("项目状态变更")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.from_status}->{self.to_status}"


class EvaluationResult(models.TextChoices):
    GOOD = "good", _("较好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


class CountyEvaluation(models.Model):
    """县（区）年度绩效考核结果: good gives priority next year, poor bars next year's
    applications (urban_project.county_evaluation)."""

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("县（区）"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    year = models.PositiveSmallIntegerField(_("考核年度"))
    result = models.CharField(_("考核结果"), max_length=8, choices=EvaluationResult.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("县区绩效考核")
        verbose_name_plural = _("县区绩效考核")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="county_evaluation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.result}"
