"""yanglao generate_elders N: realistic generated elders, into the database or a file.

yanglao generate_elders 3000                      # into the database (the import's
                                                  # bulk writer, one audit event)
yanglao generate_elders 1000000 --xlsx big.xlsx   # an import file, template columns
yanglao generate_elders 500 --region 141129 --seed 7 --csv zy.csv
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yanglao.demo.elders import demo_villages, generate_into_db, generate_rows, write_file


class Command(BaseCommand):
    help = (
        "Generate N realistic elders (Faker zh_CN names, valid ID numbers), into the DB or a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--region", help="only villages under this region code")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--xlsx", help="write an .xlsx in the import template instead")
        parser.add_argument("--csv", help="write a .csv in the import template instead")

    def handle(self, *args, count, region, seed, xlsx, csv, **options):
        if count < 1:
            raise CommandError("N must be at least 1")
        started = time.perf_counter()
        if xlsx or csv:
            try:
                villages = demo_villages(region)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            for path in filter(None, (xlsx, csv)):
                written = write_file(
                    path, generate_rows(count, villages, seed=seed), rows_hint=count
                )
                self.stdout.write(f"{path}: {written} rows")
        else:
            if settings.PRODUCTION:
                raise CommandError(
                    "generate_elders refuses to write generated people in production"
                )

            def progress(done, committing=False):
                if committing:
                    self.stdout.write(f"checked {done} rows, writing…")

            try:
                result = generate_into_db(count, region_code=region, seed=seed, progress=progress)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"elders: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.rejected} rejected"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"done in {elapsed:.1f}s ({count / elapsed:,.0f} rows/s)")
