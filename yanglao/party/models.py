"""Party organizations in care institutions (养老机构党建): organizations in a tree, the
facilities they cover, Party-membership profiles of Persons, dispatched secretaries and
instructors, and activities held on a date.

Every table copies its region path (``region_path``) so a scope filter is one indexed
prefix scan. Records are deactivated, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    ELDER_BRANCH = "elder_branch", _("老年人党支部")


# Kinds that make an institution's own organization (单独建立党组织).
OWN_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH})


class OrgTier(models.TextChoices):
    """Where the organization sits; the codes are those the policy packs name."""

    TOWNSHIP = "township_party_org", _("街道（乡镇）党组织")
    COMMUNITY = "community_party_org", _("社区（村）党组织")
    INSTITUTION = "institution_party_org", _("养老机构党组织")
    OTHER = "other", _("其他党组织")


class PartyOrganization(models.Model):
    """党组织: a committee, general branch, branch, joint branch or elder branch, with the
    facilities it covers, its managing organization, secretary and term."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=OrgKind.choices)
    tier = models.CharField(
        _("层级"), max_length=24, choices=OrgTier.choices, default=OrgTier.INSTITUTION
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    facilities = models.ManyToManyField(
        "facilities.Facility",
        verbose_name=_("覆盖的机构"),
        related_name="party_organizations",
        blank=True,
    )
    managing_unit = models.CharField(_("管理党组织"), max_length=100, blank=True)
    secretary = models.ForeignKey(
        "people.Person",
        verbose_name=_("书记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    term_start = models.DateField(_("本届任期开始"), null=True, blank=True)
    term_end = models.DateField(_("换届到期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class Standing(models.TextChoices):
    STAFF = "staff", _("工作人员")
    RESIDENT = "resident", _("入住老人")
    OTHER = "other", _("其他")


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class NotMovedReason(models.TextChoices):
    """The codes of ``party.membership_transfer.residents_not_transferred``."""

    NONE = "", _("—")
    ADVANCED_AGE = "advanced_age", _("高龄")
    DISABLED = "disabled", _("失能")
    DEMENTIA = "dementia", _("失智")
    VOLUNTARY = "voluntary", _("本人自愿不转")


class EndKind(models.TextChoices):
    LEFT = "left", _("离开（出党、去世等）")
    TRANSFERRED_OUT = "transferred_out", _("组织关系转出")


class PartyMembership(models.Model):
    """党员: the Party-membership profile of a Person (ARCHITECTURE.md rule 9)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="party_membership"
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("所在机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_members",
    )
    standing = models.CharField(_("身份"), max_length=10, choices=Standing.choices)
    status = models.CharField(_("党员类别"), max_length=14, choices=MemberStatus.choices)
    relation_moved = models.BooleanField(_("组织关系已转入"), default=False)
    not_moved_reason = models.CharField(
        _("未转入原因"), max_length=14, choices=NotMovedReason.choices, blank=True, default=""
    )
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    active = models.BooleanField(_("有效"), default=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_kind = models.CharField(
        _("结束方式"), max_length=16, choices=EndKind.choices, blank=True, default=""
    )
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [models.Index(fields=["facility", "standing", "status"], name="party_member_fac")]

    def __str__(self) -> str:
        return str(self.person)


class DispatchRole(models.TextChoices):
    """The codes of ``party.dispatch.min_presence.applies_to``."""

    SECRETARY = "dispatched_secretary", _("选派的党组织书记")
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    INSTRUCTOR = "instructor", _("党建工作指导员")


class DispatchedBy(models.TextChoices):
    PUBLIC_SIDE = "public_side", _("公建方选派")
    PRIVATE_SIDE = "private_side_dispatch", _("民营方党组织选派")
    INTERNAL = "internal_election", _("机构内部选举")
    TOWNSHIP = "township", _("属地镇乡（街道）选派")


class Dispatch(models.Model):
    """选派: a secretary, first secretary or Party-building instructor sent to a facility,
    who must spend the rule's half-days a week on site."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("选派人员"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("派驻机构"),
        on_delete=models.PROTECT,
        related_name="party_dispatches",
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("任职党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    role = models.CharField(_("职务"), max_length=24, choices=DispatchRole.choices)
    dispatched_by = models.CharField(
        _("选派方"), max_length=24, choices=DispatchedBy.choices, default=DispatchedBy.PUBLIC_SIDE
    )
    sending_unit = models.CharField(_("选派单位"), max_length=100, blank=True)
    starts_on = models.DateField(_("选派开始"))
    ends_on = models.DateField(_("选派结束"), null=True, blank=True)
    region_path = models.CharField(max_length=120, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("选派人员")
        verbose_name_plural = _("选派人员")
        ordering = ["facility_id", "starts_on"]

    def __str__(self) -> str:
        return f"{self.person} @ {self.facility}"

    def active_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ActivityKind(models.TextChoices):
    """The meeting codes are those of ``party.branch_routine.meetings``."""

    MEMBERS_MEETING = "members_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEMED = "themed_activity", _("主题活动（党建引领·情暖夕阳）")
    HALF_DAY = "on_site_half_day", _("选派人员到机构半天")
    OTHER = "other", _("其他活动")
    # Community activities (issue 8): sign-up and attendance in yanglao.community.
    CULTURE_SPORTS = "culture_sports", _("文体活动")
    LEARNING = "learning", _("学习活动")
    HEALTH_TALK = "health_talk", _("健康讲座")
    LEGAL_ANTIFRAUD = "legal_antifraud", _("法律与防诈骗")
    MUTUAL_HELP = "mutual_help", _("邻里互助")


class Activity(models.Model):
    """活动: anything held on a date by an organization, a community or a facility. Later
    capabilities hang sign-up and attendance on it by a foreign key to this row."""

    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("日期"))
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("主办党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.TextField(_("内容摘要"), blank=True)
    venue = models.CharField(_("地点"), max_length=120, blank=True)
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)  # null: unlimited
    organizer = models.CharField(_("组织者"), max_length=80, blank=True)
    closed_at = models.DateTimeField(_("结束记录时间"), null=True, blank=True)
    on_site_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("到岗人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["region_path", "held_on"], name="activity_scope_day"),
            models.Index(fields=["kind", "held_on"], name="activity_kind_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="on_site_half_day") | Q(on_site_person__isnull=False),
                name="activity_half_day_has_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"
