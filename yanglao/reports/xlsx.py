"""The work report as an .xlsx workbook: a summary sheet of every figure, the targets,
the problems found, the child regions and one sheet per table. Cells go through
``core.exports.neutralise`` (no formulas) and the download is logged like every export."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yanglao.core.audit import AccessKind, log_access
from yanglao.core.exports import XLSX_MIME, neutralise

from .figures import Report, Table, show, target_columns, target_rows


def _title(report: Report) -> str:
    return _("%(r)s%(p)s工作报告") % {"r": report.region.name, "p": report.period.label}


def _sheet(workbook: Workbook, name: str, used: set[str]):
    base = name.replace("/", "、")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate in used:
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return workbook.create_sheet(title=candidate)


def _append(sheet, row: list[Any]) -> None:
    sheet.append([neutralise(v) for v in row])


def _table(workbook: Workbook, used: set[str], name: str, table: Table, heading: str) -> None:
    sheet = _sheet(workbook, name, used)
    _append(sheet, [heading])
    columns = [c for c in table.columns if c]
    _append(sheet, columns)
    for row in table.rows:
        _append(sheet, row[: len(columns)])
    if table.note:
        _append(sheet, [table.note])


def build(report: Report) -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    title = _title(report)
    stamp = _("统计截至 %(d)s%(state)s") % {
        "d": report.as_of.isoformat(),
        "state": "" if report.complete else _("（报告期尚未结束）"),
    }
    summary = _sheet(workbook, _("概况"), used)
    _append(summary, [title])
    _append(summary, [stamp])
    _append(summary, [_("板块"), _("指标"), _("数值"), _("单位"), _("说明")])
    for section in report.sections:
        for f in section.figures:
            value = f.value if not (f.unit == "%" and f.value is not None) else show(f.value, "%")
            _append(
                summary, [section.title, f.label, value, "" if f.unit == "%" else f.unit, f.note]
            )
    targets = _sheet(workbook, _("目标任务"), used)
    _append(targets, [title])
    _append(targets, target_columns())
    for row in target_rows(report.targets):
        _append(targets, row)
    problems = _sheet(workbook, _("发现的问题"), used)
    _append(problems, [title])
    _append(problems, [_("类别"), _("问题"), _("数量"), _("依据")])
    kinds = {
        "target": _("目标任务"),
        "visits": _("探访"),
        "alerts": _("告警"),
        "follow_ups": _("跟进事项"),
    }
    for p in report.problems:
        _append(problems, [kinds.get(p.kind, p.kind), p.text, p.count, p.source])
    if not report.problems:
        _append(problems, [_("本期未发现问题")])
    if report.children is not None:
        _table(workbook, used, _("下级区划"), report.children, title)
    for section in report.sections:
        for table in section.tables:
            _table(workbook, used, f"{section.title}-{table.title}", table, title)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(request, report: Report) -> HttpResponse:
    content = build(report)
    log_access(
        actor=request.user,
        kind=AccessKind.EXPORT,
        request=request,
        region=report.region,
        detail={
            "object_type": "WorkReport",
            "filters": {"region": report.region.code, "period": report.period.code},
            "rows": sum(len(s.figures) for s in report.sections),
            "full_values": False,
            "filename": "work-report",
        },
    )
    name = f"{_title(report)}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    out = HttpResponse(content, content_type=XLSX_MIME)
    out["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return out
