"""The grants ledger's hash chain: writing a line after the head, and verifying the chain.

As in the time bank (``yanglao/timebank/chain.py``): the head row is locked FOR UPDATE
by the writer, so ``seq`` is gap-free and each line's ``prev_hash`` is the hash of the
line with the previous ``seq``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from yanglao.core.ledgers import GENESIS, Problem, line_hash

from .models import GrantChainHead, GrantLine

LEDGER = "grants"
HASHED = (
    "seq",
    "line_kind",
    "grant",
    "facility_id",
    "region_path",
    "year",
    "payer_level",
    "kind",
    "rule_id",
    "status",
    "amount",
    "use",
    "source",
    "on_date",
    "memo",
    "created_by_id",
    "created_at",
)


def _text(value) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def line_hash_of(prev_hash: str, values: Sequence) -> str:
    return line_hash(prev_hash, [_text(v) for v in values])


def locked_head() -> GrantChainHead:
    head = GrantChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        GrantChainHead.objects.get_or_create(pk=1)
        head = GrantChainHead.objects.select_for_update().get(pk=1)
    return head


def append(*, actor, **fields) -> GrantLine:
    """Write one line after the head (call inside a transaction)."""
    head = locked_head()
    line = GrantLine(
        seq=head.seq + 1,
        created_by_id=actor.pk if actor is not None and getattr(actor, "pk", None) else None,
        created_at=timezone.now(),
        prev_hash=head.hash,
        **fields,
    )
    line.amount = Decimal(line.amount).quantize(Decimal("0.01"))
    line.hash = line_hash_of(head.hash, [getattr(line, f) for f in HASHED])
    line.save(force_insert=True)
    GrantChainHead.objects.filter(pk=1).update(seq=line.seq, hash=line.hash)
    return line


def verify_chain() -> list[Problem]:
    """Gaps in ``seq``, a broken link, a changed line, a head that is not the last line."""
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS
    last_seq, last_hash = 0, GENESIS
    rows = GrantLine.objects.order_by("seq").values_list(*HASHED, "prev_hash", "hash")
    for row in rows.iterator(chunk_size=5000):
        values, prev_hash, stored = row[: len(HASHED)], row[-2], row[-1]
        seq = values[0]
        if seq != expected_seq:
            problems.append(
                Problem(LEDGER, seq, f"expected seq {expected_seq}: lines missing before it")
            )
        if prev_hash != prev:
            problems.append(Problem(LEDGER, seq, "prev_hash is not the hash of the line before"))
        if line_hash_of(prev_hash, values) != stored:
            problems.append(Problem(LEDGER, seq, "the line was changed: its hash does not match"))
        prev, expected_seq = stored, seq + 1
        last_seq, last_hash = seq, stored
    head = GrantChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, last_hash):
        problems.append(
            Problem(
                LEDGER,
                min(head_seq, last_seq) + 1 if head_seq != last_seq else last_seq,
                f"the chain head (seq {head_seq}) is not the last line (seq {last_seq})",
            )
        )
    return problems
