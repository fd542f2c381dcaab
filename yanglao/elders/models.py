"""The elder registry (老年人信息档案): one file per elder, its contacts, assessments,
care plans, transfers and imports. Records are never deleted: an elder moves away or dies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("独居")
    SPOUSE_ONLY = "spouse_only", _("仅与配偶同住（空巢）")
    WITH_FAMILY = "with_family", _("与子女或亲属同住")
    INSTITUTION = "institution", _("入住养老机构")
    OTHER = "other", _("其他")


class Welfare(models.TextChoices):
    NONE = "none", _("无")
    EXTREME_POVERTY = "extreme_poverty", _("特困")
    MINIMUM_ALLOWANCE = "minimum_allowance", _("低保")
    HARDSHIP = "hardship", _("经济困难")


class Residence(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住（非户籍）")
    BOTH = "both", _("户籍且常住")


class ElderStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED = "moved", _("已迁出")
    DECEASED = "deceased", _("已故")


class AbilityLevel(models.TextChoices):
    INTACT = "intact", _("能力完好")
    MILD = "mild", _("轻度受损")
    MODERATE = "moderate", _("中度受损")
    SEVERE = "severe", _("重度受损")
    COMPLETE_LOSS = "complete_loss", _("完全丧失")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class Elder(models.Model):
    """老年人档案. The file of one elder (60+), kept by a village or community."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("人员"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="elder",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The region's path, copied so that a scope filter is one indexed prefix scan.
    region_path = models.CharField(_("区划路径"), max_length=120, db_index=True)
    # The keyed hash of the ID number, copied from the person: one active file per number.
    id_number_hash = models.CharField(max_length=64, blank=True)
    residence = models.CharField(
        _("户籍/常住"), max_length=16, choices=Residence.choices, default=Residence.BOTH
    )
    rural = models.BooleanField(_("农村"), default=True)
    living_situation = models.CharField(
        _("居住情况"),
        max_length=16,
        choices=LivingSituation.choices,
        default=LivingSituation.WITH_FAMILY,
    )
    left_behind = models.BooleanField(_("留守（子女外出务工）"), default=False)
    has_carer = models.BooleanField(_("有人照料"), default=True)
    no_children = models.BooleanField(_("无子女"), default=False)
    children_outside_county = models.BooleanField(_("子女不在本县"), default=False)
    welfare = models.CharField(
        _("救助类别"), max_length=20, choices=Welfare.choices, default=Welfare.NONE
    )
    family_planning_special = models.BooleanField(_("计生特殊家庭"), default=False)
    widowed_childless = models.BooleanField(_("孤寡"), default=False)
    party_member = models.BooleanField(_("党员"), default=False)
    dementia = models.BooleanField(_("失智诊断"), default=False)
    ltc_grade = models.PositiveSmallIntegerField(_("长护险失能等级"), null=True, blank=True)
    ability_level = models.CharField(
        _("能力等级"), max_length=16, choices=AbilityLevel.choices, blank=True
    )
    last_assessed_on = models.DateField(_("最近评估日期"), null=True, blank=True)
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_computed_at = models.DateTimeField(_("风险计算时间"), null=True, blank=True)
    # The home's location (optional), for dispatching the nearest service provider.
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ElderStatus.choices, default=ElderStatus.ACTIVE
    )
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_note = models.CharField(_("状态说明"), max_length=200, blank=True)
    id_warning = models.CharField(_("身份证号提示"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("老年人档案")
        verbose_name_plural = _("老年人档案")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(status="active") & ~Q(id_number_hash=""),
                name="elder_one_active_file_per_id",
            ),
            models.CheckConstraint(
                condition=Q(ltc_grade__isnull=True) | Q(ltc_grade__lte=5),
                name="elder_ltc_grade_range",
            ),
        ]
        indexes = [
            models.Index(fields=["region_path", "status"], name="elder_scope_status"),
            models.Index(fields=["risk_level", "region_path"], name="elder_risk_scope"),
        ]

    def __str__(self) -> str:
        return self.person.name


class Relation(models.TextChoices):
    CHILD = "child", _("子女")
    SPOUSE = "spouse", _("配偶")
    RELATIVE = "relative", _("其他亲属")
    NEIGHBOUR = "neighbour", _("邻居")
    OTHER = "other", _("其他")


class Contact(models.Model):
    """联系人: a child, relative or neighbour of an elder (a Person too)."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)
    lives_in_county = models.BooleanField(_("居住在本县"), default=True)
    is_emergency = models.BooleanField(_("紧急联系人"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_relation_display()}）"


class AssessmentReason(models.TextChoices):
    FIRST = "first", _("首次评估")
    ROUTINE = "routine", _("常规评估")
    IMMEDIATE = "immediate", _("即时评估")
    REASSESSMENT = "reassessment", _("复评")


class Assessment(models.Model):
    """能力评估 (GB/T 42195-2022): item scores, the derived level and its adjustments."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("评估日期"))
    reason = models.CharField(_("评估类型"), max_length=16, choices=AssessmentReason.choices)
    assessors = models.CharField(_("评估员"), max_length=100)
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.PositiveSmallIntegerField(_("总分"))
    base_level = models.CharField(_("初步等级"), max_length=16, choices=AbilityLevel.choices)
    coma = models.BooleanField(_("昏迷"), default=False)
    dementia_or_psychiatric = models.BooleanField(_("失智或精神科诊断"), default=False)
    risk_events_30d = models.PositiveSmallIntegerField(_("近30天照护风险事件次数"), default=0)
    level = models.CharField(_("能力等级"), max_length=16, choices=AbilityLevel.choices)
    trace = models.JSONField(_("判定依据"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("能力评估")
        verbose_name_plural = _("能力评估")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.assessed_on} {self.level}"


class CarePlan(models.Model):
    """一人一策: the individual care plan of a high-risk elder. A new version replaces the
    old one, which is kept."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="care_plans")
    needs = models.TextField(_("主要需求"))
    interventions = models.TextField(_("帮扶措施"))
    responsible = models.CharField(_("责任人"), max_length=200)
    visits_per_week = models.PositiveSmallIntegerField(_("每周探访次数"), default=1)
    emergency_contacts = models.CharField(_("紧急联系人及电话"), max_length=200)
    emergency_procedure = models.TextField(_("应急处置流程"))
    review_on = models.DateField(_("复核日期"))
    is_current = models.BooleanField(_("现行"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("一人一策")
        verbose_name_plural = _("一人一策")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=Q(is_current=True), name="careplan_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.created_at:%Y-%m-%d}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    ACCEPTED = "accepted", _("已接收")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


class Transfer(models.Model):
    """档案转移: the receiving region requests or the sending region offers; the other
    side accepts; the file and its history move."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="transfers")
    from_region = models.ForeignKey(
        "regions.Region", verbose_name=_("转出区划"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        "regions.Region", verbose_name=_("转入区划"), on_delete=models.PROTECT, related_name="+"
    )
    initiated_by_receiver = models.BooleanField(_("由转入方发起"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("档案转移")
        verbose_name_plural = _("档案转移")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=Q(status="pending"), name="transfer_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.from_region_id}->{self.to_region_id} {self.status}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    COMMITTING = "committing", _("写入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """一次导入: the file, its counts and progress; audited as one event."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    upload_path = models.CharField(max_length=300)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rejected = models.PositiveIntegerField(_("未导入"), default=0)
    rejects_path = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} {self.status}"
