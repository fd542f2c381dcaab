"""A task table to and from .xlsx: one header row (乡镇, then each column's header), one
row per township and the totals row, as printed. Reading uses python-calamine, writing
openpyxl (yanglao.core.sheets / exports)."""

from __future__ import annotations

from io import BytesIO
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from yanglao.core.errors import ValidationFailed
from yanglao.core.exports import neutralise
from yanglao.core.sheets import RowResult, read_sheet

from . import services, tasks
from .models import TaskTable

LABEL_HEADER = "乡镇"


def headers(table: TaskTable) -> list[str]:
    return [LABEL_HEADER, *[tasks.header(c) for c in table.columns]]


def parse(table: TaskTable, handle: IO[bytes], filename: str) -> list[tuple[str, dict]]:
    """The rows of the sheet keyed by column. The header row may follow a title row."""
    sheet = read_sheet(handle, filename)
    table_rows = [sheet.headers, *sheet.rows]
    start = next(
        (n for n, row in enumerate(table_rows[:10]) if row and row[0].strip() == LABEL_HEADER),
        None,
    )
    if start is None:
        raise ValidationFailed(fields={"file": [_("找不到表头行（第一列应为“乡镇”）")]})
    found = [h.strip() for h in table_rows[start]]
    wanted = headers(table)
    missing = [h for h in wanted if h not in found]
    if missing:
        raise ValidationFailed(fields={"file": [_("缺少栏目：%(c)s") % {"c": "、".join(missing)}]})
    index = {h: found.index(h) for h in wanted}
    out = []
    for row in table_rows[start + 1 :]:
        padded = row + [""] * (len(found) - len(row))
        out.append(
            (
                padded[index[LABEL_HEADER]],
                {c["key"]: padded[index[tasks.header(c)]] for c in table.columns},
            )
        )
    return out


def import_file(*, actor, table: TaskTable, handle: IO[bytes], filename: str, request=None):
    return services.rows_save(
        actor=actor, table=table, rows=parse(table, handle, filename), request=request
    )


def export(table: TaskTable, rows, mismatches) -> bytes:
    """The table as printed, then a sheet of the totals check."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("任务表"))
    sheet.append(headers(table))
    for row in rows:
        sheet.append(
            [neutralise(row.label)]
            + [
                row.values.get(c["key"]) if row.values.get(c["key"]) is not None else ""
                for c in table.columns
            ]
        )
    check = workbook.create_sheet(title=_("合计核对"))
    check.append([_("行"), _("栏目"), _("印刷数"), _("各部分之和"), _("说明")])
    labels = {c["key"]: tasks.header(c) for c in table.columns}
    for m in mismatches:
        check.append(
            [
                neutralise(m.row),
                labels.get(m.column, m.column),
                m.printed,
                m.computed,
                m.explanation,
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rejected_file(table: TaskTable, result: RowResult) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("未导入的行"))
    sheet.append([*headers(table), _("原因")])
    for cells, reason in result.rejected:
        sheet.append([neutralise(c) for c in cells] + [reason])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
