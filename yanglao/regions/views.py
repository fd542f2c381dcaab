"""Region pages: browse the tree from the user's own region down, edit figures, import."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import REGION_EDITORS
from yanglao.core import exports
from yanglao.core.audit import log_access
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, record_refusal
from yanglao.core.exports import XLSX_MIME, Column, build_xlsx
from yanglao.core.models import AccessKind
from yanglao.core.navigation import STAFF
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.sheets import read_sheet

from . import selectors, services
from .forms import PopulationForm, RegionSheetForm
from .importer import file_sha256
from .models import Level
from .services import POPULATION_FIELDS


def crumbs_for(region, actor) -> list[dict]:
    """Names of every ancestor; links only inside the actor's scope."""
    out = []
    scope_depth = actor.region.path.count(".")
    for r in selectors.breadcrumb(region):
        inside = r.path.count(".") >= scope_depth
        out.append(
            {"name": r.name, "url": reverse("regions:detail", args=[r.code]) if inside else ""}
        )
    return out


@role_required(STAFF)
def tree(request):
    return redirect("regions:detail", code=request.user.region_id)


# "导出 Excel" of the child regions (the list as filtered on the page).
REGION_COLUMNS = [
    Column(gettext_lazy("区划代码"), lambda r: r.code, 14),
    Column(gettext_lazy("名称"), lambda r: r.name, 20),
    Column(gettext_lazy("层级"), lambda r: r.get_level_display()),
    Column(gettext_lazy("市辖区"), lambda r: r.is_urban_district),
    Column(gettext_lazy("人口统计年份"), lambda r: r.population_year),
    Column(gettext_lazy("户籍60岁以上"), lambda r: r.registered_60),
    Column(gettext_lazy("户籍80岁以上"), lambda r: r.registered_80),
    Column(gettext_lazy("常住60岁以上"), lambda r: r.resident_60),
    Column(gettext_lazy("撤销日期"), lambda r: r.valid_to),
]


@role_required(STAFF)
def detail(request, code: str):
    actor = request.user
    region = selectors.region_get(actor, code)
    q = request.GET.get("q", "").strip()
    show_abolished = request.GET.get("abolished", "1") != "0"
    if q and request.GET.get("scope") == "all":
        qs = selectors.search(actor, q).filter(path__startswith=region.path + ".")
    else:
        qs = selectors.children_of(actor, region, q=q, include_abolished=show_abolished)
    if request.GET.get("export") == "xlsx":
        return exports.list_export(
            request,
            title=_("%(r)s的下级区划") % {"r": region.name},
            filename=f"regions-{region.code}",
            columns=REGION_COLUMNS,
            rows=qs,
            object_type="Region",
        )
    page = paginate(request, qs)
    counts = selectors.child_counts(list(page.object_list))
    context = {
        "region": region,
        "page": page,
        "counts": counts,
        "qs": query_without_page(request),
        "q": q,
        "show_abolished": show_abolished,
        "crumbs": crumbs_for(region, actor),
        "subtree": {Level(k).label: v for k, v in sorted(selectors.subtree_count(region).items())},
        "can_edit": actor.role in REGION_EDITORS,
        "level_label": Level(region.level).label,
    }
    template = "regions/_children.html" if request.htmx else "regions/detail.html"
    return render(request, template, context)


@role_required(REGION_EDITORS)
def edit(request, code: str):
    actor = request.user
    region = selectors.region_get(actor, code)
    initial = {
        name: getattr(region, name)
        for name in (*POPULATION_FIELDS, "population_year", "is_urban_district")
    }
    form = PopulationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.region_update(
                actor=actor,
                region=region,
                population_year=data["population_year"],
                populations={name: data[name] for name in POPULATION_FIELDS},
                is_urban_district=data["is_urban_district"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("regions:detail", code=region.code)
    return render(
        request,
        "regions/edit.html",
        {"form": form, "region": region, "crumbs": crumbs_for(region, actor)},
    )


@role_required(REGION_EDITORS)
def import_sheet(request):
    actor = request.user
    form = RegionSheetForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            sheet = read_sheet(io.BytesIO(data), upload.name)
            created, updated, rejected = services.region_import_sheet(
                actor=actor,
                sheet=sheet,
                file_hash=file_sha256(data),
                filename=upload.name,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            result = {
                "created": created,
                "updated": updated,
                "unchanged": len(sheet.rows) - len(rejected) - created - updated,
                "rejected": len(rejected),
            }
            if rejected:
                request.session["yl_region_rejects"] = {
                    "headers": sheet.headers,
                    "rows": [[*row, reason] for row, reason in rejected],
                }
    return render(
        request,
        "regions/import.html",
        {"form": form, "result": result},
        status=422 if form.errors else 200,
    )


def _cell_getter(index: int):
    return lambda row: row[index] if index < len(row) else ""


@role_required(REGION_EDITORS)
def import_rejects(request):
    stash = request.session.get("yl_region_rejects")
    if not stash:
        return redirect("regions:import")
    headers = [*stash["headers"], _("未导入原因")]
    columns = [Column(header, _cell_getter(index)) for index, header in enumerate(headers)]
    content, count = build_xlsx(
        title=_("未导入的行"), columns=columns, rows=stash["rows"], filters={}
    )
    # Every export is in the access log, this one too (rows the user sent, with reasons).
    log_access(
        actor=request.user,
        kind=AccessKind.EXPORT,
        request=request,
        detail={"object_type": "region_import_rejects", "rows": count},
    )
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = "attachment; filename=region-rejects.xlsx"
    return response
