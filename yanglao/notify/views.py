"""Messages: a user's inbox, and for officers the log of what was (or would have been)
sent in their region."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core.decorators import login_required
from yanglao.core.exports import Column, list_export
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page

from . import selectors, services
from .models import Channel

LOG_READERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)

MESSAGE_COLUMNS = [
    Column(gettext_lazy("发送时间"), lambda m: m.created_at, 18),
    Column(gettext_lazy("渠道"), lambda m: m.get_channel_display()),
    Column(gettext_lazy("手机号"), lambda m: mask_phone(m.to_phone)),
    Column(gettext_lazy("标题"), lambda m: m.subject, 30),
    Column(gettext_lazy("内容"), lambda m: m.body, 50),
    Column(gettext_lazy("状态"), lambda m: m.get_status_display()),
    Column(gettext_lazy("已读时间"), lambda m: m.read_at, 18),
]


@login_required
def inbox(request):
    view = request.GET.get("view", "inbox")
    if view == "log" and request.user.role in LOG_READERS:
        qs = selectors.region_log(request.user, channel=request.GET.get("channel", ""))
    else:
        view = "inbox"
        qs = selectors.inbox(request.user)
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("消息"),
            filename="messages",
            columns=MESSAGE_COLUMNS,
            rows=qs,
            object_type="Message",
        )
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
