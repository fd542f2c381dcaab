from __future__ import annotations

import json

from django import template

from yanglao.core import audit, masking

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.filter
def mask_id(value: str) -> str:
    return masking.mask_id_number(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


def show_value(value, limit: int = 0) -> str:
    """A parameter value as an officer reads it: 是/否, lists joined, tables as JSON."""
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        text = "、".join(show_value(v) for v in value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


@register.filter
def param_pairs(params, limit: int = 120) -> list[tuple[str, str]]:
    """A rule's parameters as (name, shown value) pairs, safe for any parameter name."""
    if not isinstance(params, dict):
        return []
    return [(key, show_value(value, int(limit))) for key, value in params.items()]


@register.filter
def action_label(action: str) -> str:
    return audit.action_label(action)


@register.filter
def num(value) -> str:
    """A count with thousands separators, or a dash when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


UNIT_LABELS = {
    "beds": "张床位",
    "beds_per_thousand": "张/千名老人",
    "count": "个",
    "flag": "（是/否）",
    "ratio": "（比例，1 即 100%）",
}


@register.filter
def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


@register.filter
def show_json(value) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""
