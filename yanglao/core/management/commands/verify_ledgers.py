"""yanglao verify_ledgers: check every hash-chained ledger (exit code 1 on a problem)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yanglao.core import ledgers


class Command(BaseCommand):
    help = "Verify the hash chains and the balances of the append-only ledgers."

    def add_arguments(self, parser):
        parser.add_argument("ledger", nargs="*", help=f"only these ({', '.join(ledgers.names())})")

    def handle(self, *args, ledger: list[str], **options):
        unknown = set(ledger) - set(ledgers.names())
        if unknown:
            raise CommandError(f"unknown ledger(s): {', '.join(sorted(unknown))}")
        results = ledgers.verify(ledger)
        failed = []
        for name, problems in results.items():
            if not problems:
                self.stdout.write(f"{name}: OK")
                continue
            first = problems[0]
            where = f"first bad seq {first.seq}" if first.seq is not None else "not sound"
            failed.append(f"{name}: {where}")
            self.stderr.write(f"{name}: {where} ({len(problems)} problem(s))")
            for problem in problems[:20]:
                self.stderr.write(f"  {problem}")
        if failed:
            # CommandError: exit code 1 from the command line, an exception in call_command.
            raise CommandError("; ".join(failed))
