"""Report periods: codes, bounds, labels, neighbours (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.reports import periods
from yanglao.reports.periods import MONTH, QUARTER, Period


@pytest.mark.parametrize(
    ("code", "start", "end", "label"),
    [
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "2026年2月"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度"),
        ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
    ],
)
def test_a_code_gives_the_bounds_and_the_label(code, start, end, label):
    p = periods.parse(code)
    assert (p.start, p.end, p.label) == (start, end, label)
    assert periods.parse(p.code) == p


@pytest.mark.parametrize(
    "code", ["", "2026", "2026-13", "2026-00", "2026-Q5", "26-01", "1999-12", "x"]
)
def test_a_bad_code_is_refused_with_a_reason(code):
    with pytest.raises(periods.PeriodError):
        periods.parse(code)


def test_neighbours_cross_the_year():
    assert Period(2026, MONTH, 1).previous() == Period(2025, MONTH, 12)
    assert Period(2025, MONTH, 12).next() == Period(2026, MONTH, 1)
    assert Period(2026, QUARTER, 1).previous() == Period(2025, QUARTER, 4)
    assert [m.code for m in Period(2026, QUARTER, 2).months()] == ["2026-04", "2026-05", "2026-06"]


def test_a_running_period_is_read_up_to_today():
    today = dt.date(2026, 11, 20)
    running = periods.containing(MONTH, today)
    assert running.code == "2026-11" and running.as_of(today) == today
    assert not running.is_complete(today)
    assert periods.latest_complete(MONTH, today).code == "2026-10"
    assert periods.latest_complete(QUARTER, today).code == "2026-Q3"
    assert [p.code for p in periods.recent(QUARTER, today, 3)] == ["2026-Q4", "2026-Q3", "2026-Q2"]
