"""Tests for reporting periods: codes, bounds, labels and stepping."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.periods import KINDS, Period, all_periods_between, periods_between


@pytest.mark.parametrize(
    ("code", "kind", "start", "end", "label"),
    [
        ("2026", "year", "2026-01-01", "2026-12-31", "2026年"),
        ("2026-H1", "half", "2026-01-01", "2026-06-30", "2026年上半年"),
        ("2026-H2", "half", "2026-07-01", "2026-12-31", "2026年下半年"),
        ("2026-Q1", "quarter", "2026-01-01", "2026-03-31", "2026年第1季度"),
        ("2026-Q3", "quarter", "2026-07-01", "2026-09-30", "2026年第3季度"),
        ("2026-B1", "bimonth", "2026-01-01", "2026-02-28", "2026年1—2月"),
        ("2026-B6", "bimonth", "2026-11-01", "2026-12-31", "2026年11—12月"),
        ("2026-02", "month", "2026-02-01", "2026-02-28", "2026年2月"),
        ("2028-02", "month", "2028-02-01", "2028-02-29", "2028年2月"),
        ("2026-12", "month", "2026-12-01", "2026-12-31", "2026年12月"),
    ],
)
def test_period_parse_bounds_and_label(code, kind, start, end, label):
    period = Period.parse(code)
    assert period.kind == kind
    assert period.start == dt.date.fromisoformat(start)
    assert period.end == dt.date.fromisoformat(end)
    assert period.label_zh == label
    assert period.code == code
    assert str(period) == code


@pytest.mark.parametrize("code", ["26", "2026-13", "2026-00", "2026-Q5", "2026-H3", "2026-B7", "2026-B0",
                                  "2026-7", "2026Q1", "2026-q1", ""])
def test_period_parse_rejects_bad_code(code):
    with pytest.raises(ValueError) as error:
        Period.parse(code)
    assert str(error.value) == (f"'{code}' is not a period; write 2026, 2026-H1, 2026-Q3, 2026-B2 "
                                f"(two-month supervision period) or 2026-07")


@pytest.mark.parametrize(
    ("day", "kind", "code"),
    [
        ("2026-01-01", "bimonth", "2026-B1"),
        ("2026-02-28", "bimonth", "2026-B1"),
        ("2026-03-01", "bimonth", "2026-B2"),
        ("2026-12-31", "bimonth", "2026-B6"),
        ("2026-06-30", "half", "2026-H1"),
        ("2026-07-01", "half", "2026-H2"),
        ("2026-04-01", "quarter", "2026-Q2"),
        ("2026-09-30", "quarter", "2026-Q3"),
        ("2026-09-30", "month", "2026-09"),
        ("2026-09-30", "year", "2026"),
    ],
)
def test_period_containing(day, kind, code):
    assert Period.containing(dt.date.fromisoformat(day), kind).code == code


@pytest.mark.parametrize(
    ("code", "previous", "following"),
    [
        ("2026-01", "2025-12", "2026-02"),
        ("2026-B1", "2025-B6", "2026-B2"),
        ("2026-Q1", "2025-Q4", "2026-Q2"),
        ("2026-H2", "2026-H1", "2027-H1"),
        ("2026", "2025", "2027"),
    ],
)
def test_period_previous_and_next(code, previous, following):
    period = Period.parse(code)
    assert period.previous().code == previous
    assert period.next().code == following


def test_period_months_of_each_kind():
    assert [month.code for month in Period.parse("2026-B3").months] == ["2026-05", "2026-06"]
    assert [month.code for month in Period.parse("2026-Q4").months] == ["2026-10", "2026-11", "2026-12"]
    assert len(Period.parse("2026").months) == 12
    assert Period.parse("2026-07").months == [Period.parse("2026-07")]


def test_period_has_ended_after_last_day():
    period = Period.parse("2026-B2")
    assert not period.has_ended(dt.date(2026, 4, 30))
    assert period.has_ended(dt.date(2026, 5, 1))
    assert period.contains(dt.date(2026, 4, 30))
    assert not period.contains(dt.date(2026, 5, 1))


def test_periods_between_crosses_year():
    found = periods_between(dt.date(2025, 11, 15), dt.date(2026, 3, 1), "bimonth")
    assert [period.code for period in found] == ["2025-B6", "2026-B1", "2026-B2"]


def test_periods_between_empty_when_reversed():
    assert periods_between(dt.date(2026, 3, 1), dt.date(2026, 2, 1), "month") == []


def test_all_periods_between_orders_by_kind():
    found = all_periods_between(dt.date(2026, 3, 2), dt.date(2026, 5, 20))
    assert [period.code for period in found] == [
        "2026", "2026-H1", "2026-Q1", "2026-Q2", "2026-B2", "2026-B3", "2026-03", "2026-04", "2026-05"]
    assert [period.kind for period in found][:1] == [KINDS[0]]


def test_period_rejects_bad_kind_and_index():
    with pytest.raises(ValueError):
        Period("week", 2026, 1)
    with pytest.raises(ValueError):
        Period("quarter", 2026, 5)
    with pytest.raises(ValueError):
        Period.containing(dt.date(2026, 1, 1), "week")


def test_period_is_hashable_and_equal_by_value():
    assert Period.parse("2026-Q1") == Period("quarter", 2026, 1)
    assert len({Period.parse("2026-Q1"), Period("quarter", 2026, 1)}) == 1
