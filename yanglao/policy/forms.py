from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.forms import DateInput, StyledForm
from yanglao.core.templatetags.yanglao import show_value


class OverrideForm(StyledForm):
    region = forms.CharField(
        label=_("适用区划代码"), max_length=15, help_text=_("本地规则适用于该区划及其下级")
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    valid_to = forms.DateField(label=_("失效日期"), required=False, widget=DateInput())
    source_doc = forms.CharField(label=_("依据文件名称"), max_length=300, required=False)
    source_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    source_clause = forms.CharField(label=_("条款"), max_length=200, required=False)
    local_default = forms.BooleanField(label=_("本地默认值（无政策文件依据）"), required=False)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, params: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.param_names = []
        for name, value in params.items():
            field_name = f"param__{name}"
            self.param_names.append(field_name)
            shown = show_value(value)
            self.fields[field_name] = forms.CharField(
                label=_("参数 %(n)s") % {"n": name},
                required=False,
                max_length=500,
                help_text=_("当前取值：%(v)s；留空表示不修改") % {"v": shown},
            )
        # Parameters first: they are what the administrator came to change.
        order = self.param_names + [n for n in self.fields if n not in self.param_names]
        self.order_fields(order)
        self.apply_styles()

    def changed_params(self) -> dict:
        return {
            name.removeprefix("param__"): self.cleaned_data[name]
            for name in self.param_names
            if self.cleaned_data.get(name, "").strip() != ""
        }
