"""yanglao refresh_figures [--day YYYY-MM-DD] [--backfill N]: recompute the dashboard figures."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yanglao.insights import compute


class Command(BaseCommand):
    help = "Recompute the dashboard figures of every region (today, a given day, or N past days)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the day to compute (YYYY-MM-DD); today by default")
        parser.add_argument(
            "--backfill",
            type=int,
            default=0,
            help="also compute the N days before it (history for the trends)",
        )

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["day"]) if options["day"] else None
        except ValueError as exc:
            raise CommandError("--day: expected YYYY-MM-DD") from exc
        day = day or timezone.localdate()
        if day > timezone.localdate():
            raise CommandError("--day: a day in the future has no figures yet")
        if options["backfill"] < 0:
            raise CommandError("--backfill: expected a number of days, 0 or more")
        for back in range(options["backfill"], -1, -1):
            result = compute.refresh(day - dt.timedelta(days=back))
            self.stdout.write(f"{result.day}: {result.regions} regions in {result.seconds:.1f} s")
