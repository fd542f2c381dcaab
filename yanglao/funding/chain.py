"""The grants ledger's hash chain: writing a line after the head, and verifying the chain.

As in the time bank (``yanglao/timebank/chain.py``): the head row is locked FOR UPDATE
by the writer, so ``seq`` is gap-free and each line's ``prev_hash`` is the hash of the
line with the previous ``seq``.
"""

from __future__ import annotations

from yanglao.core.ledgers import SeqChain

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


CHAIN = SeqChain(LEDGER, GrantLine, GrantChainHead, HASHED)
line_hash_of = CHAIN.hash_of
locked_head = CHAIN.locked_head
append = CHAIN.append
verify_chain = CHAIN.verify
