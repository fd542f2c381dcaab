"""Facility pages: the registry with search and filters, a facility with its standards,
gaps and compliance items (each with rule and source), the form, and the list of
facilities with gaps or problems."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import Role
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page

from . import compliance, selectors, services, standards
from .models import FacilityStatus, FacilityType, FireReview, Ownership

READERS = selectors.READERS | {Role.FACILITY_OPERATOR}
FORM_FIELDS = [
    "name",
    "type",
    "region",
    "ownership",
    "status",
    "address",
    "latitude",
    "longitude",
    "floor_area_m2",
    "beds",
    "nursing_beds",
    "public_welfare_posts",
    "other_staff",
    "residents",
    "operator_name",
    "planned_on",
    "building_from",
    "opened_on",
    "closed_on",
    "fire_review",
    "fire_review_on",
    "first_resident_on",
    "filed_on",
    "food_licence_no",
    "food_licence_expires",
    "insurance_expires",
    "medical_insurance_on",
    "note",
]
CHECKBOXES = ("serves_meals", "converted_building", "has_medical_unit", "residential_utilities")


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _optional_include(name: str) -> str:
    """An include another part of the capability provides (empty when it does not exist)."""
    try:
        select_template([name])
    except Exception:
        return ""
    return name


# "导出 Excel" of the list: its own scoped queryset with its filters.
FACILITY_COLUMNS = [
    Column(gettext_lazy("名称"), lambda f: f.name, 28),
    Column(gettext_lazy("类型"), lambda f: f.get_type_display(), 20),
    Column(gettext_lazy("所在区划"), lambda f: f.region.name, 18),
    Column(gettext_lazy("运营模式"), lambda f: f.get_ownership_display()),
    Column(gettext_lazy("状态"), lambda f: f.get_status_display()),
    Column(gettext_lazy("床位数"), lambda f: f.beds),
    Column(gettext_lazy("护理型床位数"), lambda f: f.nursing_beds),
    Column(gettext_lazy("入住/服务老人数"), lambda f: f.residents),
    Column(gettext_lazy("运营方"), lambda f: f.operator_name, 20),
    Column(gettext_lazy("投入运营日期"), lambda f: f.opened_on),
]


@role_required(READERS)
def facility_list(request):
    g = request.GET
    qs = selectors.facilities(
        request.user,
        q=g.get("q", ""),
        type=g.get("type", ""),
        ownership=g.get("ownership", ""),
        status=g.get("status", ""),
        region_code=g.get("region", ""),
    )
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("养老设施"),
            filename="facilities",
            columns=FACILITY_COLUMNS,
            rows=qs,
            object_type="Facility",
        )
    page = paginate(request, qs)
    return render(
        request,
        "facilities/facility_list.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": g,
            "types": FacilityType.choices,
            "ownerships": Ownership.choices,
            "statuses": [
                *FacilityStatus.choices,
                (selectors.IN_SERVICE, _("运营中（含暂停）")),
            ],
            "can_create": request.user.role in services.OFFICERS,
        },
    )


def _room_names(facility) -> list[str]:
    labels = {**dict(COMMON_ROOMS), **dict(standards.room_choices(facility))}
    return [str(labels.get(code, code)) for code in facility.rooms or []]


@role_required(READERS)
def facility_detail(request, pk: int):
    try:
        facility = selectors.facility_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    ctx = {
        "facility": facility,
        "standards": standards.standards(facility),
        "gaps": standards.gaps(facility),
        "items": compliance.items(facility),
        "room_names": _room_names(facility),
        "can_edit": services.may_edit(request.user, facility),
        "ratings_include": _optional_include("facilities/_facility_ratings.html"),
        "party_include": _optional_include("party/_facility_party.html"),
    }
    if ctx["ratings_include"]:
        ctx["ratings"] = facility.ratings.all()[:20]
        ctx["can_rate"] = request.user.role in services.OFFICERS
    return render(request, "facilities/facility_detail.html", ctx)


def _data_from_post(post, officer: bool) -> dict:
    data = {k: post.get(k, "") for k in FORM_FIELDS if k in post}
    for key in CHECKBOXES:
        data[key] = post.get(key) == "on"
    data["rooms"] = post.getlist("rooms")
    if not officer:
        data = {k: v for k, v in data.items() if k in services.OPERATOR_FIELDS}
    return data


@role_required(READERS)
def facility_edit(request, pk: int | None = None):
    facility = None
    if pk is not None:
        try:
            facility = selectors.facility_get(request.user, pk)
        except DomainError as error:
            return error_response(request, error)
    if not services.may_edit(request.user, facility):
        from yanglao.core.errors import Forbidden

        return error_response(request, Forbidden(_("您只能编辑本辖区或本机构的设施")))
    officer = request.user.role in services.OFFICERS
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        try:
            facility = services.facility_save(
                actor=request.user,
                facility=facility,
                data=_data_from_post(request.POST, officer),
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"form": [error_text(error)]}
        else:
            messages.success(request, _("设施信息已保存"))
            return redirect("facilities:detail", facility.pk)
    elif facility is not None:
        values = {k: _text(getattr(facility, k)) for k in FORM_FIELDS if k != "region"}
        values["region"] = facility.region_id
        for key in CHECKBOXES:
            values[key] = getattr(facility, key)
    else:
        values = {"region": request.user.region_id, "status": "operating"}
    values = {**dict.fromkeys(FORM_FIELDS, ""), **{k: v for k, v in values.items()}}
    probe = facility
    if probe is None:
        from .models import Facility

        probe = Facility(type=request.POST.get("type") or FacilityType.DAY_CARE_CENTER)
        probe.region = request.user.region
    chosen = (
        set(request.POST.getlist("rooms"))
        if request.method == "POST"
        else set(facility.rooms if facility else [])
    )
    return render(
        request,
        "facilities/facility_form.html",
        {
            "facility": facility,
            "values": values,
            "errors": errors,
            "officer": officer,
            "types": FacilityType.choices,
            "ownerships": Ownership.choices,
            "statuses": FacilityStatus.choices,
            "fire_reviews": FireReview.choices,
            "rooms": standards.room_choices(probe) or COMMON_ROOMS,
            "chosen_rooms": chosen,
            "checkboxes": [(k, dict(CHECKBOX_LABELS)[k], bool(values.get(k))) for k in CHECKBOXES],
        },
        status=422 if errors else 200,
    )


COMMON_ROOMS = [
    ("day_rest", _("日间休息室")),
    ("dining", _("餐厅")),
    ("leisure", _("休闲娱乐室")),
    ("reading", _("图书阅览室")),
    ("fitness_rehab", _("健身康复室")),
    ("medical", _("医务室")),
    ("bedrooms", _("居室")),
    ("vegetable_garden", _("小型菜园")),
]
CHECKBOX_LABELS = [
    ("serves_meals", _("提供用餐")),
    ("converted_building", _("利用既有建筑改造")),
    ("has_medical_unit", _("内设医疗机构")),
    ("residential_utilities", _("水电气热执行居民价格")),
]


@role_required(selectors.READERS)
def gaps(request):
    g = request.GET
    rows = selectors.with_problems(
        request.user,
        type=g.get("type", ""),
        ownership=g.get("ownership", ""),
        region_code=g.get("region", ""),
    )
    return render(
        request,
        "facilities/facility_gaps.html",
        {"rows": rows, "params": g, "types": FacilityType.choices, "ownerships": Ownership.choices},
    )
