"""Pages of Party work: organizations, members, an institution's requirements, coverage,
activities and what is missing. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, ValidationFailed, error_text
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import scoped
from yanglao.facilities.models import Facility, FacilityType, Ownership
from yanglao.people.models import Person
from yanglao.regions.models import Region

from . import selectors, services
from .models import (
    ActivityKind,
    DispatchedBy,
    DispatchRole,
    EndKind,
    MemberStatus,
    NotMovedReason,
    OrgKind,
    OrgTier,
    Standing,
)
from .selectors import PARTY_USERS, PARTY_WRITERS
from .templatetags.party_tags import reach_label

# "导出 Excel" of the lists: their own scoped querysets with their filters.
ORGANIZATION_COLUMNS = [
    Column(gettext_lazy("名称"), lambda r: "　" * r[1] + r[0].name, 32),
    Column(gettext_lazy("类别"), lambda r: r[0].get_kind_display()),
    Column(gettext_lazy("所在区划"), lambda r: r[0].region.name, 18),
    Column(gettext_lazy("书记"), lambda r: r[0].secretary.name if r[0].secretary_id else ""),
    Column(gettext_lazy("换届到期"), lambda r: r[0].term_end),
    Column(gettext_lazy("有效"), lambda r: r[0].active),
]
MEMBER_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda m: m.person.name),
    Column(gettext_lazy("身份"), lambda m: m.get_standing_display()),
    Column(gettext_lazy("党员类别"), lambda m: m.get_status_display()),
    Column(gettext_lazy("党组织"), lambda m: m.organization.name if m.organization_id else "", 24),
    Column(gettext_lazy("机构"), lambda m: m.facility.name if m.facility_id else "", 24),
    Column(gettext_lazy("组织关系已转入"), lambda m: m.relation_moved),
    Column(gettext_lazy("入党日期"), lambda m: m.joined_on),
    Column(gettext_lazy("所在区划"), lambda m: m.region.name, 18),
]
ACTIVITY_COLUMNS = [
    Column(gettext_lazy("日期"), lambda a: a.held_on),
    Column(gettext_lazy("类型"), lambda a: a.get_kind_display(), 20),
    Column(gettext_lazy("标题"), lambda a: a.title, 30),
    Column(gettext_lazy("党组织"), lambda a: a.organization.name if a.organization_id else "", 24),
    Column(gettext_lazy("机构"), lambda a: a.facility.name if a.facility_id else "", 24),
    Column(gettext_lazy("所在区划"), lambda a: a.region.name if a.region_id else "", 18),
    Column(gettext_lazy("地点"), lambda a: a.venue, 20),
]


def institution_columns(reaches: dict[int, set[str]]) -> list[Column]:
    def reach(f) -> str:
        return "、".join(reach_label(c) for c in sorted(reaches.get(f.pk, ()))) or _("尚未覆盖")

    return [
        Column(gettext_lazy("机构"), lambda f: f.name, 28),
        Column(gettext_lazy("类型"), lambda f: f.get_type_display(), 20),
        Column(gettext_lazy("运营模式"), lambda f: f.get_ownership_display()),
        Column(gettext_lazy("所在区划"), lambda f: f.region.name, 18),
        Column(gettext_lazy("党的组织和工作覆盖"), reach, 30),
    ]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _can_write(request) -> bool:
    """Whether the page shows the create/edit buttons (the services check the scope)."""
    return getattr(request.user, "role", None) in PARTY_WRITERS


@role_required(PARTY_USERS)
def organization_tree(request):
    g = request.GET
    tree = selectors.organization_tree(
        request.user, q=g.get("q", ""), kind=g.get("kind", ""), region_code=g.get("region") or None
    )
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("党组织"),
            filename="party-organizations",
            columns=ORGANIZATION_COLUMNS,
            rows=tree,
            object_type="PartyOrganization",
        )
    today = timezone.localdate()
    rows = [{"org": o, "depth": d, "renewal": selectors.renewal_due(o, today)} for o, d in tree]
    return render(
        request,
        "party/organizations.html",
        {"rows": rows, "params": g, "kinds": OrgKind.choices, "can_write": _can_write(request)},
    )


@role_required(PARTY_USERS)
def organization_detail(request, pk: int):
    org = selectors.organization_get(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "party/organization.html",
        {
            "org": org,
            "renewal": selectors.renewal_due(org, today),
            "children": selectors.organizations(request.user).filter(parent=org),
            "members": selectors.members(request.user, organization_id=org.pk)[:200],
            "facilities": org.facilities.select_related("region").order_by("name"),
            "dispatches": selectors.dispatches(request.user, on=today).filter(organization=org),
            "activities": selectors.activities(request.user, organization_id=org.pk)[:20],
            "can_write": _can_write(request),
        },
    )


@role_required(PARTY_USERS)
def member_list(request):
    g = request.GET
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("党员"),
            filename="party-members",
            columns=MEMBER_COLUMNS,
            rows=selectors.members(
                request.user,
                q=g.get("q", "").strip(),
                standing=g.get("standing", ""),
                status=g.get("status", ""),
                moved=g.get("moved", ""),
                organization_id=_int(g.get("org")),
                region_code=g.get("region") or None,
            ).select_related("person", "organization", "facility", "region"),
            object_type="PartyMembership",
        )
    page = paginate(
        request,
        selectors.members(
            request.user,
            q=g.get("q", "").strip(),
            standing=g.get("standing", ""),
            status=g.get("status", ""),
            moved=g.get("moved", ""),
            organization_id=_int(g.get("org")),
            region_code=g.get("region") or None,
        ),
    )
    return render(
        request,
        "party/members.html",
        {
            "page": page,
            "params": g,
            "standings": Standing.choices,
            "statuses": MemberStatus.choices,
            "qs": query_without_page(request),
            "can_write": _can_write(request),
        },
    )


@role_required(PARTY_USERS)
def institution_list(request):
    g = request.GET
    today = timezone.localdate()
    if g.get("export") == "xlsx":
        qs = selectors.institutions(
            request.user,
            q=g.get("q", "").strip(),
            region_code=g.get("region") or None,
            ownership=g.get("ownership", ""),
            facility_type=g.get("type", ""),
        )
        return list_export(
            request,
            title=_("机构党建"),
            filename="party-institutions",
            columns=institution_columns(selectors.reach_map(qs, today)),
            rows=qs.select_related("region"),
            object_type="Facility",
        )
    page = paginate(
        request,
        selectors.institutions(
            request.user,
            q=g.get("q", "").strip(),
            region_code=g.get("region") or None,
            ownership=g.get("ownership", ""),
            facility_type=g.get("type", ""),
        ),
    )
    facilities = list(page.object_list)
    ids = [f.pk for f in facilities]
    reaches = selectors.reach_map(Facility.objects.filter(pk__in=ids), today)
    counts = selectors.full_member_counts(ids)
    rows = [
        {
            "facility": f,
            "reach": sorted(reaches.get(f.pk, set())),
            "staff_full": counts.get(f.pk, {}).get(Standing.STAFF, 0),
            "resident_full": counts.get(f.pk, {}).get(Standing.RESIDENT, 0),
        }
        for f in facilities
    ]
    return render(
        request,
        "party/institutions.html",
        {
            "page": page,
            "rows": rows,
            "params": g,
            "ownerships": Ownership.choices,
            "types": FacilityType.choices,
            "qs": query_without_page(request),
        },
    )


@role_required(PARTY_USERS)
def institution_requirements(request, pk: int):
    party = selectors.facility_requirements(request.user, pk)
    return render(
        request,
        "party/requirements.html",
        {"party": party, "facility": party.facility, "can_write": _can_write(request)},
    )


@role_required(PARTY_USERS)
def coverage(request):
    view = selectors.coverage(request.user, region_code=request.GET.get("region") or None)
    return render(request, "party/coverage.html", {"view": view})


@role_required(PARTY_USERS)
def activity_list(request):
    g = request.GET
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("党建活动"),
            filename="party-activities",
            columns=ACTIVITY_COLUMNS,
            rows=selectors.activities(
                request.user,
                q=g.get("q", "").strip(),
                kind=g.get("kind", ""),
                region_code=g.get("region") or None,
                organization_id=_int(g.get("org")),
                facility_id=_int(g.get("facility")),
                date_from=_date(g.get("from")),
                date_to=_date(g.get("to")),
            ).select_related("organization", "facility", "region"),
            object_type="Activity",
        )
    page = paginate(
        request,
        selectors.activities(
            request.user,
            q=g.get("q", "").strip(),
            kind=g.get("kind", ""),
            region_code=g.get("region") or None,
            organization_id=_int(g.get("org")),
            facility_id=_int(g.get("facility")),
            date_from=_date(g.get("from")),
            date_to=_date(g.get("to")),
        ),
    )
    return render(
        request,
        "party/activities.html",
        {
            "page": page,
            "params": g,
            "kinds": ActivityKind.choices,
            "qs": query_without_page(request),
        },
    )


def _form_objects(user, post) -> dict:
    """The organization, facility and person a form names, each in the user's scope."""
    out: dict = {"organization": None, "facility": None, "on_site_person": None}
    errors: dict[str, list[str]] = {}
    if _int(post.get("organization")):
        out["organization"] = selectors.organizations(user).filter(
            pk=_int(post.get("organization"))
        ).first() or errors.setdefault("organization", [_("请选择有效的党组织")])
    if _int(post.get("facility")):
        out["facility"] = selectors.institutions(user).filter(
            pk=_int(post.get("facility"))
        ).first() or errors.setdefault("facility", [_("请选择有效的机构")])
    if _int(post.get("on_site_person")):
        person_ids = selectors.dispatches(user).values("person_id")
        out["on_site_person"] = Person.objects.filter(
            pk=_int(post.get("on_site_person")), pk__in=person_ids
        ).first() or errors.setdefault("on_site_person", [_("请选择有效的选派人员")])
    if errors:
        raise ValidationFailed(fields=errors)
    return out


@role_required(PARTY_USERS)
def activity_new(request):
    values = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    if request.method == "POST":
        try:
            objects = _form_objects(request.user, request.POST)
            activity = services.activity_record(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                held_on=_date(request.POST.get("held_on")),
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                region_code=request.POST.get("region", ""),
                client_key=request.POST.get("client_key") or None,
                **objects,
            )
        except ValidationFailed as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        except DomainError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已记录活动：%(t)s") % {"t": activity.title})
            return redirect("party:activities")
    return render(
        request,
        "party/activity_form.html",
        {
            "values": values,
            "errors": errors,
            "kinds": ActivityKind.choices,
            "organizations": selectors.organizations(request.user).order_by("name")[:500],
            "facilities": selectors.institutions(request.user)[:500],
            "dispatches": selectors.dispatches(request.user),
            "client_key": values.get("client_key") or uuid.uuid4().hex,
            "today": timezone.localdate(),
        },
        status=422 if errors else 200,
    )


@role_required(PARTY_USERS)
def missing(request):
    view = selectors.missing(request.user, region_code=request.GET.get("region") or None)
    return render(request, "party/missing.html", {"view": view})


# ---------------------------------------------------------------- editing


def _scoped_org(user, value, errors: dict, key: str):
    pk = _int(value)
    if not pk:
        return None
    found = selectors.organizations(user, active=None).filter(pk=pk).first()
    if found is None:
        errors[key] = [_("请选择有效的党组织")]
    return found


def _scoped_facility(user, value, errors: dict, key: str = "facility"):
    pk = _int(value)
    if not pk:
        return None
    found = selectors.institutions(user).filter(pk=pk).first()
    if found is None:
        errors[key] = [_("请选择有效的机构")]
    return found


def _render_form(request, template: str, context: dict, errors: dict):
    return render(request, template, {**context, "errors": errors}, status=422 if errors else 200)


def _org_form_context(user, org=None) -> dict:
    orgs = selectors.organizations(user).order_by("name")
    if org is not None:
        orgs = orgs.exclude(pk=org.pk)
    return {
        "org": org,
        "kinds": OrgKind.choices,
        "tiers": OrgTier.choices,
        "parents": orgs[:500],
        "facilities": selectors.institutions(user)[:500],
    }


def _secretary(user, post, region, current):
    """The secretary the form names: the current one kept, none, or found/created."""
    name = post.get("secretary_name", "").strip()
    if not name:
        return None
    id_number = post.get("secretary_id_number", "").strip()
    if current is not None and name == current.name and not id_number:
        return current
    return services.person_find_or_create(
        name=name,
        region=region,
        phone=post.get("secretary_phone", ""),
        id_number=id_number,
        prefix="secretary_",
    )


@role_required(PARTY_WRITERS)
def organization_new(request):
    values = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        parent = _scoped_org(request.user, p.get("parent"), errors, "parent")
        facilities = list(
            selectors.institutions(request.user).filter(pk__in=p.getlist("facilities"))
        )
        region = Region.objects.filter(code=p.get("region", "").strip()).first()
        try:
            if errors:
                raise ValidationFailed(fields=errors)
            with transaction.atomic():
                secretary = _secretary(request.user, p, region or request.user.region, None)
                org = services.organization_create(
                    actor=request.user,
                    name=p.get("name", ""),
                    kind=p.get("kind", ""),
                    tier=p.get("tier", ""),
                    region_code=p.get("region", "").strip(),
                    parent=parent,
                    facilities=facilities,
                    managing_unit=p.get("managing_unit", "").strip(),
                    secretary=secretary,
                    term_start=_date(p.get("term_start")),
                    term_end=_date(p.get("term_end")),
                )
        except ValidationFailed as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已新建党组织：%(n)s") % {"n": org.name})
            return redirect("party:organization", org.pk)
    chosen = [int(x) for x in values.getlist("facilities") if x.isdigit()]
    return _render_form(
        request,
        "party/organization_form.html",
        {**_org_form_context(request.user), "values": values, "chosen": chosen},
        errors,
    )


@role_required(PARTY_WRITERS)
def organization_edit(request, pk: int):
    org = selectors.organization_get(request.user, pk)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        values = p
        parent = _scoped_org(request.user, p.get("parent"), errors, "parent")
        facilities = list(
            selectors.institutions(request.user).filter(pk__in=p.getlist("facilities"))
        )
        try:
            if errors:
                raise ValidationFailed(fields=errors)
            with transaction.atomic():
                org = services.organization_update(
                    actor=request.user,
                    org=org,
                    name=p.get("name", ""),
                    kind=p.get("kind", ""),
                    tier=p.get("tier", ""),
                    parent=parent,
                    facilities=facilities,
                    managing_unit=p.get("managing_unit", ""),
                    secretary=_secretary(request.user, p, org.region, org.secretary),
                    term_start=_date(p.get("term_start")),
                    term_end=_date(p.get("term_end")),
                )
        except ValidationFailed as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
            org.refresh_from_db()
        except DomainError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已保存：%(n)s") % {"n": org.name})
            return redirect("party:organization", org.pk)
    else:
        values = {
            "name": org.name,
            "kind": org.kind,
            "tier": org.tier,
            "region": org.region.code,
            "parent": str(org.parent_id or ""),
            "managing_unit": org.managing_unit,
            "secretary_name": org.secretary.name if org.secretary else "",
            "term_start": org.term_start.isoformat() if org.term_start else "",
            "term_end": org.term_end.isoformat() if org.term_end else "",
        }
    chosen = (
        [int(x) for x in values.getlist("facilities") if x.isdigit()]
        if hasattr(values, "getlist")
        else list(org.facilities.values_list("pk", flat=True))
    )
    return _render_form(
        request,
        "party/organization_form.html",
        {**_org_form_context(request.user, org), "values": values, "chosen": chosen},
        errors,
    )


def _member_context(user, membership=None, values=None) -> dict:
    values = values or {}
    return {
        "membership": membership,
        "organizations": selectors.organizations(user).order_by("name")[:500],
        "facilities": selectors.institutions(user)[:500],
        "standings": Standing.choices,
        "statuses": MemberStatus.choices,
        "reasons": [c for c in NotMovedReason.choices if c[0]],
        "found": selectors.people_search(user, values.get("person_q", ""))
        if membership is None
        else [],
    }


def _member_fields(user, p, errors: dict) -> dict:
    return {
        "organization": _scoped_org(user, p.get("organization"), errors, "organization"),
        "facility": _scoped_facility(user, p.get("facility"), errors),
        "standing": p.get("standing", ""),
        "status": p.get("status", ""),
        "relation_moved": p.get("relation_moved") in ("1", "on", "true"),
        "not_moved_reason": p.get("not_moved_reason", ""),
        "joined_on": _date(p.get("joined_on")),
    }


@role_required(PARTY_WRITERS)
def member_new(request):
    values = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        fields = _member_fields(request.user, p, errors)
        person = None
        if _int(p.get("person")):
            person = (
                scoped(Person.objects.all(), request.user).filter(pk=_int(p.get("person"))).first()
            )
            if person is None:
                errors["person"] = [_("请选择有效的人员")]
        try:
            if errors:
                raise ValidationFailed(fields=errors)
            with transaction.atomic():
                if person is None:
                    region = (
                        fields["facility"].region if fields["facility"] else request.user.region
                    )
                    person = services.person_find_or_create(
                        name=p.get("name", ""),
                        region=region,
                        phone=p.get("phone", ""),
                        id_number=p.get("id_number", ""),
                    )
                membership = services.membership_create(actor=request.user, person=person, **fields)
        except ValidationFailed as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已登记党员：%(n)s") % {"n": membership.person.name})
            return redirect("party:members")
    return _render_form(
        request,
        "party/member_form.html",
        {**_member_context(request.user, values=values), "values": values},
        errors,
    )


@role_required(PARTY_WRITERS)
def member_edit(request, pk: int):
    membership = selectors.member_get(request.user, pk)
    errors: dict = {}
    if request.method == "POST":
        values = request.POST
        fields = _member_fields(request.user, request.POST, errors)
        try:
            if errors:
                raise ValidationFailed(fields=errors)
            services.membership_update(actor=request.user, membership=membership, **fields)
        except ValidationFailed as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
            membership.refresh_from_db()
        except DomainError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已保存：%(n)s") % {"n": membership.person.name})
            return redirect("party:members")
    else:
        m = membership
        values = {
            "organization": str(m.organization_id or ""),
            "facility": str(m.facility_id or ""),
            "standing": m.standing,
            "status": m.status,
            "relation_moved": "1" if m.relation_moved else "",
            "not_moved_reason": m.not_moved_reason,
            "joined_on": m.joined_on.isoformat() if m.joined_on else "",
        }
    return _render_form(
        request,
        "party/member_form.html",
        {**_member_context(request.user, membership), "values": values},
        errors,
    )


@role_required(PARTY_WRITERS)
def member_end(request, pk: int):
    membership = selectors.member_get(request.user, pk)
    values = request.POST if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            services.membership_end(
                actor=request.user,
                membership=membership,
                end_kind=request.POST.get("end_kind", ""),
                ended_on=_date(request.POST.get("ended_on")),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已结束：%(n)s") % {"n": membership.person.name})
            return redirect("party:members")
    return _render_form(
        request,
        "party/member_end.html",
        {
            "membership": membership,
            "values": values,
            "end_kinds": EndKind.choices,
            "today": timezone.localdate(),
        },
        errors,
    )


@role_required(PARTY_WRITERS)
def dispatch_new(request):
    values = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    org = None
    org_id = _int(request.POST.get("organization") or request.GET.get("organization"))
    if org_id:
        org = selectors.organization_get(request.user, org_id)
    if request.method == "POST":
        p = request.POST
        facility = _scoped_facility(request.user, p.get("facility"), errors)
        if facility is None and "facility" not in errors:
            errors["facility"] = [_("请选择派驻机构")]
        starts_on = _date(p.get("starts_on"))
        if starts_on is None:
            errors["starts_on"] = [_("请填写选派开始日期")]
        try:
            if errors:
                raise ValidationFailed(fields=errors)
            with transaction.atomic():
                person = services.person_find_or_create(
                    name=p.get("name", ""),
                    region=facility.region,
                    phone=p.get("phone", ""),
                    id_number=p.get("id_number", ""),
                )
                dispatch = services.dispatch_create(
                    actor=request.user,
                    person=person,
                    facility=facility,
                    organization=org,
                    role=p.get("role", ""),
                    dispatched_by=p.get("dispatched_by", ""),
                    sending_unit=p.get("sending_unit", "").strip()[:100],
                    starts_on=starts_on,
                    ends_on=_date(p.get("ends_on")),
                )
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已登记选派：%(n)s") % {"n": dispatch.person.name})
            if org is not None:
                return redirect("party:organization", org.pk)
            return redirect("party:requirements", dispatch.facility_id)
    facilities = (
        org.facilities.order_by("name")
        if org is not None and org.facilities.exists()
        else selectors.institutions(request.user)[:500]
    )
    return _render_form(
        request,
        "party/dispatch_form.html",
        {
            "org": org,
            "values": values,
            "facilities": facilities,
            "roles": DispatchRole.choices,
            "sides": DispatchedBy.choices,
            "today": timezone.localdate(),
        },
        errors,
    )


@role_required(PARTY_WRITERS)
def dispatch_end(request, pk: int):
    dispatch = selectors.dispatch_get(request.user, pk)
    values = request.POST if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            services.dispatch_end(
                actor=request.user, dispatch=dispatch, ends_on=_date(request.POST.get("ends_on"))
            )
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已结束选派：%(n)s") % {"n": dispatch.person.name})
            if dispatch.organization_id:
                return redirect("party:organization", dispatch.organization_id)
            return redirect("party:requirements", dispatch.facility_id)
    return _render_form(
        request,
        "party/dispatch_end.html",
        {"dispatch": dispatch, "values": values, "today": timezone.localdate()},
        errors,
    )
