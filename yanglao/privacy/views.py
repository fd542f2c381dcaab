"""Pages: the notice (public and staff), the legal basis of a file, data requests, the
list of files without a recorded basis."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, record_refusal
from yanglao.core.exports import XLSX_MIME, Column, build_xlsx, xlsx_response
from yanglao.core.masking import mask_phone
from yanglao.core.paging import paginate, query_without_page
from yanglao.elders import selectors as elder_selectors
from yanglao.elders.selectors import search_q
from yanglao.regions.views import crumbs_for

from . import filecopy, selectors, services
from .forms import ConsentForm, HandleForm, NoticeForm, RequestForm, WithdrawForm
from .models import GivenBy, PrivacyNotice, RequestKind, RequestStatus


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------------- notice


def public_notice(request):
    """个人信息处理告知书, for elders and families: no account needed."""
    notice = services.current_notice()
    return render(request, "privacy/public_notice.html", {"notice": notice})


@role_required(services.PRIVACY_READERS | services.NOTICE_EDITORS)
def notices(request):
    return render(
        request,
        "privacy/notices.html",
        {
            "current": services.current_notice(),
            "versions": PrivacyNotice.objects.all(),
            "can_publish": request.user.role in services.NOTICE_EDITORS,
        },
    )


@role_required(services.NOTICE_EDITORS)
def notice_new(request):
    last = services.current_notice()
    initial = {}
    if last is not None:
        initial = {
            "title": last.title,
            "controller": last.controller,
            "contact": last.contact,
            "body": last.body,
            "items": "\n".join(f"{i['item']}｜{i['purpose']}" for i in last.items),
        }
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                items=form.item_list(),
                controller=form.cleaned_data["controller"],
                contact=form.cleaned_data["contact"],
                effective_on=form.cleaned_data["effective_on"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("已发布第 %(v)d 版告知书") % {"v": notice.version})
            return redirect("privacy:notices")
    return render(request, "privacy/form.html", {"form": form, "title": _("发布新版告知书")})


# ------------------------------------------------------------------- legal basis


@role_required(services.PRIVACY_READERS)
def elder_basis(request, pk: int):
    actor = request.user
    elder = elder_selectors.elder_get(actor, pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST":
        if actor.role not in services.PRIVACY_WRITERS:
            from yanglao.core.errors import Forbidden, error_response

            return error_response(request, Forbidden())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_record(
                    actor=actor,
                    elder=elder,
                    basis=data["basis"],
                    given_by=data["given_by"],
                    giver_name=data["giver_name"],
                    giver_relation=data["giver_relation"],
                    legal_reference=data["legal_reference"],
                    notice_version=data["notice_version"],
                    given_on=data["given_on"],
                    evidence=data["evidence"],
                    request=request,
                )
            except DomainError as error:
                record_refusal(request, error)
                form.add_domain_error(error)
            else:
                messages.success(request, _("已登记处理依据"))
                return redirect("privacy:elder_basis", pk=elder.pk)
    return render(
        request,
        "privacy/elder_basis.html",
        {
            "elder": elder,
            "panel": selectors.elder_panel(actor, elder),
            "form": form,
            "withdraw_form": WithdrawForm(),
            "notice": services.current_notice(),
            "can_write": actor.role in services.PRIVACY_WRITERS,
            "crumbs": crumbs_for(elder.region, actor),
        },
    )


@require_POST
@role_required(services.PRIVACY_WRITERS)
def consent_withdraw(request, pk: int):
    record = selectors.consent_get(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("privacy:elder_basis", pk=record.elder_id)
    try:
        services.consent_withdraw(
            actor=request.user,
            record=record,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("已撤回"))
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error.message)
        for field_errors in (error.fields or {}).values():
            for message in field_errors:
                messages.error(request, message)
    return redirect("privacy:elder_basis", pk=record.elder_id)


WITHOUT_BASIS_COLUMNS = [
    Column(_("姓名"), lambda e: e.person.name, 10),
    Column(_("身份证号"), lambda e: e.person.masked_id_number, 22),
    Column(_("联系电话"), lambda e: mask_phone(e.person.phone), 14),
    Column(_("所属村(社区)"), lambda e: f"{e.region.name}（{e.region_id}）", 24),
    Column(_("建档时间"), lambda e: timezone.localtime(e.created_at).date(), 12),
]


@role_required(services.PRIVACY_READERS)
def without_basis(request):
    actor = request.user
    params = {"q": request.GET.get("q", "").strip()}
    qs = selectors.elders_without_basis(actor)
    if params["q"]:
        qs = qs.filter(search_q(params["q"]))
    qs = qs.order_by("region_path", "pk")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=actor,
            title=_("未登记处理依据的老人"),
            filename="elders-without-basis",
            columns=WITHOUT_BASIS_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="Elder",
        )
    return render(
        request,
        "privacy/without_basis.html",
        {"page": paginate(request, qs), "qs": query_without_page(request), "params": params},
    )


# ----------------------------------------------------------------- data requests

REQUEST_COLUMNS = [
    Column(_("收到日期"), lambda r: r.received_on, 12),
    Column(_("老人"), lambda r: r.elder.person.name, 10),
    Column(_("所属村(社区)"), lambda r: r.elder.region.name, 16),
    Column(_("请求类型"), lambda r: r.get_kind_display(), 10),
    Column(_("申请人"), lambda r: f"{r.requester_name}（{r.get_requested_by_display()}）", 16),
    Column(_("答复期限"), lambda r: r.due_on, 12),
    Column(_("状态"), lambda r: r.get_status_display(), 8),
    Column(_("处理结果"), lambda r: r.get_outcome_display(), 14),
    Column(_("经办人"), lambda r: r.handled_by.username if r.handled_by else "", 12),
    Column(_("答复内容"), lambda r: r.response, 40),
]


@role_required(services.PRIVACY_READERS)
def request_list(request):
    actor = request.user
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "kind", "status", "overdue", "date_from", "date_to")
    }
    for name in ("date_from", "date_to"):
        if params[name] and _date(params[name]) is None:
            messages.warning(request, _("日期格式应为 YYYY-MM-DD"))
            params[name] = ""
    qs = selectors.requests_for(
        actor,
        q=params["q"],
        kind=params["kind"] if params["kind"] in RequestKind.values else "",
        status=params["status"] if params["status"] in RequestStatus.values else "",
        overdue=params["overdue"] == "1",
        date_from=_date(params["date_from"]),
        date_to=_date(params["date_to"]),
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=actor,
            title=_("个人信息权利请求"),
            filename="data-requests",
            columns=REQUEST_COLUMNS,
            rows=qs.iterator(),
            filters=params,
            object_type="DataRequest",
        )
    return render(
        request,
        "privacy/request_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": params,
            "kinds": RequestKind.choices,
            "statuses": RequestStatus.choices,
            "today": timezone.localdate(),
            "can_write": actor.role in services.PRIVACY_WRITERS,
        },
    )


@role_required(services.PRIVACY_WRITERS)
def request_new(request):
    actor = request.user
    elder_pk = request.GET.get("elder") or request.POST.get("elder")
    if not elder_pk or not str(elder_pk).isdigit():
        q = request.GET.get("q", "").strip()
        found = (
            elder_selectors.elders_for(actor, elder_selectors.ElderFilters(q=q, status=""))[:20]
            if q
            else []
        )
        return render(request, "privacy/request_pick.html", {"q": q, "found": found})
    elder = elder_selectors.elder_get(actor, int(elder_pk))
    form = RequestForm(request.POST or None, initial={"requester_name": elder.person.name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_open(
                actor=actor,
                elder=elder,
                kind=data["kind"],
                requested_by=data["requested_by"],
                requester_name=data["requester_name"],
                requester_relation=data["requester_relation"],
                detail=data["detail"],
                received_on=data["received_on"],
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("已登记，须在 %(d)s 前答复") % {"d": created.due_on.isoformat()}
            )
            return redirect("privacy:request_detail", pk=created.pk)
    return render(
        request,
        "privacy/form.html",
        {
            "form": form,
            "title": _("登记个人信息权利请求"),
            "subtitle": f"{elder.person.name}（{elder.region.name}）",
            "hidden": {"elder": elder.pk},
        },
    )


@role_required(services.PRIVACY_READERS)
def request_detail(request, pk: int):
    actor = request.user
    data_request = selectors.request_get(actor, pk)
    form = HandleForm(request.POST or None)
    can_handle = (
        actor.role in services.PRIVACY_WRITERS and data_request.status == RequestStatus.OPEN
    )
    if request.method == "POST":
        if not can_handle:
            from yanglao.core.errors import Forbidden, error_response

            return error_response(request, Forbidden())
        if form.is_valid():
            try:
                services.request_handle(
                    actor=actor,
                    data_request=data_request,
                    outcome=form.cleaned_data["outcome"],
                    response=form.cleaned_data["response"],
                    request=request,
                )
            except DomainError as error:
                record_refusal(request, error)
                form.add_domain_error(error)
            else:
                messages.success(request, _("已办结"))
                return redirect("privacy:request_detail", pk=data_request.pk)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "r": data_request,
            "form": form,
            "can_handle": can_handle,
            "can_copy": data_request.kind == RequestKind.ACCESS
            and actor.role in services.PRIVACY_WRITERS,
            "today": timezone.localdate(),
            "crumbs": crumbs_for(data_request.elder.region, actor),
            "guardian": GivenBy.GUARDIAN,
        },
    )


@role_required(services.PRIVACY_WRITERS)
def request_file(request, pk: int):
    """The copy of the file for an access request, as .xlsx (access-logged)."""
    data_request = selectors.request_get(request.user, pk)
    if data_request.kind != RequestKind.ACCESS:
        from yanglao.core.errors import NotFound, error_response

        return error_response(request, NotFound(_("只有查阅、复制请求才提供档案副本")))
    rows = filecopy.handover(actor=request.user, data_request=data_request, request=request)
    content, _count = build_xlsx(
        title=_("个人信息档案副本：%(name)s") % {"name": data_request.elder.person.name},
        columns=[
            Column(_("类别"), lambda r: r[0], 12),
            Column(_("项目"), lambda r: r[1], 18),
            Column(_("内容"), lambda r: r[2], 60),
        ],
        rows=rows,
        filters={_("请求编号"): str(data_request.pk), _("收到日期"): str(data_request.received_on)},
    )
    response = HttpResponse(content, content_type=XLSX_MIME)
    name = f"{_('档案副本')}-{data_request.pk}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
