"""The task table's columns and its totals check: pure functions over the printed
values, no ORM, tested from tables.

Three kinds of printed total are checked against their parts:

* ``row_total``: in each row, 行政村总数 = 已建成数量 + 待建设任务;
* ``to_build``: in each row, 待建设任务 = the year tasks for villages (day-care centres
  and courtyards; resettlement-site centres are not village tasks);
* ``column_total``: in the totals row (合计), every column = the sum of the township rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

TOTAL = "villages_total"
BUILT = "villages_built"
TO_BUILD = "villages_to_build"
TASK = "task"

TYPE_LABELS = {
    "day_care_center": "日照中心",
    "happiness_courtyard": "幸福小院",
    "mutual_aid_courtyard": "互助小院",
    "community_complex": "一站式综合服务体",
}


def column(kind: str, *, year: int | None = None, type: str = "", resettlement: bool = False):
    if kind != TASK:
        labels = {TOTAL: "总数", BUILT: "已建成数量", TO_BUILD: "待建设任务"}
        return {"key": kind, "kind": kind, "label": labels[kind]}
    key = f"{year}.{'resettlement.' if resettlement else ''}{type}"
    label = TYPE_LABELS.get(type, type)
    if resettlement:
        label = f"移民集中安置点 {label}"
    return {
        "key": key,
        "kind": TASK,
        "year": year,
        "type": type,
        "resettlement": resettlement,
        "label": label,
    }


def zhongyang_columns() -> list[dict]:
    """The columns of 中阳县 Attachment 3, in printed order."""
    return [
        column(TOTAL),
        column(BUILT),
        column(TO_BUILD),
        column(TASK, year=2020, type="day_care_center"),
        column(TASK, year=2020, type="happiness_courtyard"),
        column(TASK, year=2020, type="day_care_center", resettlement=True),
        column(TASK, year=2021, type="day_care_center"),
        column(TASK, year=2021, type="happiness_courtyard"),
        column(TASK, year=2022, type="day_care_center"),
        column(TASK, year=2022, type="happiness_courtyard"),
    ]


def header(col: Mapping) -> str:
    """The column's header in an exported or imported sheet (year first for tasks)."""
    if col["kind"] == TASK:
        return f"{col['year']}年{col['label']}"
    return f"行政村{col['label']}"


@dataclass(frozen=True)
class Row:
    label: str
    is_total: bool
    values: Mapping[str, int | None]


@dataclass(frozen=True)
class Mismatch:
    row: str  # the row's printed label
    column: str  # the column key where the printed total stands
    kind: str  # row_total, to_build, column_total
    printed: int
    computed: int
    explanation: str


def _v(row: Row, key: str) -> int:
    return int(row.values.get(key) or 0)


def check(columns: Sequence[Mapping], rows: Sequence[Row]) -> list[Mismatch]:
    """Every printed total compared with the sum of its parts; one entry per mismatch."""
    keys = [c["key"] for c in columns]
    village_tasks = [c["key"] for c in columns if c["kind"] == TASK and not c["resettlement"]]
    out: list[Mismatch] = []
    for row in rows:
        if {TOTAL, BUILT, TO_BUILD} <= set(keys) and row.values.get(TOTAL) is not None:
            parts = _v(row, BUILT) + _v(row, TO_BUILD)
            if _v(row, TOTAL) != parts:
                out.append(
                    Mismatch(
                        row.label,
                        TOTAL,
                        "row_total",
                        _v(row, TOTAL),
                        parts,
                        _("总数 %(p)s ≠ 已建成 + 待建设 = %(c)s")
                        % {"p": _v(row, TOTAL), "c": parts},
                    )
                )
        if TO_BUILD in keys and village_tasks and row.values.get(TO_BUILD) is not None:
            parts = sum(_v(row, k) for k in village_tasks)
            if _v(row, TO_BUILD) != parts:
                out.append(
                    Mismatch(
                        row.label,
                        TO_BUILD,
                        "to_build",
                        _v(row, TO_BUILD),
                        parts,
                        _("待建设任务 %(p)s ≠ 各年度日照中心与幸福小院之和 %(c)s（不含移民安置点）")
                        % {"p": _v(row, TO_BUILD), "c": parts},
                    )
                )
    parts_rows = [r for r in rows if not r.is_total]
    for total in (r for r in rows if r.is_total):
        for key in keys:
            if total.values.get(key) is None:
                continue
            parts = sum(_v(r, key) for r in parts_rows)
            if _v(total, key) != parts:
                out.append(
                    Mismatch(
                        total.label,
                        key,
                        "column_total",
                        _v(total, key),
                        parts,
                        _("合计 %(p)s ≠ 各乡镇之和 %(c)s") % {"p": _v(total, key), "c": parts},
                    )
                )
    return out


def planned_through(columns: Sequence[Mapping], row: Row, col: Mapping) -> int:
    """Planned count of the column's type (and resettlement flag) in its year and before."""
    return sum(
        _v(row, c["key"])
        for c in columns
        if c["kind"] == TASK
        and c["type"] == col["type"]
        and c["resettlement"] == col["resettlement"]
        and c["year"] <= col["year"]
    )
