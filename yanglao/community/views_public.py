"""The elder-facing activity page (社区活动报名, 长辈版): reached from the elder's own
request link (``/s/r/<token>/activities/``), no account. The elder, or the family member
the link was made for, sees what is on in the village and the town and signs up with one
large button; the page follows the aging-friendly rules (services/public_base.html)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.core.errors import DomainError, error_text
from yanglao.party.models import Activity
from yanglao.services import links

from . import activities as svc
from .models import Signup


def public_activities(request, token: str):
    link = links.resolve(token)
    if link is None:
        return render(
            request,
            "services/public_message.html",
            {"title": _("链接无效"), "text": _("这个链接已失效，请联系社区工作人员。")},
            status=404,
        )
    elder = link.elder
    error = ""
    status = 200
    if request.method == "POST":
        activity = Activity.objects.filter(pk=_int(request.POST.get("activity"))).first()
        try:
            if activity is None:
                raise svc.NotFound(_("没有这个活动"))
            if request.POST.get("action") == "cancel":
                svc.cancel_by_link(link=link, activity=activity, request=request)
                done = "cancelled"
            else:
                svc.signup_by_link(link=link, activity=activity, request=request)
                done = "signed"
        except DomainError as exc:
            error = error_text(exc)
            status = exc.status
        else:
            url = reverse("public_activities", args=[token])
            return redirect(f"{url}?done={done}&a={activity.pk}")
    upcoming = svc.upcoming_for_elder(elder)
    mine = set(
        Signup.objects.filter(
            elder=elder, cancelled=False, activity__in=[a.pk for a in upcoming]
        ).values_list("activity_id", flat=True)
    )
    return render(
        request,
        "community/public_activities.html",
        {
            "elder": elder,
            "link": link,
            "token": token,
            "rows": [
                {
                    "a": a,
                    "mine": a.pk in mine,
                    "left": None if a.capacity is None else max(a.capacity - a.signed, 0),
                }
                for a in upcoming
            ],
            "error": error,
            "done": _done_text(request.GET.get("done", ""), request.GET.get("a"), upcoming),
        },
        status=status,
    )


def _done_text(done: str, pk, upcoming) -> str:
    title = next((a.title for a in upcoming if a.pk == _int(pk)), "")
    if done == "signed" and title:
        return _("报名成功：%(t)s。到时请按时参加。") % {"t": title}
    if done == "cancelled":
        return _("已取消报名")
    return ""


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
