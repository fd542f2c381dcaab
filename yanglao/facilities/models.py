"""Care facilities (养老服务设施) of every type in DOMAIN.md, their compliance record, star
ratings and grading, and the Sanming village elder-care service centres (村级养老服务中心).

A facility copies its region path (``region_path``) so a scope filter is one indexed
prefix scan, like every other domain table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FacilityType(models.TextChoices):
    NURSING_HOME = "nursing_home", _("敬老院/特困人员供养机构")
    NURSING_CARE_CENTRAL_HOME = "nursing_care_central_home", _("护理型中心敬老院")
    REGIONAL_CENTER = "regional_center", _("区域性养老服务中心")
    DAY_CARE_CENTER = "day_care_center", _("日间照料中心")
    HAPPINESS_HOME = "happiness_home", _("农村幸福院")
    HAPPINESS_COURTYARD = "happiness_courtyard", _("幸福小院")
    MUTUAL_AID_COURTYARD = "mutual_aid_courtyard", _("互助小院")
    COMMUNITY_COMPLEX = "community_complex", _("社区居家养老一站式综合服务体")
    URBAN_COMMUNITY_PROJECT = "urban_community_project", _("城镇社区养老幸福工程")
    MEAL_POINT = "meal_point", _("老年餐桌/助餐点")
    HOME_CARE_CENTER = "home_care_center", _("乡镇(街道)居家养老服务中心")
    COMMUNITY_STATION = "community_station", _("村(社区)居家养老服务站")
    CARE_INSTITUTION = "care_institution", _("养老机构")


# Types that take residents and so are care institutions in the sense of 民政部令第66号.
RESIDENTIAL_TYPES = frozenset(
    {
        FacilityType.NURSING_HOME,
        FacilityType.NURSING_CARE_CENTRAL_HOME,
        FacilityType.REGIONAL_CENTER,
        FacilityType.CARE_INSTITUTION,
    }
)


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PUBLIC_BUILT_PRIVATE_RUN = "public_built_private_run", _("公建民营")
    PRIVATE_PUBLIC_AID = "private_public_aid", _("民办公助")
    PRIVATE = "private", _("民办")


class FacilityStatus(models.TextChoices):
    PLANNED = "planned", _("规划中")
    BUILDING = "building", _("在建")
    OPERATING = "operating", _("运营中")
    SUSPENDED = "suspended", _("暂停运营")
    CLOSED = "closed", _("已关闭")


class FireReview(models.TextChoices):
    NONE = "", _("未办理")
    DESIGN_REVIEW = "design_review", _("已通过消防设计审查")
    ACCEPTANCE = "acceptance", _("已通过消防验收")
    FILING = "filing", _("已消防备案")


class Facility(models.Model):
    """养老服务设施: one facility of any type, with its size, staff, ownership, status and
    the compliance items the seeds and national rules ask for."""

    name = models.CharField(_("名称"), max_length=100)
    type = models.CharField(_("类型"), max_length=32, choices=FacilityType.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    floor_area_m2 = models.DecimalField(
        _("建筑面积(m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    rooms = models.JSONField(_("功能用房"), default=list, blank=True)
    beds = models.PositiveIntegerField(_("床位数"), default=0)
    nursing_beds = models.PositiveIntegerField(_("护理型床位数"), default=0)
    serves_meals = models.BooleanField(_("提供用餐"), default=False)
    public_welfare_posts = models.PositiveIntegerField(_("公益性岗位数"), default=0)
    other_staff = models.PositiveIntegerField(_("其他工作人员数"), default=0)
    residents = models.PositiveIntegerField(_("入住/服务老人数"), default=0)
    ownership = models.CharField(_("运营模式"), max_length=32, choices=Ownership.choices)
    operator_name = models.CharField(_("运营方"), max_length=100, blank=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("运营方账号"),
        related_name="facilities",
        blank=True,
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=FacilityStatus.choices, default=FacilityStatus.OPERATING
    )
    planned_on = models.DateField(_("立项日期"), null=True, blank=True)
    building_from = models.DateField(_("开工日期"), null=True, blank=True)
    opened_on = models.DateField(_("投入运营日期"), null=True, blank=True)
    closed_on = models.DateField(_("停止运营日期"), null=True, blank=True)
    # Compliance (合规事项).
    converted_building = models.BooleanField(_("利用既有建筑改造"), default=False)
    fire_review = models.CharField(
        _("消防手续"), max_length=16, choices=FireReview.choices, blank=True, default=""
    )
    fire_review_on = models.DateField(_("消防手续日期"), null=True, blank=True)
    first_resident_on = models.DateField(_("首位老人入住日期"), null=True, blank=True)
    filed_on = models.DateField(_("养老机构备案日期"), null=True, blank=True)
    food_licence_no = models.CharField(_("食品经营许可证号"), max_length=60, blank=True)
    food_licence_expires = models.DateField(_("食品经营许可有效期至"), null=True, blank=True)
    insurance_expires = models.DateField(_("责任保险有效期至"), null=True, blank=True)
    has_medical_unit = models.BooleanField(_("内设医疗机构"), default=False)
    medical_insurance_on = models.DateField(_("纳入医保定点日期"), null=True, blank=True)
    residential_utilities = models.BooleanField(_("水电气热执行居民价格"), default=False)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("养老服务设施")
        verbose_name_plural = _("养老服务设施")
        indexes = [
            models.Index(fields=["region_path", "type"], name="facility_scope_type"),
            models.Index(fields=["type", "status"], name="facility_type_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(nursing_beds__lte=models.F("beds")), name="facility_nursing_le_beds"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def staff_total(self) -> int:
        return self.public_welfare_posts + self.other_staff


class RatingScheme(models.TextChoices):
    STARS = "stars", _("星级评定（农村幸福院，1–5星）")
    GRADE = "grade", _("等级评定（养老机构，GB/T 37276，一至五级）")


class StarRating(models.Model):
    """星级/等级评定: one rating of a facility on a date. For the institution grade the
    section scores are kept and the level follows from them (GB/T 37276: each level's
    minimum total and minimum share in every section)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="ratings")
    region_path = models.CharField(max_length=120)
    scheme = models.CharField(_("评定类型"), max_length=8, choices=RatingScheme.choices)
    rated_on = models.DateField(_("评定日期"))
    stars = models.PositiveSmallIntegerField(_("星级/等级"), null=True, blank=True)
    section_scores = models.JSONField(_("分项得分"), default=dict, blank=True)
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=2, null=True, blank=True)
    assessor = models.CharField(_("评定机构"), max_length=100, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    trace = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=0, stars__lte=5),
                name="rating_stars_0_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.rated_on} {self.stars}"


class VillageCentre(models.Model):
    """村级养老服务中心 (Sanming): the 民非 a village registers to run its happiness home,
    with its registration, name and 万寿延 plaque, governance and rules."""

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centres",
        verbose_name=_("所办幸福院"),
    )
    registered_name = models.CharField(_("登记名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    start_up_funds = models.DecimalField(
        _("开办资金(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    plaque_mark = models.BooleanField(_("牌匾有“万寿延”标识"), default=False)
    chairman_name = models.CharField(_("理事长"), max_length=50, blank=True)
    chairman_is_party_secretary = models.BooleanField(_("理事长由村党组织书记担任"), default=False)
    secretary_general_name = models.CharField(_("秘书长"), max_length=50, blank=True)
    secretary_general_old_member = models.BooleanField(_("秘书长为老党员"), default=False)
    supervisors = models.CharField(_("监事"), max_length=200, blank=True)
    rules_kept = models.JSONField(_("已建立的制度"), default=list, blank=True)
    converted_from_association = models.BooleanField(_("由老年协会转型"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("村级养老服务中心")
        verbose_name_plural = _("村级养老服务中心")
        constraints = [
            models.UniqueConstraint(fields=["village"], name="centre_one_per_village"),
        ]

    def __str__(self) -> str:
        return self.registered_name

    @property
    def registered(self) -> bool:
        return bool(self.credit_code and self.registered_on)
