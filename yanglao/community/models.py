"""Community: activities, donations, volunteer teams and publicity.

Each part keeps its models under its own comment heading below.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models  # noqa: F401
from django.utils.translation import gettext_lazy as _


# Activities
# The activity itself is ``yanglao.party.models.Activity`` (one activity model); sign-up,
# attendance and photos hang on it here.


class SignupBy(models.TextChoices):
    SELF = "self", _("本人")
    FAMILY = "family", _("家属代报")
    VISITOR = "visitor", _("探访员代报")
    STAFF = "staff", _("工作人员代报")


class Signup(models.Model):
    """报名: one elder for one activity (once); attendance is taken on the same row. A
    walk-in (came without signing up) is a row with ``walk_in`` set."""

    activity = models.ForeignKey(
        "party.Activity", verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    elder = models.ForeignKey(
        "elders.Elder", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="+"
    )
    by_whom = models.CharField(_("报名方式"), max_length=10, choices=SignupBy.choices)
    proxy_name = models.CharField(_("代报人"), max_length=40, blank=True)
    walk_in = models.BooleanField(_("现场参加"), default=False)
    cancelled = models.BooleanField(_("已取消"), default=False)
    attended = models.BooleanField(_("已到场"), default=False)
    taken_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "elder"], name="signup_once"),
        ]
        indexes = [models.Index(fields=["elder", "attended"], name="signup_elder_attended")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.elder_id}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        "party.Activity", on_delete=models.CASCADE, related_name="photos"
    )
    photo = models.FileField(_("照片"), upload_to="community/activities/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")


# Donations


class DonorKind(models.TextChoices):
    PERSON = "person", "个人"
    COMPANY = "company", "企业"
    PARTY_MEMBER = "party_member", "党员"
    LOCAL_WORTHY = "local_worthy", "乡贤"
    CHILD_AWAY = "child_away", "在外子女"


class RecipientKind(models.TextChoices):
    CENTRE = "centre", "村级养老服务中心"
    FACILITY = "facility", "养老设施"
    ELDER = "elder", "老人"
    POOL = "pool", "时间银行互助池"


class DonationLineKind(models.TextChoices):
    DONATION = "donation", "捐赠"
    SPENDING = "spending", "支出"


class DonationLine(models.Model):
    """捐赠台账的一行（捐赠或按用途支出）。Append-only: on PostgreSQL a trigger refuses
    UPDATE and DELETE; each line carries the hash of the line before it."""

    seq = models.BigIntegerField(unique=True)
    line_kind = models.CharField("类别", max_length=16, choices=DonationLineKind.choices)
    donation = models.UUIDField("捐赠编号", db_index=True)
    recipient_kind = models.CharField("受赠方类别", max_length=16, choices=RecipientKind.choices)
    recipient_id = models.BigIntegerField("受赠方")
    recipient_name = models.CharField("受赠方名称", max_length=100)
    region_path = models.CharField(max_length=120, db_index=True)
    donor_kind = models.CharField("捐赠人类别", max_length=16, blank=True)
    donor_name = models.CharField("捐赠人", max_length=100, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    items = models.CharField("物品", max_length=200, blank=True)
    purpose = models.CharField("用途", max_length=100)
    receipt_no = models.CharField("收据号", max_length=50, blank=True)
    on_date = models.DateField("日期")
    memo = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "捐赠台账"
        verbose_name_plural = "捐赠台账"
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="community_donation_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.line_kind} {self.amount}"


class DonationChainHead(models.Model):
    """The last line of the donations ledger, locked by every write."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "捐赠台账链头"
        verbose_name_plural = "捐赠台账链头"

