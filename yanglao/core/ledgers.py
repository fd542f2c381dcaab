"""Hash-chained ledgers (ARCHITECTURE.md rule 10).

Each ledger (time bank, and later grants and donations) is append-only and each line
carries the hash of the line before it. This module holds what they share: the
canonical hash of a line and a registry of verifiers, run together by
``yanglao verify_ledgers``. A ledger registers its verifier in its ``AppConfig.ready``::

    ledgers.register("timebank", verify_chain)

A verifier returns a list of ``Problem`` (empty when the ledger is sound), in ledger
order, so the first problem names the first bad line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def line_hash(prev_hash: str, fields: Sequence[Any]) -> str:
    """sha256 over the previous hash and the line's canonical fields (a JSON array:
    unambiguous, whatever the fields contain). Fields are str, int or None."""
    payload = json.dumps([prev_hash, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    ledger: str
    seq: int | None  # the line concerned, when there is one
    message: str

    def __str__(self) -> str:
        where = f" seq {self.seq}" if self.seq is not None else ""
        return f"{self.ledger}{where}: {self.message}"


Verifier = Callable[[], list[Problem]]
_VERIFIERS: dict[str, Verifier] = {}


def register(name: str, verify: Verifier) -> None:
    _VERIFIERS[name] = verify


def names() -> list[str]:
    return sorted(_VERIFIERS)


def verify(selected: Iterable[str] | None = None) -> dict[str, list[Problem]]:
    """Run the verifiers (all, or those named); unknown names raise KeyError."""
    chosen = list(selected) if selected else names()
    return {name: _VERIFIERS[name]() for name in chosen}
