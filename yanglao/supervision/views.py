"""Supervision pages: inspections (list, plan, edit, record the checklist on a phone,
add a finding, cancel, close), findings (list, overdue list, a finding with its history,
report a rectification, re-inspect), operator evaluations (list, evaluate, one
evaluation with its evidence, the flagged list and what was decided)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.decorators import role_required
from yanglao.core.errors import (
    DomainError,
    NotFound,
    error_response,
    error_text,
    record_refusal,
)
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import in_subtree
from yanglao.facilities import selectors as facility_selectors
from yanglao.policy import selectors as policy_selectors
from yanglao.regions.models import Region
from yanglao.regions.views import crumbs_for

from . import rules, selectors, services
from .models import (
    FindingStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    Photo,
    Resolution,
    Severity,
    TargetKind,
)
from .roles import EVALUATION_READERS, EVALUATORS, INSPECTORS, READERS


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _errors_of(error: DomainError) -> dict:
    errors = dict(error.fields or {})
    errors.setdefault("form", [error_text(error)] if not error.fields else [error.message])
    return errors


# ------------------------------------------------------------------ inspections

INSPECTION_COLUMNS = [
    Column(gettext_lazy("检查对象"), lambda i: i.target_name, 28),
    Column(gettext_lazy("所在区划"), lambda i: f"{i.region.name}（{i.region_id}）", 24),
    Column(gettext_lazy("检查方式"), lambda i: str(i.get_kind_display()), 14),
    Column(gettext_lazy("计划日期"), lambda i: i.planned_on, 12),
    Column(gettext_lazy("检查日期"), lambda i: i.inspected_on, 12),
    Column(gettext_lazy("检查人员"), lambda i: i.inspectors, 24),
    Column(gettext_lazy("组织单位"), lambda i: i.organizer_region.name, 16),
    Column(gettext_lazy("状态"), lambda i: str(i.get_status_display()), 10),
    Column(gettext_lazy("发现问题"), lambda i: i.finding_count, 10),
    Column(gettext_lazy("未销号"), lambda i: i.open_count, 10),
]


def _week_range(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


@role_required(READERS)
def inspection_list(request):
    g = request.GET
    date_from, date_to = _parse_date(g.get("date_from", "")), _parse_date(g.get("date_to", ""))
    status = g.get("status", "")
    if g.get("week") == "this":
        date_from, date_to = _week_range(timezone.localdate())
        status = status or InspectionStatus.PLANNED
    params = {
        "q": g.get("q", ""),
        "status": status,
        "kind": g.get("kind", ""),
        "target_kind": g.get("target_kind", ""),
        "region": g.get("region", ""),
        "date_from": date_from.isoformat() if date_from else "",
        "date_to": date_to.isoformat() if date_to else "",
    }
    qs = selectors.inspections(
        request.user,
        q=params["q"],
        status=params["status"],
        kind=params["kind"],
        target_kind=params["target_kind"],
        region_code=params["region"],
        date_from=date_from,
        date_to=date_to,
    )
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("督查检查"),
            filename="inspections",
            columns=INSPECTION_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="Inspection",
        )
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": params,
            "statuses": InspectionStatus.choices,
            "kinds": InspectionKind.choices,
            "targets": TargetKind.choices,
            "can_plan": request.user.role in INSPECTORS,
        },
    )


def _facility_choices(user):
    return list(
        facility_selectors.visible(user)
        .exclude(status="closed")
        .order_by("region_path", "name")[:800]
    )


@role_required(INSPECTORS)
def inspection_new(request):
    errors: dict = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            inspection = services.inspection_plan(actor=request.user, data=values, request=request)
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
        else:
            messages.success(request, _("检查已安排"))
            return redirect("supervision:inspection", inspection.pk)
    else:
        facility = request.GET.get("facility", "")
        values = {
            "target_kind": "facility" if facility or not request.GET.get("region") else "region",
            "facility_id": facility,
            "region_code": request.GET.get("region", ""),
            "kind": InspectionKind.PLANNED,
            "planned_on": timezone.localdate().isoformat(),
            "inspectors": request.user.full_name or request.user.username,
        }
    return render(
        request,
        "supervision/inspection_form.html",
        {
            "values": values,
            "errors": errors,
            "facilities": _facility_choices(request.user),
            "kinds": InspectionKind.choices,
            "targets": TargetKind.choices,
            "inspection": None,
        },
        status=422 if errors else 200,
    )


@role_required(INSPECTORS)
def inspection_edit(request, pk: int):
    try:
        inspection = selectors.inspection_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = request.POST.dict()
        try:
            services.inspection_update(
                actor=request.user,
                inspection=inspection,
                data={k: values.get(k, "") for k in ("kind", "planned_on", "inspectors")},
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            messages.success(request, _("检查计划已修改"))
            return redirect("supervision:inspection", inspection.pk)
    else:
        values = {
            "kind": inspection.kind,
            "planned_on": inspection.planned_on.isoformat(),
            "inspectors": inspection.inspectors,
        }
    return render(
        request,
        "supervision/inspection_form.html",
        {
            "values": values,
            "errors": errors,
            "kinds": InspectionKind.choices,
            "inspection": inspection,
        },
        status=status,
    )


@role_required(READERS)
def inspection_detail(request, pk: int):
    try:
        inspection = selectors.inspection_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "cancel":
                services.inspection_cancel(
                    actor=request.user,
                    inspection=inspection,
                    reason=request.POST.get("reason", ""),
                    request=request,
                )
                messages.success(request, _("检查已取消"))
            elif action == "close":
                services.inspection_close(
                    actor=request.user, inspection=inspection, request=request
                )
                messages.success(request, _("检查已办结"))
            else:
                raise services.Forbidden()
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            return redirect("supervision:inspection", inspection.pk)
    findings = list(inspection.findings.select_related("escalated_to").order_by("deadline", "id"))
    today = timezone.localdate()
    for f in findings:
        f.days_overdue = selectors.days_overdue(f, today)
    checklist = []
    if inspection.status == InspectionStatus.PLANNED:
        checklist, _res = selectors.checklist_for(
            inspection.region, inspection.target_kind, inspection.planned_on
        )
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "items": list(inspection.items.all()),
            "findings": findings,
            "photos": list(inspection.photos.filter(finding__isnull=True)),
            "checklist": checklist,
            "can_organize": services.may_organize(request.user, inspection),
            "can_add_finding": request.user.role in INSPECTORS
            and inspection.status == InspectionStatus.RECORDED,
            "unclosed": sum(1 for f in findings if f.status != FindingStatus.CLOSED),
            "errors": errors,
            "crumbs": crumbs_for(inspection.region, request.user)
            if request.user.role != "facility_operator"
            else [],
        },
        status=status,
    )


def _results_from_post(post, checklist) -> dict:
    out = {}
    for item in checklist:
        code = item.code
        result = post.get(f"result__{code}", "")
        if not result and not post.get(f"note__{code}"):
            continue
        out[code] = {
            "result": result,
            "note": post.get(f"note__{code}", ""),
            "severity": post.get(f"severity__{code}", ""),
            "description": post.get(f"description__{code}", ""),
            "deadline": post.get(f"deadline__{code}", ""),
            "responsible": post.get(f"responsible__{code}", ""),
        }
    return out


@role_required(INSPECTORS)
def inspection_record(request, pk: int):
    """The checklist on a phone: each item a card with three large choices."""
    try:
        inspection = selectors.inspection_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    if not services.may_organize(request.user, inspection):
        return error_response(
            request, services.Forbidden(_("只有组织这次检查的单位（或其上级）可以录入结果"))
        )
    if inspection.status != InspectionStatus.PLANNED:
        messages.info(request, _("这次检查的结果已录入"))
        return redirect("supervision:inspection", inspection.pk)
    day = _parse_date(request.POST.get("inspected_on", "")) or timezone.localdate()
    checklist, res = selectors.checklist_for(inspection.region, inspection.target_kind, day)
    rect = policy_selectors.lookup(rules.RECTIFICATION_RULE, inspection.region, day)
    errors: dict = {}
    status = 200
    posted = {}
    if request.method == "POST":
        posted = _results_from_post(request.POST, checklist)
        try:
            services.inspection_record(
                actor=request.user,
                inspection=inspection,
                inspected_on=request.POST.get("inspected_on", ""),
                inspectors=request.POST.get("inspectors", ""),
                summary=request.POST.get("summary", ""),
                results=posted,
                photos=request.FILES.getlist("photos"),
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            messages.success(request, _("检查结果已保存，不合格项已下达整改"))
            return redirect("supervision:inspection", inspection.pk)
    default_responsible = (
        (inspection.facility.operator_name or inspection.facility.name)
        if inspection.facility_id
        else inspection.region.name
    )
    days = (rect.params.get("deadline_days") if rect else None) or {}
    cards = []
    for item in checklist:
        mine = {
            k: v
            for k, v in errors.items()
            if k == f"results.{item.code}" or k.startswith(f"results.{item.code}.")
        }
        raw = posted.get(item.code, {})
        cards.append(
            {
                "item": item,
                "value": raw,
                "errors": [m for msgs in mine.values() for m in msgs],
                "failed": raw.get("result") == ItemResult.FAIL,
            }
        )
    sections = []
    for card in cards:
        if not sections or sections[-1]["label"] != card["item"].section_label:
            sections.append({"label": card["item"].section_label, "cards": []})
        sections[-1]["cards"].append(card)
    return render(
        request,
        "supervision/inspection_record.html",
        {
            "inspection": inspection,
            "sections": sections,
            "rule": selectors.rule_summary(res),
            "rect_rule": selectors.rule_summary(rect),
            "severities": [(v, label, days.get(v)) for v, label in Severity.choices],
            "results": ItemResult.choices,
            "values": request.POST
            if request.method == "POST"
            else {
                "inspected_on": timezone.localdate().isoformat(),
                "inspectors": inspection.inspectors,
            },
            "default_responsible": default_responsible,
            "errors": errors,
            "general_errors": [
                m for k, msgs in errors.items() if not k.startswith("results.") for m in msgs
            ],
        },
        status=status,
    )


@role_required(INSPECTORS)
def finding_new(request, pk: int):
    try:
        inspection = selectors.inspection_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    values = request.POST.dict() if request.method == "POST" else {"severity": "minor"}
    if request.method == "POST":
        data = {**values, "photos": request.FILES.getlist("photos")}
        try:
            finding = services.finding_add(
                actor=request.user, inspection=inspection, data=data, request=request
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            messages.success(request, _("问题已记录并下达整改"))
            return redirect("supervision:finding", finding.pk)
    return render(
        request,
        "supervision/finding_form.html",
        {
            "inspection": inspection,
            "items": list(inspection.items.all()),
            "values": values,
            "errors": errors,
            "severities": Severity.choices,
        },
        status=status,
    )


# ------------------------------------------------------------------ findings

FINDING_COLUMNS = [
    Column(gettext_lazy("检查对象"), lambda f: f.inspection.target_name, 26),
    Column(gettext_lazy("所在区划"), lambda f: f.inspection.region.name, 16),
    Column(gettext_lazy("检查日期"), lambda f: f.inspection.inspected_on, 12),
    Column(gettext_lazy("检查项"), lambda f: f.item_label, 26),
    Column(gettext_lazy("严重程度"), lambda f: str(f.get_severity_display()), 10),
    Column(gettext_lazy("问题描述"), lambda f: f.description, 40),
    Column(gettext_lazy("整改期限"), lambda f: f.deadline, 12),
    Column(gettext_lazy("逾期天数"), lambda f: selectors.days_overdue(f), 10),
    Column(gettext_lazy("整改责任人/单位"), lambda f: f.responsible, 20),
    Column(gettext_lazy("责任区划"), lambda f: f.responsible_region.name, 16),
    Column(gettext_lazy("状态"), lambda f: str(f.get_status_display()), 14),
    Column(
        gettext_lazy("已上报至"), lambda f: f.escalated_to.name if f.escalated_to_id else "", 16
    ),
]


def _finding_list(request, *, overdue: bool):
    g = request.GET
    params = {
        "q": g.get("q", ""),
        "status": g.get("status", ""),
        "severity": g.get("severity", ""),
        "escalated": g.get("escalated", ""),
        "region": g.get("region", ""),
    }
    today = timezone.localdate()
    qs = selectors.findings(
        request.user,
        q=params["q"],
        status=params["status"],
        severity=params["severity"],
        escalated=params["escalated"],
        region_code=params["region"],
        overdue=overdue,
        today=today,
    )
    title = _("逾期未整改") if overdue else _("整改问题")
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=title,
            filename="overdue_rectifications" if overdue else "findings",
            columns=FINDING_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="Finding",
        )
    page = paginate(request, qs)
    for f in page.object_list:
        f.days_overdue = selectors.days_overdue(f, today)
    return render(
        request,
        "supervision/finding_list.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": params,
            "overdue": overdue,
            "title": title,
            "statuses": FindingStatus.choices,
            "severities": Severity.choices,
        },
    )


@role_required(READERS)
def finding_list(request):
    return _finding_list(request, overdue=False)


@role_required(READERS)
def overdue_list(request):
    return _finding_list(request, overdue=True)


@role_required(READERS)
def finding_detail(request, pk: int):
    try:
        finding = selectors.finding_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "submit":
                services.finding_submit(
                    actor=request.user,
                    finding=finding,
                    note=request.POST.get("note", ""),
                    photos=request.FILES.getlist("photos"),
                    request=request,
                )
                messages.success(request, _("整改情况已报告，等待复查"))
            elif action == "reinspect":
                result = request.POST.get("result", "")
                if result not in ("pass", "fail"):
                    raise services.ValidationFailed(fields={"result": [_("请选择复查结果")]})
                services.finding_reinspect(
                    actor=request.user,
                    finding=finding,
                    passed=result == "pass",
                    on=request.POST.get("on", ""),
                    note=request.POST.get("note", ""),
                    new_deadline=request.POST.get("new_deadline", ""),
                    photos=request.FILES.getlist("photos"),
                    request=request,
                )
                messages.success(
                    request,
                    _("复查合格，已销号") if result == "pass" else _("复查不合格，已重新限期整改"),
                )
            else:
                raise services.Forbidden()
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            return redirect("supervision:finding", finding.pk)
    today = timezone.localdate()
    events = list(finding.events.select_related("by").prefetch_related("photos"))
    return render(
        request,
        "supervision/finding_detail.html",
        {
            "finding": finding,
            "inspection": finding.inspection,
            "events": events,
            "days_overdue": selectors.days_overdue(finding, today),
            "can_submit": finding.status == FindingStatus.OPEN
            and services.may_submit(request.user, finding),
            "can_reinspect": finding.status != FindingStatus.CLOSED
            and services.may_reinspect(request.user, finding),
            "values": request.POST if request.method == "POST" else {"on": today.isoformat()},
            "errors": errors,
            "today": today,
        },
        status=status,
    )


# ------------------------------------------------------------------ operator evaluations

EVALUATION_COLUMNS = [
    Column(gettext_lazy("评估年度"), lambda e: e.year, 10),
    Column(gettext_lazy("运营方"), lambda e: e.operator_name, 28),
    Column(gettext_lazy("评估区划"), lambda e: e.region.name, 14),
    Column(gettext_lazy("服务质量"), lambda e: e.scores.get("service_quality", ""), 10),
    Column(gettext_lazy("内部管理"), lambda e: e.scores.get("internal_management", ""), 10),
    Column(gettext_lazy("服务对象满意度"), lambda e: e.scores.get("satisfaction", ""), 12),
    Column(gettext_lazy("总分"), lambda e: e.total, 8),
    Column(gettext_lazy("合格线"), lambda e: e.pass_mark, 8),
    Column(gettext_lazy("结果"), lambda e: _("合格") if e.passed else _("不合格"), 8),
    Column(gettext_lazy("不达标原因"), lambda e: "；".join(e.evidence.get("reasons", [])), 40),
    Column(
        gettext_lazy("处理结果"), lambda e: str(e.get_resolution_display()) if e.flagged else "", 16
    ),
]


def _evaluation_list(request, *, flagged_only: bool):
    g = request.GET
    params = {
        "q": g.get("q", ""),
        "year": g.get("year", ""),
        "result": "flagged" if flagged_only else g.get("result", ""),
        "region": g.get("region", ""),
    }
    year = int(params["year"]) if params["year"].isdigit() else None
    qs = selectors.evaluations(
        request.user,
        q=params["q"],
        year=year,
        result=params["result"],
        region_code=params["region"],
    )
    title = _("建议调整的运营方") if flagged_only else _("运营方年度评估")
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=title,
            filename="operators_flagged" if flagged_only else "operator_evaluations",
            columns=EVALUATION_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="OperatorEvaluation",
        )
    this_year = timezone.localdate().year
    return render(
        request,
        "supervision/evaluation_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": params,
            "flagged_only": flagged_only,
            "title": title,
            "years": list(range(this_year, this_year - 6, -1)),
            "can_evaluate": request.user.role in EVALUATORS,
        },
    )


@role_required(EVALUATION_READERS)
def evaluation_list(request):
    return _evaluation_list(request, flagged_only=False)


@role_required(EVALUATION_READERS)
def flagged_list(request):
    return _evaluation_list(request, flagged_only=True)


@role_required(EVALUATORS)
def evaluation_new(request):
    """Choose the region, year and operator; the page then shows the evidence (ratings,
    inspections, star ratings) and the score form."""
    data = request.POST if request.method == "POST" else request.GET
    region_code = data.get("region_code") or request.user.region_id
    region = Region.objects.filter(code=region_code).first() or request.user.region
    if not in_subtree(region.path, request.user.region.path):
        region = request.user.region
    this_year = timezone.localdate().year
    year_text = data.get("year") or str(this_year - 1)
    year = int(year_text) if year_text.isdigit() else this_year - 1
    operator_name = (data.get("operator_name") or "").strip()
    errors: dict = {}
    status = 200
    recalc = request.method == "POST" and request.POST.get("action") == "recalc"
    if request.method == "POST" and not recalc:
        payload = {
            "region_code": region.code,
            "year": data.get("year"),
            "operator_name": operator_name,
            "evaluated_on": data.get("evaluated_on"),
            "evaluators": data.get("evaluators"),
            "note": data.get("note"),
            "satisfaction_note": data.get("satisfaction_note"),
            "scores": {
                k: data.get(f"score__{k}", "")
                for k in ("service_quality", "internal_management", "satisfaction")
            },
            "facility_ids": request.POST.getlist("facility_ids"),
            "provider_ids": request.POST.getlist("provider_ids"),
        }
        try:
            evaluation = services.evaluation_create(
                actor=request.user, data=payload, request=request
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            if evaluation.flagged:
                messages.warning(request, _("评估不合格，已列入建议调整的运营方"))
            else:
                messages.success(request, _("评估已保存：合格"))
            return redirect("supervision:evaluation", evaluation.pk)
    operators = selectors.operators_in(region, all_ownerships=data.get("all") == "1")
    ctx = {
        "region": region,
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "operators": operators,
        "operator_name": operator_name,
        "errors": errors,
        "values": data,
        "all": data.get("all") == "1",
    }
    res = services.evaluation_scheme(region, year) if operator_name else None
    if operator_name and res is not None:
        facilities = list(selectors.operator_facilities(region, operator_name))
        chosen_facilities = (
            {int(x) for x in request.POST.getlist("facility_ids") if x.isdigit()}
            if request.method == "POST"
            else {f.pk for f in facilities}
        )
        matched = {p.pk for p in selectors.candidate_providers(region, operator_name, facilities)}
        providers = list(selectors.providers_in(region))
        chosen_providers = (
            {int(x) for x in request.POST.getlist("provider_ids") if x.isdigit()}
            if request.method == "POST"
            else matched
        )
        if facilities:
            evidence = services.evaluation_evidence(
                region,
                year,
                [f for f in facilities if f.pk in chosen_facilities] or facilities,
                [p for p in providers if p.pk in chosen_providers],
                res.params,
            )
            labels = dict(
                zip(res.params["sections"], res.params.get("section_labels") or [], strict=False)
            )
            ctx.update(
                {
                    "scheme": res.params,
                    "rule": selectors.rule_summary(res),
                    "facilities": facilities,
                    "chosen_facilities": chosen_facilities,
                    "providers": providers,
                    "chosen_providers": chosen_providers,
                    "matched_providers": matched,
                    "min_share_percent": int(
                        rules.dec(res.params.get("section_min_share", "0")) * 100
                    ),
                    "evidence": evidence,
                    "sections": [
                        {
                            "code": code,
                            "label": labels.get(code, code),
                            "max": res.params["section_max"][code],
                            "computed": evidence["satisfaction_points"]
                            if code == "satisfaction"
                            else None,
                            "value": data.get(f"score__{code}", ""),
                            "errors": errors.get(f"scores.{code}", []),
                        }
                        for code in res.params["sections"]
                    ],
                }
            )
        else:
            ctx["no_facilities"] = True
    elif operator_name:
        ctx["no_scheme"] = True
    return render(request, "supervision/evaluation_form.html", ctx, status=status)


@role_required(EVALUATION_READERS)
def evaluation_detail(request, pk: int):
    try:
        evaluation = selectors.evaluation_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        try:
            services.evaluation_resolve(
                actor=request.user,
                evaluation=evaluation,
                resolution=request.POST.get("resolution", ""),
                note=request.POST.get("note", ""),
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = _errors_of(error)
            status = error.status
        else:
            messages.success(request, _("处理结果已记录"))
            return redirect("supervision:evaluation", evaluation.pk)
    params = evaluation.trace.get("params", {})
    labels = dict(zip(params.get("sections", []), params.get("section_labels", []), strict=False))
    share = params.get("section_min_share", "0")
    sections = []
    for code in params.get("sections", []):
        top = rules.dec(params["section_max"][code])
        minimum = (top * rules.dec(share)).quantize(rules.ONE_DECIMAL)
        score = rules.dec(evaluation.scores.get(code, "0"))
        sections.append(
            {
                "code": code,
                "label": labels.get(code, code),
                "score": score,
                "max": top,
                "min": minimum,
                "short": code in evaluation.failed_sections,
                "percent": int(score * 100 / top) if top else 0,
            }
        )
    return render(
        request,
        "supervision/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "sections": sections,
            "facilities": list(evaluation.facilities.select_related("region")),
            "providers": list(evaluation.providers.all()),
            "ratings": evaluation.evidence.get("ratings", {}),
            "inspections": evaluation.evidence.get("inspections", {}),
            "stars": evaluation.evidence.get("stars", []),
            "reasons": evaluation.evidence.get("reasons", []),
            "can_resolve": evaluation.flagged
            and not evaluation.resolution
            and request.user.role in EVALUATORS,
            "resolutions": [(v, label) for v, label in Resolution.choices if v],
            "errors": errors,
            "values": request.POST,
            "severity_labels": dict(Severity.choices),
            "status_labels": dict(FindingStatus.choices),
        },
        status=status,
    )


@role_required(READERS)
def photo(request, pk: int):
    """A photo, for those who may see its inspection (never a public URL)."""
    found = Photo.objects.filter(pk=pk).only("inspection_id", "photo").first()
    try:
        if found is None:
            raise NotFound()
        selectors.inspection_get(request.user, found.inspection_id)
    except DomainError as error:
        return error_response(request, error)
    name = found.photo.name.lower()
    kind = "image/png" if name.endswith(".png") else "image/jpeg"
    return FileResponse(found.photo.open("rb"), content_type=kind)
