"""Pages of the dashboard: a region at a glance with drill-down, and the big screen."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_response

from . import selectors
from .roles import INSIGHT_READERS


def _context(request, view: selectors.Dashboard) -> dict:
    crumbs = [
        {"name": r.name, "url": reverse("insights:region", args=[r.code])} for r in view.crumbs
    ]
    columns = view.columns
    tiles = [t for s in view.sections for t in s.tiles]
    by_key = {t.key: t for t in tiles}

    def pie(prefix: str) -> list[dict]:
        return [
            {"name": str(t.figure.label), "value": t.raw}
            for t in tiles
            if t.key.startswith(prefix) and t.raw
        ]

    return {
        "view": view,
        "region": view.region,
        "crumbs": crumbs,
        "as_of": selectors.as_of(view),
        "child_level": selectors.child_level_label(view.region),
        "columns": columns,
        "chart_data": {
            "trend": view.trend,
            "labels": {t.key: str(t.figure.label) for t in tiles},
            "children": [
                {
                    "code": row.region.code,
                    "name": row.region.name,
                    "values": {
                        **{t.key: t.raw for t in row.cells},
                        "elders.total": row.figures.get("elders.total", 0),
                        "visits.overdue": row.figures.get("visits.overdue", 0),
                    },
                }
                for row in view.children
                if row.has_data
            ],
            "columns": [{"key": f.key, "label": str(f.label)} for f in columns],
            "risk": pie("elders.risk."),
            "ages": pie("elders.age."),
            "api": reverse("api:region_figures", kwargs={"code": view.region.code}),
            "computed_at": view.current.computed_at.isoformat() if view.current else "",
            "has": sorted(by_key),
        },
    }


@role_required(INSIGHT_READERS)
def home(request):
    return redirect("insights:region", code=request.user.region_id)


@role_required(INSIGHT_READERS)
def region(request, code: str):
    try:
        view = selectors.dashboard(request.user, code)
    except DomainError as error:
        return error_response(request, error)
    return render(request, "insights/dashboard.html", _context(request, view))


@role_required(INSIGHT_READERS)
def screen(request, code: str):
    """The big screen (大屏) for a command-centre wall: dark, full screen, refreshing."""
    try:
        view = selectors.dashboard(request.user, code, days=30)
    except DomainError as error:
        return error_response(request, error)
    return render(request, "insights/screen.html", _context(request, view))
