"""yanglao escalate_rectifications [--date YYYY-MM-DD]: escalate overdue rectifications now
(the same job the worker runs every morning; running it twice on a day changes nothing)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from yanglao.supervision import services


class Command(BaseCommand):
    help = "Escalate rectifications past their deadline and not closed (逾期整改逐级上报)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as of this day (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD") from exc
        moved = services.escalate_overdue(today=today)
        self.stdout.write(f"escalated: {moved}")
