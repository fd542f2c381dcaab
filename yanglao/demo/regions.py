"""Villages and communities of the four seed places, and population figures rolled up."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction
from django.db.models import Sum

from yanglao.regions.codes import path_of
from yanglao.regions.importer import _upsert, region_row
from yanglao.regions.models import Level, Region

VILLAGES = Path(__file__).resolve().parent.parent / "regions" / "demo_data" / "villages.csv"
POP_FIELDS = (
    "registered_total",
    "registered_60",
    "registered_80",
    "resident_total",
    "resident_60",
    "resident_80",
)
DEMO_COUNTIES = (
    "141129",
    "140403",
    "350405",
    "350424",
    "350425",
    "350430",
    "350481",
    "330203",
    "330205",
    "330206",
    "330211",
    "330212",
    "330213",
)


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


@transaction.atomic
def load_villages(path: Path = VILLAGES) -> int:
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    regions = []
    for row in rows:
        level = Level.TOWNSHIP if row["level"] == "township" else Level.VILLAGE
        regions.append(
            region_row(
                row["code"], row["name"], row["parent_code"], level, path_of(row["code"]), "demo"
            )
        )
    _upsert(regions)
    by_code = {r.code: r for r in Region.objects.filter(code__in=[row["code"] for row in rows])}
    for row in rows:
        region = by_code[row["code"]]
        for name in POP_FIELDS:
            setattr(region, name, _int(row[name]))
        region.population_year = _int(row["population_year"])
        region.valid_from = _date(row["valid_from"])
        region.valid_to = _date(row["valid_to"])
        region.successor_id = row["successor_code"] or None
        region.change_note = row["change_note"]
    Region.objects.bulk_update(
        by_code.values(),
        [*POP_FIELDS, "population_year", "valid_from", "valid_to", "successor", "change_note"],
    )
    return len(rows)


@transaction.atomic
def roll_up_populations() -> None:
    """Townships and the demo counties get the sums of their villages (demo figures)."""
    for level in (Level.TOWNSHIP, Level.COUNTY, Level.CITY):
        parents = (
            Region.objects.filter(level=level + 1, registered_total__isnull=False)
            .values_list("parent", flat=True)
            .distinct()
        )
        for code in parents:
            sums = Region.objects.filter(parent=code, registered_total__isnull=False).aggregate(
                **{name: Sum(name) for name in POP_FIELDS}
            )
            Region.objects.filter(code=code).update(population_year=2023, **sums)


# County codes that elders' older ID numbers still carry: kept as abolished regions with
# their successors, as the platform keeps every region that old records point to.
# Dates are approximate (demo data); check them before relying on them.
HISTORIC = [
    # code, name, level, abolished on, successor, note
    ("1423", "吕梁地区", Level.CITY, "2004-07-01", "1411", "撤地设市，改为吕梁市"),
    ("142332", "中阳县（吕梁地区）", Level.COUNTY, "2004-07-01", "141129", "随吕梁撤地设市改码"),
    ("140402", "城区", Level.COUNTY, "2018-05-01", "140403", "与郊区合并设立潞州区"),
    ("330227", "鄞县", Level.COUNTY, "2002-04-01", "330212", "撤县设鄞州区"),
    ("330283", "奉化市", Level.COUNTY, "2016-09-01", "330213", "撤市设奉化区"),
    ("350427", "沙县", Level.COUNTY, "2021-02-01", "350405", "撤县设沙县区"),
]


@transaction.atomic
def load_historic() -> int:
    rows = [
        region_row(
            code, name, code[: 2 if level == Level.CITY else 4], level, path_of(code), "demo"
        )
        for code, name, level, *_rest in HISTORIC
    ]
    _upsert(rows)
    for code, _name, _level, valid_to, successor, note in HISTORIC:
        Region.objects.filter(code=code).update(
            valid_to=dt.date.fromisoformat(valid_to), successor_id=successor, change_note=note
        )
    return len(HISTORIC)
