"""Planning pages: task tables (as printed, mismatches highlighted, progress beside each
planned figure; import and export as .xlsx), project applications with the ranking,
statuses and county evaluations."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import Role
from yanglao.core import exports
from yanglao.core.audit import AccessKind, log_access
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, Forbidden, ValidationFailed, error_response, error_text
from yanglao.core.exports import XLSX_MIME
from yanglao.regions.models import Region

from . import selectors, services, sheets, tasks
from .models import EvaluationResult, ProjectStatus

READERS = selectors.READERS
REJECTED_KEY = "planning_rejected"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'{name}-{stamp}.xlsx')}"
    )
    return response


@role_required(READERS)
def table_list(request):
    return render(
        request,
        "planning/table_list.html",
        {
            "tables": selectors.tables(request.user)[:200],
            "can_edit": request.user.role in services.WRITERS,
        },
    )


def _on(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@role_required(READERS)
def table_detail(request, pk: int):
    try:
        table = selectors.table_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    view = selectors.table_view(request.user, table, _on(request))
    groups: list[tuple[str, int]] = []
    for col in table.columns:
        name = (
            _("行政村") if col["kind"] != tasks.TASK else _("%(y)s 年建设任务") % {"y": col["year"]}
        )
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1] + 1)
        else:
            groups.append((name, 1))
    labels = {c["key"]: tasks.header(c) for c in table.columns}
    return render(
        request,
        "planning/table_detail.html",
        {
            "view": view,
            "table": table,
            "groups": groups,
            "mismatches": [(m, labels.get(m.column, m.column)) for m in view.mismatches],
            "can_edit": request.user.role in services.WRITERS and view.whole,
        },
    )


@role_required(READERS)
def table_export(request, pk: int):
    try:
        table = selectors.table_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    view = selectors.table_view(request.user, table, timezone.localdate())
    log_access(
        actor=request.user,
        kind=AccessKind.EXPORT,
        request=request,
        obj=table,
        detail={"object_type": "TaskTable", "rows": len(view.rows)},
    )
    return _xlsx(sheets.export(table, [r.row for r in view.rows], view.mismatches), table.title)


@role_required(services.WRITERS)
def table_import(request, pk: int):
    try:
        table = selectors.table_get(request.user, pk)
        if not selectors.whole_table(request.user, table):
            raise Forbidden()
    except DomainError as error:
        return error_response(request, error)
    ctx = {"table": table, "headers": sheets.headers(table)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(fields={"file": [_("请选择文件")]})
            result = sheets.import_file(
                actor=request.user,
                table=table,
                handle=upload,
                filename=upload.name,
                request=request,
            )
        except DomainError as error:
            ctx["error"] = error_text(error)
            return render(request, "planning/table_import.html", ctx, status=422)
        ctx["result"] = result
        if result.rejected:
            request.session[REJECTED_KEY] = {
                "table": table.pk,
                "xlsx": base64.b64encode(sheets.rejected_file(table, result)).decode(),
            }
    return render(request, "planning/table_import.html", ctx)


@role_required(services.WRITERS)
def table_rejected(request, pk: int):
    stored = request.session.get(REJECTED_KEY) or {}
    if stored.get("table") != pk:
        return redirect("planning:table_import", pk=pk)
    return _xlsx(base64.b64decode(stored["xlsx"]), _("未导入的行"))


# ---------------------------------------------------------------- projects


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


# "导出 Excel" of the applications of the year: ranked first (with rank and total).
PROJECT_COLUMNS = [
    exports.Column(gettext_lazy("排名"), lambda r: r[0].rank if r[0] else "", 6),
    exports.Column(gettext_lazy("项目名称"), lambda r: r[1].name, 30),
    exports.Column(gettext_lazy("县（区）"), lambda r: r[1].county.name, 14),
    exports.Column(
        gettext_lazy("社区"), lambda r: r[1].community.name if r[1].community_id else ""
    ),
    exports.Column(gettext_lazy("申报年度"), lambda r: r[1].year, 8),
    exports.Column(gettext_lazy("建筑面积（m²）"), lambda r: r[1].floor_area_m2),
    exports.Column(gettext_lazy("运营主体"), lambda r: r[1].operator_name, 20),
    exports.Column(gettext_lazy("加权得分"), lambda r: r[0].total if r[0] else ""),
    exports.Column(gettext_lazy("状态"), lambda r: r[1].get_status_display()),
]


@role_required(READERS)
def project_list(request):
    year = _year(request)
    ranking = selectors.ranked(request.user, year)
    ranked_ids = {a.pk for _r, a in ranking.rows}
    others = [a for a in selectors.applications(request.user, year=year) if a.pk not in ranked_ids]
    if request.GET.get("export") == "xlsx":
        return exports.list_export(
            request,
            title=_("城镇社区养老幸福工程申报"),
            filename=f"projects-{year}",
            columns=PROJECT_COLUMNS,
            rows=[*ranking.rows, *((None, a) for a in others)],
            object_type="ProjectApplication",
        )
    _names, labels = services.factors(request.user.region)
    return render(
        request,
        "planning/project_list.html",
        {
            "year": year,
            "ranking": ranking,
            "weights": [(labels.get(n, n), w) for n, w in ranking.weights.items()],
            "others": others,
            "can_edit": request.user.role in services.WRITERS,
        },
    )


@role_required(services.WRITERS)
def project_new(request):
    names, labels = services.factors(request.user.region)
    ctx = {
        "factors": [(n, labels[n]) for n in names],
        "values": request.POST,
        "year": timezone.localdate().year,
    }
    if request.method == "POST":
        p = request.POST
        try:
            app = services.application_submit(
                actor=request.user,
                county_code=p.get("county", ""),
                community_code=p.get("community", ""),
                year=int(p.get("year") or 0),
                name=p.get("name", ""),
                floor_area_m2=p.get("floor_area_m2") or None,
                operator_name=p.get("operator_name", ""),
                scores={n: p.get(f"score_{n}") for n in names if p.get(f"score_{n}")},
                note=p.get("note", ""),
                request=request,
            )
        except (DomainError, ValueError) as error:
            ctx["error"] = (
                error_text(error) if isinstance(error, DomainError) else _("年度应为整数")
            )
            ctx["fields"] = getattr(error, "fields", {})
            return render(request, "planning/project_form.html", ctx, status=422)
        messages.success(request, _("已申报"))
        return redirect("planning:project_detail", pk=app.pk)
    return render(request, "planning/project_form.html", ctx)


@role_required(READERS)
def project_detail(request, pk: int):
    try:
        app = selectors.application_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    if request.method == "POST":
        if request.user.role not in services.WRITERS:
            return error_response(request, Forbidden())
        p = request.POST
        try:
            if p.get("action") == "score":
                names, _labels = services.factors(app.county)
                services.application_score(
                    actor=request.user,
                    application=app,
                    scores={n: p.get(f"score_{n}") for n in names if p.get(f"score_{n}")},
                    request=request,
                )
            else:
                passed = {"yes": True, "no": False}.get(p.get("evaluation_passed", ""))
                services.application_move(
                    actor=request.user,
                    application=app,
                    to_status=p.get("status", ""),
                    note=p.get("note", ""),
                    evaluation_passed=passed,
                    request=request,
                )
            messages.success(request, _("已保存"))
        except DomainError as error:
            messages.error(request, error_text(error))
        return redirect("planning:project_detail", pk=pk)
    names, labels = services.factors(app.county)
    return render(
        request,
        "planning/project_detail.html",
        {
            "app": app,
            "changes": app.changes.select_related("actor").order_by("id"),
            "factors": [(n, labels[n], app.scores.get(n, "")) for n in names],
            "next": [
                (s, ProjectStatus(s).label)
                for s, roles in services.TRANSITIONS.get(app.status, {}).items()
                if request.user.role in roles
            ],
            "can_edit": request.user.role in services.WRITERS,
        },
    )


@role_required(READERS)
def evaluation_list(request):
    ctx = {
        "evaluations": selectors.evaluations(request.user)[:200],
        "results": EvaluationResult.choices,
        "can_edit": request.user.role == Role.CITY_ADMIN,
        "counties": Region.objects.none(),
    }
    if request.method == "POST":
        p = request.POST
        try:
            services.evaluation_record(
                actor=request.user,
                county_code=p.get("county", ""),
                year=int(p.get("year") or 0),
                result=p.get("result", ""),
                note=p.get("note", ""),
                request=request,
            )
            messages.success(request, _("已保存"))
        except (DomainError, ValueError) as error:
            messages.error(
                request, error_text(error) if isinstance(error, DomainError) else _("年度应为整数")
            )
        return redirect("planning:evaluations")
    return render(request, "planning/evaluation_list.html", ctx)


urlpatterns = [
    path("", table_list, name="tables"),
    path("tables/<int:pk>/", table_detail, name="table_detail"),
    path("tables/<int:pk>/export/", table_export, name="table_export"),
    path("tables/<int:pk>/import/", table_import, name="table_import"),
    path("tables/<int:pk>/import/rejected/", table_rejected, name="table_rejected"),
    path("projects/", project_list, name="projects"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/<int:pk>/", project_detail, name="project_detail"),
    path("evaluations/", evaluation_list, name="evaluations"),
]
