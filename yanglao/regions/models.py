"""The administrative tree: nation -> province -> city -> county -> township -> village -> grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NATION = 0, _("全国")
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县(区)")
    TOWNSHIP = 4, _("乡镇(街道)")
    VILLAGE = 5, _("村(社区)")
    GRID = 6, _("网格")


# Code length of each level (GB/T 2260 and the statistical codes below it).
CODE_LENGTH = {
    Level.NATION: 2,
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GRID: 15,
}
ROOT_CODE = "00"


class Region(models.Model):
    """行政区划. The code is the national statistical code exactly, never padded."""

    code = models.CharField(_("区划代码"), max_length=15, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    path = models.CharField(_("路径"), max_length=120, unique=True)
    is_urban_district = models.BooleanField(_("市辖区"), default=False)
    name_pinyin = models.CharField(_("拼音"), max_length=300, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=100, blank=True, db_index=True)

    population_year = models.PositiveSmallIntegerField(_("人口统计年份"), null=True, blank=True)
    registered_total = models.PositiveIntegerField(_("户籍总人口"), null=True, blank=True)
    registered_60 = models.PositiveIntegerField(_("户籍60岁以上"), null=True, blank=True)
    registered_80 = models.PositiveIntegerField(_("户籍80岁以上"), null=True, blank=True)
    resident_total = models.PositiveIntegerField(_("常住总人口"), null=True, blank=True)
    resident_60 = models.PositiveIntegerField(_("常住60岁以上"), null=True, blank=True)
    resident_80 = models.PositiveIntegerField(_("常住80岁以上"), null=True, blank=True)

    valid_from = models.DateField(_("设立日期"), null=True, blank=True)
    valid_to = models.DateField(_("撤销日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("继承区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    change_note = models.CharField(_("变更说明"), max_length=300, blank=True)
    source = models.CharField(_("数据来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=6), name="region_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_abolished(self) -> bool:
        return self.valid_to is not None

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.split(".")[:-1]
