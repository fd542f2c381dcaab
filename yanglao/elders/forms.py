from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.forms import DateInput, StyledForm

from .models import ElderStatus, LivingSituation, Relation, Residence, Welfare

BOOL_LABELS = {
    "rural": _("农村"),
    "left_behind": _("留守（子女外出务工）"),
    "has_carer": _("有人照料"),
    "no_children": _("无子女"),
    "children_outside_county": _("子女不在本县"),
    "family_planning_special": _("计生特殊家庭"),
    "widowed_childless": _("孤寡"),
    "party_member": _("党员"),
    "dementia": _("失智诊断"),
}


class ElderForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=20,
        help_text=_("18 位（15 位旧号自动转换）；校验位和出生日期须正确"),
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    region = forms.CharField(
        label=_("所属村(社区)代码"), max_length=15, help_text=_("12 位村(社区)代码，须在您的辖区内")
    )
    residence = forms.ChoiceField(
        label=_("户籍/常住"), choices=Residence.choices, initial=Residence.BOTH
    )
    living_situation = forms.ChoiceField(
        label=_("居住情况"), choices=LivingSituation.choices, initial=LivingSituation.WITH_FAMILY
    )
    welfare = forms.ChoiceField(label=_("救助类别"), choices=Welfare.choices, initial=Welfare.NONE)
    ltc_grade = forms.TypedChoiceField(
        label=_("长护险失能等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(i, str(i)) for i in range(6)]],
        help_text=_("医保长期护理保险的等级，与民政能力等级分别记录"),
    )
    rural = forms.BooleanField(label=BOOL_LABELS["rural"], required=False, initial=True)
    left_behind = forms.BooleanField(label=BOOL_LABELS["left_behind"], required=False)
    has_carer = forms.BooleanField(label=BOOL_LABELS["has_carer"], required=False, initial=True)
    no_children = forms.BooleanField(label=BOOL_LABELS["no_children"], required=False)
    children_outside_county = forms.BooleanField(
        label=BOOL_LABELS["children_outside_county"], required=False
    )
    family_planning_special = forms.BooleanField(
        label=BOOL_LABELS["family_planning_special"], required=False
    )
    widowed_childless = forms.BooleanField(label=BOOL_LABELS["widowed_childless"], required=False)
    party_member = forms.BooleanField(label=BOOL_LABELS["party_member"], required=False)
    dementia = forms.BooleanField(label=BOOL_LABELS["dementia"], required=False)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact_name = forms.CharField(label=_("紧急联系人姓名"), max_length=50, required=False)
    contact_relation = forms.ChoiceField(
        label=_("与老人关系"), choices=Relation.choices, required=False, initial=Relation.CHILD
    )
    contact_phone = forms.CharField(label=_("紧急联系人电话"), max_length=20, required=False)
    contact_in_county = forms.BooleanField(
        label=_("联系人居住在本县"), required=False, initial=True
    )

    PROFILE = ("residence", "living_situation", "welfare", "ltc_grade", "note", *BOOL_LABELS)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("留空表示不修改；只有需要更正时才填写完整号码")
            for name in ("contact_name", "contact_relation", "contact_phone", "contact_in_county"):
                del self.fields[name]

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PROFILE}

    def contacts(self) -> list[dict]:
        data = self.cleaned_data
        if not data.get("contact_name"):
            return []
        return [
            {
                "name": data["contact_name"],
                "relation": data["contact_relation"] or "child",
                "phone": data["contact_phone"],
                "lives_in_county": data["contact_in_county"],
                "is_emergency": True,
            }
        ]


class StatusForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=ElderStatus.choices,
        widget=forms.Select(attrs={"aria-label": _("状态")}),
    )
    on = forms.DateField(label=_("日期"), widget=DateInput())
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("说明（可选）"), "aria-label": _("说明")}),
    )


class CarePlanForm(StyledForm):
    needs = forms.CharField(label=_("主要需求"), widget=forms.Textarea(attrs={"rows": 2}))
    interventions = forms.CharField(label=_("帮扶措施"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.CharField(label=_("责任人"), max_length=200)
    visits_per_week = forms.IntegerField(
        label=_("每周探访次数"), min_value=1, max_value=21, initial=2
    )
    emergency_contacts = forms.CharField(label=_("紧急联系人及电话"), max_length=200)
    emergency_procedure = forms.CharField(
        label=_("应急处置流程"), widget=forms.Textarea(attrs={"rows": 3})
    )
    review_on = forms.DateField(label=_("复核日期"), widget=DateInput())


class TransferRequestForm(StyledForm):
    id_number = forms.CharField(label=_("老人身份证号"), max_length=20)
    to_region = forms.CharField(label=_("转入本辖区的村(社区)代码"), max_length=15)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class TransferOfferForm(StyledForm):  # rendered inline on the file page
    to_region = forms.CharField(
        label=_("转入区划代码"),
        max_length=15,
        help_text=_("对方村(社区)或乡镇(街道)的代码"),
        widget=forms.TextInput(
            attrs={"placeholder": _("转入村(社区)代码"), "aria-label": _("转入区划代码")}
        ),
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("说明（可选）"), "aria-label": _("说明")}),
    )
