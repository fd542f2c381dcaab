"""Workbench panel: today's meals at the user's meal points (助餐)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register

from . import meals
from .models import MealKind


@register(meals.MEAL_USERS)
def meals_panel(user) -> Panel | None:
    counts = meals.today_counts(user)
    if not counts["points"]:
        return None
    single = counts["single"]
    url = (
        reverse("services:meal_day", args=[single.pk])
        if single is not None
        else reverse("services:meal_points")
    )
    items = [
        Item(
            str(MealKind(kind).label),
            counts["meals"][kind],
            f"{url}?meal={kind}" if single is not None else url,
        )
        for kind in MealKind.values
    ]
    items.append(Item(_("其中送餐"), counts["delivered"], url))
    items.append(Item(_("运营中的助餐点"), counts["points"], reverse("services:meal_points")))
    return Panel(
        title=_("今日助餐") if single is None else _("今日助餐：%(p)s") % {"p": single.name},
        order=12,
        items=items,
    )
