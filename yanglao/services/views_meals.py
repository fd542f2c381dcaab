"""Meal aid pages (助餐): meal points, the day sheet a point fills in on a phone, the
monthly statement of a point (printable, .xlsx) and the month of a county."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yanglao.core import exports
from yanglao.core.decorators import role_required
from yanglao.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    error_response,
    error_text,
    record_refusal,
)
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.paging import paginate, query_without_page

from . import meals
from . import workbench_meals as _panels  # noqa: F401  (registers the workbench panel)
from .models import MealKind, MealMode, MealRecord

MEAL_USERS = meals.MEAL_USERS
MEAL_OFFICERS = meals.MEAL_OFFICERS


def _month(request) -> dt.date:
    return meals.parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


MEAL_POINT_COLUMNS = [
    Column(_lazy("名称"), lambda p: p.name, 24),
    Column(_lazy("所在区划"), lambda p: p.region.name, 18),
    Column(_lazy("运营方"), lambda p: p.provider.name if p.provider_id else "", 20),
    Column(_lazy("地址"), lambda p: p.address, 30),
    Column(_lazy("座位数"), lambda p: p.seats),
    Column(_lazy("每餐价格(元)"), lambda p: p.meal_price),
    Column(_lazy("提供送餐"), lambda p: p.delivers),
    Column(_lazy("运营中"), lambda p: p.active),
]


@role_required(MEAL_USERS)
def meal_points(request):
    g = request.GET
    active = g.get("active", "1")
    if g.get("export") == "xlsx":
        return exports.list_export(
            request,
            title=_("助餐点"),
            filename="meal-points",
            columns=MEAL_POINT_COLUMNS,
            rows=meals.points_for(
                request.user,
                q=g.get("q", ""),
                region_code=g.get("region") or None,
                active={"1": True, "0": False}.get(active),
            ).select_related("region", "provider"),
            object_type="MealPoint",
        )
    page = paginate(
        request,
        meals.points_for(
            request.user,
            q=g.get("q", ""),
            region_code=g.get("region") or None,
            active={"1": True, "0": False}.get(active),
        ),
    )
    today = timezone.localdate()
    counts = dict(
        MealRecord.objects.filter(meal_point__in=[p.pk for p in page.object_list], date=today)
        .values_list("meal_point")
        .annotate(n=Sum("count"))
        .values_list("meal_point", "n")
    )
    rows = [{"point": p, "today": counts.get(p.pk, 0)} for p in page.object_list]
    return render(
        request,
        "services/meal_points.html",
        {
            "page": page,
            "rows": rows,
            "params": g,
            "active": active,
            "officer": meals.is_officer(request.user),
            "qs": query_without_page(request),
        },
    )


def _point_data(post) -> dict:
    return {
        "name": post.get("name", ""),
        "region_code": post.get("region_code", ""),
        "provider_id": post.get("provider_id") or None,
        "address": post.get("address", ""),
        "seats": post.get("seats", "0") or "0",
        "delivers": post.get("delivers") == "on",
        "meal_price": post.get("meal_price", ""),
        "active": post.get("active") == "on",
    }


@role_required(MEAL_OFFICERS)
def meal_point_edit(request, pk: int | None = None):
    point = None
    if pk is not None:
        try:
            point = meals.point_get(request.user, pk)
        except DomainError as error:
            return error_response(request, error)
    errors: dict = {}
    if point is not None:
        values = {
            "name": point.name,
            "region_code": point.region_id,
            "provider_id": point.provider_id or "",
            "address": point.address,
            "seats": point.seats,
            "delivers": point.delivers,
            "meal_price": point.meal_price,
            "active": point.active,
        }
    else:
        values = {
            "region_code": request.user.region_id,
            "seats": 20,
            "delivers": True,
            "meal_price": "",
            "active": True,
        }
    if request.method == "POST":
        values = _point_data(request.POST)
        try:
            if point is None:
                point = meals.meal_point_create(actor=request.user, request=request, **values)
                messages.success(request, _("助餐点已设立"))
            else:
                meals.meal_point_update(actor=request.user, point=point, request=request, **values)
                messages.success(request, _("助餐点已保存"))
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"__all__": [error_text(error)]}
        else:
            return redirect("services:meal_point", point.pk)
    return render(
        request,
        "services/meal_point_form.html",
        {
            "point": point,
            "values": values,
            "errors": errors,
            "providers": meals.providers_for_points(request.user),
        },
        status=422 if errors else 200,
    )


@role_required(MEAL_USERS)
def meal_point_detail(request, pk: int):
    try:
        point = meals.point_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    today = timezone.localdate()
    return render(
        request,
        "services/meal_point.html",
        {
            "point": point,
            "today": today,
            "sheet": meals.day_sheet(point, today),
            "trend": meals.trend(point, today, 30),
            "officer": meals.is_officer(request.user),
            "may_record": meals.may_record(request.user, point),
            "month": today.replace(day=1),
        },
    )


def _day_redirect(point, day: dt.date, keep: dict):
    params = {k: v for k, v in keep.items() if v not in (None, "")}
    params["date"] = day.isoformat()
    return redirect(f"{reverse('services:meal_day', args=[point.pk])}?{urlencode(params)}")


@role_required(MEAL_USERS)
def meal_day(request, pk: int):
    """The day sheet: find an elder, tap to record; today's records with corrections."""
    try:
        point = meals.point_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    source = request.POST if request.method == "POST" else request.GET
    today = timezone.localdate()
    day = parse_date(source.get("date", "") or "") or today
    choice = {
        "meal": source.get("meal") or meals.default_meal(),
        "mode": source.get("mode") or MealMode.DINE_IN,
        "count": source.get("count") or "1",
        "family": source.get("family_pays") or "",
        "q": source.get("q", ""),
    }
    may_record = meals.may_record(request.user, point)
    if request.method == "POST":
        if not may_record:
            return error_response(request, Forbidden(_("您不能在这个助餐点记录就餐")))
        keep = {
            "meal": choice["meal"],
            "mode": choice["mode"],
            "q": choice["q"],
            "family_pays": choice["family"],
        }
        action = request.POST.get("action", "record")
        try:
            if action == "record":
                elder = meals.elder_for_point(point, request.POST.get("elder_id"))
                record = meals.meal_record(
                    actor=request.user,
                    point=point,
                    elder=elder,
                    date=day,
                    meal=choice["meal"],
                    mode=choice["mode"],
                    count=choice["count"],
                    family_pays=choice["family"] == "on",
                    request=request,
                )
                messages.success(
                    request,
                    _("已记录：%(name)s %(meal)s %(mode)s %(n)s 份")
                    % {
                        "name": elder.person.name,
                        "meal": record.get_meal_display(),
                        "mode": record.get_mode_display(),
                        "n": record.count,
                    },
                )
            else:
                record = MealRecord.objects.filter(
                    pk=request.POST.get("record") or 0, meal_point=point
                ).first()
                if record is None:
                    raise NotFound()
                if action == "correct":
                    meals.meal_record_correct(
                        actor=request.user,
                        record=record,
                        count=request.POST.get("new_count") or None,
                        mode=request.POST.get("new_mode") or None,
                        reason=request.POST.get("reason", ""),
                        request=request,
                    )
                    messages.success(request, _("记录已更正"))
                elif action == "delete":
                    meals.meal_record_delete(
                        actor=request.user,
                        record=record,
                        reason=request.POST.get("reason", ""),
                        request=request,
                    )
                    messages.success(request, _("记录已删除"))
                else:
                    raise ValidationFailed(fields={"action": [_("未知的操作")]})
        except Conflict as error:
            record_refusal(request, error)
            messages.warning(request, error_text(error))
        except DomainError as error:
            record_refusal(request, error)
            messages.error(request, error_text(error))
        return _day_redirect(point, day, keep)
    matches = meals.elders_for_point(point, choice["q"]) if may_record else []
    recorded = set(
        MealRecord.objects.filter(
            meal_point=point, date=day, meal=choice["meal"], elder__in=[e.pk for e in matches]
        ).values_list("elder_id", flat=True)
    )
    context = {
        "point": point,
        "day": day,
        "today": today,
        "is_today": day == today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1) if day < today else None,
        "choice": choice,
        "meal_kinds": MealKind.choices,
        "modes": MealMode.choices
        if point.delivers
        else [(MealMode.DINE_IN, MealMode.DINE_IN.label)],
        "matches": [{"elder": e, "recorded": e.pk in recorded} for e in matches],
        "may_record": may_record,
        "sheet": meals.day_sheet(point, day),
    }
    if getattr(request, "htmx", False) and request.GET.get("partial") == "search":
        return render(request, "services/meal_day_search.html", context)
    return render(request, "services/meal_day.html", context)


def statement_columns(statement) -> list[Column]:
    columns = [
        Column(_("老人"), lambda r: r.name, 10),
        Column(_("身份证号"), lambda r: r.masked_id, 22),
        Column(_("村(社区)"), lambda r: r.village, 14),
        Column(_("就餐份数"), lambda r: r.meals, 10),
        Column(_("其中送餐"), lambda r: r.delivered, 10),
        Column(_("金额(元)"), lambda r: r.amount, 12),
    ]
    for payer, label in statement.payers:
        columns.append(Column(f"{label}(元)", lambda r, p=payer: r.shares[p], 12))
    return columns


@role_required(MEAL_USERS)
def meal_statement(request, pk: int):
    try:
        point = meals.point_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    month = _month(request)
    statement = meals.statement(point, month)
    if request.GET.get("format") == "xlsx":
        title = _("%(point)s助餐月结单 %(month)s") % {
            "point": point.name,
            "month": month.strftime("%Y-%m"),
        }
        return xlsx_response(
            request=request,
            actor=request.user,
            title=title,
            filename=_("助餐月结单"),
            columns=statement_columns(statement),
            rows=[*statement.rows, statement.totals],
            filters={_("助餐点"): point.name, _("月份"): month.strftime("%Y-%m")},
            object_type="MealRecord",
        )
    return render(
        request,
        "services/meal_statement.html",
        {
            "point": point,
            "statement": statement,
            "month": month,
            "previous": _shift(month, -1),
            "next": _shift(month, 1) if month < timezone.localdate().replace(day=1) else None,
            "printed_at": timezone.localtime(),
        },
    )


@role_required(MEAL_OFFICERS)
def meal_summary(request):
    month = _month(request)
    try:
        result = meals.summary(request.user, month, request.GET.get("region") or None)
    except DomainError as error:
        return error_response(request, error)
    return render(
        request,
        "services/meal_summary.html",
        {
            "summary": result,
            "month": month,
            "region": request.GET.get("region", ""),
            "previous": _shift(month, -1),
            "next": _shift(month, 1) if month < timezone.localdate().replace(day=1) else None,
        },
    )


urlpatterns = [
    path("meals/", meal_points, name="meal_points"),
    path("meals/new/", meal_point_edit, name="meal_point_new"),
    path("meals/summary/", meal_summary, name="meal_summary"),
    path("meals/<int:pk>/", meal_point_detail, name="meal_point"),
    path("meals/<int:pk>/edit/", meal_point_edit, name="meal_point_edit"),
    path("meals/<int:pk>/day/", meal_day, name="meal_day"),
    path("meals/<int:pk>/statement/", meal_statement, name="meal_statement"),
]
