"""Messages: a user's inbox, and for officers the log of what was (or would have been)
sent in their region."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core.decorators import login_required
from yanglao.core.paging import paginate, query_without_page

from . import selectors, services
from .models import Channel

LOG_READERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)


@login_required
def inbox(request):
    view = request.GET.get("view", "inbox")
    if view == "log" and request.user.role in LOG_READERS:
        qs = selectors.region_log(request.user, channel=request.GET.get("channel", ""))
    else:
        view = "inbox"
        qs = selectors.inbox(request.user)
    page = paginate(request, qs)
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "view": view,
            "can_log": request.user.role in LOG_READERS,
            "channels": Channel.choices,
            "channel": request.GET.get("channel", ""),
            "qs": query_without_page(request),
        },
    )


@require_POST
@login_required
def mark_read(request):
    services.mark_all_read(request.user)
    return redirect("notify:inbox")
