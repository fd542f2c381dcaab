"""The region at a glance (区域概览): figures of every region kept by a job.

One row per region and day holds every figure of the dashboard for that region
(``figures``: metric key -> integer) and the status of each target that applies there
(``targets``). The job (``compute.refresh``) counts the raw tables once per leaf region
with set-based GROUP BYs and adds each leaf's counts to every region on its path, so a
city's dashboard reads one row, its children's rows and its own history, never the raw
tables. Rows of past days stay: they are the trend of each series.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionFigures(models.Model):
    """区域统计快照: the dashboard figures of one region on one day."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=120)
    # The parent's code, so that the drill-down reads the children of a region in one
    # indexed query without joining the region tree.
    parent_code = models.CharField(_("上级区划代码"), max_length=15, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"))
    day = models.DateField(_("统计日期"))
    # Integers only, so that a region's figure is the sum of its children's: counts,
    # money in fen, hours in hundredths, seconds. Ratios are made when shown.
    figures = models.JSONField(_("指标"), default=dict)
    targets = models.JSONField(_("目标任务"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("区域统计快照")
        verbose_name_plural = _("区域统计快照")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="insights_one_per_region_day")
        ]
        indexes = [
            models.Index(fields=["parent_code", "day"], name="insights_children_day"),
            models.Index(fields=["day"], name="insights_day"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}"
