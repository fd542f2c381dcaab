"""Reads of the facility registry, always in the reader's scope. Officers (and Party
officers, read-only) see the facilities of their region; an operator sees only the
facilities they run."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yanglao.accounts.roles import Role
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.regions.models import Region

from . import compliance, standards
from .models import Facility, FacilityStatus

READERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.PARTY_OFFICER,
    }
)


# A pseudo-status of the list: in service (operating or suspended), as the bed measures
# (facilities.measures.operating) count on today.
IN_SERVICE = "in_service"


def visible(user) -> QuerySet[Facility]:
    qs = Facility.objects.select_related("region")
    if getattr(user, "role", "") == Role.FACILITY_OPERATOR:
        return qs.filter(operators=user)
    if getattr(user, "role", "") in READERS:
        return scoped(qs, user, path_lookup="region_path")
    return qs.none()


def facilities(
    user,
    *,
    q: str = "",
    type: str = "",
    ownership: str = "",
    status: str = "",
    region_code: str = "",
) -> QuerySet[Facility]:
    qs = visible(user)
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if type:
        qs = qs.filter(type=type)
    if ownership:
        qs = qs.filter(ownership=ownership)
    if status == IN_SERVICE:  # operating or suspended: what the bed measures count
        qs = qs.filter(status__in=(FacilityStatus.OPERATING, FacilityStatus.SUSPENDED))
    elif status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q) | Q(operator_name__contains=q))
    return qs.order_by("region_path", "name", "id")


def facility_get(user, pk: int) -> Facility:
    if getattr(user, "role", "") == Role.FACILITY_OPERATOR:
        facility = visible(user).filter(pk=pk).first()
        if facility is None:
            raise NotFound()
        return facility
    if getattr(user, "role", "") not in READERS:
        raise NotFound()
    return get_in_scope(
        Facility.objects.select_related("region"), user, path_lookup="region_path", pk=pk
    )


def with_problems(user, **filters) -> list[dict]:
    """Facilities with a standards gap or a compliance problem, each with its list."""
    rows = []
    book = compliance.rule_book()
    for facility in facilities(user, **filters)[:2000]:
        gaps = standards.gaps(facility, book=book)
        problems = compliance.problems(facility, book=book)
        if gaps or problems:
            rows.append({"facility": facility, "gaps": gaps, "problems": problems})
    return rows
