"""Pages of activities: the list (search, kind, date, region) and the isolation list."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from yanglao.core.decorators import role_required
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.paging import paginate, query_without_page
from yanglao.party.models import ActivityKind

from . import activities as svc

ACTIVITY_COLUMNS = [
    Column(_("日期"), lambda a: a.held_on.isoformat(), 12),
    Column(_("开始时间"), lambda a: a.starts_at.strftime("%H:%M") if a.starts_at else "", 10),
    Column(_("标题"), lambda a: a.title, 30),
    Column(_("类型"), lambda a: a.get_kind_display(), 18),
    Column(_("区划"), lambda a: f"{a.region.name}（{a.region_id}）", 28),
    Column(_("地点"), lambda a: a.venue, 20),
    Column(_("组织者"), lambda a: a.organizer, 16),
    Column(_("名额"), lambda a: a.capacity or "", 8),
    Column(_("报名人数"), lambda a: a.signed, 10),
    Column(_("已结束"), lambda a: _("是") if a.closed_at else _("否"), 8),
]
ISOLATED_COLUMNS = [
    Column(_("老人"), lambda e: e.person.name),
    Column(_("村(社区)"), lambda e: e.region.name, 20),
    Column(_("风险等级"), lambda e: e.get_risk_level_display()),
]


@role_required(svc.READERS)
def activity_list(request):
    g = request.GET
    qs = svc.activities(
        request.user,
        q=g.get("q", ""),
        kind=g.get("kind", ""),
        date_from=g.get("date_from") or None,
        date_to=g.get("date_to") or None,
        region_code=g.get("region", ""),
    )
    kinds = [(k.value, k.label) for k in svc.COMMUNITY_KINDS]
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("社区活动"),
            filename="activities",
            columns=ACTIVITY_COLUMNS,
            rows=qs.iterator(),
            filters={k: v for k, v in g.items() if k not in ("export", "page") and v},
            object_type="Activity",
        )
    return render(
        request,
        "community/activity_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": g,
            "kinds": kinds,
            "all_kinds": ActivityKind,
        },
    )


@role_required(svc.OFFICERS | {"party_officer"})
def isolated_list(request):
    qs = svc.isolated_elders(request.user)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("长期未参加活动的老人"),
            filename="isolated-elders",
            columns=ISOLATED_COLUMNS,
            rows=qs.select_related("region").iterator(),
            filters={},
            object_type="Elder",
        )
    region = request.user.region
    return render(
        request,
        "community/isolated_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "days": svc.isolation_days(region),
        },
    )


def _elders_for(user, activity, q: str):
    """Elders the user may sign up for this activity: a visitor's paired elders, or the
    elders of the activity's region for officers (search by name or pinyin)."""
    from django.db.models import Q

    from yanglao.elders.models import Elder, ElderStatus
    from yanglao.visits.pairing import elders_of_visitor, visitor_for_user

    if request_role(user) == "visitor":
        visitor = visitor_for_user(user)
        qs = elders_of_visitor(visitor) if visitor else Elder.objects.none()
    else:
        qs = svc.scoped(Elder.objects.all(), user, path_lookup="region_path").filter(
            svc.path_q(activity.region_path, "region_path")
        )
    # Only elders the activity is for: its region and below.
    qs = qs.filter(svc.path_q(activity.region_path, "region_path"))
    qs = qs.filter(status=ElderStatus.ACTIVE).select_related("person", "region")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__name_initials__startswith=q.lower()))
    return list(qs.order_by("person__name")[:30])


def request_role(user) -> str:
    return getattr(user, "role", "")


def _region_choices(user) -> list:
    """The user's region and up to two levels below it (to village), indented."""
    from yanglao.regions.models import Region

    top = user.region
    rows = list(
        Region.objects.filter(
            svc.path_q(top.path, "path"), level__lte=min(top.level + 2, 5), valid_to__isnull=True
        )
        .only("code", "name", "level", "path")
        .order_by("path")[:800]
    )
    for r in rows:
        r.indent = "\u3000" * (r.level - top.level)
    return rows


def _facility_choices(user) -> list:
    from yanglao.facilities.models import Facility

    return list(
        svc.scoped(
            Facility.objects.select_related("region"), user, path_lookup="region_path"
        ).order_by("region_path", "name")[:300]
    )


@role_required(svc.OFFICERS)
def activity_new(request):
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from yanglao.core.errors import DomainError, error_text

    errors: dict = {}
    values = request.POST if request.method == "POST" else {"region_code": request.user.region_id}
    if request.method == "POST":
        try:
            activity = svc.activity_create(
                actor=request.user, data=request.POST.dict(), request=request
            )
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
        else:
            messages.success(request, _("活动已创建"))
            return redirect("community:activity", activity.pk)
    return render(
        request,
        "community/activity_form.html",
        {
            "values": values,
            "errors": errors,
            "kinds": [(k.value, k.label) for k in svc.COMMUNITY_KINDS],
            "regions": _region_choices(request.user),
            "facilities": _facility_choices(request.user),
        },
        status=422 if errors else 200,
    )


@role_required(svc.READERS)
def activity_detail(request, pk: int):
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from yanglao.core.errors import DomainError, error_response, error_text
    from yanglao.elders.models import Elder

    try:
        activity = svc.activity_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    status = 200
    officer = request.user.role in svc.OFFICERS
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "signup":
                elder = Elder.objects.filter(pk=int(request.POST.get("elder") or 0)).first()
                if elder is None:
                    raise svc.ValidationFailed(fields={"elder": [_("请选择老人")]})
                svc.signup(
                    actor=request.user,
                    activity=activity,
                    elder=elder,
                    by_whom=request.POST.get("by_whom", ""),
                    proxy_name=request.POST.get("proxy_name", ""),
                    request=request,
                )
                messages.success(request, _("已报名：%(n)s") % {"n": elder.person.name})
            elif action == "attendance" and officer:
                n = svc.attendance_take(
                    actor=request.user,
                    activity=activity,
                    present_elder_ids=[
                        int(x) for x in request.POST.getlist("present") if x.isdigit()
                    ],
                    request=request,
                )
                messages.success(request, _("已签到 %(n)s 人") % {"n": n})
            elif action == "close" and officer:
                svc.activity_close(
                    actor=request.user,
                    activity=activity,
                    summary=request.POST.get("summary", ""),
                    photos=request.FILES.getlist("photos"),
                    request=request,
                )
                messages.success(request, _("活动已结束并记录小结"))
            else:
                raise svc.Forbidden()
        except DomainError as error:
            errors = {"form": [error_text(error)], **(error.fields or {})}
            status = error.status
        else:
            return redirect("community:activity", activity.pk)
    signups = list(svc.signups_of(activity))
    return render(
        request,
        "community/activity_detail.html",
        {
            "activity": activity,
            "signups": signups,
            "taken": sum(1 for s in signups if s.attended),
            "officer": officer,
            "matches": _elders_for(request.user, activity, request.GET.get("q", "")),
            "q": request.GET.get("q", ""),
            "errors": errors,
            "by_choices": svc.SignupBy.choices,
        },
        status=status,
    )


COUNT_COLUMNS = [
    Column(_("区划"), lambda f: f"{f.region.name}（{f.region.code}）", 28),
    Column(_("活动场次"), lambda f: f.activities, 10),
    Column(_("参加人次"), lambda f: f.attendances, 10),
    Column(_("中心/机构活动"), lambda f: f.centre_activities, 12),
    Column(_("应开展主题活动"), lambda f: f.themed_required, 12),
    Column(_("已开展主题活动"), lambda f: f.themed_held, 12),
    Column(_("未完成的党组织"), lambda f: f.themed_orgs_short, 12),
    Column(_("志愿服务时长（小时）"), lambda f: f.volunteer_hours, 14),
    Column(_("收到捐赠（元）"), lambda f: f.donations_received, 14),
    Column(_("捐赠支出（元）"), lambda f: f.donations_spent, 14),
    Column(_("截至结束日期结余（元）"), lambda f: f.donations_balance, 16),
]


@role_required(svc.OFFICERS | {"party_officer"})
def counts_page(request):
    from django.utils.dateparse import parse_date

    from yanglao.core.errors import DomainError, error_response

    from . import counts

    g = request.GET
    try:
        view = counts.counts(
            request.user,
            region_code=g.get("region", ""),
            date_from=parse_date(g.get("date_from") or "") if g.get("date_from") else None,
            date_to=parse_date(g.get("date_to") or "") if g.get("date_to") else None,
        )
    except (DomainError, ValueError) as error:
        if isinstance(error, ValueError):
            error = svc.ValidationFailed(fields={"date_from": [_("日期格式应为 YYYY-MM-DD")]})
        return error_response(request, error)
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("社区生活统计"),
            filename="community-counts",
            columns=COUNT_COLUMNS,
            rows=[view.total, *view.rows],
            filters={k: v for k, v in g.items() if k != "export" and v},
            object_type="Region",
        )
    from yanglao.regions.views import crumbs_for

    return render(
        request,
        "community/counts.html",
        {"view": view, "params": g, "crumbs": crumbs_for(view.region, request.user)},
    )
