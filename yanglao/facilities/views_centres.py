"""Sanming village centre pages (村级养老服务中心): the list with filters, one centre with
its gaps and warnings, the form, and the coverage of administrative villages per county."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page

from . import centres
from .models import VillageCentre

READERS = centres.CENTRE_READERS
BOOL = {"1": True, "0": False}
CENTRE_COLUMNS = [
    Column(gettext_lazy("行政村"), lambda c: c.village.name, 16),
    Column(gettext_lazy("登记名称"), lambda c: c.registered_name, 28),
    Column(gettext_lazy("统一社会信用代码"), lambda c: c.credit_code, 22),
    Column(gettext_lazy("登记日期"), lambda c: c.registered_on),
    Column(gettext_lazy("开办资金(元)"), lambda c: c.start_up_funds),
    Column(gettext_lazy("牌匾有“万寿延”标识"), lambda c: c.plaque_mark),
    Column(gettext_lazy("理事长"), lambda c: c.chairman_name),
    Column(gettext_lazy("理事长由村党组织书记担任"), lambda c: c.chairman_is_party_secretary),
    Column(gettext_lazy("所办幸福院"), lambda c: c.facility.name if c.facility_id else "", 24),
]


@role_required(READERS)
def centre_list(request):
    g = request.GET
    try:
        qs = centres.centres_for(
            request.user,
            q=g.get("q", "").strip(),
            region_code=g.get("region") or None,
            registered=BOOL.get(g.get("registered", "")),
            mark=BOOL.get(g.get("mark", "")),
            issue=g.get("issue", ""),
        )
    except DomainError as error:
        return error_response(request, error)
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("村级养老服务中心"),
            filename="village-centres",
            columns=CENTRE_COLUMNS,
            rows=qs.select_related("village", "facility"),
            object_type="VillageCentre",
        )
    page = paginate(request, qs)
    today = timezone.localdate()
    rows = [{"centre": c, "issues": centres.centre_issues(c, today)} for c in page.object_list]
    return render(
        request,
        "facilities/centre_list.html",
        {
            "page": page,
            "rows": rows,
            "params": g,
            "qs": query_without_page(request),
            "can_write": centres.may_write(request.user),
            "tab": "centres",
        },
    )


@role_required(READERS)
def centre_detail(request, pk: int):
    try:
        centre = centres.centre_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    today = timezone.localdate()
    labels = dict(centres.required_rules(centre.village, today))
    return render(
        request,
        "facilities/centre_detail.html",
        {
            "centre": centre,
            "issues": centres.centre_issues(centre, today),
            "rules_kept": [labels.get(c, c) for c in centre.rules_kept or []],
            "can_write": centres.may_write(request.user),
            "tab": "centres",
        },
    )


def _values(centre: VillageCentre | None) -> dict:
    if centre is None:
        return {"rules_kept": []}
    return {
        "registered_name": centre.registered_name,
        "credit_code": centre.credit_code,
        "registered_on": centre.registered_on.isoformat() if centre.registered_on else "",
        "start_up_funds": centre.start_up_funds if centre.start_up_funds is not None else "",
        "plaque_mark": centre.plaque_mark,
        "chairman_name": centre.chairman_name,
        "chairman_is_party_secretary": centre.chairman_is_party_secretary,
        "secretary_general_name": centre.secretary_general_name,
        "secretary_general_old_member": centre.secretary_general_old_member,
        "supervisors": centre.supervisors,
        "rules_kept": list(centre.rules_kept or []),
        "converted_from_association": centre.converted_from_association,
        "facility_id": centre.facility_id or "",
    }


def _posted(post) -> dict:
    data = {k: post.get(k, "") for k in centres.FIELDS if k != "rules_kept"}
    for key in (
        "plaque_mark",
        "chairman_is_party_secretary",
        "secretary_general_old_member",
        "converted_from_association",
    ):
        data[key] = post.get(key) == "on"
    data["rules_kept"] = post.getlist("rules_kept")
    return data


@role_required(centres.CENTRE_WRITERS)
def centre_edit(request, pk: int | None = None):
    centre = None
    if pk is not None:
        try:
            centre = centres.centre_get(request.user, pk)
        except DomainError as error:
            return error_response(request, error)
    values = _values(centre)
    village_code = request.GET.get("village", "")
    errors: dict = {}
    if request.method == "POST":
        values = _posted(request.POST)
        village_code = request.POST.get("village", "")
        try:
            centre = centres.centre_save(
                actor=request.user,
                data=values,
                centre=centre,
                village_code=village_code if centre is None else None,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
        else:
            issues = centres.centre_issues(centre)
            messages.success(request, _("村级养老服务中心已保存"))
            if issues:
                messages.warning(
                    request,
                    _("已保存，但有 %(n)s 项待完善：%(x)s")
                    % {"n": len(issues), "x": "；".join(i.message for i in issues)},
                )
            return redirect("facilities:centre_detail", centre.pk)
    region = centre.village if centre is not None else request.user.region
    return render(
        request,
        "facilities/centre_form.html",
        {
            "centre": centre,
            "values": values,
            "village_code": village_code,
            "errors": errors,
            "rule_choices": centres.required_rules(region, timezone.localdate()),
            "tab": "centres",
        },
        status=422 if errors else 200,
    )


@role_required(READERS)
def centre_coverage(request):
    try:
        rows = centres.coverage(request.user, region_code=request.GET.get("region") or None)
    except DomainError as error:
        return error_response(request, error)
    return render(
        request,
        "facilities/centre_coverage.html",
        {"rows": rows, "today": timezone.localdate(), "tab": "coverage"},
    )


urlpatterns = [
    path("centres/", centre_list, name="centre_list"),
    path("centres/new/", centre_edit, name="centre_new"),
    path("centres/coverage/", centre_coverage, name="centre_coverage"),
    path("centres/<int:pk>/", centre_detail, name="centre_detail"),
    path("centres/<int:pk>/edit/", centre_edit, name="centre_edit"),
]
