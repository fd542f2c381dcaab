"""Visit pages: the visitor's week, the phone visit form, overdue, compliance, follow-ups,
visitors and pairing."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import get_in_scope, scoped

from . import pairing, schedule, selectors, services
from .models import Finding, FollowUpKind, FollowUpStatus, VisitMethod, VisitorKind

OFFICERS = pairing.PAIRING_WRITERS
EVERYONE = OFFICERS | {Role.VISITOR}

# "导出 Excel" of each list: its own scoped queryset with its filters (masks applied).
VISIT_COLUMNS = [
    Column(gettext_lazy("探访时间"), lambda v: v.visited_at, 18),
    Column(gettext_lazy("老人"), lambda v: v.elder.person.name),
    Column(gettext_lazy("村(社区)"), lambda v: v.elder.region.name, 20),
    Column(gettext_lazy("方式"), lambda v: v.get_method_display()),
    Column(gettext_lazy("最重发现"), lambda v: v.get_worst_display()),
    Column(gettext_lazy("探访员"), lambda v: v.visitor.person.name if v.visitor_id else ""),
    Column(gettext_lazy("备注"), lambda v: v.note, 30),
]
OVERDUE_COLUMNS = [
    Column(gettext_lazy("老人"), lambda d: d.elder.person.name),
    Column(gettext_lazy("村(社区)"), lambda d: d.elder.region.name, 20),
    Column(gettext_lazy("周期"), lambda d: d.get_period_display()),
    Column(gettext_lazy("每周期至少探访次数"), lambda d: d.required),
    Column(gettext_lazy("应访截止"), lambda d: d.due_on),
    Column(gettext_lazy("最近探访"), lambda d: d.last_visit_at, 18),
]
FOLLOW_UP_COLUMNS = [
    Column(gettext_lazy("老人"), lambda f: f.elder.person.name),
    Column(gettext_lazy("类型"), lambda f: f.get_kind_display()),
    Column(gettext_lazy("程度"), lambda f: f.get_level_display()),
    Column(gettext_lazy("情况"), lambda f: f.description, 30),
    Column(gettext_lazy("负责人"), lambda f: str(f.assignee) if f.assignee_id else ""),
    Column(gettext_lazy("办理期限"), lambda f: f.due_on),
    Column(gettext_lazy("状态"), lambda f: f.get_status_display()),
    Column(gettext_lazy("办理结果"), lambda f: f.result, 30),
]
VISITOR_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda v: v.person.name),
    Column(gettext_lazy("身份"), lambda v: v.get_kind_display()),
    Column(gettext_lazy("手机号"), lambda v: mask_phone(v.person.phone)),
    Column(gettext_lazy("服务区划"), lambda v: v.region.name, 20),
    Column(gettext_lazy("工作单位/志愿组织"), lambda v: v.organization, 24),
    Column(gettext_lazy("在岗"), lambda v: v.active),
]
UNPAIRED_COLUMNS = [
    Column(gettext_lazy("老人"), lambda d: d.elder.person.name),
    Column(gettext_lazy("村(社区)"), lambda d: d.elder.region.name, 20),
    Column(gettext_lazy("风险等级"), lambda d: d.elder.get_risk_level_display()),
    Column(gettext_lazy("探访要求"), lambda d: f"{d.get_period_display()} {d.required}"),
    Column(gettext_lazy("应访截止"), lambda d: d.due_on),
]


@role_required(EVERYONE)
def my_week(request):
    visitor = pairing.visitor_for_user(request.user)
    rows = selectors.week_list(visitor) if visitor else []
    today = timezone.localdate()
    start, end = schedule.period_bounds("week", today)
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in ("overdue", "due", "done")}
    return render(
        request,
        "visits/my_week.html",
        {
            "visitor": visitor,
            "rows": rows,
            "counts": counts,
            "week": (start, end),
            "today": today,
        },
    )


def _checks_from_post(post, items) -> dict:
    return {
        code: {"level": post.get(f"check_{code}", ""), "note": post.get(f"note_{code}", "")}
        for code, _label in items
    }


@role_required(EVERYONE)
def visit_new(request, elder_id: int):
    try:
        elder = selectors.elder_for_visit(request.user, elder_id)
    except DomainError as error:
        return error_response(request, error)
    items = services.check_items(elder.region)
    methods = [(m, VisitMethod(m).label) for m in services.allowed_methods(elder.region)]
    errors: dict = {}
    values = {"method": "door", "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST":
        post = request.POST
        values = post
        raw_time = post.get("visited_at", "")
        visited_at = parse_datetime(raw_time) if raw_time else None
        try:
            visit = services.visit_record(
                actor=request.user,
                elder=elder,
                method=post.get("method", ""),
                visited_at=visited_at,
                checks=_checks_from_post(post, items),
                note=post.get("note", ""),
                photo=request.FILES.get("photo"),
                latitude=post.get("latitude") or None,
                longitude=post.get("longitude") or None,
                client_key=post.get("client_key") or None,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            if wants_json:
                return JsonResponse(error.body(), status=error.status)
            errors = error.fields or {"__all__": [error_text(error)]}
        else:
            if wants_json:
                return JsonResponse({"id": visit.pk, "url": f"/visits/{visit.pk}/"}, status=201)
            messages.success(request, _("探访已记录"))
            return redirect("visits:detail", visit.pk)
    return render(
        request,
        "visits/form.html",
        {
            "elder": elder,
            "items": [
                {
                    "code": code,
                    "label": label,
                    "value": values.get(f"check_{code}", "fine"),
                    "note": values.get(f"note_{code}", ""),
                    "error": (errors.get(f"checks.{code}") or [""])[0],
                }
                for code, label in items
            ],
            "methods": methods,
            "levels": Finding.choices,
            "values": values,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@role_required(EVERYONE)
def visit_detail(request, pk: int):
    try:
        visit = selectors.visit_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    labels = dict(services.check_items(visit.elder.region))
    checks = [
        {"label": labels.get(code, code), **entry, "display": Finding(entry["level"]).label}
        for code, entry in visit.checks.items()
    ]
    return render(
        request,
        "visits/detail.html",
        {"visit": visit, "checks": checks, "follow_ups": visit.follow_ups.all()},
    )


@role_required(OFFICERS)
def visit_list(request):
    week = parse_date(request.GET.get("week", "") or "")
    qs = selectors.visits_for(
        request.user,
        region_code=request.GET.get("region") or None,
        week=week,
        method=request.GET.get("method", ""),
        worst=request.GET.get("worst", ""),
    )
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("探访记录"),
            filename="visits",
            columns=VISIT_COLUMNS,
            rows=qs.select_related("elder__region"),
            object_type="Visit",
        )
    page = paginate(request, qs)
    return render(
        request,
        "visits/list.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "methods": VisitMethod.choices,
            "levels": Finding.choices,
            "params": request.GET,
        },
    )


@role_required(OFFICERS)
def overdue(request):
    region = request.GET.get("region") or None
    today = timezone.localdate()
    try:
        areas = selectors.overdue_by_area(request.user, region_code=region, today=today)
    except DomainError as error:
        return error_response(request, error)
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("探访逾期"),
            filename="visits-overdue",
            columns=OVERDUE_COLUMNS,
            rows=selectors.overdue(request.user, region_code=region, today=today).select_related(
                "elder__person", "elder__region"
            ),
            object_type="VisitDue",
        )
    page = paginate(request, selectors.overdue(request.user, region_code=region, today=today))
    rows = [
        {"due": d, "days": (today - d.due_on).days} for d in selectors.with_elders(page.object_list)
    ]
    leads = pairing.lead_visitors([r["due"].elder_id for r in rows], today)
    for row in rows:
        row["lead"] = leads.get(row["due"].elder_id)
    return render(
        request,
        "visits/overdue.html",
        {
            "areas": areas,
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
            "region": region or "",
            "qs": query_without_page(request),
        },
    )


@role_required(OFFICERS)
def compliance(request):
    week = parse_date(request.GET.get("week", "") or "") or timezone.localdate()
    try:
        view = selectors.compliance(
            request.user, region_code=request.GET.get("region") or None, period_start=week
        )
    except DomainError as error:
        return error_response(request, error)
    start = view.period_start
    return render(
        request,
        "visits/compliance.html",
        {
            "view": view,
            "previous": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
            "end": start + dt.timedelta(days=6),
            "is_current": start == schedule.week_start(timezone.localdate()),
        },
    )


@role_required(EVERYONE)
def follow_ups(request):
    mine = request.user.role == Role.VISITOR or request.GET.get("mine") == "1"
    status = request.GET.get("status", FollowUpStatus.OPEN)
    if status not in (*FollowUpStatus.values, ""):
        status = FollowUpStatus.OPEN
    kind = request.GET.get("kind", "")
    kind = kind if kind in FollowUpKind.values else ""
    region_code = request.GET.get("region", "").strip()[:15]
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.follow_ups_for(
        request.user,
        status=status,
        mine=mine,
        region_code=region_code,
        kind=kind,
        overdue_on=timezone.localdate() if overdue else None,
    )
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("跟进事项"),
            filename="follow-ups",
            columns=FOLLOW_UP_COLUMNS,
            rows=qs,
            object_type="FollowUp",
        )
    page = paginate(request, qs)
    return render(
        request,
        "visits/follow_ups.html",
        {
            "page": page,
            "status": status,
            "statuses": FollowUpStatus.choices,
            "kind": kind,
            "kinds": FollowUpKind.choices,
            "region_code": region_code,
            "overdue": overdue,
            "mine": mine,
            "today": timezone.localdate(),
            "qs": query_without_page(request),
        },
    )


@require_POST
@role_required(EVERYONE)
def follow_up_close(request, pk: int):
    try:
        follow_up = selectors.follow_up_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    try:
        services.follow_up_close(
            actor=request.user,
            follow_up=follow_up,
            result=request.POST.get("result", ""),
            request=request,
        )
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已办结"))
    return redirect(request.POST.get("next") or "visits:follow_ups")


# ------------------------------------------------------------------ visitors and pairing


@role_required(OFFICERS)
def visitors(request):
    q = request.GET.get("q", "")
    active = request.GET.get("active", "1")
    qs = pairing.visitors_for(request.user, q=q, active={"1": True, "0": False}.get(active))
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("探访员"),
            filename="visitors",
            columns=VISITOR_COLUMNS,
            rows=qs.select_related("person", "region"),
            object_type="Visitor",
        )
    page = paginate(request, qs)
    today = timezone.localdate()
    counts = {}
    if page.object_list:
        from django.db.models import Count

        counts = dict(
            pairing.active_pairings(today)
            .filter(visitor__in=list(page.object_list))
            .values_list("visitor")
            .annotate(n=Count("id"))
            .values_list("visitor", "n")
        )
    rows = [{"v": v, "elders": counts.get(v.pk, 0)} for v in page.object_list]
    form_errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        try:
            visitor = pairing.visitor_register(
                actor=request.user,
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                kind=values.get("kind", ""),
                region_code=values.get("region", ""),
                registered_community_code=values.get("registered_community") or None,
                organization=values.get("organization", ""),
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form_errors = error.fields or {"__all__": [error_text(error)]}
        else:
            messages.success(request, _("探访员 %(n)s 已登记") % {"n": visitor.person.name})
            return redirect("visits:visitor", visitor.pk)
    return render(
        request,
        "visits/visitors.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "active": active,
            "kinds": VisitorKind.choices,
            "errors": form_errors,
            "values": values,
            "qs": query_without_page(request),
        },
        status=422 if form_errors else 200,
    )


@role_required(OFFICERS)
def visitor_detail(request, pk: int):
    try:
        visitor = get_in_scope(
            pairing.Visitor.objects.select_related("person", "region", "user"),
            request.user,
            path_lookup="region_path",
            pk=pk,
        )
    except DomainError as error:
        return error_response(request, error)
    today = timezone.localdate()
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "pair":
                codes = [c for c in request.POST.getlist("elders") if c.isdigit()]
                elders = selectors.elders_in_scope(request.user, codes)
                pairing.pair(
                    actor=request.user,
                    visitor=visitor,
                    elders=elders,
                    starts_on=parse_date(request.POST.get("starts_on", "")) or today,
                    request=request,
                )
                messages.success(request, _("已结对 %(n)s 位老人") % {"n": len(elders)})
            elif action == "end":
                row = visitor.pairings.filter(pk=request.POST.get("pairing") or 0).first()
                if row is None:
                    raise NotFound()
                pairing.unpair(
                    actor=request.user,
                    pairing=row,
                    on=today,
                    reason=request.POST.get("reason", ""),
                    request=request,
                )
                messages.success(request, _("已结束结对"))
            elif action == "hand_over":
                to = scoped(
                    pairing.Visitor.objects.all(), request.user, path_lookup="region_path"
                ).filter(pk=request.POST.get("to_visitor") or 0)
                successor = to.first()
                if successor is None:
                    raise services.ValidationFailed(fields={"to_visitor": [_("请选择接手人")]})
                result = pairing.hand_over(
                    actor=request.user,
                    from_visitor=visitor,
                    to_visitor=successor,
                    on=today,
                    request=request,
                )
                if request.POST.get("leave") == "1":
                    pairing.visitor_leave(
                        actor=request.user,
                        visitor=visitor,
                        on=today,
                        reason=request.POST.get("reason") or _("离岗，结对已转交"),
                        request=request,
                    )
                messages.success(
                    request,
                    _("已转交 %(p)s 位老人、%(f)s 项跟进事项、%(a)s 条告警")
                    % {"p": result["pairings"], "f": result["follow_ups"], "a": result["alerts"]},
                )
            return redirect("visits:visitor", visitor.pk)
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
    pairings = visitor.pairings.select_related("elder__person").order_by("-starts_on", "-id")
    active = set(
        pairing.active_pairings(today).filter(visitor=visitor).values_list("pk", flat=True)
    )
    candidates = pairing.unpaired_elders(request.user, region_code=visitor.region_id)[:50]
    successors = pairing.visitors_for(request.user).exclude(pk=visitor.pk)[:200]
    return render(
        request,
        "visits/visitor.html",
        {
            "visitor": visitor,
            "pairings": pairings,
            "active": active,
            "candidates": candidates,
            "successors": successors,
            "errors": errors,
            "today": today,
        },
        status=422 if errors else 200,
    )


@role_required(OFFICERS)
def unpaired(request):
    region = request.GET.get("region") or None
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("未结对的重点老人"),
            filename="unpaired-elders",
            columns=UNPAIRED_COLUMNS,
            rows=pairing.unpaired_elders(request.user, region_code=region),
            object_type="VisitDue",
        )
    page = paginate(request, pairing.unpaired_elders(request.user, region_code=region))
    return render(
        request,
        "visits/unpaired.html",
        {"page": page, "region": region or "", "qs": query_without_page(request)},
    )


@role_required(EVERYONE)
def visit_photo(request, pk: int):
    """The photo of a visit, for those who may see the visit (never a public URL)."""
    from django.http import FileResponse

    try:
        visit = selectors.visit_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    if not visit.photo:
        return error_response(request, NotFound())
    return FileResponse(
        visit.photo.open("rb"),
        content_type="image/jpeg"
        if visit.photo.name.lower().endswith((".jpg", ".jpeg"))
        else "image/png",
    )
