from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.forms import DateInput, StyledForm

from .models import Basis, GivenBy, Outcome, RequestKind


class ConsentForm(StyledForm):
    basis = forms.ChoiceField(label=_("处理依据"), choices=Basis.choices)
    given_by = forms.ChoiceField(label=_("由谁作出"), choices=GivenBy.choices)
    giver_name = forms.CharField(label=_("监护人/代理人姓名"), required=False, max_length=50)
    giver_relation = forms.CharField(label=_("与老人关系"), required=False, max_length=50)
    legal_reference = forms.CharField(
        label=_("法定职责依据（以法定职责为依据时填写）"),
        required=False,
        max_length=300,
        help_text=_(
            "例如：《中华人民共和国老年人权益保障法》；民政部门特殊困难老年人探访关爱工作要求"
        ),
    )
    notice_version = forms.IntegerField(
        label=_("告知书版本"), required=False, min_value=1, help_text=_("留空为当日生效的版本")
    )
    given_on = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    evidence = forms.CharField(
        label=_("凭证说明"),
        max_length=300,
        help_text=_("如：签字同意书原件存村委会档案柜第3格；电话录音 2026-05-01-003"),
    )


class WithdrawForm(StyledForm):
    on = forms.DateField(
        label=_("撤回/终止日期"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    reason = forms.CharField(label=_("原因"), max_length=300)


class RequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("请求类型"), choices=RequestKind.choices)
    requested_by = forms.ChoiceField(label=_("申请人身份"), choices=GivenBy.choices)
    requester_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    requester_relation = forms.CharField(label=_("与老人关系"), required=False, max_length=50)
    detail = forms.CharField(label=_("请求内容"), widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(
        label=_("收到日期"),
        widget=DateInput(),
        initial=timezone.localdate,
    )


class HandleForm(StyledForm):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices)
    response = forms.CharField(
        label=_("答复内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("拒绝的须说明理由；更正的写明改了什么（在档案页修改）"),
    )


class NoticeForm(StyledForm):
    title = forms.CharField(label=_("标题"), max_length=200)
    controller = forms.CharField(label=_("个人信息处理者（单位）"), max_length=200)
    contact = forms.CharField(label=_("联系方式"), max_length=200)
    effective_on = forms.DateField(
        label=_("生效日期"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    items = forms.CharField(
        label=_("收集项目与目的"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一项：项目｜目的，例如：身份证号｜核实身份、避免重复建档"),
    )
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}))

    def item_list(self) -> list[dict]:
        rows = []
        for line in self.cleaned_data["items"].splitlines():
            line = line.strip()
            if not line:
                continue
            for sep in ("｜", "|"):
                if sep in line:
                    what, why = line.split(sep, 1)
                    break
            else:
                what, why = line, ""
            rows.append({"item": what.strip(), "purpose": why.strip()})
        return rows
