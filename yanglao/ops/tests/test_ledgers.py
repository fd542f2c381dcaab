"""`yanglao verify_ledgers` checks the hash chains of the time bank, the grants and the
donations; a row changed behind the services' back in any of them makes it fail, naming
the ledger and the line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yanglao.core import ledgers

from .test_backup import _populate

LEDGERS = {
    "timebank": "timebank_entry",
    "grants": "funding_grantline",
    "donations": "community_donationline",
}


def _tamper(table: str, seq: int, amount) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the append-only trigger refuses it; lift it inside this test's transaction
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute(f"UPDATE {table} SET amount = %s WHERE seq = %s", [amount, seq])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def test_the_three_ledgers_are_registered():
    assert set(LEDGERS) <= set(ledgers.names())


@pytest.mark.django_db
def test_the_command_finds_a_changed_line_in_each_ledger(capsys):
    _populate()
    call_command("verify_ledgers")
    out = capsys.readouterr().out
    for name in LEDGERS:
        assert f"{name}: OK" in out
    for name, table in LEDGERS.items():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT seq, amount FROM {table} ORDER BY seq LIMIT 1")
            row = cursor.fetchone()
        assert row is not None, f"the demo wrote nothing to {name}"
        seq, amount = row
        _tamper(table, seq, amount + 1)
        with pytest.raises(CommandError, match=f"{name}: first bad seq {seq}"):
            call_command("verify_ledgers")
        err = capsys.readouterr().err
        assert f"{name}: first bad seq {seq}" in err and "changed" in err
        # the other ledgers are still reported sound
        for other in set(LEDGERS) - {name}:
            call_command("verify_ledgers", other)
        _tamper(table, seq, amount)
        call_command("verify_ledgers", name)


@pytest.mark.django_db
def test_an_unknown_ledger_is_an_error():
    with pytest.raises(CommandError, match="unknown ledger"):
        call_command("verify_ledgers", "nosuch")
