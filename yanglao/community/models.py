"""Community: activities, donations, volunteer teams and publicity.

Each part keeps its models under its own comment heading below.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
    activity = models.ForeignKey("party.Activity", on_delete=models.CASCADE, related_name="photos")
    photo = models.FileField(_("照片"), upload_to="community/activities/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")

    # Donations

    def __str__(self) -> str:
        return f"{self.activity_id} {self.photo.name}"


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

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"


# Volunteer teams and publicity


class TeamKind(models.TextChoices):
    PARTY_MEMBERS = "party_members", _("党员服务队")
    VOLUNTEERS = "volunteers", _("社区志愿者队")
    SOCIAL_ORG = "social_org", _("社会组织")
    SOCIAL_WORKERS = "social_workers", _("社工队伍")


class VolunteerTeam(models.Model):
    """志愿服务队: a team of Persons serving the elders of a region."""

    name = models.CharField(_("队伍名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=TeamKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("服务区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    leader = models.CharField(_("负责人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("简介"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A Person in a team, with skills and availability."""

    team = models.ForeignKey(VolunteerTeam, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="team_memberships"
    )
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)
    active = models.BooleanField(_("在队"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务队队员")
        verbose_name_plural = _("服务队队员")
        constraints = [models.UniqueConstraint(fields=["team", "person"], name="team_member_once")]

    def __str__(self) -> str:
        return self.person.name


class TeamService(models.Model):
    """Hours a team member served at an activity (or something described); a community
    officer confirms them once, and they reach the time bank (reference team_service:<id>)."""

    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="services")
    team = models.ForeignKey(VolunteerTeam, on_delete=models.PROTECT, related_name="services")
    region_path = models.CharField(max_length=120, db_index=True)
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2)
    activity = models.ForeignKey(
        "party.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    what = models.CharField(_("服务内容"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务时长记录")
        verbose_name_plural = _("服务时长记录")
        ordering = ["-served_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk} {self.hours}h"

    @property
    def reference(self) -> str:
        return f"team_service:{self.pk}"


class MaterialKind(models.TextChoices):
    POLICY = "policy", _("政策解读")
    RIGHTS_LAW = "rights_law", _("老年人权益保障法")
    FUNDRAISING = "fundraising", _("防范非法集资")
    FRAUD = "fraud", _("防范金融诈骗")
    HEALTH_SCAM = "health_scam", _("防范保健品骗局")
    NOTICE = "notice", _("通知公告")


class Material(models.Model):
    """宣传材料: a notice or material communities publish to their elders and print."""

    title = models.CharField(_("标题"), max_length=120)
    kind = models.CharField(_("类别"), max_length=16, choices=MaterialKind.choices)
    body = models.TextField(_("正文"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("发布单位区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("宣传材料")
        verbose_name_plural = _("宣传材料")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class PublishHow(models.TextChoices):
    POSTED = "posted", _("张贴")
    MEETING = "meeting", _("会议宣讲")
    VISIT = "visit", _("入户宣传")
    WECHAT = "wechat", _("微信群")


class Publication(models.Model):
    """Which material reached which village, when and how."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="publications")
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    published_on = models.DateField(_("发布日期"))
    how = models.CharField(_("方式"), max_length=10, choices=PublishHow.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("宣传发布记录")
        verbose_name_plural = _("宣传发布记录")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.material_id} → {self.village_id}"
