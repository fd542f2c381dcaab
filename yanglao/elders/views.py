"""Registry pages: the list (search, filters, paging, export), the whole file, the forms."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yanglao.accounts.roles import (
    ELDER_READERS,
    ELDER_WRITERS,
    SENSITIVE_VIEWERS,
    VISIT_OFFICERS,
)
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, error_text, record_refusal
from yanglao.core.exports import Column, list_export
from yanglao.core.models import AuditEvent
from yanglao.core.paging import paginate, query_without_page
from yanglao.regions.views import crumbs_for
from yanglao.services import appointments as service_appointments
from yanglao.services import selectors as service_selectors

from . import categories, risk, selectors, services
from .assessment_services import ASSESSMENT_WRITERS
from .forms import CarePlanForm, ElderForm, StatusForm, TransferOfferForm, TransferRequestForm
from .models import AbilityLevel, ElderStatus, RiskLevel, TransferStatus


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


def _pick(params, name: str, allowed, default: str) -> str:
    value = params.get(name, default)
    return value if value in allowed else default


def filters_from(request) -> selectors.ElderFilters:
    get = request.GET
    return selectors.ElderFilters(
        q=get.get("q", "").strip()[:50],
        region=get.get("region", "").strip()[:15],
        group=get.get("group", "").strip()[:60],
        risk=get.get("risk", "") if get.get("risk", "") in RiskLevel.values else "",
        ability=_pick(get, "ability", (*AbilityLevel.values, "none"), ""),
        age_min=_int(get.get("age_min", "")),
        age_max=_int(get.get("age_max", "")),
        status=_pick(get, "status", (*ElderStatus.values, ""), "active"),
        sort=get.get("sort", "name"),
        plan=get.get("plan", "") if get.get("plan", "") in ("missing", "due") else "",
        assess=get.get("assess", "") if get.get("assess", "") == "due" else "",
        id_warning=get.get("idwarn") == "1",
    )


@role_required(ELDER_READERS)
def elder_list(request):
    actor = request.user
    filters = filters_from(request)
    today = timezone.localdate()
    qs = selectors.elders_for(actor, filters, on=today)
    if request.GET.get("export") == "xlsx":
        from .exporter import export_elders

        full = request.GET.get("full") == "1"
        return export_elders(
            request, actor, qs, {k: v for k, v in vars(filters).items() if v}, full
        )
    page = paginate(request, qs)
    rows = [
        (e, services.age_on(e.person.birth_date, today) if e.person.birth_date else None)
        for e in page.object_list
    ]
    return render(
        request,
        "elders/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "qs": query_without_page(request),
            "groups": selectors.groups_available(actor.region, today),
            "risks": RiskLevel.choices,
            "abilities": AbilityLevel.choices,
            "statuses": ElderStatus.choices,
            "can_write": actor.role in ELDER_WRITERS,
            "can_full": actor.role in SENSITIVE_VIEWERS,
        },
    )


@role_required(ELDER_READERS)
def elder_detail(request, pk: int):
    actor = request.user
    elder = selectors.elder_get(actor, pk)
    today = timezone.localdate()
    history = AuditEvent.objects.filter(object_type="Elder", object_id=str(elder.pk)).order_by(
        "-at"
    )[:30]
    return render(
        request,
        "elders/detail.html",
        {
            "elder": elder,
            "person": elder.person,
            "age": services.age_on(elder.person.birth_date, today)
            if elder.person.birth_date
            else None,
            "groups": categories.groups_for(elder, today),
            "risk": risk.compute_risk(elder, today),
            "contacts": elder.contacts.select_related("person"),
            "assessments": elder.assessments.all()[:10],
            "plan": elder.care_plans.filter(is_current=True).first(),
            "old_plans": elder.care_plans.filter(is_current=False)[:5],
            "transfers": elder.transfers.select_related("from_region", "to_region")[:10],
            "history": history,
            "service_orders": service_selectors.elder_orders(elder),
            "elder_activities": _elder_activities(elder),
            "elder_appointments": service_appointments.appointments_of_elder(actor, elder),
            "can_order": actor.role in VISIT_OFFICERS,
            "crumbs": crumbs_for(elder.region, actor),
            "can_write": actor.role in ELDER_WRITERS,
            "can_reveal": actor.role in SENSITIVE_VIEWERS,
            "can_assess": actor.role in ASSESSMENT_WRITERS,
            "status_form": StatusForm(initial={"status": elder.status, "on": today}),
            "offer_form": TransferOfferForm(),
        },
    )


@require_POST
@role_required(SENSITIVE_VIEWERS)
def elder_reveal(request, pk: int):
    elder = selectors.elder_get(request.user, pk)
    number = services.reveal_id_number(actor=request.user, elder=elder, request=request)
    return render(request, "elders/_revealed.html", {"number": number})


def _form_page(request, form, elder=None):
    return render(request, "elders/form.html", {"form": form, "elder": elder})


@role_required(ELDER_WRITERS)
def elder_create(request):
    actor = request.user
    form = ElderForm(request.POST or None, initial={"region": request.GET.get("region", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asked = {"id_number": data["id_number"], "region": data["region"]}
        try:
            elder = services.elder_register(
                actor=actor,
                name=data["name"],
                id_number=data["id_number"],
                region_code=data["region"],
                phone=data["phone"],
                address=data["address"],
                contacts=form.contacts(),
                request=request,
                **form.profile(),
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
            if error.code == "id_active_elsewhere":
                return render(
                    request,
                    "elders/form.html",
                    {
                        "form": form,
                        "conflict": error.message,
                        "transfer_form": TransferRequestForm(
                            initial={"id_number": asked["id_number"], "to_region": asked["region"]}
                        ),
                    },
                    status=409,
                )
        else:
            messages.success(request, _("已建档"))
            return redirect("elders:detail", pk=elder.pk)
    return _form_page(request, form)


@role_required(ELDER_WRITERS)
def elder_edit(request, pk: int):
    actor = request.user
    elder = selectors.elder_get(actor, pk)
    person = elder.person
    initial = {
        "name": person.name,
        "phone": person.phone,
        "address": person.address,
        "region": elder.region_id,
        **{name: getattr(elder, name) for name in ElderForm.PROFILE},
    }
    form = ElderForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.elder_update(
                actor=actor,
                elder=elder,
                name=data["name"],
                id_number=data["id_number"] or None,
                phone=data["phone"],
                address=data["address"],
                region_code=data["region"],
                request=request,
                **form.profile(),
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("elders:detail", pk=elder.pk)
    return _form_page(request, form, elder)


@require_POST
@role_required(ELDER_WRITERS)
def elder_status(request, pk: int):
    elder = selectors.elder_get(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.elder_set_status(
                actor=request.user, elder=elder, request=request, **form.cleaned_data
            )
            messages.success(request, _("状态已更新"))
        except DomainError as error:
            record_refusal(request, error)
            messages.error(request, error_text(error))
    else:
        messages.error(request, "；".join(m for ms in form.errors.values() for m in ms))
    return redirect("elders:detail", pk=elder.pk)


@role_required(ELDER_WRITERS)
def care_plan(request, pk: int):
    elder = selectors.elder_get(request.user, pk)
    current = elder.care_plans.filter(is_current=True).first()
    initial = {k: getattr(current, k) for k in CarePlanForm.base_fields} if current else {}
    form = CarePlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_plan_save(
                actor=request.user, elder=elder, request=request, **form.cleaned_data
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("一人一策已保存"))
            return redirect("elders:detail", pk=elder.pk)
    return render(request, "elders/care_plan.html", {"form": form, "elder": elder})


# "导出 Excel" of the transfers (both sides see a transfer; no ID numbers).
TRANSFER_COLUMNS = [
    Column(gettext_lazy("老人"), lambda t: t.elder.person.name),
    Column(gettext_lazy("转出区划"), lambda t: t.from_region.name, 18),
    Column(gettext_lazy("转入区划"), lambda t: t.to_region.name, 18),
    Column(gettext_lazy("由转入方发起"), lambda t: t.initiated_by_receiver),
    Column(gettext_lazy("状态"), lambda t: t.get_status_display()),
    Column(gettext_lazy("说明"), lambda t: t.note, 30),
    Column(gettext_lazy("申请时间"), lambda t: t.created_at, 18),
    Column(gettext_lazy("处理时间"), lambda t: t.decided_at, 18),
]


@role_required(ELDER_WRITERS)
def transfers(request):
    actor = request.user
    status = request.GET.get("status", "pending")
    status = status if status in (*TransferStatus.values, "") else "pending"
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request(
                actor=actor,
                request=request,
                **{
                    "id_number": form.cleaned_data["id_number"],
                    "to_region_code": form.cleaned_data["to_region"],
                    "note": form.cleaned_data["note"],
                },
            )
        except DomainError as error:
            record_refusal(request, error)
            form.add_domain_error(error)
        else:
            messages.success(request, _("转移申请已发出，等待对方确认"))
            return redirect("elders:transfers")
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("档案转移"),
            filename="elder-transfers",
            columns=TRANSFER_COLUMNS,
            rows=selectors.transfers_for(actor, status=status),
            object_type="Transfer",
        )
    page = paginate(request, selectors.transfers_for(actor, status=status))
    path = actor.region.path
    rows = []
    for t in page.object_list:
        deciding = t.from_region if t.initiated_by_receiver else t.to_region
        rows.append(
            {
                "t": t,
                "can_decide": t.status == "pending"
                and (deciding.path == path or deciding.path.startswith(path + ".")),
                "can_see_file": selectors.can_see(actor, t.elder),
            }
        )
    return render(
        request,
        "elders/transfers.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": TransferStatus.choices,
            "form": form,
            "qs": query_without_page(request),
        },
    )


@require_POST
@role_required(ELDER_WRITERS)
def transfer_decide(request, transfer_id: int):
    transfer = selectors.transfer_get(request.user, transfer_id)
    accept = request.POST.get("accept") == "1"
    try:
        services.transfer_decide(
            actor=request.user, transfer=transfer, accept=accept, request=request
        )
        messages.success(request, _("已接收，档案已转入") if accept else _("已拒绝"))
    except DomainError as error:
        record_refusal(request, error)
        messages.error(request, error.message)
    return redirect("elders:transfers")


@require_POST
@role_required(ELDER_WRITERS)
def transfer_offer(request, pk: int):
    elder = selectors.elder_get(request.user, pk)
    form = TransferOfferForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_offer(
                actor=request.user,
                elder=elder,
                request=request,
                to_region_code=form.cleaned_data["to_region"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已发起转出，等待对方确认"))
        except DomainError as error:
            record_refusal(request, error)
            messages.error(request, error_text(error))
    return redirect("elders:detail", pk=elder.pk)


def _elder_activities(elder):
    from yanglao.community.activities import elder_activities

    return elder_activities(elder)
