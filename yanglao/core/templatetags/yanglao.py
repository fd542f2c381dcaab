from __future__ import annotations

from django import template

from yanglao.core import masking

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
