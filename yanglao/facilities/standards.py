"""The standards check (建设标准): what the policy pack says a facility of its type must
have, and where this facility falls short. Nothing is refused for a gap; each is shown
with its rule and source.

- Floor area: ``facility.standard.<type>`` (``area_min_m2``/``area_max_m2``, or
  ``area_approx_m2`` ±20%); for urban community projects ``urban_project.area``.
- Rooms: ``facility.standard.<type>`` ``rooms`` (with ``room_labels``).
- Posts: ``facility.staffing.public_welfare_posts`` (day-care centre with or without
  meals, every other facility).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.policy.selectors import lookup as policy_lookup

from .compliance import source_of
from .models import Facility, FacilityStatus, FacilityType

APPROX = Decimal("0.2")


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass
class Gap:
    code: str
    message: str
    rule_id: str
    title: str
    source: str


@dataclass
class Standard:
    """What applies to a facility, for the page: the rules and their requirements."""

    rule_id: str
    title: str
    source: str
    requirement: str


def _area_rule(facility: Facility, on: dt.date, book=None):
    lookup = book.lookup if book is not None else policy_lookup
    if facility.type == FacilityType.URBAN_COMMUNITY_PROJECT:
        return lookup("urban_project.area", facility.region, on)
    return lookup(f"facility.standard.{facility.type}", facility.region, on)


def _labels(params: dict, key: str) -> dict[str, str]:
    codes = params.get(key) or []
    labels = params.get(key[:-1] + "_labels") or []
    return {c: (labels[i] if i < len(labels) else c) for i, c in enumerate(codes)}


def room_choices(facility: Facility, on: dt.date | None = None) -> list[tuple[str, str]]:
    """The rooms the pack names for this type (for the form's checkboxes)."""
    res = _area_rule(facility, on or timezone.localdate())
    return list(_labels(res.params, "rooms").items()) if res is not None else []


def required_posts(facility: Facility, on: dt.date, book=None) -> tuple[int, object] | None:
    lookup = book.lookup if book is not None else policy_lookup
    res = lookup("facility.staffing.public_welfare_posts", facility.region, on)
    if res is None:
        return None
    p = res.params
    if facility.type == FacilityType.DAY_CARE_CENTER:
        key = (
            "day_care_center_with_meals_min"
            if facility.serves_meals
            else ("day_care_center_without_meals_min")
        )
    else:
        key = "other_facility_min"
    return int(p.get(key, 0)), res


def standards(facility: Facility, on: dt.date | None = None) -> list[Standard]:
    on = on or timezone.localdate()
    out = []
    res = _area_rule(facility, on)
    if res is not None:
        p = res.params
        if "area_min_m2" in p:
            out.append(
                Standard(
                    res.rule_id,
                    res.title,
                    source_of(res),
                    _("建筑面积 %(a)s–%(b)s m²") % {"a": p["area_min_m2"], "b": p["area_max_m2"]},
                )
            )
        elif "area_approx_m2" in p:
            out.append(
                Standard(
                    res.rule_id,
                    res.title,
                    source_of(res),
                    _("建筑面积约 %(a)s m²") % {"a": p["area_approx_m2"]},
                )
            )
        rooms = _labels(p, "rooms")
        if rooms:
            out.append(
                Standard(
                    res.rule_id,
                    res.title,
                    source_of(res),
                    _("功能用房：%(r)s") % {"r": "、".join(rooms.values())},
                )
            )
    posts = required_posts(facility, on)
    if posts is not None:
        n, rule = posts
        out.append(
            Standard(
                rule.rule_id, rule.title, source_of(rule), _("公益性岗位至少 %(n)s 个") % {"n": n}
            )
        )
    return out


def _in_use(facility: Facility) -> bool:
    """Rooms and posts are checked once a facility runs; the floor area from planning."""
    return facility.status in (FacilityStatus.OPERATING, FacilityStatus.SUSPENDED)


def gaps(facility: Facility, on: dt.date | None = None, book=None) -> list[Gap]:
    on = on or timezone.localdate()
    out: list[Gap] = []
    res = _area_rule(facility, on, book)
    if res is not None:
        p, src = res.params, source_of(res)
        area = facility.floor_area_m2
        low = high = None
        if "area_min_m2" in p:
            low, high = Decimal(str(p["area_min_m2"])), Decimal(str(p["area_max_m2"]))
        elif "area_approx_m2" in p:
            mid = Decimal(str(p["area_approx_m2"]))
            low, high = mid * (1 - APPROX), mid * (1 + APPROX)
        if low is not None:
            if area is None:
                out.append(Gap("area", _("未登记建筑面积"), res.rule_id, res.title, src))
            elif area < low:
                out.append(
                    Gap(
                        "area",
                        _("建筑面积 %(a)s m²，低于标准下限 %(l)s m²")
                        % {"a": _num(area), "l": _num(low)},
                        res.rule_id,
                        res.title,
                        src,
                    )
                )
            elif area > high:
                out.append(
                    Gap(
                        "area",
                        _("建筑面积 %(a)s m²，超过标准上限 %(h)s m²")
                        % {"a": _num(area), "h": _num(high)},
                        res.rule_id,
                        res.title,
                        src,
                    )
                )
        rooms = _labels(p, "rooms")
        missing = [label for code, label in rooms.items() if code not in (facility.rooms or [])]
        if missing and _in_use(facility):
            out.append(
                Gap(
                    "rooms",
                    _("缺少功能用房：%(r)s") % {"r": "、".join(missing)},
                    res.rule_id,
                    res.title,
                    src,
                )
            )
    posts = required_posts(facility, on, book)
    if posts is not None and _in_use(facility):
        n, rule = posts
        if facility.public_welfare_posts < n:
            out.append(
                Gap(
                    "posts",
                    _("公益性岗位 %(have)s 个，至少应有 %(n)s 个")
                    % {"have": facility.public_welfare_posts, "n": n},
                    rule.rule_id,
                    rule.title,
                    source_of(rule),
                )
            )
    return out
