"""Donation pages: the officers' ledger (list, new donation, new spending, ledger lines,
disclosure preview) and the public disclosure (公示, no login by design, printable)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import Role
from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, error_text
from yanglao.core.exports import Column, list_export
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.scope import get_in_scope
from yanglao.regions.models import Region

from . import donations
from .models import DonationLineKind, DonorKind, RecipientKind

DONATION_USERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)


# "导出 Excel" of the ledger (anonymous donors stay 匿名).
DONATION_COLUMNS = [
    Column(gettext_lazy("序号"), lambda x: x.seq, 8),
    Column(gettext_lazy("日期"), lambda x: x.on_date),
    Column(gettext_lazy("类别"), lambda x: x.get_line_kind_display()),
    Column(gettext_lazy("受赠方"), lambda x: x.recipient_name, 24),
    Column(gettext_lazy("捐赠人"), lambda x: donations.donor_label(x) if x.donor_kind else ""),
    Column(gettext_lazy("金额（元）"), lambda x: x.amount),
    Column(gettext_lazy("物品"), lambda x: x.items, 20),
    Column(gettext_lazy("用途"), lambda x: x.purpose, 20),
    Column(gettext_lazy("收据号"), lambda x: x.receipt_no),
]
LEDGER_COLUMNS = [*DONATION_COLUMNS, Column(gettext_lazy("哈希"), lambda x: x.hash, 66)]


@role_required(DONATION_USERS)
def donation_list(request):
    """捐赠台账: donations and spending in scope, with search, filters and paging."""
    g = request.GET
    if g.get("village", "").strip():
        return redirect("community:donation_preview", village_code=g["village"].strip())
    qs = donations.donation_list(
        request.user,
        q=g.get("q", "").strip(),
        line_kind=g.get("line_kind", ""),
        donor_kind=g.get("donor_kind", ""),
        recipient_kind=g.get("recipient_kind", ""),
    )
    if g.get("export") == "xlsx":
        return list_export(
            request,
            title=_("捐赠台账"),
            filename="donations",
            columns=DONATION_COLUMNS,
            rows=qs,
            object_type="DonationLine",
        )
    summary = donations.summarize(donations.lines_in_scope(request.user))
    return render(
        request,
        "community/donation_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "g": g,
            "summary": summary,
            "line_kinds": DonationLineKind.choices,
            "donor_kinds": DonorKind.choices,
            "recipient_kinds": RecipientKind.choices,
        },
    )


@role_required(DONATION_USERS)
def donation_new(request):
    """登记捐赠."""
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            try:
                on_date = dt.date.fromisoformat(values.get("on_date") or "")
            except ValueError:
                errors = {"on_date": [_("日期格式应为 YYYY-MM-DD")]}
                raise
            donations.donation_record(
                actor=request.user,
                recipient_kind=values.get("recipient_kind", ""),
                recipient_id=values.get("recipient_id", "").strip() or 0,
                donor_kind=values.get("donor_kind", ""),
                donor_name=values.get("donor_name", ""),
                anonymous=values.get("anonymous") == "on",
                amount=values.get("amount", ""),
                items=values.get("items", ""),
                purpose=values.get("purpose", ""),
                receipt_no=values.get("receipt_no", ""),
                on_date=on_date,
                memo=values.get("memo", ""),
            )
            messages.success(request, _("已登记"))
            return redirect("community:donation_list")
        except ValueError:
            pass
        except NotFound:
            errors = {"recipient_id": [_("辖区内没有该受赠方")]}
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    return render(
        request,
        "community/donation_form.html",
        {
            "values": values,
            "errors": errors,
            "today": timezone.localdate(),
            "donor_kinds": DonorKind.choices,
            "recipient_kinds": RecipientKind.choices,
        },
    )


@role_required(DONATION_USERS)
def spending_new(request, donation):
    """按捐赠用途登记支出 (overspending or another purpose is flagged, not refused)."""
    opening = donations.donation_get(request.user, donation)
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            on_date = dt.date.fromisoformat(values.get("on_date") or "")
            donations.spending_record(
                actor=request.user,
                donation=opening.donation,
                amount=values.get("amount", ""),
                purpose=values.get("purpose", ""),
                on_date=on_date,
                receipt_no=values.get("receipt_no", ""),
                memo=values.get("memo", ""),
            )
            messages.success(request, _("已登记"))
            return redirect("community:donation_list")
        except ValueError:
            errors = {"on_date": [_("日期格式应为 YYYY-MM-DD")]}
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    return render(
        request,
        "community/donation_spending_form.html",
        {"opening": opening, "values": values, "errors": errors, "today": timezone.localdate()},
    )


@role_required(DONATION_USERS)
def donation_ledger(request):
    """捐赠台账明细: every line with its hashes, and whether the chain verifies."""
    if request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("捐赠台账明细"),
            filename="donation-ledger",
            columns=LEDGER_COLUMNS,
            rows=donations.lines_in_scope(request.user).order_by("seq"),
            object_type="DonationLine",
        )
    page = paginate(request, donations.lines_in_scope(request.user).order_by("seq"))
    return render(request, "community/donation_ledger.html", {"page": page, "qs": ""})


@role_required(DONATION_USERS)
def donation_preview(request, village_code: str):
    """公示预览: what the public page shows for a village in scope."""
    region = get_in_scope(Region.objects.all(), request.user, field="", code=village_code)
    _region, summary = donations.disclosure(region.code)
    return render(
        request,
        "community/donation_preview.html",
        {"region": region, "d": donations.public_rows(summary)},
    )


def disclosure(request, village_code: str):
    """捐赠公示: public, no login; anonymous donors shown as 匿名, never their names."""
    region, summary = donations.disclosure(village_code)
    return render(
        request,
        "community/donation_disclosure.html",
        {"region": region, "d": donations.public_rows(summary)},
    )


urlpatterns = [
    path("donations/", donation_list, name="donation_list"),
    path("donations/new/", donation_new, name="donation_new"),
    path("donations/ledger/", donation_ledger, name="donation_ledger"),
    path("donations/<uuid:donation>/spend/", spending_new, name="donation_spend"),
    path("donations/preview/<str:village_code>/", donation_preview, name="donation_preview"),
    path("donations/disclosure/<str:village_code>/", disclosure, name="donation_disclosure"),
]
