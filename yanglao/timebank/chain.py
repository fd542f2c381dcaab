"""The time bank's hash chain: writing lines after the chain head, and verifying it.

Postings are serialized by the chain head row (``ChainHead``, locked FOR UPDATE by the
caller), so ``seq`` is gap-free and each line's ``prev_hash`` is the hash of the line
with the previous ``seq``: the same on SQLite (whose IMMEDIATE transactions serialize
writers anyway) and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Sum
from django.utils import timezone

from yanglao.core.ledgers import GENESIS, Problem, line_hash

from .models import HOLDING_KINDS, Account, ChainHead, Entry

LEDGER = "timebank"
# The fields a line's hash covers, in this order.
HASHED = (
    "seq",
    "txn",
    "account_id",
    "amount",
    "kind",
    "memo",
    "reference",
    "reverses",
    "beneficiary_id",
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
    return str(value)


def canonical(values: Sequence) -> list:
    """The hashed fields of a line (values in ``HASHED`` order) as str / int / None."""
    return [_text(v) for v in values]


def entry_hash(prev_hash: str, values: Sequence) -> str:
    return line_hash(prev_hash, canonical(values))


@dataclass(frozen=True)
class Line:
    """One line to write: ``amount`` is signed, the lines of a posting sum to zero."""

    account_id: int
    amount: Decimal
    kind: str
    memo: str = ""
    reference: str = ""
    reverses: uuid.UUID | None = None
    beneficiary_id: int | None = None


# Set only while past records are entered (the demo; an import of paper ledgers): the
# time written on the lines. It may not go back before the last line.
_written_at: ContextVar[dt.datetime | None] = ContextVar("timebank_written_at", default=None)


@contextmanager
def recorded_at(when: dt.datetime) -> Iterator[None]:
    """Write the lines posted inside this block with the time ``when`` (for records of
    the past entered in order; never earlier than the last line of the ledger)."""
    token = _written_at.set(when)
    try:
        yield
    finally:
        _written_at.reset(token)


def locked_head() -> ChainHead:
    """The chain head, locked until the end of the transaction (create it if missing)."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def append(
    head: ChainHead, postings: Sequence[tuple[uuid.UUID, Sequence[Line]]], *, actor
) -> list[Entry]:
    """Write the postings' lines after ``head`` (locked by the caller, in the caller's
    transaction) and move the head. Balances are the caller's business."""
    now = _written_at.get() or timezone.now()
    if _written_at.get() is not None:
        last = Entry.objects.filter(seq=head.seq).values_list("created_at", flat=True).first()
        if last is not None and now < last:
            raise ValueError(f"cannot write lines at {now}: the last line is at {last}")
    created_by_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    seq, prev = head.seq, head.hash
    rows: list[Entry] = []
    for txn, lines in postings:
        if sum((line.amount for line in lines), Decimal(0)) != 0:
            raise ValueError(f"posting {txn} does not net to zero")
        for line in lines:
            seq += 1
            entry = Entry(
                seq=seq,
                txn=txn,
                account_id=line.account_id,
                amount=line.amount,
                kind=line.kind,
                memo=line.memo[:200],
                reference=line.reference[:100],
                reverses=line.reverses,
                beneficiary_id=line.beneficiary_id,
                created_by_id=created_by_id,
                created_at=now,
                prev_hash=prev,
            )
            entry.hash = entry_hash(prev, [getattr(entry, f) for f in HASHED])
            prev = entry.hash
            rows.append(entry)
    Entry.objects.bulk_create(rows)
    ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    head.seq, head.hash = seq, prev
    return rows


def verify_chain(chunk: int = 5000) -> list[Problem]:
    """Every problem of the time bank ledger, the first bad line first: a gap in ``seq``,
    a line whose ``prev_hash`` is not the hash before it, a line whose fields no longer
    give its hash (changed), a head that is not the last line (lines removed at the end),
    a posting that does not net to zero, a balance that is not the sum of its lines, a
    personal or pool balance below zero."""
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS
    last_seq, last_hash = 0, GENESIS
    rows = Entry.objects.order_by("seq").values_list(*HASHED, "prev_hash", "hash")
    for row in rows.iterator(chunk_size=chunk):
        values, prev_hash, stored = row[: len(HASHED)], row[-2], row[-1]
        seq = values[0]
        if seq != expected_seq:
            problems.append(
                Problem(LEDGER, seq, f"expected seq {expected_seq}: lines missing before it")
            )
        if prev_hash != prev:
            problems.append(Problem(LEDGER, seq, "prev_hash is not the hash of the line before"))
        if entry_hash(prev_hash, values) != stored:
            problems.append(Problem(LEDGER, seq, "the line was changed: its hash does not match"))
        # Continue from the stored hash, so one changed line is one problem, not a cascade.
        prev, expected_seq = stored, seq + 1
        last_seq, last_hash = seq, stored
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, last_hash):
        # Lines removed at the end, lines written past the head, or a head rewritten.
        first_bad = min(head_seq, last_seq) + 1 if head_seq != last_seq else last_seq
        problems.append(
            Problem(
                LEDGER,
                first_bad,
                f"the chain head (seq {head_seq}) is not the last line (seq {last_seq})",
            )
        )
    unbalanced = (
        Entry.objects.values("txn")
        .annotate(total=Sum("amount"), first=Min("seq"))
        .exclude(total=0)
        .order_by("first")
    )
    for row in unbalanced:
        problems.append(
            Problem(LEDGER, row["first"], f"posting {row['txn']} nets to {row['total']}, not 0")
        )
    totals = dict(
        Entry.objects.values_list("account_id")
        .annotate(t=Sum("amount"))
        .values_list("account_id", "t")
    )
    for account in Account.objects.order_by("pk").only("pk", "kind", "balance"):
        total = totals.get(account.pk) or Decimal(0)
        if account.balance != total:
            problems.append(
                Problem(
                    LEDGER,
                    None,
                    f"account {account.pk}: balance {account.balance} but its lines sum to {total}",
                )
            )
        if account.kind in HOLDING_KINDS and account.balance < 0:
            problems.append(Problem(LEDGER, None, f"account {account.pk} is below zero"))
    return problems
