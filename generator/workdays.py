"""The working-day calendar: official Chinese schedules plus the county's own notices.

The ``chinesecalendar`` package carries the State Council's schedules for the
years it knows. Files in ``data/calendar/`` add later years (``kind:
official``) and local changes (``kind: local``), which win over the package.
A year that neither covers is computed provisionally: Monday to Friday minus
the fixed-date public holidays named in the policy, and every answer that
touches it is marked provisional.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants as official

log = logging.getLogger(__name__)

PACKAGE_YEARS = range(min(official.holidays).year, max(official.holidays).year + 1)


@dataclass(frozen=True, slots=True)
class DayInfo:
    date: dt.date
    working: bool
    name: str | None  # holiday code from the package, or the name given in a notice
    makeup: bool      # a weekend day made a working day (调休上班)
    provisional: bool


@dataclass(frozen=True, slots=True)
class Deadline:
    """The due date ``days`` working days after ``start``, with the days the count passed over."""

    start: dt.date
    days: int
    due: dt.date
    skipped: list[DayInfo]
    makeup_counted: list[DayInfo]
    provisional: bool


class WorkCalendar:
    """Calendar of working days: classifies dates and counts working days between them."""

    def __init__(self, notices: list[dict] | None = None, fixed_holidays: list[str] | None = None):
        self.fixed_holidays = {tuple(int(part) for part in item.split("-")) for item in fixed_holidays or []}
        self.overrides: dict[dt.date, tuple[bool, str]] = {}
        self.official_years: set[int] = set(PACKAGE_YEARS)
        self._warned: set[int] = set()
        for notice in notices or []:
            self._add_notice(notice)
        # The day table starts at January 1 of the first year asked about, which
        # _extend_to sets on the first query, so a run about 2026 builds no table for 2004.
        self._origin = dt.date.max.toordinal()
        self._cumulative: list[int] = []  # working days in [origin, origin + i]
        self._working: list[bool] = []

    def _add_notice(self, notice: dict) -> None:
        if notice["kind"] == "official":
            self.official_years.update(notice["years"])
        for holiday in notice.get("holidays") or []:
            day = holiday["from"]
            while day <= holiday["to"]:
                self.overrides[day] = (False, holiday["name"])
                day += dt.timedelta(days=1)
        for workday in notice.get("working_days") or []:
            self.overrides[workday["date"]] = (True, workday["name"])

    # Single days

    def is_provisional(self, day: dt.date) -> bool:
        return day.year not in self.official_years

    def info(self, day: dt.date) -> DayInfo:
        """Describe one date, logging once per year when the result is provisional."""
        info = self._classify(day)
        if info.provisional:
            self._warn_provisional(day.year)
        return info

    def _classify(self, day: dt.date) -> DayInfo:
        provisional = self.is_provisional(day)
        weekend = day.weekday() >= 5
        if day in self.overrides:
            working, name = self.overrides[day]
        elif day.year in PACKAGE_YEARS:
            is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            working = not is_holiday
            name = official.Holiday(holiday).name if holiday else None
        elif (day.month, day.day) in self.fixed_holidays:
            working, name = False, "fixed_holiday"
        else:
            working, name = not weekend, None
        return DayInfo(day, working, name, working and weekend, provisional)

    def is_working_day(self, day: dt.date) -> bool:
        self._extend_to(day)
        return self._working[day.toordinal() - self._origin]

    @property
    def provisional_years(self) -> list[int]:
        """Years for which a provisional result has been returned so far."""
        return sorted(self._warned)

    def _warn_provisional(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            # INFO, not WARNING, because the site marks provisional dates and a strict build must not
            # fail on them. `wenzheng validate` warns about the missing notice instead.
            log.info(
                "Notice: no official working-day schedule for %d; dates in %d are counted provisionally "
                "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/.",
                year, year,
            )

    # Counting

    def _extend_to(self, day: dt.date) -> None:
        index = day.toordinal() - self._origin
        if index < 0:
            self._origin = dt.date(day.year, 1, 1).toordinal()
            self._working, self._cumulative = [], []
            index = day.toordinal() - self._origin
        while len(self._working) <= index:
            # Extend a whole year at a time so counting stays a list lookup.
            start = len(self._working)
            year_end = dt.date(dt.date.fromordinal(self._origin + start).year, 12, 31)
            for ordinal in range(self._origin + start, year_end.toordinal() + 1):
                current = dt.date.fromordinal(ordinal)
                working = self._classify(current).working
                self._working.append(working)
                previous = self._cumulative[-1] if self._cumulative else 0
                self._cumulative.append(previous + working)

    def elapsed(self, start: dt.date, end: dt.date) -> int:
        """Count working days after ``start`` up to and including ``end`` (day 0 is ``start``)."""
        if end <= start:
            return 0
        self._note_provisional(start, end)
        self._extend_to(start)
        self._extend_to(end)
        return self._cumulative[end.toordinal() - self._origin] - self._cumulative[
            start.toordinal() - self._origin]

    def add(self, start: dt.date, days: int) -> dt.date:
        """Return the date of working day ``days``, counting ``start`` as day 0."""
        if days <= 0:
            return start
        self._extend_to(start)
        self._note_provisional(start, start)
        target = self._cumulative[start.toordinal() - self._origin] + days
        while self._cumulative[-1] < target:
            self._extend_to(dt.date.fromordinal(self._origin + len(self._cumulative) + 300))
        index = bisect.bisect_left(self._cumulative, target)
        due = dt.date.fromordinal(self._origin + index)
        self._note_provisional(start, due)
        return due

    def _note_provisional(self, start: dt.date, end: dt.date) -> None:
        for year in range(start.year, end.year + 1):
            if year not in self.official_years:
                self._warn_provisional(year)

    def any_provisional(self, start: dt.date, end: dt.date) -> bool:
        return any(year not in self.official_years for year in range(start.year, end.year + 1))

    def deadline(self, start: dt.date, days: int) -> Deadline:
        """Count ``days`` working days from ``start`` and list what the count passed over."""
        due = self.add(start, days)
        skipped, makeup = [], []
        day = start + dt.timedelta(days=1)
        while day <= due:
            info = self.info(day)
            if not info.working:
                skipped.append(info)
            elif info.makeup:
                makeup.append(info)
            day += dt.timedelta(days=1)
        return Deadline(start, days, due, skipped, makeup, self.any_provisional(start, due))

    def year_days(self, year: int) -> list[DayInfo]:
        """Return every holiday and make-up working day of a year, for the rules page."""
        days = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            info = self.info(day)
            if info.makeup or (not info.working and (info.name or day.weekday() < 5)):
                days.append(info)
            day += dt.timedelta(days=1)
        return days
