"""Measures of target indicators. Each capability registers the measures it can compute.

A measure is ``func(region, on) -> Measurement | None``; the targets page compares it
with the target's threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from yanglao.regions.models import Region

from . import engine


@dataclass(frozen=True)
class Measurement:
    value: Decimal
    numerator: int | None = None
    denominator: int | None = None
    url: str = ""  # the records behind the figure
    note: str = ""


Measure = Callable[[Region, dt.date], Measurement | None]
_REGISTRY: dict[str, tuple[str, Measure]] = {}


def register(indicator: str, label: str):
    def decorator(func: Measure) -> Measure:
        _REGISTRY[indicator] = (label, func)
        return func

    return decorator


def label(indicator: str) -> str:
    return _REGISTRY.get(indicator, (indicator, None))[0]


@dataclass
class TargetStatus:
    resolution: engine.Resolution
    measurement: Measurement | None
    status: str  # met, behind, overdue, not_measured
    days_left: int


STATUS_LABELS = {
    "met": _("已达标"),
    "behind": _("未达标"),
    "overdue": _("逾期未达标"),
    "not_measured": _("尚未度量"),
}


def evaluate(resolution: engine.Resolution, region: Region, on: dt.date) -> TargetStatus:
    params = resolution.params
    deadline = dt.date.fromisoformat(params["deadline"])
    entry = _REGISTRY.get(params["indicator"])
    measurement = entry[1](region, on) if entry else None
    if measurement is None:
        status = "not_measured"
    elif engine.compare(float(measurement.value), params["comparator"], float(params["threshold"])):
        status = "met"
    else:
        status = "overdue" if on > deadline else "behind"
    return TargetStatus(resolution, measurement, status, (deadline - on).days)
