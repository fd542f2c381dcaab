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


def field_text(value) -> str | int | None:
    """A field in the canonical form the hash takes (amounts to the fen, times in UTC)."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class SeqChain:
    """A ledger of numbered lines (``seq``, ``prev_hash``, ``hash``, ``amount``,
    ``created_by_id``, ``created_at``) behind a one-row chain head (``seq``, ``hash``),
    hashing the fields named in ``hashed``. Used by the grants and donations ledgers."""

    def __init__(self, ledger: str, line_model, head_model, hashed: Sequence[str]):
        self.ledger, self.line_model, self.head_model = ledger, line_model, head_model
        self.hashed = tuple(hashed)

    def hash_of(self, prev_hash: str, values: Sequence) -> str:
        return line_hash(prev_hash, [field_text(v) for v in values])

    def locked_head(self):
        head = self.head_model.objects.select_for_update().filter(pk=1).first()
        if head is None:
            self.head_model.objects.get_or_create(pk=1)
            head = self.head_model.objects.select_for_update().get(pk=1)
        return head

    def append(self, *, actor, **fields):
        """Write one line after the head (call inside a transaction)."""
        from decimal import Decimal

        from django.utils import timezone

        head = self.locked_head()
        line = self.line_model(
            seq=head.seq + 1,
            created_by_id=actor.pk if actor is not None and getattr(actor, "pk", None) else None,
            created_at=timezone.now(),
            prev_hash=head.hash,
            **fields,
        )
        line.amount = Decimal(line.amount).quantize(Decimal("0.01"))
        line.hash = self.hash_of(head.hash, [getattr(line, f) for f in self.hashed])
        line.save(force_insert=True)
        self.head_model.objects.filter(pk=1).update(seq=line.seq, hash=line.hash)
        return line

    def verify(self) -> list[Problem]:
        """Gaps in ``seq``, a broken link, a changed line, a head that is not the last."""
        problems: list[Problem] = []
        expected_seq, prev = 1, GENESIS
        last_seq, last_hash = 0, GENESIS
        rows = self.line_model.objects.order_by("seq").values_list(
            *self.hashed, "prev_hash", "hash"
        )
        n = len(self.hashed)
        for row in rows.iterator(chunk_size=5000):
            values, prev_hash, stored = row[:n], row[-2], row[-1]
            seq = values[0]
            if seq != expected_seq:
                problems.append(
                    Problem(
                        self.ledger, seq, f"expected seq {expected_seq}: lines missing before it"
                    )
                )
            if prev_hash != prev:
                problems.append(
                    Problem(self.ledger, seq, "prev_hash is not the hash of the line before")
                )
            if self.hash_of(prev_hash, values) != stored:
                problems.append(
                    Problem(self.ledger, seq, "the line was changed: its hash does not match")
                )
            prev, expected_seq = stored, seq + 1
            last_seq, last_hash = seq, stored
        head = self.head_model.objects.filter(pk=1).first()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if (head_seq, head_hash) != (last_seq, last_hash):
            problems.append(
                Problem(
                    self.ledger,
                    min(head_seq, last_seq) + 1 if head_seq != last_seq else last_seq,
                    f"the chain head (seq {head_seq}) is not the last line (seq {last_seq})",
                )
            )
        return problems
