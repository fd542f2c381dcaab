from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.forms import StyledForm


class PopulationForm(StyledForm):
    population_year = forms.IntegerField(
        label=_("统计年份"), required=False, min_value=1949, max_value=2100
    )
    registered_total = forms.IntegerField(label=_("户籍总人口"), required=False, min_value=0)
    registered_60 = forms.IntegerField(label=_("户籍60岁以上"), required=False, min_value=0)
    registered_80 = forms.IntegerField(label=_("户籍80岁以上"), required=False, min_value=0)
    resident_total = forms.IntegerField(label=_("常住总人口"), required=False, min_value=0)
    resident_60 = forms.IntegerField(label=_("常住60岁以上"), required=False, min_value=0)
    resident_80 = forms.IntegerField(label=_("常住80岁以上"), required=False, min_value=0)
    is_urban_district = forms.BooleanField(label=_("市辖区"), required=False)


class RegionSheetForm(StyledForm):
    file = forms.FileField(
        label=_("区划表（.xlsx 或 .csv）"),
        help_text=_("列：区划代码、名称、上级代码、层级（可省略）"),
    )
