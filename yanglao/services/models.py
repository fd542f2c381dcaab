"""Home-care services (居家养老上门服务): the catalogue, providers, orders from request to
rating, who pays what, meal aid, satisfaction surveys and hospital appointments.

Orders copy the elder's region path (``region_path``) so that a scope filter is one
indexed prefix scan without a join, like visits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The seven contents of GB/T 43153-2023 (居家养老上门服务基本规范)."""

    DAILY_CARE = "daily_care", _("生活照料")
    BASIC_CARE = "basic_care", _("基础照护")
    HEALTH = "health", _("健康管理")
    VISITING = "visiting", _("探访关爱")
    EMOTIONAL = "emotional", _("精神慰藉")
    ERRANDS = "errands", _("委托代办")
    HOME_ADAPTATION = "home_adaptation", _("家居适老化改造")


class Help(models.TextChoices):
    """The six helps of the Changzhi seed (六助) and cleaning (助洁)."""

    CARE = "care", _("助养")
    MEDICAL = "medical", _("助医")
    MEAL = "meal", _("助餐")
    BATH = "bath", _("助浴")
    EMERGENCY = "emergency", _("助急")
    MOBILITY = "mobility", _("助行")
    CLEAN = "clean", _("助洁")
    OTHER = "other", _("其他上门服务")


class ProviderKind(models.TextChoices):
    FACILITY = "facility", _("养老机构/设施")
    COMPANY = "company", _("企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    VOLUNTEER = "volunteer", _("志愿者个人")


class QualificationKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("营业执照/登记证书")
    CARE_WORKER = "care_worker", _("养老护理员证")
    NURSE = "nurse", _("护士执业证")
    DOCTOR = "doctor", _("医师执业证")
    HEALTH_CERT = "health_cert", _("健康证")
    FOOD_LICENCE = "food_licence", _("食品经营许可证")
    REHAB = "rehab", _("康复治疗师证")
    COUNSELLOR = "counsellor", _("心理咨询/社工证")


class ServiceItem(models.Model):
    """服务项目: one item of the catalogue, with its unit, standard duration, price and who
    may deliver it."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    category = models.CharField(_("服务内容(GB/T 43153)"), max_length=20, choices=Category.choices)
    help = models.CharField(_("六助分类"), max_length=12, choices=Help.choices)
    unit = models.CharField(_("计量单位"), max_length=10, default="次")
    standard_minutes = models.PositiveIntegerField(_("标准时长(分钟)"))
    price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2)
    deliverers = models.JSONField(_("可提供者类型"), default=list)
    qualification = models.CharField(
        _("所需资质"), max_length=20, choices=QualificationKind.choices, blank=True
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=100)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """服务提供方: a facility, company, social organization or individual volunteer."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=ProviderKind.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("志愿者本人"),
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    areas = models.ManyToManyField(
        "regions.Region", verbose_name=_("服务区域"), related_name="+", blank=True
    )
    items = models.ManyToManyField(ServiceItem, verbose_name=_("服务项目"), related_name="+")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("接单账号"), related_name="providers", blank=True
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # ISO weekdays it works on, e.g. "12345" (Monday to Friday).
    work_days = models.CharField(_("工作日"), max_length=7, default="1234567")
    work_start = models.TimeField(_("上班时间"), default="08:00")
    work_end = models.TimeField(_("下班时间"), default="18:00")
    daily_capacity = models.PositiveIntegerField(_("每日接单上限"), default=10)
    active = models.BooleanField(_("在册"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务提供方")
        verbose_name_plural = _("服务提供方")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="volunteer") | Q(person__isnull=False),
                name="provider_volunteer_has_person",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """资质: a licence or certificate of a provider, with its expiry date."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField(_("资质"), max_length=20, choices=QualificationKind.choices)
    number = models.CharField(_("证书编号"), max_length=60, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("资质")
        verbose_name_plural = _("资质")

    def __str__(self) -> str:
        return self.get_kind_display()


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("待派单")
    ASSIGNED = "assigned", _("已派单")
    ACCEPTED = "accepted", _("已接单")
    IN_PROGRESS = "in_progress", _("服务中")
    DONE = "done", _("已完成")
    RATED = "rated", _("已评价")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = (
    OrderStatus.REQUESTED,
    OrderStatus.ASSIGNED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
)


class Channel(models.TextChoices):
    PHONE = "phone", _("电话受理")
    SELF = "self", _("老人/家属自助申请")
    VISIT = "visit", _("探访转介")
    ALERT = "alert", _("告警转介")
    STAFF = "staff", _("工作人员代办")


class RatingChannel(models.TextChoices):
    SURVEY = "survey", _("满意度调查链接")
    PHONE = "phone", _("电话回访")
    PROVIDER_VISIT = "visit", _("上门回访")


class Order(models.Model):
    """服务工单: requested → assigned → accepted → in progress → done → rated, or
    cancelled with a reason."""

    number = models.CharField(_("工单号"), max_length=20, unique=True)
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="orders")
    region_path = models.CharField(max_length=120)
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务项目")
    )
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    channel = models.CharField(_("来源"), max_length=8, choices=Channel.choices)
    requester_name = models.CharField(_("申请人"), max_length=50, blank=True)
    requester_relation = models.CharField(_("与老人关系"), max_length=20, blank=True)
    requester_phone = models.CharField(_("申请人电话"), max_length=20, blank=True)
    scheduled_for = models.DateTimeField(_("预约服务时间"))
    note = models.TextField(_("需求说明"), blank=True)
    family_pays = models.BooleanField(_("个人部分由家属支付"), default=False)
    follow_up = models.ForeignKey(
        "visits.FollowUp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("来源跟进事项"),
    )
    alert = models.ForeignKey(
        "alerts.Alert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("来源告警"),
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("服务提供方"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    start_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start_photo = models.FileField(upload_to="orders/%Y/%m/", blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finish_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    finish_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    finish_photo = models.FileField(upload_to="orders/%Y/%m/", blank=True)
    finish_note = models.TextField(_("服务记录"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Survey: a nonce in the signed link; used once.
    survey_nonce = models.CharField(max_length=32, blank=True)
    survey_sent_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    rating_channel = models.CharField(
        _("评价方式"), max_length=8, choices=RatingChannel.choices, blank=True
    )
    rated_at = models.DateTimeField(null=True, blank=True)
    unrated_followed_up = models.BooleanField(default=False)
    # Time bank: a volunteer's hours are credited once the recipient or community confirms.
    confirmed_at = models.DateTimeField(_("服务确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        indexes = [
            models.Index(fields=["region_path", "status"], name="order_scope_status"),
            models.Index(fields=["provider", "status"], name="order_provider_status"),
            models.Index(fields=["provider", "rated_at"], name="order_provider_rated"),
            models.Index(fields=["elder", "created_at"], name="order_elder"),
            models.Index(fields=["status", "finished_at"], name="order_status_finished"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="order_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="order_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OrderEvent(models.Model):
    """工单记录: each change of an order, who made it and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=60, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status}→{self.to_status}"

    @property
    def from_label(self) -> str:
        return str(OrderStatus(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return str(OrderStatus(self.to_status).label)


class Payer(models.TextChoices):
    GOVERNMENT = "government", _("政府补助")
    COMMUNITY = "community", _("街道社区")
    DONATION = "donation", _("社会捐助")
    ELDER = "elder", _("老人自付")
    FAMILY = "family", _("家属缴纳")


class PaymentShare(models.Model):
    """Who pays what of an order (the Changzhi meal-aid rule: 政府补助一点、街道社区支出一点、
    社会捐助一点、老人及其家属缴纳一点). ``trace`` keeps the rules that made the figure."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shares")
    payer = models.CharField(_("支付方"), max_length=12, choices=Payer.choices)
    ratio = models.DecimalField(_("比例"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    trace = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "payer"], name="share_one_per_payer")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.payer} {self.amount}"


class MealPoint(models.Model):
    """助餐点 / 老年餐桌 / 互助餐桌."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=120, db_index=True)
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meal_points",
        verbose_name=_("运营方"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    seats = models.PositiveIntegerField(_("座位数"), default=20)
    delivers = models.BooleanField(_("提供送餐"), default=True)
    meal_price = models.DecimalField(_("每餐价格(元)"), max_digits=8, decimal_places=2)
    active = models.BooleanField(_("运营中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助餐点")
        verbose_name_plural = _("助餐点")

    def __str__(self) -> str:
        return self.name


class MealKind(models.TextChoices):
    BREAKFAST = "breakfast", _("早餐")
    LUNCH = "lunch", _("午餐")
    DINNER = "dinner", _("晚餐")


class MealMode(models.TextChoices):
    DINE_IN = "dine_in", _("堂食")
    DELIVERY = "delivery", _("送餐")


class MealRecord(models.Model):
    """就餐记录: an elder's meals of one kind on one day at a meal point, with the shares."""

    meal_point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="records")
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="meals")
    region_path = models.CharField(max_length=120)
    date = models.DateField(_("日期"))
    meal = models.CharField(_("餐次"), max_length=10, choices=MealKind.choices)
    mode = models.CharField(_("方式"), max_length=10, choices=MealMode.choices)
    count = models.PositiveSmallIntegerField(_("份数"), default=1)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    government = models.DecimalField(max_digits=10, decimal_places=2)
    community = models.DecimalField(max_digits=10, decimal_places=2)
    donation = models.DecimalField(max_digits=10, decimal_places=2)
    personal = models.DecimalField(max_digits=10, decimal_places=2)
    family_pays = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("就餐记录")
        verbose_name_plural = _("就餐记录")
        constraints = [
            models.UniqueConstraint(
                fields=["meal_point", "elder", "date", "meal"], name="meal_once_per_kind_day"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="meal_count_positive"),
        ]
        indexes = [
            models.Index(fields=["meal_point", "date"], name="meal_point_date"),
            models.Index(fields=["region_path", "date"], name="meal_scope_date"),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.date} {self.meal}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已就诊")


class Appointment(models.Model):
    """预约挂号: an appointment booked for an elder at a hospital, through the hospital
    adapter, as part of a 助医 order."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("助医工单")
    )
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="appointments")
    region_path = models.CharField(max_length=120)
    hospital_code = models.CharField(_("医院编码"), max_length=30)
    hospital_name = models.CharField(_("医院"), max_length=100)
    department_code = models.CharField(_("科室编码"), max_length=30)
    department_name = models.CharField(_("科室"), max_length=60)
    doctor_name = models.CharField(_("医生"), max_length=30, blank=True)
    starts_at = models.DateTimeField(_("就诊时间"))
    external_ref = models.CharField(_("挂号单号"), max_length=60)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预约挂号")
        verbose_name_plural = _("预约挂号")

    def __str__(self) -> str:
        return f"{self.hospital_name} {self.department_name} {self.starts_at:%Y-%m-%d %H:%M}"


class StandInSlot(models.Model):
    """The local stand-in hospital system's own books (号源), so that booking and cancelling
    behave as a real system would: a slot taken once, freed by a cancel."""

    hospital_code = models.CharField(max_length=30)
    department_code = models.CharField(max_length=30)
    starts_at = models.DateTimeField()
    booking_ref = models.CharField(max_length=60, blank=True)
    patient_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hospital_code", "department_code", "starts_at"], name="standin_slot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hospital_code}/{self.department_code} {self.starts_at}"


class RequestLink(models.Model):
    """A link for an elder or their family to ask for services without an account (sent by
    the community to the family's phone, or printed on the elder's card). Only a hash of
    the token is stored; the community can revoke it."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    for_name = models.CharField(_("持有人"), max_length=50, blank=True)
    for_relation = models.CharField(_("与老人关系"), max_length=20, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.elder_id} {self.for_name}"
