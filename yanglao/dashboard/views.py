from __future__ import annotations

from django.shortcuts import render

from yanglao.core.decorators import login_required
from yanglao.regions.views import crumbs_for

from .panels import panels_for


@login_required
def workbench(request):
    user = request.user
    return render(
        request,
        "dashboard/workbench.html",
        {
            "panels": panels_for(user),
            "crumbs": crumbs_for(user.region, user),
        },
    )
