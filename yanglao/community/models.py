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
