"""Funding pages: the award and subsidy estimator. Thin: parse, call a selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, ValidationFailed, error_text
from yanglao.core.exports import Column, list_export
from yanglao.core.scope import scoped
from yanglao.facilities.models import Facility, FacilityType

from . import budget, selectors, services
from .api import parse_area, parse_sizes
from .models import FundingSource, GrantStatus, PayerLevel
from .rules import KIND_LABELS


def _tristate(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _level_labels() -> dict[str, str]:
    return {"province": _("省级"), "city": _("市级"), "county": _("县级")}


@role_required(selectors.FUNDING_USERS)
def estimate(request):
    g = request.GET
    values = {
        "region": g.get("region") or request.user.region_id,
        "facility_type": g.get("facility_type", ""),
        "floor_area_m2": g.get("floor_area_m2", ""),
        "star_rating": g.get("star_rating", ""),
        "provides_meals": g.get("provides_meals", ""),
        "county_funded": g.get("county_funded", ""),
        "on_date": g.get("on_date") or timezone.localdate().isoformat(),
    }
    result = None
    errors: dict[str, list[str]] = {}
    message = ""
    if "facility_type" in g:
        try:
            try:
                on_date = dt.date.fromisoformat(values["on_date"])
            except ValueError:
                raise ValidationFailed(fields={"on_date": [_("日期格式应为 YYYY-MM-DD")]}) from None
            star = values["star_rating"]
            if star and not star.isdigit():
                raise ValidationFailed(fields={"star_rating": [_("星级应为 1 至 5")]})
            result = selectors.estimate(
                actor=request.user,
                region_code=values["region"].strip(),
                facility_type=values["facility_type"],
                on_date=on_date,
                floor_area_m2=parse_area(values["floor_area_m2"]),
                star_rating=int(star) if star else None,
                provides_meals=_tristate(values["provides_meals"]),
                county_funded=_tristate(values["county_funded"]),
            )
        except NotFound:
            errors = {"region": [_("区划不存在或不在您的管辖范围内")]}
            message = _("输入有误，请检查标出的字段")
        except DomainError as error:
            errors = error.fields
            message = error.message
    levels = _level_labels()
    return render(
        request,
        "funding/estimate.html",
        {
            "values": values,
            "errors": errors,
            "message": message,
            "result": result,
            "by_level": [(levels[k], f"{v:,.2f}") for k, v in result.by_level().items()]
            if result
            else [],
            "level_labels": levels,
            "types": FacilityType.choices,
        },
    )


# ---------------------------------------------------------------- the grants ledger


def _can_write(request) -> bool:
    return getattr(request.user, "role", None) in services.FUNDING_WRITERS


def _facilities(request):
    return scoped(Facility.objects.order_by("name"), request.user, path_lookup="region_path")


def _year(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# "导出 Excel" of the grants ledger: each grant as its lines leave it, with the flags.
GRANT_COLUMNS = [
    Column(gettext_lazy("设施"), lambda s: s.facility.name, 28),
    Column(gettext_lazy("所在区划"), lambda s: s.facility.region.name, 18),
    Column(gettext_lazy("年度"), lambda s: s.year, 8),
    Column(gettext_lazy("出资层级"), lambda s: s.payer_label),
    Column(gettext_lazy("奖补项目"), lambda s: str(KIND_LABELS.get(s.kind, s.kind)), 20),
    Column(gettext_lazy("金额（元）"), lambda s: s.amount),
    Column(gettext_lazy("状态"), lambda s: s.status_label),
    Column(gettext_lazy("已支出（元）"), lambda s: s.spent),
    Column(gettext_lazy("支出超出范围"), lambda s: bool(s.outside_uses)),
    Column(gettext_lazy("配套资金逾期"), lambda s: s.match_missed),
    Column(gettext_lazy("规则"), lambda s: s.rule_id, 30),
]


@role_required(selectors.FUNDING_USERS)
def grants(request):
    """奖补资金台账: every grant in scope, with its flags; a form to record one."""
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST" and _can_write(request):
        try:
            facility = selectors.facility_for_funding(
                request.user, _year(values.get("facility")) or 0
            )
            line = services.grant_record(
                actor=request.user,
                facility=facility,
                year=_year(values.get("year")) or 0,
                payer_level=values.get("payer_level", ""),
                kind=values.get("kind", ""),
                rule_id=values.get("rule_id", ""),
                amount=values.get("amount", ""),
                status=values.get("status", "estimated"),
                on_date=dt.date.fromisoformat(
                    values.get("on_date") or timezone.localdate().isoformat()
                ),
                memo=values.get("memo", ""),
            )
            messages.success(request, _("已登记"))
            return redirect("funding:grant", grant=line.grant)
        except NotFound:
            errors = {"facility": [_("请选择辖区内的设施")]}
        except ValueError:
            errors = {"on_date": [_("日期格式应为 YYYY-MM-DD")]}
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    year = _year(request.GET.get("year"))
    region_code = request.GET.get("region", "").strip()[:15]
    status = request.GET.get("status", "")
    status = status if status in GrantStatus.values else ""
    states = selectors.grant_states(request.user, year=year, region_code=region_code)
    if status:
        states = [s for s in states if s.status == status]
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return list_export(
            request,
            title=_("奖补资金台账"),
            filename="grants",
            columns=GRANT_COLUMNS,
            rows=states,
            object_type="GrantLine",
        )
    return render(
        request,
        "funding/grants.html",
        {
            "states": states,
            "year": year or "",
            "region_code": region_code,
            "status": status,
            "missed": [s for s in states if s.match_missed],
            "outside": [s for s in states if s.outside_uses],
            "can_write": _can_write(request),
            "facilities": _facilities(request) if _can_write(request) else [],
            "levels": PayerLevel.choices,
            "statuses": GrantStatus.choices,
            "kinds": list(KIND_LABELS.items()),
            "errors": errors,
            "values": values,
            "today": timezone.localdate(),
        },
    )


@role_required(selectors.FUNDING_USERS)
def grant_detail(request, grant):
    state = selectors.grant_get(request.user, grant)
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST" and _can_write(request):
        try:
            on_date = dt.date.fromisoformat(values.get("on_date") or "")
        except ValueError:
            errors = {"on_date": [_("日期格式应为 YYYY-MM-DD")]}
        else:
            try:
                if values.get("action") == "status":
                    services.grant_status(
                        actor=request.user,
                        grant=grant,
                        status=values.get("status", ""),
                        amount=values.get("amount") or None,
                        on_date=on_date,
                        memo=values.get("memo", ""),
                    )
                else:
                    services.grant_spend(
                        actor=request.user,
                        grant=grant,
                        amount=values.get("amount", ""),
                        use=values.get("use", ""),
                        on_date=on_date,
                        memo=values.get("memo", ""),
                    )
                messages.success(request, _("已记入台账"))
                return redirect("funding:grant", grant=grant)
            except DomainError as error:
                errors = error.fields or {"form": [error_text(error)]}
    _allowed, labels = selectors.spending_uses(state.facility.region)
    return render(
        request,
        "funding/grant.html",
        {
            "state": state,
            "can_write": _can_write(request),
            "uses": [(u, labels.get(u, u)) for u in services.USES],
            "statuses": [s for s in GrantStatus.choices if s[0] != GrantStatus.ESTIMATED],
            "errors": errors,
            "values": values,
            "action": values.get("action", ""),
            "today": timezone.localdate(),
        },
    )


@role_required(selectors.FUNDING_USERS)
def running_costs(request):
    """A facility's running-cost shares for a year; a form to record a share."""
    facility_id = _year(request.GET.get("facility") or request.POST.get("facility"))
    year = _year(request.GET.get("year") or request.POST.get("year")) or timezone.localdate().year
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    report = facility = None
    if facility_id:
        try:
            facility = selectors.facility_for_funding(request.user, facility_id)
        except NotFound:
            errors = {"facility": [_("请选择辖区内的设施")]}
    if facility is not None and request.method == "POST" and _can_write(request):
        try:
            services.running_cost_record(
                actor=request.user,
                facility=facility,
                year=year,
                source=values.get("source", ""),
                amount=values.get("amount", ""),
                on_date=timezone.localdate(),
                memo=values.get("memo", ""),
            )
            messages.success(request, _("已记入台账"))
            return redirect(f"{request.path}?facility={facility.pk}&year={year}")
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    if facility is not None:
        report = selectors.running_costs(request.user, facility_id=facility.pk, year=year)
    return render(
        request,
        "funding/running_costs.html",
        {
            "facilities": _facilities(request),
            "facility": facility,
            "year": year,
            "report": report,
            "sources": FundingSource.choices,
            "can_write": _can_write(request),
            "errors": errors,
            "values": values,
        },
    )


@role_required(selectors.FUNDING_USERS)
def evaluation(request):
    """The Sanming year-end award tiers of the counties under a region."""
    g = request.GET
    values = {
        "region": g.get("region") or request.user.region_id,
        "year": g.get("year") or str(timezone.localdate().year - 1),
        "tier_sizes": g.get("tier_sizes", ""),
    }
    result = None
    errors: dict[str, list[str]] = {}
    if values["tier_sizes"]:
        try:
            year = _year(values["year"])
            if year is None:
                raise ValidationFailed(fields={"year": [_("应为整数")]})
            result = selectors.county_evaluation(
                request.user,
                region_code=values["region"],
                year=year,
                tier_sizes=parse_sizes(values["tier_sizes"]),
            )
        except NotFound:
            errors = {"region": [_("区划不存在或不在您的管辖范围内")]}
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    return render(
        request,
        "funding/evaluation.html",
        {"values": values, "errors": errors, "result": result},
    )


@role_required(selectors.FUNDING_USERS)
def budget_page(request):
    """Budget what-if over the planned tasks, with up to three assumed rule values."""
    g = request.GET
    values = {
        "region": g.get("region") or request.user.region_id,
        "year": g.get("year") or str(timezone.localdate().year),
        "provides_meals": g.get("provides_meals", ""),
    }
    raw = [
        {
            "rule_id": g.get(f"rule_{n}", ""),
            "param": g.get(f"param_{n}", ""),
            "value": g.get(f"value_{n}", ""),
        }
        for n in range(3)
    ]
    result = None
    errors: dict[str, list[str]] = {}
    if "year" in g:
        try:
            year = _year(values["year"])
            if year is None:
                raise ValidationFailed(fields={"year": [_("应为整数")]})
            result = budget.budget(
                request.user,
                region_code=values["region"],
                year=year,
                provides_meals=_tristate(values["provides_meals"]),
                overrides=budget.parse_overrides(raw),
            )
        except NotFound:
            errors = {"region": [_("区划不存在或不在您的管辖范围内")]}
        except DomainError as error:
            errors = error.fields or {"form": [error_text(error)]}
    levels = _level_labels()
    return render(
        request,
        "funding/budget.html",
        {
            "values": values,
            "overrides": [
                {
                    **row,
                    "n": n,
                    "errors": [
                        e for k, v in errors.items() if k.startswith(f"overrides.{n}.") for e in v
                    ],
                }
                for n, row in enumerate(raw)
            ],
            "errors": errors,
            "result": result,
            "level_rows": [{**r, "label": levels[r["level"]]} for r in result.rows]
            if result
            else [],
        },
    )
