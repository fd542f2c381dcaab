"""Load the shipped TOML packs into the database (idempotent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from yanglao.regions.models import Region

from . import validators
from .models import PolicyPack, PolicyRule, RuleKind

PACK_DIR = Path(__file__).resolve().parent / "packs"
RULE_KEYS = {"id", "title", "kind", "region", "valid_from", "valid_to", "params", "source", "note"}
SOURCE_KEYS = {"doc", "number", "clause", "seed", "quote", "local_default", "note"}


class PackError(ValueError):
    pass


@dataclass
class LoadResult:
    packs: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PackError(f"{where}: dates are TOML dates like 2020-12-31, not {value!r}")


def parse_pack(path: Path) -> tuple[dict, list[dict]]:
    """Parse and check one pack without touching the database."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pack = data.get("pack") or {}
    if not pack.get("id") or not pack.get("title"):
        raise PackError(f"{path.name}: [pack] needs id and title")
    rules = []
    for index, raw in enumerate(data.get("rule", []), start=1):
        where = f"{path.name} rule #{index} ({raw.get('id', '?')})"
        unknown = set(raw) - RULE_KEYS
        if unknown:
            raise PackError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "title", "region", "params", "source"):
            if key not in raw:
                raise PackError(f"{where}: missing {key}")
        source = raw["source"]
        if set(source) - SOURCE_KEYS:
            raise PackError(f"{where}: unknown source keys {sorted(set(source) - SOURCE_KEYS)}")
        if not source.get("local_default") and not (source.get("doc") and source.get("seed")):
            raise PackError(f"{where}: a source needs doc and seed, or local_default = true")
        kind = raw.get("kind", RuleKind.RULE)
        if kind not in RuleKind.values:
            raise PackError(f"{where}: kind must be rule or target")
        params = raw["params"]
        if kind == RuleKind.TARGET:
            for key in ("indicator", "comparator", "threshold", "deadline"):
                if key not in params:
                    raise PackError(f"{where}: a target needs params.{key}")
            params = {**params, "deadline": _date(params["deadline"], where).isoformat()}
        params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
        try:
            validators.check(raw["id"], params, f"{where} params")
        except ValueError as exc:
            raise PackError(str(exc)) from None
        valid_from = _date(raw.get("valid_from"), where)
        valid_to = _date(raw.get("valid_to"), where)
        if valid_from and valid_to and valid_to < valid_from:
            raise PackError(f"{where}: valid_to is before valid_from")
        rules.append(
            {
                "rule_id": raw["id"],
                "title": raw["title"],
                "kind": kind,
                "region_id": str(raw["region"]),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "params": params,
                "source_doc": source.get("doc", ""),
                "source_number": source.get("number", ""),
                "source_clause": source.get("clause", ""),
                "source_seed": source.get("seed", ""),
                "source_quote": source.get("quote", ""),
                "local_default": bool(source.get("local_default", False)),
                "note": raw.get("note", source.get("note", "")),
            }
        )
    return pack, rules


@transaction.atomic
def load_packs(directory: Path = PACK_DIR) -> LoadResult:
    result = LoadResult()
    files = sorted(directory.glob("*.toml"))
    parsed = [(path, *parse_pack(path)) for path in files]
    codes = {rule["region_id"] for _path, _pack, rules in parsed for rule in rules}
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = codes - known
    if missing:
        raise PackError(f"packs name regions that are not loaded: {sorted(missing)}")
    for path, pack_meta, rules in parsed:
        pack, _created = PolicyPack.objects.update_or_create(
            id=pack_meta["id"],
            defaults={
                "title": pack_meta["title"],
                "filename": path.name,
                "checksum": hashlib.sha256(path.read_bytes()).hexdigest(),
            },
        )
        result.packs += 1
        existing = {
            (r.rule_id, r.region_id, r.valid_from): r for r in PolicyRule.objects.filter(pack=pack)
        }
        seen = set()
        for rule in rules:
            key = (rule["rule_id"], rule["region_id"], rule["valid_from"])
            if key in seen:
                raise PackError(f"{path.name}: {key[0]} is listed twice for one region and start")
            seen.add(key)
            row = existing.get(key)
            if row is None:
                PolicyRule.objects.create(pack=pack, **rule)
                result.created += 1
                continue
            changed = False
            for name, value in rule.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
                    changed = True
            if not row.is_active:
                row.is_active = True
                changed = True
            if changed:
                row.save()
                result.updated += 1
        stale = [r.pk for k, r in existing.items() if k not in seen and r.is_active]
        result.deactivated += PolicyRule.objects.filter(pk__in=stale).update(is_active=False)
    return result
