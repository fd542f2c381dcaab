"""Policy as data: every amount, threshold, ratio, deadline and target from the seeds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    RULE = "rule", _("规则")
    TARGET = "target", _("目标")


class PolicyPack(models.Model):
    """政策包: one TOML file of shipped defaults."""

    id = models.CharField(_("编号"), max_length=64, primary_key=True)
    title = models.CharField(_("名称"), max_length=200)
    filename = models.CharField(_("文件"), max_length=200)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策包")
        verbose_name_plural = _("政策包")

    def __str__(self) -> str:
        return self.title


class PolicyRule(models.Model):
    """政策规则: one value set for a region and a period, with its source.

    Several rows may share a ``rule_id``: the same rule set by different regions (a
    county overriding its city) or for different periods. The engine picks.
    """

    rule_id = models.CharField(_("规则编号"), max_length=120, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(
        _("类别"), max_length=16, choices=RuleKind.choices, default=RuleKind.RULE
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    params = models.JSONField(_("参数"), default=dict)
    source_doc = models.CharField(_("文件名称"), max_length=300, blank=True)
    source_number = models.CharField(_("文号"), max_length=100, blank=True)
    source_clause = models.CharField(_("条款"), max_length=200, blank=True)
    source_seed = models.CharField(_("种子文件"), max_length=100, blank=True)
    source_quote = models.TextField(_("原文"), blank=True)
    local_default = models.BooleanField(_("本地默认值（非政策原文）"), default=False)
    note = models.TextField(_("说明"), blank=True)
    pack = models.ForeignKey(
        PolicyPack,
        verbose_name=_("政策包"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rules",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策规则")
        verbose_name_plural = _("政策规则")
        ordering = ["rule_id", "region_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="policy_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} @ {self.region_id}"

    @property
    def source_text(self) -> str:
        if self.local_default:
            return str(_("本地默认值")) + (f"：{self.note}" if self.note else "")
        parts = [self.source_doc, self.source_number, self.source_clause]
        return " ".join(p for p in parts if p)
