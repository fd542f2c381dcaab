"""Checks of rule parameters that only a capability understands (a group condition, a risk
table). Capabilities register them at start-up; the pack loader and the override service
run them, so a bad rule fails when it is loaded or saved, not when a page uses it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Validator = Callable[[Mapping[str, Any], str], None]
_VALIDATORS: list[tuple[str, Validator]] = []


def register(prefix: str, validator: Validator) -> None:
    """``validator(params, where)`` raises ValueError with a message naming the place."""
    _VALIDATORS.append((prefix, validator))


def check(rule_id: str, params: Mapping[str, Any], where: str = "params") -> None:
    for prefix, validator in _VALIDATORS:
        if rule_id == prefix or rule_id.startswith(prefix):
            validator(params, where)
