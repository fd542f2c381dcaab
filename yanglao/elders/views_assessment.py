"""能力评估页面: the item-by-item form (GB/T 42195-2022) and one assessment with the
elder's history: ``elders:assessment_new`` and ``elders:assessment_detail``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import ELDER_READERS
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, ValidationFailed
from yanglao.core.forms import DateInput, StyledForm
from yanglao.core.scope import get_in_scope
from yanglao.regions.views import crumbs_for

from . import assessment as calc
from . import assessment_services as svc
from .models import AbilityLevel, AssessmentReason, Elder

READERS = ELDER_READERS | svc.ASSESSMENT_WRITERS


def detail_url(elder_pk: int, assessment_id: int) -> str:
    return reverse("elders:assessment_detail", args=[elder_pk, assessment_id])


def new_url(elder_pk: int) -> str:
    return reverse("elders:assessment_new", args=[elder_pk])


def score_field(code: str) -> str:
    return f"score_{code}"


class AssessmentForm(StyledForm):
    """The fields of one assessment; the score selects are added from the catalogue."""

    assessed_on = forms.DateField(
        label=gettext_lazy("评估日期"),
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("日期格式应为 YYYY-MM-DD")},
    )
    reason = forms.ChoiceField(label=gettext_lazy("评估类型"), choices=AssessmentReason.choices)
    assessors = forms.CharField(
        label=gettext_lazy("评估员"),
        max_length=100,
        help_text=gettext_lazy("参加评估的评估员姓名，多人用顿号分隔"),
    )
    coma = forms.BooleanField(label=gettext_lazy("处于昏迷状态"), required=False)
    dementia_or_psychiatric = forms.BooleanField(
        label=gettext_lazy("确诊失智（痴呆）或精神科疾病"), required=False
    )
    risk_events_30d = forms.IntegerField(
        label=gettext_lazy("近30天照护风险事件次数"),
        min_value=0,
        max_value=svc.MAX_RISK_EVENTS,
        initial=0,
        help_text=gettext_lazy("跌倒、噎食、自杀自伤、走失等，合计次数"),
    )

    def __init__(self, *args, catalogue: calc.Catalogue, reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        labels = dict(AssessmentReason.choices)
        self.fields["reason"].choices = [("", "—")] + [(r, labels[r]) for r in reasons]
        for item in catalogue.items:
            choices = [("", _("请选择"))] + [
                (str(v), _("%(n)s 分") % {"n": v}) for v in reversed(item.allowed)
            ]
            field = forms.TypedChoiceField(
                label=item.label,
                choices=choices,
                coerce=int,
                error_messages={
                    "required": _("请选择“%(label)s”的得分") % {"label": item.label},
                    "invalid_choice": _("不是该项允许的分值"),
                },
            )
            field.widget.attrs.update({"class": "form-select", "data-item": item.code})
            self.fields[score_field(item.code)] = field

    def info_fields(self) -> list:
        """The fields other than the item scores (date, reason, assessors, flags)."""
        return [self[name] for name in self.fields if not name.startswith("score_")]

    def groups(self) -> list[dict]:
        """The score fields grouped by dimension, for the template."""
        return [
            {
                "dimension": dim,
                "rows": [(item, self[score_field(item.code)]) for item in dim.items],
            }
            for dim in self.catalogue.dimensions
        ]

    def add_service_error(self, error: DomainError) -> None:
        """Put each message on its field: ``scores.eating`` lands on ``score_eating``."""
        if not error.fields:
            self.add_error(None, error.message)
            return
        for name, msgs in error.fields.items():
            if name.startswith("scores."):
                target = score_field(name.removeprefix("scores."))
            else:
                target = name
            for message in msgs:
                self.add_error(target if target in self.fields else None, message)
        self._mark_invalid()


def _elder(request, pk: int) -> Elder:
    return get_in_scope(Elder.objects.select_related("person", "region"), request.user, pk=pk)


@role_required(svc.ASSESSMENT_WRITERS)
def assessment_new(request, pk: int):
    actor = request.user
    elder = _elder(request, pk)
    today = timezone.localdate()
    form_date = today
    if request.method == "POST":
        try:
            form_date = forms.DateField().clean(request.POST.get("assessed_on")) or today
        except forms.ValidationError:
            form_date = today
        form_date = min(form_date, today)
    rules = svc.rules_for(elder.region, form_date) or svc.rules_for(elder.region, today)
    if rules is None:
        raise ValidationFailed(_("本区划没有适用的能力评估标准"))
    form = AssessmentForm(
        request.POST or None,
        catalogue=rules.catalogue,
        reasons=rules.reason_codes,
        initial={
            "assessed_on": today,
            "reason": AssessmentReason.FIRST
            if elder.last_assessed_on is None
            else AssessmentReason.ROUTINE,
            "risk_events_30d": 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = svc.assessment_record(
                actor=actor,
                elder=elder,
                assessed_on=data["assessed_on"],
                reason=data["reason"],
                assessors=data["assessors"],
                scores={item.code: data[score_field(item.code)] for item in form.catalogue.items},
                coma=data["coma"],
                dementia_or_psychiatric=data["dementia_or_psychiatric"],
                risk_events_30d=data["risk_events_30d"],
                request=request,
            )
        except DomainError as error:
            if error.status in (401, 403, 404):
                raise  # the middleware answers (and audits a refusal)
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("评估已保存：总分 %(t)s 分，%(l)s")
                % {"t": record.total, "l": record.get_level_display()},
            )
            return redirect(detail_url(elder.pk, record.pk))
    return render(
        request,
        "elders/assessment_form.html",
        {
            "elder": elder,
            "form": form,
            "groups": form.groups(),
            "catalogue": form.catalogue,
            "due": svc.due_status(elder, today),
            "crumbs": crumbs_for(elder.region, actor),
        },
    )


@role_required(READERS)
def assessment_detail(request, pk: int, assessment_id: int):
    actor = request.user
    elder = _elder(request, pk)
    record = svc.assessment_get(elder, assessment_id)
    rules = svc.rules_for(elder.region, record.assessed_on)
    rows: list[dict] = []
    if rules is not None:
        catalogue = rules.catalogue
        known = set(catalogue.codes)
        for dim, subtotal in calc.dimension_totals(record.scores, catalogue):
            rows.append(
                {
                    "label": dim.label,
                    "max": dim.max_score,
                    "subtotal": subtotal,
                    "items": [
                        {
                            "code": item.code,
                            "label": item.label,
                            "max": item.max_score,
                            "score": record.scores.get(item.code),
                        }
                        for item in dim.items
                    ],
                }
            )
        extra = {k: v for k, v in record.scores.items() if k not in known}
        total_max = catalogue.total_max
    else:
        extra = dict(record.scores)
        total_max = None
    if extra:
        rows.append(
            {
                "label": _("其他项目"),
                "max": None,
                "subtotal": sum(int(v or 0) for v in extra.values()),
                "items": [
                    {"code": k, "label": k, "max": None, "score": v} for k, v in extra.items()
                ],
            }
        )
    history = list(elder.assessments.select_related("created_by").order_by("-assessed_on", "-id"))
    today = timezone.localdate()
    return render(
        request,
        "elders/assessment_detail.html",
        {
            "elder": elder,
            "assessment": record,
            "rows": rows,
            "total_max": total_max,
            "history": [
                {"a": a, "url": detail_url(elder.pk, a.pk), "current": a.pk == record.pk}
                for a in history
            ],
            "is_latest": bool(history) and history[0].pk == record.pk,
            "due": svc.due_status(elder, today),
            "can_write": actor.role in svc.ASSESSMENT_WRITERS,
            "new_url": new_url(elder.pk),
            "levels": AbilityLevel,
            "crumbs": crumbs_for(elder.region, actor),
        },
    )
