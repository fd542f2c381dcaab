"""The time bank (时间银行): volunteers' accounts of service hours and their ledger.

The ledger is append-only double entry (ARCHITECTURE.md rule 10): every posting (one
``txn``) writes lines that sum to zero; a correction is a reversing posting; each line
carries the hash of the line before it (``seq`` order), so a changed or removed row
breaks the chain and ``yanglao verify_ledgers`` names it. Units are hours of service
(1 hour = 1 unit by default), never money: nothing converts them to yuan.

Counter-accounts make the books balance: hours enter through the county's issuance
account (记入来源, negative) and leave through its redemption account (兑换去向,
positive) when spent on a service. Personal and pool balances may never go below zero;
the database refuses it as well as the services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.models import AppendOnlyModel

UNITS = {"max_digits": 12, "decimal_places": 2}


class AccountKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("个人账户")
    POOL = "pool", _("困难老人互助池")
    ISSUANCE = "issuance", _("记入来源（系统）")
    REDEMPTION = "redemption", _("兑换去向（系统）")


# Accounts that hold real hours: never below zero. The counter-accounts may go negative.
HOLDING_KINDS = (AccountKind.VOLUNTEER, AccountKind.POOL)
SYSTEM_KINDS = (AccountKind.POOL, AccountKind.ISSUANCE, AccountKind.REDEMPTION)


class Account(models.Model):
    """时间银行账户: a person's account (volunteer, or a relative who received hours), or
    one of the three system accounts of a county (pool, issuance, redemption).

    ``balance`` is kept current in the transaction that writes the ledger lines; it
    always equals the sum of the account's lines (``verify_chain`` checks it)."""

    holder = models.OneToOneField(
        "people.Person",
        verbose_name=_("持有人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="timebank_account",
    )
    kind = models.CharField(_("账户类型"), max_length=12, choices=AccountKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=120, db_index=True)
    balance = models.DecimalField(_("余额（小时）"), default=0, **UNITS)
    created_at = models.DateTimeField(_("开户时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("时间银行账户")
        verbose_name_plural = _("时间银行账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["issuance", "redemption"]) | Q(balance__gte=0),
                name="timebank_account_no_negative_balance",
            ),
            models.CheckConstraint(
                condition=Q(kind="volunteer", holder__isnull=False)
                | (~Q(kind="volunteer") & Q(holder__isnull=True)),
                name="timebank_account_holder_iff_personal",
            ),
            models.UniqueConstraint(
                fields=["kind", "region"],
                condition=Q(holder__isnull=True),
                name="timebank_one_system_account_per_county",
            ),
        ]

    def __str__(self) -> str:
        if self.holder_id:
            return f"{self.holder.name}（{self.region_id}）"
        return f"{self.get_kind_display()}（{self.region_id}）"


class EntryKind(models.TextChoices):
    EARN = "earn", _("服务记入")
    SPEND = "spend", _("兑换服务")
    TRANSFER = "transfer", _("转赠亲属")
    DONATE = "donate", _("捐赠互助池")
    OVERFLOW = "overflow", _("超出存储上限转入互助池")
    POOL_GRANT = "pool_grant", _("互助池资助困难老人")
    REVERSAL = "reversal", _("冲正")


class Entry(AppendOnlyModel):
    """时间银行流水: one line of the ledger. The lines of one posting share ``txn`` and
    sum to zero. Never updated or deleted (on PostgreSQL a trigger refuses it).

    ``hash`` = sha256 over ``prev_hash`` and the canonical fields (``chain.line_fields``);
    ``prev_hash`` is the hash of the line with the previous ``seq``."""

    id = models.BigAutoField(primary_key=True)
    seq = models.BigIntegerField(_("序号"), unique=True)
    txn = models.UUIDField(_("业务流水号"), db_index=True)
    account = models.ForeignKey(
        Account, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.DecimalField(_("数量（小时）"), **UNITS)
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    # Where the hours come from or go to, e.g. "order:123"; one earning per reference.
    reference = models.CharField(_("业务单号"), max_length=100, blank=True)
    # The txn this posting reverses (there is no table of txns: the lines are the record).
    reverses = models.UUIDField(_("冲正的流水号"), null=True, blank=True, db_index=True)
    beneficiary = models.ForeignKey(
        "people.Person",
        verbose_name=_("受助老人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("时间银行流水")
        verbose_name_plural = _("时间银行流水")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="timebank_entry_not_zero"),
            # One earning per volunteer and reference (the credit line); one spending or
            # pool grant per reference (the debit line). A retried call finds it.
            models.UniqueConstraint(
                fields=["account", "kind", "reference"],
                condition=~Q(reference="")
                & (
                    Q(kind="earn", amount__gt=0) | Q(kind__in=["spend", "pool_grant"], amount__lt=0)
                ),
                name="timebank_entry_reference_once",
            ),
            # A posting is reversed at most once.
            models.UniqueConstraint(
                fields=["account", "reverses"],
                condition=Q(reverses__isnull=False),
                name="timebank_entry_reversed_once",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "seq"], name="tb_entry_account_seq"),
            models.Index(fields=["created_at"], name="tb_entry_created"),
            models.Index(fields=["reference"], name="tb_entry_reference"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.account_id} {self.amount} {self.kind}"


class ChainHead(models.Model):
    """The last line of the ledger: locked (SELECT … FOR UPDATE) by every posting, so that
    postings are serialized and the hash chain stays linear. One row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("流水链头")
        verbose_name_plural = _("流水链头")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
