"""Pairing (结对帮扶), the visit schedule, visits (巡视探访), their follow-ups and the
weekly compliance figures.

Big tables (``Visit``: ten million rows a year for one city) copy the elder's region
path, so that a scope filter is one indexed prefix scan without a join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VisitorKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("报到党员")
    VOLUNTEER = "volunteer", _("志愿者")
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_CADRE = "village_cadre", _("村(社区)干部")


class Visitor(models.Model):
    """探访员: a Party member, volunteer, grid worker or village cadre who visits elders.

    A visitor is a ``Person``; the user account (role ``visitor``) is optional: a visitor
    without one is recorded by an officer. A visitor leaves when the pairing officer ends
    them or their account is disabled: their elders then show as unpaired at once."""

    person = models.OneToOneField(
        "people.Person", primary_key=True, on_delete=models.PROTECT, related_name="visitor"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visitor",
        verbose_name=_("登录账号"),
    )
    kind = models.CharField(_("身份"), max_length=16, choices=VisitorKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("服务区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    # 在职党员到社区报到: the community the Party member registered with.
    registered_community = models.ForeignKey(
        "regions.Region",
        verbose_name=_("报到社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.CharField(_("工作单位/志愿组织"), max_length=100, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)
    left_reason = models.CharField(_("离岗原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("探访员")
        verbose_name_plural = _("探访员")

    def __str__(self) -> str:
        return self.person.name


class Pairing(models.Model):
    """结对: one visitor with one elder for a time. One-to-many and many-to-one are
    several rows; among an elder's visitors one is the lead (``is_lead``), whom alerts
    reach after the family."""

    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="pairings")
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="pairings")
    region_path = models.CharField(max_length=120)
    is_lead = models.BooleanField(_("主责"), default=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    handed_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "elder"],
                condition=Q(ends_on__isnull=True),
                name="pairing_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["elder", "ends_on"], name="pairing_elder_open"),
            models.Index(fields=["visitor", "ends_on"], name="pairing_visitor_open"),
            models.Index(fields=["region_path", "ends_on"], name="pairing_scope_open"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id}→{self.elder_id}"


class Period(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")


class VisitDue(models.Model):
    """The visit schedule of one elder who must be visited (one row per such elder).

    ``period``/``required`` come from the policy pack (the strictest rule that applies,
    and the care plan for high-risk elders). ``due_on`` is the last day (Sunday, or the
    month's last day, Asia/Shanghai) of the period in which the next visit is needed:
    the elder is overdue when ``due_on`` is before today."""

    elder = models.OneToOneField(
        "elders.Elder", primary_key=True, on_delete=models.CASCADE, related_name="visit_due"
    )
    region_path = models.CharField(max_length=120)
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    required = models.PositiveSmallIntegerField(_("每周期至少探访次数"), default=1)
    rules = models.CharField(_("依据规则"), max_length=300, blank=True)
    period_start = models.DateField(_("当前周期开始"))
    done_in_period = models.PositiveSmallIntegerField(_("本周期已探访"), default=0)
    last_visit_at = models.DateTimeField(_("最近探访"), null=True, blank=True)
    due_on = models.DateField(_("应访截止"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("探访计划")
        verbose_name_plural = _("探访计划")
        indexes = [models.Index(fields=["region_path", "due_on"], name="visitdue_scope_due")]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.due_on}"


class VisitMethod(models.TextChoices):
    DOOR = "door", _("上门")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")
    PROXY = "proxy", _("邻里/亲属代访")
    DEVICE_ALERT = "device_alert", _("智能设备告警核查")


class Finding(models.TextChoices):
    FINE = "fine", _("正常")
    CONCERN = "concern", _("关注")
    URGENT = "urgent", _("紧急")


FINDING_RANK = {Finding.FINE: 0, Finding.CONCERN: 1, Finding.URGENT: 2}


class Visit(models.Model):
    """巡访记录: one visit with the checks of the policy pack (health, mental state,
    safety, hygiene, living environment), each fine / concern / urgent with a note."""

    id = models.BigAutoField(primary_key=True)
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="visits")
    region_path = models.CharField(max_length=120)
    visitor = models.ForeignKey(
        Visitor, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    method = models.CharField(_("方式"), max_length=16, choices=VisitMethod.choices)
    visited_at = models.DateTimeField(_("探访时间"))
    # The Monday of the ISO week of ``visited_at`` in Asia/Shanghai.
    week_start = models.DateField()
    # {"health": {"level": "fine", "note": ""}, ...}
    checks = models.JSONField(_("检查项"), default=dict)
    worst = models.CharField(_("最重发现"), max_length=8, choices=Finding.choices)
    note = models.TextField(_("备注"), blank=True)
    photo = models.FileField(_("照片"), upload_to="visits/%Y/%m/", blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Made on the phone when the form is filled in: a form sent twice is recorded once.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        indexes = [
            models.Index(fields=["elder", "visited_at"], name="visit_elder_time"),
            models.Index(fields=["region_path", "week_start"], name="visit_scope_week"),
            models.Index(fields=["week_start", "elder"], name="visit_week_elder"),
            models.Index(fields=["visitor", "visited_at"], name="visit_visitor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.visited_at:%Y-%m-%d %H:%M}"


class FollowUpKind(models.TextChoices):
    TASK = "task", _("待办任务")
    SERVICE_REQUEST = "service_request", _("服务需求")
    ALERT = "alert", _("告警")
    SATISFACTION = "satisfaction", _("服务回访")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


class FollowUp(models.Model):
    """后续跟进: what a concern or urgent finding needs, so that nothing found is dropped."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="follow_ups")
    region_path = models.CharField(max_length=120)
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=FollowUpKind.choices)
    item = models.CharField(_("检查项"), max_length=32, blank=True)
    level = models.CharField(_("程度"), max_length=8, choices=Finding.choices)
    description = models.TextField(_("情况"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )
    due_on = models.DateField(_("办理期限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A satisfaction follow-up (回访) of a service order: a low rating or no rating.
    order = models.ForeignKey(
        "services.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satisfaction_follow_ups",
    )
    result = models.TextField(_("办理结果"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("跟进事项")
        verbose_name_plural = _("跟进事项")
        indexes = [
            models.Index(fields=["region_path", "status"], name="followup_scope_status"),
            models.Index(fields=["assignee", "status"], name="followup_assignee"),
        ]

    def __str__(self) -> str:
        return self.description[:50]


class Compliance(models.Model):
    """The visit compliance (visited / due) of one region in one period, computed by the
    nightly job for every region level from village to province."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=120)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.WEEK)
    period_start = models.DateField()
    due = models.PositiveIntegerField(default=0)
    visited = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("探访完成率")
        verbose_name_plural = _("探访完成率")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period", "period_start"], name="compliance_one_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["period", "period_start", "region_path"], name="compliance_scope")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period_start} {self.visited}/{self.due}"

    @property
    def rate(self) -> float | None:
        return self.visited / self.due if self.due else None
