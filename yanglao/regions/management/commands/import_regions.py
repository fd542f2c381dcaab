"""yanglao import_regions [--dir DIR] [--sheet FILE]

--dir: the four national CSV files (provinces, cities, areas, streets); default: shipped.
--sheet: a generic sheet (区划代码, 名称, 上级代码, 层级) in .xlsx or .csv.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yanglao.core.errors import DomainError
from yanglao.core.sheets import read_sheet
from yanglao.regions import services
from yanglao.regions.importer import file_sha256, import_national


class Command(BaseCommand):
    help = "Import regions: the national tree, or a generic sheet."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None)
        parser.add_argument("--sheet", type=Path, default=None)

    def handle(self, *args, dir, sheet, **options):
        started = time.perf_counter()
        if sheet:
            data = sheet.read_bytes()
            try:
                parsed = read_sheet(io.BytesIO(data), sheet.name, max_bytes=None)
                created, updated, rejected = services.region_import_sheet(
                    actor=None, sheet=parsed, file_hash=file_sha256(data), filename=sheet.name
                )
            except DomainError as error:
                raise CommandError(f"{error.message} {error.fields}") from None
            for row, reason in rejected:
                self.stderr.write(f"rejected {row}: {reason}")
            self.stdout.write(
                f"created {created}, updated {updated}, rejected {len(rejected)} "
                f"in {time.perf_counter() - started:.1f}s"
            )
            return
        directory = dir or settings.REGION_DATA_DIR
        if not (directory / "streets.csv").exists():
            raise CommandError(f"{directory} has no streets.csv")
        result = import_national(directory)
        self.stdout.write(
            f"{result.total} regions: created {result.created}, updated "
            f"{result.updated} in {time.perf_counter() - started:.1f}s"
        )
