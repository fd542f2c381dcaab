"""Pages of Party work: organizations, members, an institution's requirements, coverage,
activities and what is missing. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, ValidationFailed, error_text
from yanglao.core.paging import paginate, query_without_page
from yanglao.facilities.models import Facility, FacilityType, Ownership
from yanglao.people.models import Person

from . import selectors, services
from .models import ActivityKind, MemberStatus, OrgKind, Standing
from .selectors import PARTY_USERS


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


@role_required(PARTY_USERS)
def organization_tree(request):
    g = request.GET
    tree = selectors.organization_tree(
        request.user, q=g.get("q", ""), kind=g.get("kind", ""), region_code=g.get("region") or None
    )
    today = timezone.localdate()
    rows = [{"org": o, "depth": d, "renewal": selectors.renewal_due(o, today)} for o, d in tree]
    return render(
        request,
        "party/organizations.html",
        {"rows": rows, "params": g, "kinds": OrgKind.choices},
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
        },
    )


@role_required(PARTY_USERS)
def member_list(request):
    g = request.GET
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
        },
    )


@role_required(PARTY_USERS)
def institution_list(request):
    g = request.GET
    today = timezone.localdate()
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
    return render(request, "party/requirements.html", {"party": party, "facility": party.facility})


@role_required(PARTY_USERS)
def coverage(request):
    view = selectors.coverage(request.user, region_code=request.GET.get("region") or None)
    return render(request, "party/coverage.html", {"view": view})


@role_required(PARTY_USERS)
def activity_list(request):
    g = request.GET
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
