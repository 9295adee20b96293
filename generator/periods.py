"""Reporting periods: years, half years, quarters, two-month supervision periods and months.

A period has a stable code used in file names, URLs and open data:

- ``2026``: the year;
- ``2026-H1``, ``2026-H2``: half years;
- ``2026-Q1`` to ``2026-Q4``: quarters;
- ``2026-B1`` to ``2026-B6``: the two-month supervision periods (B1 is January
  and February, B6 is November and December), the unit of the supervision
  bulletin;
- ``2026-01`` to ``2026-12``: months.

Letters belong to a period by the local date (the policy's time zone) on which
they were received; converting that date is the caller's job.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Kinds from the longest to the shortest; also the order periods are listed in.
KINDS = ("year", "half", "quarter", "bimonth", "month")

# Months per period of each kind.
MONTHS = {"year": 12, "half": 6, "quarter": 3, "bimonth": 2, "month": 1}

_CODE = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|H(?P<half>[12])|Q(?P<quarter>[1-4])"
                   r"|B(?P<bimonth>[1-6])))?")

_HALF_ZH = {1: "上半年", 2: "下半年"}


@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period: its kind, its year and its 1-based index within the year."""

    kind: str
    year: int
    index: int = 1

    def __post_init__(self) -> None:
        if self.kind not in MONTHS:
            raise ValueError(f"unknown period kind '{self.kind}'; expected one of {', '.join(KINDS)}")
        if not 1 <= self.index <= 12 // MONTHS[self.kind]:
            raise ValueError(f"period index {self.index} is out of range for a {self.kind}")

    @classmethod
    def parse(cls, code: str) -> Period:
        """Read a period code such as 2026, 2026-H1, 2026-Q3, 2026-B2 or 2026-07."""
        match = _CODE.fullmatch(code.strip()) if isinstance(code, str) else None
        if not match:
            raise ValueError(f"'{code}' is not a period; write 2026, 2026-H1, 2026-Q3, 2026-B2 "
                             f"(two-month supervision period) or 2026-07")
        year = int(match["year"])
        for kind in ("month", "half", "quarter", "bimonth"):
            if match[kind]:
                return cls(kind, year, int(match[kind]))
        return cls("year", year, 1)

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        """Return the period of ``kind`` that contains ``day``."""
        if kind not in MONTHS:
            raise ValueError(f"unknown period kind '{kind}'; expected one of {', '.join(KINDS)}")
        return cls(kind, day.year, (day.month - 1) // MONTHS[kind] + 1)

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        prefix = {"half": "H", "quarter": "Q", "bimonth": "B"}[self.kind]
        return f"{self.year}-{prefix}{self.index}"

    @property
    def first_month(self) -> int:
        return (self.index - 1) * MONTHS[self.kind] + 1

    @property
    def last_month(self) -> int:
        return self.index * MONTHS[self.kind]

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        if self.last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.last_month + 1, 1) - dt.timedelta(days=1)

    @property
    def months(self) -> list[Period]:
        """The months the period is made of, in order."""
        return [Period("month", self.year, month) for month in range(self.first_month, self.last_month + 1)]

    @property
    def label_zh(self) -> str:
        """Chinese name of the period as the site shows it, e.g. 2026年第3季度."""
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "half":
            return f"{self.year}年{_HALF_ZH[self.index]}"
        if self.kind == "quarter":
            return f"{self.year}年第{self.index}季度"
        if self.kind == "bimonth":
            return f"{self.year}年{self.first_month}—{self.last_month}月"
        return f"{self.year}年{self.index}月"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def has_ended(self, today: dt.date) -> bool:
        """True when ``today`` is after the period's last day."""
        return today > self.end

    def previous(self) -> Period:
        """Return the period of the same kind just before this one."""
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        return Period(self.kind, self.year - 1, 12 // MONTHS[self.kind])

    def next(self) -> Period:
        """Return the period of the same kind just after this one."""
        if self.index < 12 // MONTHS[self.kind]:
            return Period(self.kind, self.year, self.index + 1)
        return Period(self.kind, self.year + 1, 1)

    @property
    def sort_key(self) -> tuple:
        """Order by kind (longest first), then by start date."""
        return KINDS.index(self.kind), self.start

    def __str__(self) -> str:
        return self.code


def periods_between(first: dt.date, last: dt.date, kind: str) -> list[Period]:
    """Return every period of ``kind`` that overlaps the dates ``first`` to ``last``, in order."""
    if last < first:
        return []
    period = Period.containing(first, kind)
    stop = Period.containing(last, kind)
    found = [period]
    while period != stop:
        period = period.next()
        found.append(period)
    return found


def all_periods_between(first: dt.date, last: dt.date, kinds: tuple[str, ...] = KINDS) -> list[Period]:
    """Return the periods of every kind in ``kinds`` overlapping ``first`` to ``last``, ordered by kind."""
    return [period for kind in kinds for period in periods_between(first, last, kind)]
