"""yanglao anonymise_elders: anonymise the files past privacy.anonymise_after (also nightly)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from yanglao.privacy.anonymise import anonymise_due


class Command(BaseCommand):
    help = (
        "Anonymise the files of elders who died or moved away longer ago than the policy "
        "pack's privacy.anonymise_after; counts by region and category stay the same."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list them")
        parser.add_argument("--on", help="YYYY-MM-DD (default today)")

    def handle(self, *args, dry_run: bool, on: str | None, **options):
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--on 的日期格式应为 YYYY-MM-DD，而不是 {on!r}") from None
        run = anonymise_due(day, dry_run=dry_run)
        verb = "将匿名化" if dry_run else "已匿名化"
        self.stdout.write(f"{verb} {len(run.anonymised)} 份档案")
        for pk in run.anonymised[:50]:
            self.stdout.write(f"  elder {pk}")
