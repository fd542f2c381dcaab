"""Volunteer team and publicity pages: team list, one team with its members (and their
Party registration), served hours and the confirm step; the materials library, one
material with the villages it reached, its printable page, and the forms."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page

from . import publicity, teams
from .models import MaterialKind, PublishHow, TeamKind

READERS = teams.READERS


def _errors(request, error: DomainError) -> dict:
    record_refusal(request, error)
    return error.fields or {"all": [error_text(error)]}


# "导出 Excel" of the lists: their own scoped querysets with their filters.
TEAM_COLUMNS = [
    Column(gettext_lazy("队伍名称"), lambda t: t.name, 24),
    Column(gettext_lazy("类型"), lambda t: t.get_kind_display()),
    Column(gettext_lazy("服务区划"), lambda t: t.region.name, 18),
    Column(gettext_lazy("负责人"), lambda t: t.leader),
    Column(gettext_lazy("联系电话"), lambda t: mask_phone(t.phone)),
    Column(gettext_lazy("简介"), lambda t: t.description, 40),
]
MATERIAL_COLUMNS = [
    Column(gettext_lazy("标题"), lambda m: m.title, 30),
    Column(gettext_lazy("类别"), lambda m: m.get_kind_display()),
    Column(gettext_lazy("发布单位区划"), lambda m: m.region.name, 18),
    Column(gettext_lazy("已发放村(社区)数"), lambda m: m.n_villages),
    Column(gettext_lazy("发布时间"), lambda m: m.created_at, 18),
]


@role_required(READERS)
def team_list(request):
    g = request.GET
    try:
        qs = teams.teams_for(
            request.user,
            q=g.get("q", "").strip(),
            kind=g.get("kind", "") if g.get("kind") in TeamKind.values else "",
            region_code=g.get("region") or None,
        )
    except DomainError as error:
        return error_response(request, error)
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("志愿服务队"),
            filename="volunteer-teams",
            columns=TEAM_COLUMNS,
            rows=qs.select_related("region"),
            object_type="VolunteerTeam",
        )
    return render(
        request,
        "community/team_list.html",
        {
            "page": paginate(request, qs),
            "params": g,
            "kinds": TeamKind.choices,
            "qs": query_without_page(request),
            "can_manage": teams.may_manage(request.user),
        },
    )


@role_required(teams.OFFICERS)
def team_edit(request, pk: int | None = None):
    try:
        team = teams.team_get(request.user, pk) if pk else None
    except DomainError as error:
        return error_response(request, error)
    values = {
        "name": getattr(team, "name", ""),
        "kind": getattr(team, "kind", ""),
        "region": team.region.code if team else request.user.region.code,
        "leader": getattr(team, "leader", ""),
        "phone": getattr(team, "phone", ""),
        "description": getattr(team, "description", ""),
    }
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            team = teams.team_save(actor=request.user, data=values, team=team, request=request)
        except DomainError as error:
            errors = _errors(request, error)
        else:
            messages.success(request, _("服务队已保存"))
            return redirect("community:team_detail", team.pk)
    return render(
        request,
        "community/team_form.html",
        {"team": team, "values": values, "errors": errors, "kinds": TeamKind.choices},
        status=422 if errors else 200,
    )


def _team_page(request, team, *, member_errors=None, service_errors=None, values=None):
    errors = bool(member_errors or service_errors)
    return render(
        request,
        "community/team_detail.html",
        {
            "team": team,
            "members": teams.team_members(team),
            "services": paginate(request, teams.services_for(request.user, team=team)),
            "can_manage": teams.may_manage(request.user),
            "member_errors": member_errors or {},
            "service_errors": service_errors or {},
            "values": values or {"served_on": timezone.localdate().isoformat()},
            "qs": query_without_page(request),
        },
        status=422 if errors else 200,
    )


@role_required(READERS)
def team_detail(request, pk: int):
    try:
        team = teams.team_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    return _team_page(request, team)


@require_POST
@role_required(teams.OFFICERS)
def member_add(request, pk: int):
    try:
        team = teams.team_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    p = request.POST
    try:
        teams.member_add(
            actor=request.user,
            team=team,
            visitor_id=p.get("visitor_id") or None,
            person_id=p.get("person_id") or None,
            skills=p.get("skills", ""),
            availability=p.get("availability", ""),
            joined_on=p.get("joined_on", ""),
            request=request,
        )
    except DomainError as error:
        return _team_page(request, team, member_errors=_errors(request, error), values=p)
    messages.success(request, _("队员已加入"))
    return redirect("community:team_detail", team.pk)


@require_POST
@role_required(teams.OFFICERS)
def service_new(request, pk: int):
    try:
        team = teams.team_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    p = request.POST
    try:
        teams.service_record(
            actor=request.user,
            team=team,
            member_id=p.get("member_id") or None,
            hours=p.get("hours", ""),
            served_on=p.get("served_on", ""),
            activity_id=p.get("activity_id") or None,
            what=p.get("what", ""),
            request=request,
        )
    except DomainError as error:
        return _team_page(request, team, service_errors=_errors(request, error), values=p)
    messages.success(request, _("服务时长已记录，待确认后计入时间银行"))
    return redirect("community:team_detail", team.pk)


@require_POST
@role_required(teams.OFFICERS)
def service_confirm(request, pk: int):
    try:
        service = teams.service_get(request.user, pk)
        teams.service_confirm(actor=request.user, service=service, request=request)
    except DomainError as error:
        return error_response(request, error)
    messages.success(request, _("已确认，服务时长已计入时间银行"))
    return redirect("community:team_detail", service.team_id)


# ------------------------------------------------------------------ publicity


@role_required(READERS)
def material_list(request):
    g = request.GET
    qs = publicity.materials_for(
        request.user,
        q=g.get("q", "").strip(),
        kind=g.get("kind", "") if g.get("kind") in MaterialKind.values else "",
    )
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("宣传资料"),
            filename="materials",
            columns=MATERIAL_COLUMNS,
            rows=qs.select_related("region"),
            object_type="Material",
        )
    return render(
        request,
        "community/material_list.html",
        {
            "page": paginate(request, qs),
            "params": g,
            "kinds": MaterialKind.choices,
            "qs": query_without_page(request),
            "can_manage": teams.may_manage(request.user),
        },
    )


@role_required(teams.OFFICERS)
def material_edit(request, pk: int | None = None):
    try:
        material = publicity.material_get(request.user, pk) if pk else None
    except DomainError as error:
        return error_response(request, error)
    values = {
        "title": getattr(material, "title", ""),
        "kind": getattr(material, "kind", ""),
        "body": getattr(material, "body", ""),
    }
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            material = publicity.material_save(
                actor=request.user, data=values, material=material, request=request
            )
        except DomainError as error:
            errors = _errors(request, error)
        else:
            messages.success(request, _("宣传材料已保存"))
            return redirect("community:material_detail", material.pk)
    return render(
        request,
        "community/material_form.html",
        {"material": material, "values": values, "errors": errors, "kinds": MaterialKind.choices},
        status=422 if errors else 200,
    )


def _material_page(request, material, *, errors=None, values=None):
    return render(
        request,
        "community/material_detail.html",
        {
            "material": material,
            "publications": paginate(
                request, publicity.publications_for(request.user, material=material)
            ),
            "hows": PublishHow.choices,
            "can_manage": teams.may_manage(request.user),
            "errors": errors or {},
            "values": values or {"published_on": timezone.localdate().isoformat()},
            "qs": query_without_page(request),
        },
        status=422 if errors else 200,
    )


@role_required(READERS)
def material_detail(request, pk: int):
    try:
        material = publicity.material_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    return _material_page(request, material)


@role_required(READERS)
def material_print(request, pk: int):
    try:
        material = publicity.material_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    return render(request, "community/material_print.html", {"material": material})


@require_POST
@role_required(teams.OFFICERS)
def material_publish(request, pk: int):
    try:
        material = publicity.material_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    p = request.POST
    villages = [c for line in p.getlist("villages") for c in line.replace("，", ",").split(",")]
    try:
        rows = publicity.publish(
            actor=request.user,
            material=material,
            villages=villages,
            published_on=p.get("published_on", ""),
            how=p.get("how", ""),
            note=p.get("note", ""),
            request=request,
        )
    except DomainError as error:
        return _material_page(request, material, errors=_errors(request, error), values=p)
    messages.success(request, _("已记录发布到 %(n)s 个村(社区)") % {"n": len(rows)})
    return redirect("community:material_detail", material.pk)


urlpatterns = [
    path("teams/", team_list, name="team_list"),
    path("teams/new/", team_edit, name="team_new"),
    path("teams/<int:pk>/", team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
    path("teams/<int:pk>/members/", member_add, name="team_member_add"),
    path("teams/<int:pk>/services/", service_new, name="team_service_new"),
    path("team-services/<int:pk>/confirm/", service_confirm, name="team_service_confirm"),
    path("materials/", material_list, name="material_list"),
    path("materials/new/", material_edit, name="material_new"),
    path("materials/<int:pk>/", material_detail, name="material_detail"),
    path("materials/<int:pk>/edit/", material_edit, name="material_edit"),
    path("materials/<int:pk>/print/", material_print, name="material_print"),
    path("materials/<int:pk>/publish/", material_publish, name="material_publish"),
]
