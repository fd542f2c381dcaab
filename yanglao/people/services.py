"""Writes of people: the ID number sealed, indexed and decoded in one place."""

from __future__ import annotations

import datetime as dt

from yanglao.core import crypto
from yanglao.core.pinyin import to_pinyin
from yanglao.regions.models import Region

from .idnumbers import IdInfo, IdNumberError, parse_id_number
from .models import Person

ID_PURPOSE = "id_number"


def id_hash(number: str) -> str:
    return crypto.blind_index(number, purpose=ID_PURPOSE)


def region_code_known(code: str) -> bool:
    """A six-digit code that is or was a county (abolished ones are kept)."""
    return Region.objects.filter(code=code).exists()


def check_id_number(raw: str, today: dt.date | None = None) -> IdInfo:
    return parse_id_number(raw, today=today, known_region=region_code_known)


def apply_id(person: Person, info: IdInfo) -> None:
    person.id_number_enc = crypto.encrypt(info.number, context=ID_PURPOSE)
    person.id_number_hash = id_hash(info.number)
    person.id_tail = info.tail
    person.id_region = info.number[:6]
    person.birth_date = info.birth_date
    person.sex = info.sex


def apply_name(person: Person, name: str) -> None:
    person.name = name
    person.name_pinyin, person.name_initials = to_pinyin(name)


def reveal_id(person: Person) -> str:
    if not person.id_number_enc:
        return ""
    return crypto.decrypt(person.id_number_enc, context=ID_PURPOSE)


def find_by_id_number(number: str) -> Person | None:
    return Person.objects.filter(id_number_hash=id_hash(number)).first()


__all__ = ["IdNumberError", "apply_id", "apply_name", "check_id_number", "find_by_id_number"]
