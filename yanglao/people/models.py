"""People are one table (ARCHITECTURE.md rule 9): an elder, a family contact, a visitor,
a volunteer, a Party member and a staff member are the same Person, with profiles beside."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    """人员. The ID number is stored encrypted, with a keyed hash for exact lookup; the
    birth date and sex derived from it are plain columns."""

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("拼音"), max_length=200, blank=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, blank=True)
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True)
    # The two ends of the number, shown in masks (141129********1234) and searched by tail.
    id_region = models.CharField(_("身份证号前六位"), max_length=6, blank=True)
    id_tail = models.CharField(_("身份证号后四位"), max_length=4, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["name_initials"], name="person_initials"),
            models.Index(fields=["name_pinyin"], name="person_pinyin"),
            models.Index(fields=["phone"], name="person_phone"),
            models.Index(fields=["id_tail"], name="person_id_tail"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        if not self.id_tail:
            return ""
        return f"{self.id_region}{'*' * 8}{self.id_tail}"
