"""Report periods (报告期): a calendar month (``2025-06``) or quarter (``2025-Q2``) in
Asia/Shanghai. Pure: no ORM."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTH = "month"
QUARTER = "quarter"
KINDS = (MONTH, QUARTER)
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
EARLIEST_YEAR = 2000

_CODE = re.compile(r"^(\d{4})-(?:(\d{2})|[Qq]([1-4]))$")


class PeriodError(ValueError):
    """A period code that is not ``YYYY-MM`` or ``YYYY-Qn``, or out of range."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str
    number: int  # the month (1-12) or the quarter (1-4)

    @property
    def code(self) -> str:
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.year}年{self.number}月"
        return f"{self.year}年第{QUARTER_NAMES[self.number]}季度"

    @property
    def kind_label(self) -> str:
        return "月度" if self.kind == MONTH else "季度"

    @property
    def first_month(self) -> int:
        return self.number if self.kind == MONTH else 3 * self.number - 2

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        last_month = self.number if self.kind == MONTH else 3 * self.number
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def months(self) -> list[Period]:
        if self.kind == MONTH:
            return [self]
        return [Period(self.year, MONTH, m) for m in range(self.first_month, self.first_month + 3)]

    def previous(self) -> Period:
        size = 12 if self.kind == MONTH else 4
        if self.number > 1:
            return Period(self.year, self.kind, self.number - 1)
        return Period(self.year - 1, self.kind, size)

    def next(self) -> Period:
        size = 12 if self.kind == MONTH else 4
        if self.number < size:
            return Period(self.year, self.kind, self.number + 1)
        return Period(self.year + 1, self.kind, 1)

    def as_of(self, today: dt.date) -> dt.date:
        """The day the figures are read on: the period's last day, or today while the
        period is still running."""
        return min(self.end, today)

    def is_complete(self, today: dt.date) -> bool:
        return today > self.end

    def __str__(self) -> str:
        return self.code


def parse(code: str) -> Period:
    match = _CODE.match((code or "").strip())
    if not match:
        raise PeriodError("报告期格式应为 YYYY-MM（月度）或 YYYY-Qn（季度），如 2025-06、2025-Q2")
    year = int(match.group(1))
    if year < EARLIEST_YEAR:
        raise PeriodError(f"报告期年份不能早于 {EARLIEST_YEAR} 年")
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError("月份应在 01 到 12 之间")
        return Period(year, MONTH, month)
    return Period(year, QUARTER, int(match.group(3)))


def containing(kind: str, day: dt.date) -> Period:
    if kind == MONTH:
        return Period(day.year, MONTH, day.month)
    return Period(day.year, QUARTER, (day.month - 1) // 3 + 1)


def latest_complete(kind: str, today: dt.date) -> Period:
    """The last period of ``kind`` that has ended before ``today``."""
    return containing(kind, today).previous()


def recent(kind: str, today: dt.date, count: int) -> list[Period]:
    """The current period of ``kind`` and the ``count - 1`` before it, newest first."""
    out = [containing(kind, today)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out
