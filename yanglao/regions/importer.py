"""Region import: the national CSV set and a generic sheet (code, name, parent code, level)."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yanglao.core.errors import ValidationFailed
from yanglao.core.pinyin import to_pinyin
from yanglao.core.sheets import Sheet, map_headers

from .codes import is_urban_district_name, level_of
from .models import CODE_LENGTH, ROOT_CODE, Level, Region

BATCH = 2000


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[tuple[list[str], str]] = field(default_factory=list)


class RegionRow(NamedTuple):
    """One region as the importer writes it: cheaper than a model instance per row."""

    code: str
    name: str
    parent_id: str | None
    level: int
    path: str
    is_urban_district: bool
    name_pinyin: str
    name_initials: str
    source: str
    change_note: str = ""


def region_row(
    code: str, name: str, parent: str | None, level: int, path: str, source: str
) -> RegionRow:
    full, initials = to_pinyin(name)
    return RegionRow(
        code,
        name,
        parent,
        int(level),
        path,
        is_urban_district_name(name, level),
        full,
        initials,
        source,
    )


INSERT_COLUMNS = [
    "code",
    "name",
    "parent_id",
    "level",
    "path",
    "is_urban_district",
    "name_pinyin",
    "name_initials",
    "source",
    "change_note",
]
UPDATE_COLUMNS = ["name", "parent_id", "level", "path", "name_pinyin", "name_initials", "source"]


def _upsert(rows: list[RegionRow]) -> tuple[int, int]:
    """Insert or update by code in one statement per batch (ON CONFLICT works on SQLite
    and PostgreSQL); fields people edit (populations, the urban flag) are kept."""
    existing: dict[str, tuple] = {}
    codes = [r.code for r in rows]
    for start in range(0, len(codes), 900):
        for code, *values in Region.objects.filter(code__in=codes[start : start + 900]).values_list(
            "code", *[c.removesuffix("_id") for c in UPDATE_COLUMNS]
        ):
            existing[code] = tuple(values)
    # Only new or changed rows are written: a re-import of the same file writes nothing.
    changed = [
        r
        for r in rows
        if r.code not in existing
        or existing[r.code] != tuple(getattr(r, c) for c in UPDATE_COLUMNS)
    ]
    rows = sorted(changed, key=lambda r: (r.level, r.code))  # parents before children
    table = connection.ops.quote_name(Region._meta.db_table)
    columns = ", ".join(INSERT_COLUMNS)
    marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPDATE_COLUMNS)
    # Only our own column names are formatted in; the values are parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT (code) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    created = sum(1 for r in rows if r.code not in existing)
    return created, len(rows) - created


def ensure_root() -> Region:
    root, _created = Region.objects.get_or_create(
        code=ROOT_CODE,
        defaults={
            "name": "全国",
            "level": Level.NATION,
            "path": ROOT_CODE,
            "parent": None,
            "name_pinyin": "quanguo",
            "name_initials": "qg",
            "source": "national",
        },
    )
    return root


def import_national(data_dir: Path) -> ImportResult:
    """provinces.csv, cities.csv, areas.csv, streets.csv as they are published."""
    source = "统计用区划代码2022"
    rows: list[RegionRow] = []
    paths = {ROOT_CODE: ROOT_CODE}
    spec = [
        ("provinces.csv", Level.PROVINCE, None),
        ("cities.csv", Level.CITY, "provinceCode"),
        ("areas.csv", Level.COUNTY, "cityCode"),
        ("streets.csv", Level.TOWNSHIP, "areaCode"),
    ]
    for filename, level, parent_key in spec:
        with open(data_dir / filename, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                code = row["code"]
                parent = row[parent_key] if parent_key else ROOT_CODE
                path = paths[code] = f"{paths[parent]}.{code}"
                rows.append(region_row(code, row["name"], parent, level, path, source))
    with transaction.atomic():
        ensure_root()
        created, updated = _upsert(rows)
    return ImportResult(total=len(rows), created=created, updated=updated)


SHEET_ALIASES = {
    "code": ("区划代码", "代码", "编码"),
    "name": ("名称", "区划名称"),
    "parent_code": ("上级代码", "上级区划代码", "parent"),
    "level": ("层级", "级别"),
}
LEVEL_WORDS = {
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "县": Level.COUNTY,
    "区": Level.COUNTY,
    "县(区)": Level.COUNTY,
    "乡镇": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "乡镇(街道)": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
    "村(社区)": Level.VILLAGE,
    "网格": Level.GRID,
    "province": Level.PROVINCE,
    "city": Level.CITY,
    "county": Level.COUNTY,
    "township": Level.TOWNSHIP,
    "village": Level.VILLAGE,
    "grid": Level.GRID,
}


def _parse_level(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= 6:
        return int(text)
    return LEVEL_WORDS.get(text.lower())


def validate_sheet(
    sheet: Sheet, *, scope_path: str
) -> tuple[list[RegionRow], list[tuple[list[str], str]]]:
    """Check every row first. Parents may be in the database or earlier in the sheet."""
    columns = map_headers(sheet.headers, SHEET_ALIASES)
    missing = [name for name in ("code", "name", "parent_code") if name not in columns]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("缺少列：%(cols)s") % {"cols": "、".join(missing)}]}
        )
    parent_codes = {
        row[columns["parent_code"]].strip()
        for row in sheet.rows
        if len(row) > columns["parent_code"]
    }
    known = {
        r.code: (r.path, r.level)
        for r in Region.objects.filter(code__in=parent_codes).only("code", "path", "level")
    }
    good: list[Region] = []
    rejected: list[tuple[list[str], str]] = []
    seen: set[str] = set()

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for row in sheet.rows:
        code, name, parent = cell(row, "code"), cell(row, "name"), cell(row, "parent_code")
        level_text = cell(row, "level")
        reason = ""
        if not code.isdigit():
            reason = _("区划代码必须是数字")
        elif not name:
            reason = _("名称不能为空")
        elif len(name) > 100:
            reason = _("名称过长（最多 100 字）")
        elif code in seen:
            reason = _("区划代码在文件中重复")
        elif parent not in known:
            reason = _("上级代码 %(code)s 不存在") % {"code": parent}
        else:
            parent_path, parent_level = known[parent]
            level = _parse_level(level_text) if level_text else parent_level + 1
            if level is None:
                reason = _("层级无法识别：%(v)s") % {"v": level_text}
            elif level != parent_level + 1:
                reason = _("层级应比上级低一级")
            elif level not in CODE_LENGTH or len(code) != CODE_LENGTH[Level(level)]:
                reason = _("区划代码长度与层级不符")
            elif not code.startswith(parent) and parent != ROOT_CODE:
                reason = _("区划代码应以上级代码开头")
            else:
                path = f"{parent_path}.{code}"
                if not (path == scope_path or path.startswith(scope_path + ".")):
                    reason = _("该区划不在您的管辖范围内")
                else:
                    seen.add(code)
                    known[code] = (path, level)
                    good.append(region_row(code, name, parent, level, path, "import"))
        if reason:
            rejected.append((row, reason))
    return good, rejected


def import_sheet_rows(good: list[RegionRow]) -> tuple[int, int]:
    with transaction.atomic():
        return _upsert(good)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["ImportResult", "import_national", "level_of", "validate_sheet"]
