"""Reading and answering spreadsheets (.xlsx with python-calamine, .csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .errors import ValidationFailed
from .uploads import check_sheet


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class RowResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[list[str], str]] = field(default_factory=list)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(
    handle: IO[bytes], filename: str, *, field: str = "file", max_bytes: int | None = -1
) -> Sheet:
    """Read the first sheet of an .xlsx/.xls or a UTF-8 (or GBK) .csv, header row first.

    The file passes ``uploads.check_sheet`` first (type by its bytes, size, zip bomb);
    ``max_bytes`` is its size limit (-1: the ``YANGLAO_SHEET_MAX_MB`` setting; None:
    none, for the command line). Formula-looking cells are kept as text: calamine gives
    a formula cell's cached value, never the formula, and nothing here evaluates one."""
    check_sheet(handle, filename, field=field, max_bytes=max_bytes)
    name = filename.lower()
    data = handle.read()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationFailed(fields={field: [_("无法识别文件编码，请另存为 UTF-8 的 CSV")]})
        table = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
    elif name.endswith((".xlsx", ".xls", ".xlsm", ".ods")):
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            table = [[_cell(c) for c in row] for row in workbook.get_sheet_by_index(0).to_python()]
        except Exception:
            raise ValidationFailed(fields={field: [_("无法读取该表格文件，请检查格式")]}) from None
    else:
        raise ValidationFailed(fields={field: [_("只接受 .xlsx 或 .csv 文件")]})
    table = [row for row in table if any(row)]
    if not table:
        raise ValidationFailed(fields={field: [_("文件是空的")]})
    return Sheet(headers=table[0], rows=table[1:])


def map_headers(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column index for each field, accepting any of its aliases (Chinese or English)."""
    normalised = [h.strip().lower() for h in headers]
    found: dict[str, int] = {}
    for field_name, names in aliases.items():
        for candidate in (field_name, *names):
            if candidate.lower() in normalised:
                found[field_name] = normalised.index(candidate.lower())
                break
    return found
