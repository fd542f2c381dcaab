"""The national region import (44,703 regions from the four CSV files) end to end,
against a raw executemany of the same pre-built rows into the same table."""

from __future__ import annotations

import csv
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from yanglao.regions import importer  # noqa: E402
from yanglao.regions.codes import path_of  # noqa: E402
from yanglao.regions.models import Region  # noqa: E402


def raw_rows() -> list[tuple]:
    data = settings.REGION_DATA_DIR
    rows = [("00", "全国", None, 0, "00", False, "quanguo", "qg", "national", "")]
    spec = [
        ("provinces.csv", 1, None),
        ("cities.csv", 2, "provinceCode"),
        ("areas.csv", 3, "cityCode"),
        ("streets.csv", 4, "areaCode"),
    ]
    for name, level, parent_key in spec:
        with open(data / name, encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                parent = row[parent_key] if parent_key else "00"
                rows.append(
                    (
                        row["code"],
                        row["name"],
                        parent,
                        level,
                        path_of(row["code"]),
                        False,
                        "",
                        "",
                        "raw",
                        "",
                    )
                )
    return rows


def raw_insert(rows: list[tuple]) -> float:
    table = Region._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(importer.INSERT_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(importer.INSERT_COLUMNS))})"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return time.perf_counter() - started


def main() -> None:
    call_command("migrate", verbosity=0)
    rows = raw_rows()  # parsing is not part of the baseline: it is pre-parsed
    baseline = raw_insert(rows)
    with connection.cursor() as cursor:  # the baseline's rows go; PROTECT is for people
        cursor.execute(f"DELETE FROM {Region._meta.db_table}")  # noqa: S608

    started = time.perf_counter()
    result = importer.import_national(settings.REGION_DATA_DIR)
    first = time.perf_counter() - started

    started = time.perf_counter()
    importer.import_national(settings.REGION_DATA_DIR)
    again = time.perf_counter() - started

    print(f"database: {connection.vendor}; regions: {result.total}")
    print(
        f"baseline raw executemany of pre-built rows: {baseline:6.2f} s "
        f"({len(rows) / baseline:,.0f} rows/s)"
    )
    print(
        f"import_national, empty table (parse+pinyin+upsert): {first:6.2f} s "
        f"({result.total / first:,.0f} rows/s)  ratio to baseline: {baseline / first:.2f}"
    )
    print(
        f"import_national again (nothing changed, nothing written): {again:6.2f} s  "
        f"ratio to baseline: {baseline / again:.2f}"
    )


if __name__ == "__main__":
    main()
