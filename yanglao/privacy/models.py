"""Personal information protection (个人信息保护, PIPL): what elders are told, the legal
basis each elder file rests on, requests to see, correct or delete one's file, and the
anonymisation of files of elders who died or moved away."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """个人信息处理告知书: what is collected and why. Versioned: a new text is a new
    version, never an edit, so a consent names the exact text the elder was shown."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    # [{"item": "身份证号", "purpose": "…", "basis": "…"}, …]: the table on the notice page
    items = models.JSONField(_("收集项目与目的"), default=list)
    controller = models.CharField(_("个人信息处理者"), max_length=200)
    contact = models.CharField(_("联系方式"), max_length=200)
    effective_on = models.DateField(_("生效日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息处理告知书")
        verbose_name_plural = _("个人信息处理告知书")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"


class Basis(models.TextChoices):
    CONSENT = "consent", _("本人同意")
    LEGAL_DUTY = "legal_duty", _("履行法定职责或法定义务所必需")
    VITAL_INTEREST = "vital_interest", _("紧急情况下保护生命健康和财产安全所必需")


class GivenBy(models.TextChoices):
    ELDER = "elder", _("老人本人")
    GUARDIAN = "guardian", _("监护人")
    PROXY = "proxy", _("委托代理人")


class ConsentRecord(models.Model):
    """处理依据记录: the consent, or the legal duty relied on, for one elder's file, given
    by the elder, a guardian or a proxy, against one version of the notice."""

    elder = models.ForeignKey(
        "elders.Elder", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=120, db_index=True)
    basis = models.CharField(_("处理依据"), max_length=20, choices=Basis.choices)
    given_by = models.CharField(_("由谁作出"), max_length=12, choices=GivenBy.choices)
    giver_name = models.CharField(_("作出人姓名"), max_length=50, blank=True)
    giver_relation = models.CharField(_("与老人关系"), max_length=50, blank=True)
    legal_reference = models.CharField(_("法定职责依据"), max_length=300, blank=True)
    notice = models.ForeignKey(
        PrivacyNotice,
        verbose_name=_("告知书版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_on = models.DateField(_("日期"))
    evidence = models.CharField(_("凭证说明"), max_length=300)
    withdrawn_on = models.DateField(_("撤回/终止日期"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回/终止原因"), max_length=300, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("处理依据记录")
        verbose_name_plural = _("处理依据记录")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["elder", "withdrawn_on"], name="consent_elder_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by="elder") | ~Q(giver_name=""), name="consent_giver_named"
            ),
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(notice__isnull=False),
                name="consent_names_its_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} {self.given_on}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class RequestKind(models.TextChoices):
    ACCESS = "access", _("查阅、复制")
    CORRECTION = "correction", _("更正、补充")
    DELETION = "deletion", _("删除")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已办结")
    REFUSED = "refused", _("已拒绝")


class Outcome(models.TextChoices):
    PROVIDED = "provided", _("已提供档案副本")
    CORRECTED = "corrected", _("已更正")
    ANONYMISED = "anonymised", _("已删除（匿名化）")
    REFUSED = "refused", _("拒绝并说明理由")


class DataRequest(models.Model):
    """个人信息权利请求: a request to see and copy, correct or delete one's file."""

    elder = models.ForeignKey(
        "elders.Elder", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=120, db_index=True)
    kind = models.CharField(_("请求类型"), max_length=12, choices=RequestKind.choices)
    requested_by = models.CharField(_("申请人身份"), max_length=12, choices=GivenBy.choices)
    requester_name = models.CharField(_("申请人姓名"), max_length=50)
    requester_relation = models.CharField(_("与老人关系"), max_length=50, blank=True)
    detail = models.TextField(_("请求内容"))
    received_on = models.DateField(_("收到日期"))
    due_on = models.DateField(_("答复期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices, blank=True)
    response = models.TextField(_("答复内容"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息权利请求")
        verbose_name_plural = _("个人信息权利请求")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["region_path", "status"], name="datarequest_scope")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on}"


class Anonymisation(models.Model):
    """匿名化记录: the file of an elder who died or moved away, its personal fields replaced
    after the retention period (privacy.anonymise_after) or on a deletion request."""

    elder = models.OneToOneField(
        "elders.Elder", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=120, db_index=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=20)  # retention | request
    rule_trace = models.JSONField(_("依据"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("匿名化记录")
        verbose_name_plural = _("匿名化记录")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.at:%Y-%m-%d}"
