from __future__ import annotations

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


@register.filter
def param_pairs(params) -> list[tuple[str, str]]:
    """A rule's parameters as (name, shown value) pairs, safe for any parameter name."""
    if not isinstance(params, dict):
        return []
    out = []
    for key, value in params.items():
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, dict):
            value = "；".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, bool):
            value = "是" if value else "否"
        out.append((key, value))
    return out


@register.filter
def action_label(action: str) -> str:
    return audit.action_label(action)
