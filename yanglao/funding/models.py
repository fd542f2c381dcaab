"""Funding: the grants ledger (奖补资金台账).

One append-only, hash-chained table (ARCHITECTURE.md rule 10). A grant (an award or a
subsidy to a facility or project) is opened by a line; its status changes
(estimated → approved → disbursed) and the spending recorded against it are further
lines of the same grant, never updates. The shares of a facility's running costs
(government, collective, donations, elder, children) per year are lines too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PayerLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class GrantStatus(models.TextChoices):
    ESTIMATED = "estimated", _("估算")
    APPROVED = "approved", _("已批准")
    DISBURSED = "disbursed", _("已拨付")


class LineKind(models.TextChoices):
    GRANT = "grant", _("登记奖补")
    STATUS = "status", _("状态变更")
    SPENDING = "spending", _("支出")
    RUNNING_COST = "running_cost", _("运营经费来源")


class FundingSource(models.TextChoices):
    GOVERNMENT = "government", _("政府补贴")
    COLLECTIVE = "collective", _("村集体")
    DONATIONS = "donations", _("社会捐赠")
    ELDER = "elder", _("老人自付")
    CHILDREN = "children", _("子女分担")


class GrantLine(models.Model):
    """奖补资金台账的一行。Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE;
    each line carries the hash of the line before it."""

    seq = models.BigIntegerField(unique=True)
    line_kind = models.CharField(_("类别"), max_length=16, choices=LineKind.choices)
    grant = models.UUIDField(_("奖补编号"), db_index=True, null=True, blank=True)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("设施"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_path = models.CharField(max_length=120, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    payer_level = models.CharField(
        _("支付层级"), max_length=16, choices=PayerLevel.choices, blank=True
    )
    kind = models.CharField(_("奖补项目"), max_length=32, blank=True)
    rule_id = models.CharField(_("规则"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=GrantStatus.choices, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    use = models.CharField(_("用途"), max_length=32, blank=True)
    source = models.CharField(
        _("经费来源"), max_length=16, choices=FundingSource.choices, blank=True
    )
    on_date = models.DateField(_("日期"))
    memo = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("奖补资金台账")
        verbose_name_plural = _("奖补资金台账")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="funding_line_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.line_kind} {self.amount}"


class GrantChainHead(models.Model):
    """The last line of the grants ledger, locked by every write so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("台账链头")
        verbose_name_plural = _("台账链头")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
