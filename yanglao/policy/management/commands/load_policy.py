"""yanglao load_policy: load the shipped TOML packs (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yanglao.policy.loader import PackError, load_packs


class Command(BaseCommand):
    help = "Load the policy packs from yanglao/policy/packs/*.toml into the database."

    def handle(self, *args, **options):
        try:
            result = load_packs()
        except PackError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{result.packs} packs: {result.created} rules created, "
            f"{result.updated} updated, {result.deactivated} withdrawn"
        )
