"""Pages of activities: the list (search, kind, date, region) and the isolation list."""

from __future__ import annotations

from django.shortcuts import render

from yanglao.core.decorators import role_required
from yanglao.core.paging import paginate, query_without_page
from yanglao.party.models import ActivityKind

from . import activities as svc


@role_required(svc.READERS)
def activity_list(request):
    g = request.GET
    qs = svc.activities(
        request.user, q=g.get("q", ""), kind=g.get("kind", ""),
        date_from=g.get("date_from") or None, date_to=g.get("date_to") or None,
        region_code=g.get("region", ""),
    )
    kinds = [(k.value, k.label) for k in svc.COMMUNITY_KINDS]
    return render(request, "community/activity_list.html", {
        "page": paginate(request, qs), "qs": query_without_page(request), "params": g,
        "kinds": kinds, "all_kinds": ActivityKind,
    })


@role_required(svc.OFFICERS | {"party_officer"})
def isolated_list(request):
    qs = svc.isolated_elders(request.user)
    region = request.user.region
    return render(request, "community/isolated_list.html", {
        "page": paginate(request, qs), "qs": query_without_page(request),
        "days": svc.isolation_days(region),
    })
