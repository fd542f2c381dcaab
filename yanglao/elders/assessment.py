"""能力评估 (GB/T 42195-2022): the arithmetic, as pure functions over rule parameters.

No ORM and no I/O: the service looks the rules up (``assessment.items``,
``assessment.ability_level``, ``assessment.level_adjustment``,
``assessment.routine_interval``) and passes their parameters in. Every number comes from
those parameters; the only constant here is the order of the five levels, which the
standard fixes and the model's choices mirror.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The five levels from best to worst (AbilityLevel in models.py, same codes).
LEVELS: tuple[str, ...] = ("intact", "mild", "moderate", "severe", "complete_loss")

# Chinese names used in the stored trace; the rule's level_labels override them.
LEVEL_LABELS: dict[str, str] = {
    "intact": "能力完好",
    "mild": "能力轻度受损",
    "moderate": "能力中度受损",
    "severe": "能力重度受损",
    "complete_loss": "能力完全丧失",
}


class CatalogueError(ValueError):
    """The rule's item list is inconsistent (a broken pack or local override)."""


class ScoreError(ValueError):
    """Bad item scores: ``errors`` maps an item code to its messages (Chinese)."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {'，'.join(v)}" for k, v in errors.items()))


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    dimension: str
    max_score: int
    allowed: tuple[int, ...]


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    max_score: int
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Catalogue:
    items: tuple[Item, ...]
    dimensions: tuple[Dimension, ...]
    total_max: int

    def get(self, code: str) -> Item | None:
        for item in self.items:
            if item.code == code:
                return item
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)


def _int(value, what: str) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise CatalogueError(f"{what}: not an integer: {value!r}") from None


def catalogue(params: Mapping) -> Catalogue:
    """The items of ``assessment.items`` as a checked catalogue.

    ``params["items"]`` is a list of ``{code, label, dimension, max}`` (optionally
    ``allowed``: the exact permitted scores). Without ``allowed`` an item takes every
    whole point from ``score_min`` (0) to its maximum in steps of ``score_step`` (1).
    The maxima must add up to ``total_max`` and to each ``dimension_max``.
    """
    raw_items = params.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise CatalogueError("assessment.items: params.items must be a non-empty list")
    low = _int(params.get("score_min", 0), "score_min")
    step = _int(params.get("score_step", 1), "score_step")
    if step < 1:
        raise CatalogueError("score_step must be at least 1")
    dim_codes = list(params.get("dimensions") or [])
    dim_labels = list(params.get("dimension_labels") or [])
    dim_max = list(params.get("dimension_max") or [])

    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items, start=1):
        if not isinstance(raw, Mapping):
            raise CatalogueError(f"items[{index}] must be a table")
        code = str(raw.get("code", "")).strip()
        if not code or code in seen:
            raise CatalogueError(f"items[{index}]: missing or repeated code {code!r}")
        seen.add(code)
        top = _int(raw.get("max"), f"items.{code}.max")
        if raw.get("allowed") is not None:
            allowed = tuple(sorted({_int(v, f"items.{code}.allowed") for v in raw["allowed"]}))
            if not allowed or allowed[-1] != top:
                raise CatalogueError(f"items.{code}: allowed must end at max {top}")
        else:
            allowed = tuple(range(low, top + 1, step))
            if not allowed or allowed[-1] != top:
                raise CatalogueError(f"items.{code}: max {top} is not reachable from {low}")
        dimension = str(raw.get("dimension", "")).strip()
        if dim_codes and dimension not in dim_codes:
            raise CatalogueError(f"items.{code}: unknown dimension {dimension!r}")
        items.append(
            Item(
                code=code,
                label=str(raw.get("label") or code),
                dimension=dimension,
                max_score=top,
                allowed=allowed,
            )
        )

    if not dim_codes:
        dim_codes = list(dict.fromkeys(item.dimension for item in items))
    dimensions = []
    for index, code in enumerate(dim_codes):
        members = tuple(item for item in items if item.dimension == code)
        subtotal = sum(item.max_score for item in members)
        if index < len(dim_max) and _int(dim_max[index], f"dimension_max.{code}") != subtotal:
            raise CatalogueError(
                f"dimension {code}: items add up to {subtotal}, dimension_max says {dim_max[index]}"
            )
        label = str(dim_labels[index]) if index < len(dim_labels) else code
        dimensions.append(Dimension(code=code, label=label, max_score=subtotal, items=members))

    total = sum(item.max_score for item in items)
    if "total_max" in params and _int(params["total_max"], "total_max") != total:
        raise CatalogueError(f"items add up to {total}, total_max says {params['total_max']}")
    return Catalogue(items=tuple(items), dimensions=tuple(dimensions), total_max=total)


def score(scores: Mapping[str, object], items: Catalogue) -> int:
    """The total of ``scores`` (item code → points), every item checked.

    Raises ``ScoreError`` with every problem at once, keyed by item code: an unknown
    item, a missing item, a value that is not a whole number, out of range, or not one
    of the item's allowed scores.
    """
    errors: dict[str, list[str]] = {}
    total = 0
    for code in scores:
        if items.get(str(code)) is None:
            errors.setdefault(str(code), []).append(_("不是本标准的评估项目"))
    for item in items.items:
        if item.code not in scores or scores[item.code] in (None, ""):
            errors.setdefault(item.code, []).append(
                _("缺少“%(label)s”的得分") % {"label": item.label}
            )
            continue
        value = scores[item.code]
        if isinstance(value, bool) or not isinstance(value, int):
            errors.setdefault(item.code, []).append(_("得分应为整数"))
            continue
        if value < item.allowed[0] or value > item.max_score:
            errors.setdefault(item.code, []).append(
                _("“%(label)s”得分应在 %(low)s–%(high)s 分之间")
                % {"label": item.label, "low": item.allowed[0], "high": item.max_score}
            )
            continue
        if value not in item.allowed:
            errors.setdefault(item.code, []).append(
                _("“%(label)s”的得分只能是 %(values)s 分")
                % {"label": item.label, "values": "、".join(map(str, item.allowed))}
            )
            continue
        total += value
    if errors:
        raise ScoreError(errors)
    return total


def dimension_totals(scores: Mapping[str, int], items: Catalogue) -> list[tuple[Dimension, int]]:
    """Each dimension with its subtotal (for display)."""
    return [
        (dim, sum(int(scores.get(item.code) or 0) for item in dim.items))
        for dim in items.dimensions
    ]


def _levels(level_params: Mapping) -> list[str]:
    levels = [str(v) for v in (level_params.get("levels") or LEVELS)]
    if set(levels) != set(LEVELS):
        raise CatalogueError(f"assessment.ability_level: levels must be {LEVELS}")
    return levels


def base_level(total: int, level_params: Mapping) -> str:
    """The level a total falls in (``assessment.ability_level``: ``<level>_min`` and
    ``<level>_max`` for each level; a level without a max reaches up to ``total_max``)."""
    top = int(level_params.get("total_max", 90))
    if total < 0 or total > top:
        raise ValueError(f"total {total} outside 0–{top}")
    for level in _levels(level_params):
        low = level_params.get(f"{level}_min")
        if low is None:
            continue
        high = level_params.get(f"{level}_max", top)
        if int(low) <= total <= int(high):
            return level
    raise ValueError(f"no level covers a total of {total}")


def level_labels(level_params: Mapping | None) -> dict[str, str]:
    """Chinese names of the levels, from the rule's ``level_labels`` when given."""
    labels = dict(LEVEL_LABELS)
    if level_params:
        names = level_params.get("level_labels") or []
        for code, name in zip(_levels(level_params), names, strict=False):
            labels[code] = str(name)
    return labels


def apply_adjustments(
    base: str,
    coma: bool,
    dementia_or_psychiatric: bool,
    risk_events_30d: int,
    adjustment_params: Mapping,
    *,
    labels: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """The final level after the standard's adjustments, and the trace in Chinese.

    Coma goes straight to ``coma_level``. A dementia or psychiatric diagnosis raises
    the level by ``raise_on_dementia_or_psychiatric_diagnosis``; ``risk_event_min_count``
    or more care-risk events in ``risk_event_window_days`` raise it by
    ``raise_on_risk_events``. With ``cumulative`` the raises add up, otherwise the
    largest one counts. Nothing goes beyond ``max_level``.
    """
    names = {**LEVEL_LABELS, **(labels or {})}
    order = list(LEVELS)
    if base not in order:
        raise ValueError(f"unknown level {base!r}")
    cap = str(adjustment_params.get("max_level", order[-1]))
    cap_index = order.index(cap) if cap in order else len(order) - 1
    trace = [f"初步等级：{names[base]}"]

    raises: list[tuple[int, str]] = []
    if dementia_or_psychiatric:
        step = int(adjustment_params.get("raise_on_dementia_or_psychiatric_diagnosis", 1))
        if step:
            raises.append((step, "有失智（痴呆）或精神科诊断"))
    minimum = int(adjustment_params.get("risk_event_min_count", 2))
    window = int(adjustment_params.get("risk_event_window_days", 30))
    if risk_events_30d >= minimum:
        step = int(adjustment_params.get("raise_on_risk_events", 1))
        if step:
            raises.append(
                (step, f"近{window}天照护风险事件{risk_events_30d}次（{minimum}次及以上）")
            )

    if coma:
        target = str(adjustment_params.get("coma_level", order[-1]))
        level = target if target in order else order[-1]
        trace.append(f"昏迷：直接评定为{names[level]}")
        for _step, reason in raises:
            trace.append(f"{reason}：已按昏迷定级，不再调整")
        trace.append(f"最终等级：{names[level]}")
        return level, trace

    index = order.index(base)
    cumulative = bool(adjustment_params.get("cumulative", True))
    if raises and not cumulative:
        best = max(step for step, _reason in raises)
        raises = [(best if i == 0 else 0, reason) for i, (_step, reason) in enumerate(raises)]
    for step, reason in raises:
        if step == 0:
            trace.append(f"{reason}：各项调整不累加，已提高过一次，不再提高")
            continue
        if index >= cap_index:
            trace.append(f"{reason}：已是{names[order[cap_index]]}，不再提高")
            continue
        new_index = min(index + step, cap_index)
        before, after = names[order[index]], names[order[new_index]]
        trace.append(f"{reason}：提高{new_index - index}级（{before}→{after}）")
        index = new_index
    level = order[index]
    trace.append(f"最终等级：{names[level]}")
    return level, trace


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(last_assessed_on: dt.date | None, interval_months: int) -> dt.date | None:
    """When the next routine assessment falls due (None: never assessed, due now)."""
    if last_assessed_on is None:
        return None
    return add_months(last_assessed_on, int(interval_months))


def is_due(last_assessed_on: dt.date | None, on: dt.date, interval_months: int) -> bool:
    """Due for a (re-)assessment on ``on``: never assessed, or the interval has run out
    (on the same calendar day ``interval_months`` later, the elder is due)."""
    due = next_due(last_assessed_on, interval_months)
    return due is None or on >= due
