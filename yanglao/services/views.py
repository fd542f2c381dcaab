"""Service pages: the order list and the phone request form for officers, the order with
its dispatch proposals and history, the provider's phone list, providers, the catalogue,
ratings, and the two pages elders and families use without an account (request and
survey)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, Forbidden, error_response, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page

from . import dispatch, links, selectors, services, survey
from .models import (
    Category,
    Channel,
    Help,
    Order,
    OrderStatus,
    ProviderKind,
    QualificationKind,
    RatingChannel,
)

OFFICERS = services.OFFICERS
WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]
PROVIDER_ROLES = frozenset({Role.FACILITY_OPERATOR, Role.VISITOR})
EVERYONE = OFFICERS | PROVIDER_ROLES


def _aware(raw: str) -> dt.datetime | None:
    value = parse_datetime(raw or "") if raw else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


_elders_matching = selectors.elders_matching
_elder_in_scope = selectors.elder_in_scope


# "导出 Excel" of the lists: their own scoped querysets with their filters (masks applied).
ORDER_COLUMNS = [
    Column(gettext_lazy("工单号"), lambda o: o.number, 18),
    Column(gettext_lazy("老人"), lambda o: o.elder.person.name),
    Column(gettext_lazy("服务项目"), lambda o: o.item.name, 18),
    Column(gettext_lazy("数量"), lambda o: o.quantity),
    Column(gettext_lazy("金额(元)"), lambda o: o.amount),
    Column(gettext_lazy("状态"), lambda o: o.get_status_display()),
    Column(gettext_lazy("来源"), lambda o: o.get_channel_display()),
    Column(gettext_lazy("申请人电话"), lambda o: mask_phone(o.requester_phone)),
    Column(gettext_lazy("预约服务时间"), lambda o: o.scheduled_for, 18),
    Column(gettext_lazy("服务方"), lambda o: o.provider.name if o.provider_id else "", 18),
    Column(gettext_lazy("完成时间"), lambda o: o.finished_at, 18),
    Column(gettext_lazy("满意度"), lambda o: o.rating),
]
PROVIDER_COLUMNS = [
    Column(gettext_lazy("名称"), lambda p: p.name, 24),
    Column(gettext_lazy("类型"), lambda p: p.get_kind_display()),
    Column(gettext_lazy("所在区划"), lambda p: p.region.name, 18),
    Column(gettext_lazy("联系电话"), lambda p: mask_phone(p.phone)),
    Column(gettext_lazy("地址"), lambda p: p.address, 30),
    Column(gettext_lazy("每日接单上限"), lambda p: p.daily_capacity),
    Column(gettext_lazy("在册"), lambda p: p.active),
]
RATING_COLUMNS = [
    Column(gettext_lazy("服务方"), lambda r: r["name"], 24),
    Column(gettext_lazy("类型"), lambda r: str(ProviderKind(r["kind"]).label)),
    Column(gettext_lazy("完成工单"), lambda r: r["done"]),
    Column(gettext_lazy("评价数"), lambda r: r["rated"]),
    Column(gettext_lazy("平均满意度"), lambda r: r["average"]),
    Column(gettext_lazy("不满意评价"), lambda r: r["low"]),
    Column(gettext_lazy("评价率"), lambda r: r["rate_of_rating"]),
]
ITEM_COLUMNS = [
    Column(gettext_lazy("编码"), lambda i: i.code, 16),
    Column(gettext_lazy("名称"), lambda i: i.name, 20),
    Column(gettext_lazy("服务内容(GB/T 43153)"), lambda i: i.get_category_display(), 14),
    Column(gettext_lazy("六助分类"), lambda i: i.get_help_display()),
    Column(gettext_lazy("计量单位"), lambda i: i.unit, 8),
    Column(gettext_lazy("标准时长(分钟)"), lambda i: i.standard_minutes),
    Column(gettext_lazy("单价(元)"), lambda i: i.price),
    Column(gettext_lazy("启用"), lambda i: i.active),
]


@role_required(OFFICERS)
def order_list(request):
    g = request.GET
    try:
        provider_id = int(g.get("provider") or 0) or None
    except ValueError:
        provider_id = None
    qs = selectors.orders(
        request.user,
        q=g.get("q", ""),
        status=g.get("status", ""),
        help=g.get("help", ""),
        provider_id=provider_id,
        region_code=g.get("region", ""),
        date_from=parse_date(g.get("from", "") or ""),
        date_to=parse_date(g.get("to", "") or ""),
        rating=g.get("rating", ""),
    )
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("服务工单"),
            filename="service-orders",
            columns=ORDER_COLUMNS,
            rows=qs.select_related("elder__person", "item", "provider"),
            object_type="Order",
        )
    page = paginate(request, qs)
    return render(
        request,
        "services/order_list.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": g,
            "statuses": OrderStatus.choices,
            "helps": Help.choices,
            "counts": selectors.counts_for_workbench(request.user),
        },
    )


@role_required(OFFICERS | {Role.VISITOR})
def order_new(request):
    """The request form: an officer taking a phone call, or a visitor for a paired elder."""
    g = request.GET if request.method == "GET" else request.POST
    elder = None
    errors: dict = {}
    follow_up = alert = None
    try:
        if g.get("follow_up"):
            from yanglao.visits.selectors import follow_up_get

            follow_up = follow_up_get(request.user, int(g["follow_up"]))
            elder = follow_up.elder
        if g.get("alert"):
            from yanglao.alerts.selectors import alert_get

            alert = alert_get(request.user, int(g["alert"]))
            elder = alert.elder
        if g.get("elder"):
            elder = _elder_in_scope(request.user, g["elder"])
    except (DomainError, ValueError) as error:
        if isinstance(error, DomainError):
            return error_response(request, error)
        raise Http404 from None
    default_channel = (
        Channel.ALERT
        if alert
        else Channel.VISIT
        if follow_up or request.user.role == Role.VISITOR
        else Channel.PHONE
    )
    values = {
        "channel": default_channel,
        "scheduled_for": (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:00"),
        "quantity": "1",
        "note": follow_up.description if follow_up else (alert.title if alert else ""),
    }
    if request.method == "POST" and elder is not None:
        post = request.POST
        values = post
        item = selectors.active_item(post.get("item", ""))
        try:
            order = services.order_create(
                actor=request.user,
                elder=elder,
                item=item,
                scheduled_for=_aware(post.get("scheduled_for", "")),
                channel=post.get("channel", ""),
                quantity=post.get("quantity") or "1",
                note=post.get("note", ""),
                requester_name=post.get("requester_name", ""),
                requester_relation=post.get("requester_relation", ""),
                requester_phone=post.get("requester_phone", ""),
                family_pays=post.get("family_pays") == "on",
                follow_up=follow_up,
                alert=alert,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"form": [error_text(error)]}
        else:
            messages.success(request, _("已受理，工单号 %(n)s") % {"n": order.number})
            if request.user.role == Role.VISITOR:
                return redirect("visits:my_week")
            return redirect("services:order", order.pk)
    items = list(selectors.active_items())
    return render(
        request,
        "services/order_new.html",
        {
            "elder": elder,
            "matches": _elders_matching(request.user, g.get("q", "")) if elder is None else [],
            "q": g.get("q", ""),
            "items": items,
            "helps": [(h, label, [i for i in items if i.help == h]) for h, label in Help.choices],
            "channels": Channel.choices,
            "values": values,
            "errors": errors,
            "follow_up": follow_up,
            "alert": alert,
        },
        status=422 if errors else 200,
    )


def _order_context(request, order: Order, errors=None) -> dict:
    user = request.user
    officer = services._officer_over(user, order.region_path)
    provider_side = services.acts_for_provider(user, order.provider)
    proposals = (
        dispatch.proposals(order)
        if officer and order.status in (OrderStatus.REQUESTED, OrderStatus.ASSIGNED)
        else []
    )
    ctx = {
        "order": order,
        "events": order.events.select_related("actor"),
        "shares": order.shares.all(),
        "shares_total": sum(s.amount for s in order.shares.all()),
        "proposals": proposals,
        "officer": officer,
        "provider_side": provider_side,
        "errors": errors or {},
        "follow_ups": order.satisfaction_follow_ups.all(),
        "rating_choices": RATING_LABELS,
        "is_medical": order.item.help == Help.MEDICAL,
        "survey_url": survey.survey_url(order) if officer and order.survey_nonce else "",
        "volunteer": order.provider is not None and order.provider.kind == ProviderKind.VOLUNTEER,
    }
    if ctx["is_medical"]:
        from . import appointments

        ctx["appointments"] = appointments.for_order(order)
        ctx["can_book"] = appointments.can_book(user, order)
    return ctx


RATING_LABELS = [
    (5, _("很满意")),
    (4, _("满意")),
    (3, _("一般")),
    (2, _("不满意")),
    (1, _("很不满意")),
]


@role_required(EVERYONE)
def order_detail(request, pk: int):
    try:
        order = selectors.order_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        post, files = request.POST, request.FILES
        try:
            if action == "assign":
                provider = (
                    selectors.providers(request.user, active="1")
                    .filter(pk=int(post.get("provider") or 0))
                    .first()
                )
                services.order_assign(
                    actor=request.user, order=order, provider=provider, request=request
                )
                messages.success(request, _("已派单"))
            elif action == "accept":
                services.order_accept(actor=request.user, order=order, request=request)
                messages.success(request, _("已接单"))
            elif action == "decline":
                services.order_decline(
                    actor=request.user, order=order, reason=post.get("reason", ""), request=request
                )
                messages.success(request, _("已退单，等待重新派单"))
            elif action == "start":
                services.order_start(
                    actor=request.user,
                    order=order,
                    latitude=post.get("latitude"),
                    longitude=post.get("longitude"),
                    photo=files.get("photo"),
                    request=request,
                )
                messages.success(request, _("已开始服务"))
            elif action == "finish":
                services.order_finish(
                    actor=request.user,
                    order=order,
                    note=post.get("note", ""),
                    quantity=post.get("quantity") or None,
                    latitude=post.get("latitude"),
                    longitude=post.get("longitude"),
                    photo=files.get("photo"),
                    request=request,
                )
                messages.success(request, _("服务已完成，已向老人家属发送满意度调查"))
            elif action == "cancel":
                services.order_cancel(
                    actor=request.user, order=order, reason=post.get("reason", ""), request=request
                )
                messages.success(request, _("工单已取消"))
            elif action == "rate":
                services.order_rate(
                    actor=request.user,
                    order=order,
                    rating=post.get("rating"),
                    comment=post.get("comment", ""),
                    channel=post.get("channel") or RatingChannel.PHONE,
                    request=request,
                )
                messages.success(request, _("评价已记录"))
            elif action == "confirm":
                services.order_confirm(actor=request.user, order=order, request=request)
                messages.success(request, _("已确认，服务时长已计入志愿者的时间银行"))
            elif action == "resend_survey":
                if not services._officer_over(request.user, order.region_path):
                    raise Forbidden()
                survey.send(order.pk)
                audit.record(
                    actor=request.user,
                    action="service.survey_resend",
                    obj=order,
                    region=order.elder.region,
                    request=request,
                )
                messages.success(request, _("已重新发送满意度调查"))
            else:
                raise Http404
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"form": [error_text(error)]}
            order = selectors.order_get(request.user, pk)
            return render(
                request,
                "services/order_detail.html",
                _order_context(request, order, errors),
                status=error.status,
            )
        nxt = post.get("next", "")
        if nxt == "mine":
            return redirect("services:my_orders")
        return redirect("services:order", order.pk)
    return render(request, "services/order_detail.html", _order_context(request, order))


@role_required(EVERYONE)
def order_photo(request, pk: int, which: str):
    try:
        order = selectors.order_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    photo = {"start": order.start_photo, "finish": order.finish_photo}.get(which)
    if not photo:
        raise Http404
    return FileResponse(photo.open("rb"), content_type="image/jpeg")


@role_required(EVERYONE)
def my_orders(request):
    """The provider's phone list: today's and coming orders with one button each."""
    status = request.GET.get("status", "open")
    rows = list(selectors.provider_orders(request.user, status=status)[:100])
    return render(
        request,
        "services/my_orders.html",
        {
            "rows": rows,
            "status": status,
            "has_provider": bool(selectors.provider_ids_for(request.user)),
            "today": timezone.localdate(),
        },
    )


@role_required(OFFICERS)
def providers(request):
    g = request.GET
    qs = selectors.providers(
        request.user,
        q=g.get("q", ""),
        kind=g.get("kind", ""),
        item=g.get("item", ""),
        active=g.get("active", "1"),
    )
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("服务方"),
            filename="service-providers",
            columns=PROVIDER_COLUMNS,
            rows=qs.select_related("region"),
            object_type="Provider",
        )
    page = paginate(request, qs.prefetch_related("qualifications"))
    today = timezone.localdate()
    return render(
        request,
        "services/providers.html",
        {
            "page": page,
            "qs": query_without_page(request),
            "params": g,
            "kinds": ProviderKind.choices,
            "items": selectors.active_items(),
            "soon": today + dt.timedelta(days=30),
            "today": today,
        },
    )


@role_required(OFFICERS | {Role.FACILITY_OPERATOR})
def provider_detail(request, pk: int):
    try:
        provider = selectors.provider_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    today = timezone.localdate()
    recent = selectors.provider_recent_orders(request.user, provider)
    return render(
        request,
        "services/provider_detail.html",
        {
            "provider": provider,
            "items": provider.items.all(),
            "areas": provider.areas.all(),
            "qualifications": provider.qualifications.all(),
            "expiring": selectors.expiring_qualifications(provider),
            "recent": recent,
            "today": today,
            "can_edit": request.user.role in OFFICERS,
            "work_days": [WEEKDAYS[int(d) - 1] for d in provider.work_days],
        },
    )


def _provider_data(post, files=None) -> dict:
    quals = []
    for i in range(5):
        kind = post.get(f"qual_kind_{i}", "")
        if kind:
            quals.append(
                {
                    "kind": kind,
                    "number": post.get(f"qual_number_{i}", ""),
                    "expires_on": post.get(f"qual_expires_{i}", ""),
                }
            )
    return {
        "name": post.get("name", ""),
        "kind": post.get("kind", ""),
        "region": post.get("region", ""),
        "areas": [a for a in post.get("areas", "").replace("，", ",").split(",") if a.strip()],
        "items": post.getlist("items"),
        "phone": post.get("phone", ""),
        "address": post.get("address", ""),
        "latitude": post.get("latitude", ""),
        "longitude": post.get("longitude", ""),
        "work_days": "".join(post.getlist("work_days")),
        "work_start": post.get("work_start", ""),
        "work_end": post.get("work_end", ""),
        "daily_capacity": post.get("daily_capacity", ""),
        "active": post.get("active") == "on",
        "qualifications": quals,
    }


@role_required(OFFICERS)
def provider_edit(request, pk: int | None = None):
    provider = None
    if pk is not None:
        try:
            provider = selectors.provider_get(request.user, pk)
        except DomainError as error:
            return error_response(request, error)
    errors: dict = {}
    if request.method == "POST":
        data = _provider_data(request.POST)
        if data["kind"] == ProviderKind.VOLUNTEER:
            data["person"] = _volunteer_person(request.user, request.POST.get("volunteer", ""))
        try:
            provider = services.provider_save(
                actor=request.user, provider=provider, data=data, request=request
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"form": [error_text(error)]}
            values = request.POST
        else:
            messages.success(request, _("服务提供方已保存"))
            return redirect("services:provider", provider.pk)
    elif provider is not None:
        values = {
            "name": provider.name,
            "kind": provider.kind,
            "region": provider.region.code,
            "areas": ",".join(provider.areas.values_list("code", flat=True)),
            "phone": provider.phone,
            "address": provider.address,
            "latitude": provider.latitude or "",
            "longitude": provider.longitude or "",
            "work_start": provider.work_start.strftime("%H:%M"),
            "work_end": provider.work_end.strftime("%H:%M"),
            "daily_capacity": provider.daily_capacity,
            "volunteer": provider.person_id or "",
        }
    else:
        values = {
            "region": request.user.region.code,
            "areas": request.user.region.code,
            "work_start": "08:00",
            "work_end": "18:00",
            "daily_capacity": 8,
        }
    chosen_items = (
        set(request.POST.getlist("items"))
        if request.method == "POST"
        else set(provider.items.values_list("code", flat=True))
        if provider
        else set()
    )
    days = (
        "".join(request.POST.getlist("work_days"))
        if request.method == "POST"
        else provider.work_days
        if provider
        else "12345"
    )
    quals = list(provider.qualifications.all()) if provider and request.method != "POST" else []
    qual_rows = [
        {
            "kind": q.kind if q else "",
            "number": q.number if q else "",
            "expires": q.expires_on.isoformat() if q and q.expires_on else "",
        }
        for q in (quals + [None] * (5 - len(quals)))[:5]
    ]
    volunteers = selectors.volunteers_in_scope(request.user)
    return render(
        request,
        "services/provider_form.html",
        {
            "provider": provider,
            "values": values,
            "errors": errors,
            "kinds": ProviderKind.choices,
            "items": selectors.active_items(),
            "chosen_items": chosen_items,
            "days": [(str(i), WEEKDAYS[i - 1], str(i) in days) for i in range(1, 8)],
            "qual_kinds": QualificationKind.choices,
            "qual_rows": qual_rows,
            "volunteers": volunteers,
        },
        status=422 if errors else 200,
    )


def _volunteer_person(user, raw: str):
    return selectors.volunteer_person(user, raw)


@role_required(EVERYONE)
def catalogue(request):
    items = selectors.catalogue_items(category=request.GET.get("category", ""))
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("服务项目目录"),
            filename="service-catalogue",
            columns=ITEM_COLUMNS,
            rows=items,
            object_type="ServiceItem",
        )
    groups = [
        (code, label, [i for i in items if i.category == code]) for code, label in Category.choices
    ]
    return render(
        request,
        "services/catalogue.html",
        {
            "groups": [g for g in groups if g[2]],
            "can_edit": request.user.role in services.CATALOGUE_EDITORS,
            "kinds": dict(ProviderKind.choices),
        },
    )


@role_required(frozenset(services.CATALOGUE_EDITORS))
def item_edit(request, pk: int):
    try:
        item = selectors.item_get(pk)
    except DomainError as error:
        return error_response(request, error)
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        try:
            services.item_update(
                actor=request.user,
                item=item,
                data={
                    "name": post.get("name"),
                    "unit": post.get("unit"),
                    "standard_minutes": post.get("standard_minutes"),
                    "price": post.get("price"),
                    "deliverers": post.getlist("deliverers"),
                    "qualification": post.get("qualification", ""),
                    "description": post.get("description", ""),
                    "active": post.get("active") == "on",
                },
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            errors = error.fields or {"form": [error_text(error)]}
        else:
            messages.success(request, _("服务项目已保存"))
            return redirect("services:catalogue")
    return render(
        request,
        "services/item_form.html",
        {
            "item": item,
            "errors": errors,
            "kinds": ProviderKind.choices,
            "qual_kinds": QualificationKind.choices,
        },
        status=422 if errors else 200,
    )


@role_required(OFFICERS)
def ratings(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    rows = selectors.provider_ratings(request.user, year=year)
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("服务方满意度"),
            filename=f"provider-ratings-{year}",
            columns=RATING_COLUMNS,
            rows=rows,
            object_type="Provider",
        )
    return render(
        request,
        "services/ratings.html",
        {"rows": rows, "year": year, "years": range(timezone.localdate().year, 2021, -1)},
    )


@require_POST
@role_required(OFFICERS)
def request_link_new(request, elder_id: int):
    try:
        elder = _elder_in_scope(request.user, elder_id)
        _link, token = links.create(
            actor=request.user,
            elder=elder,
            contact_id=request.POST.get("contact") or None,
            send=request.POST.get("send") == "on",
            request=request,
        )
    except DomainError as error:
        return error_response(request, error)
    url = links.link_url(token)
    messages.success(
        request,
        _("服务申请链接已生成（只显示这一次）：%(url)s") % {"url": url},
    )
    return redirect("elders:detail", elder.pk)


# Pages elders and families use without an account --------------------------------


def public_request(request, token: str):
    link = links.resolve(token)
    if link is None:
        return render(
            request,
            "services/public_message.html",
            {"title": _("链接无效"), "text": _("这个链接已失效，请联系社区工作人员。")},
            status=404,
        )
    elder = link.elder
    items = list(selectors.active_items())
    errors: dict = {}
    today = timezone.localdate()
    days = [(today + dt.timedelta(days=i)) for i in range(0, 4)]
    if request.method == "POST":
        post = request.POST
        item = next((i for i in items if i.code == post.get("item")), None)
        day = parse_date(post.get("day", "") or "")
        slot = {"am": dt.time(9, 0), "pm": dt.time(14, 30)}.get(post.get("slot", ""))
        when = None
        if day is None or day not in days:
            errors["day"] = [_("请选择哪一天")]
        elif slot is None:
            errors["slot"] = [_("请选择上午还是下午")]
        else:
            when = timezone.make_aware(dt.datetime.combine(day, slot))
            if when < timezone.now():
                when = timezone.now() + dt.timedelta(hours=1)
        if not errors:
            try:
                order = services.order_create(
                    actor=None,
                    elder=elder,
                    item=item,
                    scheduled_for=when,
                    channel=Channel.SELF,
                    note=post.get("note", ""),
                    requester_name=link.for_name or elder.person.name,
                    requester_relation=link.for_relation or _("本人"),
                    request=request,
                )
            except DomainError as error:
                errors = error.fields or {"form": [error_text(error)]}
            else:
                return render(
                    request,
                    "services/public_message.html",
                    {
                        "title": _("已收到您的申请"),
                        "text": _("工单号 %(n)s。社区工作人员会尽快安排，并打电话和您确认时间。")
                        % {"n": order.number},
                    },
                )
    return render(
        request,
        "services/public_request.html",
        {
            "elder": elder,
            "link": link,
            "link_token": token,
            "helps": [(h, label, [i for i in items if i.help == h]) for h, label in Help.choices],
            "days": days,
            "errors": errors,
            "values": request.POST if request.method == "POST" else {},
        },
        status=422 if errors else 200,
    )


def public_survey(request, token: str):
    try:
        order = survey.order_for_token(token)
    except survey.TokenRefused as refused:
        return render(
            request,
            "services/public_message.html",
            {"title": _("无法评价"), "text": refused.message},
            status=409 if refused.reason == "used" else 404,
        )
    errors: dict = {}
    if request.method == "POST":
        try:
            survey.answer(
                token,
                request.POST.get("rating"),
                request.POST.get("comment", ""),
                request=request,
            )
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
        else:
            return render(
                request,
                "services/public_message.html",
                {"title": _("谢谢您的评价"), "text": _("您的意见我们已经收到。")},
            )
    return render(
        request,
        "services/public_survey.html",
        {"order": order, "choices": RATING_LABELS, "errors": errors},
        status=422 if errors else 200,
    )
