"""Policy pages: the rules in force for a region on a date, one rule's chain, targets,
and the form where an administrator sets a local value."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import POLICY_EDITORS
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.navigation import STAFF
from yanglao.core.scope import get_in_scope
from yanglao.regions.selectors import region_get
from yanglao.regions.views import crumbs_for

from . import indicators, selectors, services
from .forms import OverrideForm
from .models import PolicyRule


def _params(request):
    actor = request.user
    code = request.GET.get("region", "").strip() or actor.region_id
    region = region_get(actor, code)
    error = ""
    raw_date = request.GET.get("on", "").strip()
    try:
        on = dt.date.fromisoformat(raw_date) if raw_date else timezone.localdate()
    except ValueError:
        on = timezone.localdate()
        error = _("日期格式应为 YYYY-MM-DD，已改用今天")
    return region, on, error


# "导出 Excel" of the rules in force and of the targets, as filtered on the page.
RULE_COLUMNS = [
    Column(gettext_lazy("规则编号"), lambda r: r.resolution.rule_id, 36),
    Column(gettext_lazy("名称"), lambda r: r.resolution.title, 40),
    Column(gettext_lazy("类别"), lambda r: r.rule.get_kind_display()),
    Column(gettext_lazy("适用区划"), lambda r: r.rule.region.name, 14),
    Column(gettext_lazy("生效日期"), lambda r: r.rule.valid_from),
    Column(gettext_lazy("失效日期"), lambda r: r.rule.valid_to),
    Column(gettext_lazy("参数"), lambda r: r.resolution.params, 40),
    Column(gettext_lazy("依据"), lambda r: r.rule.source_text, 40),
]
TARGET_COLUMNS = [
    Column(gettext_lazy("目标"), lambda t: t.resolution.title, 40),
    Column(gettext_lazy("指标"), lambda t: indicators.label(t.resolution.params["indicator"]), 24),
    Column(
        gettext_lazy("要求"),
        lambda t: f"{t.resolution.params['comparator']} {t.resolution.params['threshold']}",
    ),
    Column(gettext_lazy("期限"), lambda t: t.resolution.params["deadline"]),
    Column(gettext_lazy("测得值"), lambda t: t.measurement.value if t.measurement else ""),
    Column(gettext_lazy("状态"), lambda t: indicators.STATUS_LABELS[t.status]),
    Column(gettext_lazy("依据"), lambda t: t.resolution.decisive.source, 40),
]


@role_required(STAFF)
def rules(request):
    region, on, error = _params(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("rule", "target") else ""
    q = request.GET.get("q", "").strip()
    view = selectors.policy_for(region, on, kind=kind, q=q)
    if error:
        messages.warning(request, error)
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("%(r)s适用的政策规则") % {"r": region.name},
            filename="policy-rules",
            columns=RULE_COLUMNS,
            rows=view.in_force,
            object_type="PolicyRule",
        )
    return render(
        request,
        "policy/rules.html",
        {
            "region": region,
            "on": on,
            "view": view,
            "kind": kind,
            "q": q,
            "crumbs": crumbs_for(region, request.user),
            "can_edit": request.user.role in POLICY_EDITORS,
        },
    )


@role_required(STAFF)
def rule_detail(request, rule_id: str):
    region, on, _error = _params(request)
    resolution = selectors.lookup(rule_id, region, on)
    versions = selectors.rule_versions(rule_id, region)
    if not versions:
        raise NotFound(_("规则 %(id)s 不存在") % {"id": rule_id})
    return render(
        request,
        "policy/rule_detail.html",
        {
            "region": region,
            "on": on,
            "rule_id": rule_id,
            "resolution": resolution,
            "versions": versions,
            "region_names": {v.region_id: v.region.name for v in versions},
            "below": selectors.rules_below(rule_id, region),
            "title": versions[0].title,
            "crumbs": crumbs_for(region, request.user),
            "can_edit": request.user.role in POLICY_EDITORS,
        },
    )


@role_required(POLICY_EDITORS)
def rule_override(request, rule_id: str):
    actor = request.user
    region, on, _error = _params(request)
    resolution = selectors.lookup(rule_id, region, on)
    base = selectors.rule_versions(rule_id, region)
    if not base:
        raise NotFound(_("规则 %(id)s 不存在") % {"id": rule_id})
    params = resolution.params if resolution else base[-1].params
    form = OverrideForm(
        request.POST or None, params=params, initial={"region": region.code, "valid_from": on}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_override(
                actor=actor,
                rule_id=rule_id,
                region_code=data["region"],
                params=form.changed_params(),
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                source_doc=data["source_doc"],
                source_number=data["source_number"],
                source_clause=data["source_clause"],
                local_default=data["local_default"],
                note=data["note"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("本地规则已添加"))
            return redirect(
                f"/policy/rules/{rule_id}/?region={data['region']}&on={data['valid_from']}"
            )
    return render(
        request,
        "policy/override.html",
        {
            "form": form,
            "rule_id": rule_id,
            "title": base[0].title,
            "region": region,
        },
    )


@require_POST
@role_required(POLICY_EDITORS)
def rule_deactivate(request, pk: int):
    rule = get_in_scope(PolicyRule.objects.select_related("region"), request.user, pk=pk)
    try:
        services.rule_deactivate(actor=request.user, rule=rule, request=request)
        messages.success(request, _("本地规则已停用"))
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error.message)
    return redirect(f"/policy/rules/{rule.rule_id}/?region={rule.region_id}")


@role_required(STAFF)
def targets(request):
    region, on, error = _params(request)
    if error:
        messages.warning(request, error)
    rows = [indicators.evaluate(res, region, on) for res in selectors.targets_for(region, on)]
    status_filter = request.GET.get("status", "")
    if status_filter:
        rows = [r for r in rows if r.status == status_filter]
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("%(r)s的目标任务") % {"r": region.name},
            filename="policy-targets",
            columns=TARGET_COLUMNS,
            rows=rows,
            object_type="PolicyRule",
        )
    return render(
        request,
        "policy/targets.html",
        {
            "region": region,
            "on": on,
            "rows": rows,
            "labels": indicators.STATUS_LABELS,
            "status_filter": status_filter,
            "crumbs": crumbs_for(region, request.user),
        },
    )
