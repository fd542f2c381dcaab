"""Masks for sensitive values on screens and in exports (ARCHITECTURE.md rule 4)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """``141129194501011234`` -> ``141129********1234``."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two digits."""
    if not value:
        return ""
    value = value.strip()
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 2) + value[-2:]
    return "*" * len(value)


def mask_name(value: str | None) -> str:
    """``张三丰`` -> ``张**``: for lists shown to people without a need to know."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
