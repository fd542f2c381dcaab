"""Pure rules about region codes (no ORM)."""

from __future__ import annotations

from .models import CODE_LENGTH, ROOT_CODE, Level

LEVEL_BY_LENGTH = {
    2: Level.PROVINCE,
    4: Level.CITY,
    6: Level.COUNTY,
    9: Level.TOWNSHIP,
    12: Level.VILLAGE,
    15: Level.GRID,
}


def level_of(code: str) -> Level:
    if code == ROOT_CODE:
        return Level.NATION
    if not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
        raise ValueError(f"not a region code: {code!r}")
    return LEVEL_BY_LENGTH[len(code)]


def parent_code(code: str) -> str | None:
    """The code of the parent by prefix: ``141129100`` -> ``141129``."""
    level = level_of(code)
    if level == Level.NATION:
        return None
    if level == Level.PROVINCE:
        return ROOT_CODE
    return code[: CODE_LENGTH[Level(level - 1)]]


def path_of(code: str) -> str:
    parts = [code]
    current = parent_code(code)
    while current is not None:
        parts.append(current)
        current = parent_code(current)
    return ".".join(reversed(parts))


def is_urban_district_name(name: str, level: int) -> bool:
    """A county-level "区" under a city is a 市辖区 by default (editable)."""
    return level == Level.COUNTY and name.endswith("区")
