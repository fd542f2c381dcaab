"""Funding pages: the award and subsidy estimator. Thin: parse, call a selector, render."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.decorators import role_required
from yanglao.core.errors import DomainError, NotFound, ValidationFailed
from yanglao.facilities.models import FacilityType

from . import selectors
from .api import parse_area


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
