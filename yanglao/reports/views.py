"""Pages of the work report, the 明白卡 and the public policy compilation."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS
from yanglao.core.decorators import role_required
from yanglao.core.errors import ValidationFailed, error_response
from yanglao.core.scope import get_in_scope
from yanglao.regions.models import Level, Region

from . import card as cards
from . import figures, periods, policies, xlsx

REPORT_READERS = VISIT_OFFICERS
CARD_PRINTERS = VISIT_OFFICERS


def parse_period(code: str) -> periods.Period:
    try:
        return periods.parse(code)
    except periods.PeriodError as exc:
        raise ValidationFailed(_("报告期有误"), fields={"period": [str(exc)]}) from None


def _crumbs(region: Region, user, period_code: str) -> list[dict]:
    scope_depth = user.region.path.count(".")
    out = []
    for code in region.path.split("."):
        r = Region.objects.filter(code=code).only("name", "path").first()
        if r is None:
            continue
        inside = r.path.count(".") >= scope_depth
        url = reverse("reports:report", args=[r.code, period_code]) if inside else ""
        out.append({"name": r.name, "url": url})
    return out


@role_required(REPORT_READERS)
def index(request):
    """工作报告: pick a region in scope and a month or quarter."""
    code = (request.GET.get("region") or request.user.region_id).strip()
    wanted = request.GET.get("period", "").strip()
    try:
        region = get_in_scope(Region.objects.all(), request.user, field="", code=code)
        if wanted:
            return redirect("reports:report", region.code, parse_period(wanted).code)
    except ValidationFailed as error:
        return error_response(request, error)
    today = timezone.localdate()
    months = periods.recent(periods.MONTH, today, 12)
    quarters = periods.recent(periods.QUARTER, today, 8)
    latest = periods.latest_complete(periods.MONTH, today)
    children = Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code")
    return render(
        request,
        "reports/index.html",
        {
            "region": region,
            "months": months,
            "quarters": quarters,
            "latest": latest,
            "latest_quarter": periods.latest_complete(periods.QUARTER, today),
            "children": children if region.level < Level.VILLAGE else [],
            "today": today,
        },
    )


@role_required(REPORT_READERS)
def report(request, region_code: str, period: str):
    """The printable report; ``?export=xlsx`` downloads the workbook."""
    try:
        chosen = parse_period(period)
        data = figures.report_for(request.user, region_code, chosen)
    except ValidationFailed as error:
        return error_response(request, error)
    if request.GET.get("export") == "xlsx":
        return xlsx.response(request, data)
    return render(
        request,
        "reports/report.html",
        {
            "r": data,
            "previous": chosen.previous(),
            "next": chosen.next() if chosen.next().start <= timezone.localdate() else None,
            "other_kind": periods.containing(
                periods.QUARTER if chosen.kind == periods.MONTH else periods.MONTH, data.as_of
            ),
            "target_columns": figures.target_columns(),
            "target_rows": figures.target_rows(data.targets),
            "crumbs": _crumbs(data.region, request.user, chosen.code),
        },
    )


@role_required(CARD_PRINTERS)
def card(request, elder_id: int):
    """明白卡 of one elder (one A4 page, large print)."""
    one = cards.card_for(request.user, elder_id, request=request)
    return render(request, "reports/card_page.html", {"cards": [one], "single": one})


@role_required(CARD_PRINTERS)
def village_cards(request, village_code: str):
    """明白卡 of every elder on a village's register, one per page."""
    region, batch = cards.cards_for_village(request.user, village_code, request=request)
    return render(request, "reports/card_page.html", {"cards": batch, "village": region})


def public_policies(request, region_code: str):
    """政策汇编: public, no login; policy text only."""
    region = policies.public_region(region_code)
    book = policies.compilation(region)
    hotline = cards.hotline_for(region, book.on)
    return render(request, "reports/public_policies.html", {"book": book, "hotline": hotline})


urlpatterns = [
    path("", index, name="index"),
    path("card/<int:elder_id>/", card, name="card"),
    path("cards/<str:village_code>/", village_cards, name="village_cards"),
    path("<str:region_code>/<str:period>/", report, name="report"),
]

public_urlpatterns = [
    path("policies/<str:region_code>/", public_policies, name="public_policies"),
]
