"""Messages: a user's inbox, and for officers the log of what was (or would have been)
sent in their region."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core.decorators import login_required
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import scoped

from .models import Channel, Message

LOG_READERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)


@login_required
def inbox(request):
    view = request.GET.get("view", "inbox")
    if view == "log" and request.user.role in LOG_READERS:
        qs = scoped(Message.objects.all(), request.user, path_lookup="region_path")
        channel = request.GET.get("channel", "")
        if channel in Channel.values:
            qs = qs.filter(channel=channel)
    else:
        view = "inbox"
        qs = Message.objects.filter(to_user=request.user)
    page = paginate(request, qs.select_related("to_user", "to_person"))
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
    Message.objects.filter(to_user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notify:inbox")
