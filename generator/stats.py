"""Department figures per period, county-wide totals and the two-100% check.

Every letter received up to ``as_of`` is evaluated once (``lights.evaluate``)
as of that moment, and its status is tallied into the month it was received in
(local date in the policy's time zone). Longer periods are sums of their
months, so the work grows with the number of letters, not with the number of
periods times letters.

Who a letter counts for:

- the lead department (the first assigned department) carries the letter's
  light and every count;
- co-handling departments count it only in ``co_handled``, which is shown apart
  and is in no total;
- the county-wide total (department ``"*"``) counts every letter once,
  including letters not assigned yet, so it equals the sum over lead
  departments plus the unassigned letters;
- ``"category:<code>"`` totals count the letters whose lead department is in
  that category.

A letter assigned after ``as_of`` is unassigned as of ``as_of``. Every
definition is spelled out in ``docs/figures.md`` and, in Chinese, by
``definitions()``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import statistics
from dataclasses import dataclass, field, fields

from generator.labels import label
from generator.lights import Status, evaluate
from generator.periods import KINDS, Period, all_periods_between
from generator.spec import CATEGORIES

log = logging.getLogger(__name__)

COUNTY = "*"
CATEGORY_PREFIX = "category:"
UNASSIGNED = ""  # internal key of letters without a lead department as of the moment

# Count fields of Figures, in the order they are published.
COUNTS = (
    "received", "assigned", "replied", "completed", "open", "replied_on_time", "completed_on_time",
    "green", "yellow", "red", "none", "co_handled", "redo", "supervision", "provisional",
)
RATES = ("reply_rate", "completion_rate", "on_time_reply_rate", "on_time_completion_rate", "green_rate",
         "satisfaction_rate")
DAYS = ("reply_days_median", "reply_days_p90", "completion_days_median", "completion_days_p90")
SATISFACTIONS = ("satisfaction_author", "satisfaction_readers")


def category_key(category: str) -> str:
    return f"{CATEGORY_PREFIX}{category}"


@dataclass(frozen=True, slots=True)
class Rate:
    """A published share with the counts behind it; ``value`` is None when nothing is counted."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_dict(self) -> dict:
        value = self.value
        return {"numerator": self.numerator, "denominator": self.denominator,
                "value": None if value is None else round(value, 4)}


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """Ratings of one kind (the author's, or other readers'): how many, mean score, share satisfied."""

    count: int
    total: int  # sum of the scores
    satisfied: int  # ratings at or above the policy's satisfied_min_score

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.count if self.count else None

    def to_dict(self) -> dict:
        mean, share = self.mean, self.satisfied_share
        return {"count": self.count, "mean": None if mean is None else round(mean, 4),
                "satisfied": self.satisfied, "satisfied_share": None if share is None else round(share, 4)}


@dataclass(frozen=True, slots=True)
class Figures:
    """Every published figure of one department (or total) for one period."""

    received: int = 0
    assigned: int = 0
    replied: int = 0
    completed: int = 0
    open: int = 0
    replied_on_time: int = 0
    completed_on_time: int = 0
    green: int = 0
    yellow: int = 0
    red: int = 0
    none: int = 0  # open letters still in time: no light yet
    co_handled: int = 0  # letters this department co-handles; in no other count
    redo: int = 0
    supervision: int = 0
    provisional: int = 0  # letters whose deadlines use a provisional calendar
    reply_rate: Rate = Rate(0, 0)
    completion_rate: Rate = Rate(0, 0)
    on_time_reply_rate: Rate = Rate(0, 0)
    on_time_completion_rate: Rate = Rate(0, 0)
    green_rate: Rate = Rate(0, 0)
    satisfaction_rate: Rate = Rate(0, 0)  # satisfied among all ratings, author's and readers'
    reply_days_median: float | None = None
    reply_days_p90: int | None = None
    completion_days_median: float | None = None
    completion_days_p90: int | None = None
    satisfaction_author: Satisfaction = Satisfaction(0, 0, 0)
    satisfaction_readers: Satisfaction = Satisfaction(0, 0, 0)

    @property
    def red_yellow(self) -> int:
        return self.red + self.yellow

    def to_dict(self) -> dict:
        result = {}
        for item in fields(self):
            value = getattr(self, item.name)
            result[item.name] = value.to_dict() if hasattr(value, "to_dict") else value
        return result


def median(values: list[int]) -> float | None:
    """Return the median of ``values`` (mean of the middle two when their number is even)."""
    return float(statistics.median(values)) if values else None


def percentile_90(sorted_values: list[int]) -> int | None:
    """Return the 90th percentile by the nearest-rank method: the smallest value with 90% at or below it."""
    if not sorted_values:
        return None
    return sorted_values[math.ceil(0.9 * len(sorted_values)) - 1]


class Tally:
    """Running counts for one department (or total) and one month; months merge into longer periods."""

    __slots__ = (*COUNTS, "reply_due", "completion_due", "lit", "reply_days", "completion_days",
                 "author", "readers")

    def __init__(self) -> None:
        for name in COUNTS:
            setattr(self, name, 0)
        self.reply_due = 0  # letters replied to or past their reply deadline
        self.completion_due = 0  # letters completed or past their completion deadline
        self.lit = 0  # letters with a light (green, yellow or red)
        self.reply_days: list[int] = []
        self.completion_days: list[int] = []
        self.author = [0] * 6  # author's ratings, count per score 1-5 (index 0 unused)
        self.readers = [0] * 6

    def add(self, letter, status: Status, assigned: bool) -> None:
        self.received += 1
        self.assigned += assigned
        if status.replied:
            self.replied += 1
            self.reply_days.append(status.reply_days)
        if status.completed:
            self.completed += 1
            self.completion_days.append(status.completion_days)
        else:
            self.open += 1
        if status.replied_on_time is not None:
            self.reply_due += 1
            self.replied_on_time += status.replied_on_time
        if status.completed_on_time is not None:
            self.completion_due += 1
            self.completed_on_time += status.completed_on_time
        light = status.light
        if light == "green":
            self.green += 1
        elif light == "yellow":
            self.yellow += 1
        elif light == "red":
            self.red += 1
        else:
            self.none += 1
        if light != "none":
            self.lit += 1
        flags = status.flags
        self.redo += "redo" in flags
        self.supervision += "supervised" in flags
        self.provisional += "provisional" in flags
        if letter.rating_author is not None:
            self.author[letter.rating_author] += 1
        for score, count in letter.rating_readers.items():
            self.readers[score] += count

    def merge(self, other: Tally) -> None:
        for name in (*COUNTS, "reply_due", "completion_due", "lit"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reply_days.extend(other.reply_days)
        self.completion_days.extend(other.completion_days)
        for score in range(1, 6):
            self.author[score] += other.author[score]
            self.readers[score] += other.readers[score]

    def figures(self, satisfied_min_score: int) -> Figures:
        reply_days = sorted(self.reply_days)
        completion_days = sorted(self.completion_days)
        author = _satisfaction(self.author, satisfied_min_score)
        readers = _satisfaction(self.readers, satisfied_min_score)
        return Figures(
            **{name: getattr(self, name) for name in COUNTS},
            reply_rate=Rate(self.replied, self.received),
            completion_rate=Rate(self.completed, self.received),
            on_time_reply_rate=Rate(self.replied_on_time, self.reply_due),
            on_time_completion_rate=Rate(self.completed_on_time, self.completion_due),
            green_rate=Rate(self.green, self.lit),
            satisfaction_rate=Rate(author.satisfied + readers.satisfied, author.count + readers.count),
            reply_days_median=median(reply_days),
            reply_days_p90=percentile_90(reply_days),
            completion_days_median=median(completion_days),
            completion_days_p90=percentile_90(completion_days),
            satisfaction_author=author,
            satisfaction_readers=readers,
        )


def _satisfaction(per_score: list[int], satisfied_min_score: int) -> Satisfaction:
    count = sum(per_score)
    total = sum(score * per_score[score] for score in range(1, 6))
    satisfied = sum(per_score[score] for score in range(satisfied_min_score, 6))
    return Satisfaction(count, total, satisfied)


@dataclass(frozen=True, slots=True)
class TwoHundredCheck:
    """The two-100% rule for one period: every letter assigned and every letter replied to.

    ``unassigned`` and ``unreplied`` list the letters that break the rule: still
    not assigned, or not replied to, after their reply deadline. ``pending``
    lists letters missing either but still within the deadline; they do not
    break it yet. Only ids are listed, so private letters show nothing else.
    """

    received: int
    assigned: int
    replied: int
    unassigned: list[str] = field(default_factory=list)
    unreplied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.unassigned and not self.unreplied

    @property
    def assigned_rate(self) -> Rate:
        return Rate(self.assigned, self.received)

    @property
    def replied_rate(self) -> Rate:
        return Rate(self.replied, self.received)

    def to_dict(self) -> dict:
        return {"holds": self.holds, "received": self.received,
                "assigned_rate": self.assigned_rate.to_dict(), "replied_rate": self.replied_rate.to_dict(),
                "unassigned": list(self.unassigned), "unreplied": list(self.unreplied),
                "pending": list(self.pending)}


@dataclass
class Stats:
    """Everything computed for one moment: statuses, figures, rankings, accountability, two-100% check."""

    as_of: dt.datetime
    statuses: dict[str, Status]
    periods: list[Period]
    figures: dict[tuple[str, str], Figures]
    rankings: dict[tuple[str, str], list] = field(default_factory=dict)
    accountability: dict[str, list] = field(default_factory=dict)
    two_hundred: dict[str, TwoHundredCheck] = field(default_factory=dict)
    departments: dict = field(default_factory=dict)  # id -> Department, for names and categories
    scopes: list[str] = field(default_factory=list)  # "*", department ids, then "category:<code>"

    def period(self, code: str) -> Period:
        for period in self.periods:
            if period.code == code:
                return period
        raise KeyError(code)

    def to_json(self, period_codes: list[str] | None = None) -> dict:
        """Return the open-data document: a JSON-able dict in a stable key order.

        ``period_codes`` limits the document to those periods (default: all).
        """
        selected = [period for period in self.periods if period_codes is None or period.code in period_codes]
        return {
            "as_of": self.as_of.isoformat(),
            "periods": [period_dict(period) for period in selected],
            "figures": {
                period.code: {scope: self.figures[(period.code, scope)].to_dict() for scope in self.scopes}
                for period in selected
            },
            "rankings": {
                period.code: {category: [row.to_dict() for row in self.rankings.get((period.code, category), [])]
                              for category in CATEGORIES}
                for period in selected
            },
            "accountability": {
                period.code: [row.to_dict() for row in self.accountability[period.code]]
                for period in selected if period.code in self.accountability
            },
            "two_hundred": {period.code: self.two_hundred[period.code].to_dict() for period in selected},
        }


def period_dict(period: Period) -> dict:
    return {"code": period.code, "kind": period.kind, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "label": period.label_zh}


def compute(dataset, as_of: dt.datetime, periods: list[Period] | None = None) -> Stats:
    """Evaluate every letter received up to ``as_of`` once and build every figure, ranking and list.

    ``periods`` defaults to every year, half, quarter, two-month period and
    month from the first letter's receipt to ``as_of``.
    """
    from generator.accountability import accountability_lists
    from generator.ranking import rank_all

    policy, calendar, departments = dataset.policy, dataset.calendar, dataset.departments
    zone = policy.zone
    today = as_of.astimezone(zone).date()
    statuses: dict[str, Status] = {}
    # Month -> lead department (or UNASSIGNED) -> tally; totals are merged from these after the loop.
    months: dict[tuple[int, int], dict[str, Tally]] = {}
    co_handled: dict[tuple[int, int], dict[str, int]] = {}
    breaking: dict[tuple[int, int], tuple[list, list, list]] = {}

    for letter in dataset.letters:
        if letter.received > as_of:
            continue
        status = evaluate(letter, calendar, policy, as_of)
        statuses[letter.id] = status
        day = status.received_date
        key = (day.year, day.month)
        month = months.get(key)
        if month is None:
            month = months[key] = {}
        assigned = bool(letter.departments) and (letter.assigned_at is None or letter.assigned_at <= as_of)
        lead = letter.departments[0] if assigned else UNASSIGNED
        tally = month.get(lead)
        if tally is None:
            tally = month[lead] = Tally()
        tally.add(letter, status, assigned)
        if assigned and len(letter.departments) > 1:
            counts = co_handled.setdefault(key, {})
            for co_handler in letter.departments[1:]:
                counts[co_handler] = counts.get(co_handler, 0) + 1
        if not assigned or not status.replied:
            lists = breaking.setdefault(key, ([], [], []))
            overdue = calendar.elapsed(day, today) > policy.reply_days
            if not overdue:
                lists[2].append(letter.id)
            else:
                if not assigned:
                    lists[0].append(letter.id)
                if not status.replied:
                    lists[1].append(letter.id)
    for month in months.values():
        _add_totals(month, departments)

    if periods is None:
        first = min((status.received_date for status in statuses.values()), default=today)
        periods = all_periods_between(first, today)
    periods = sorted(periods, key=lambda period: period.sort_key)

    scopes = ordered_scopes(departments)
    figures: dict[tuple[str, str], Figures] = {}
    two_hundred: dict[str, TwoHundredCheck] = {}
    satisfied_min = policy.satisfied_min_score
    for period in periods:
        merged: dict[str, Tally] = {scope: Tally() for scope in scopes}
        unassigned, unreplied, pending = [], [], []
        for month in period.months:
            key = (month.year, month.index)
            for scope, tally in months.get(key, {}).items():
                if scope != UNASSIGNED:
                    merged.setdefault(scope, Tally()).merge(tally)
            for scope, count in co_handled.get(key, {}).items():
                merged.setdefault(scope, Tally()).co_handled += count
            lists = breaking.get((month.year, month.index))
            if lists:
                unassigned.extend(lists[0])
                unreplied.extend(lists[1])
                pending.extend(lists[2])
        for scope, tally in merged.items():
            figures[(period.code, scope)] = tally.figures(satisfied_min)
        county = merged[COUNTY]
        two_hundred[period.code] = TwoHundredCheck(county.received, county.assigned, county.replied,
                                                   unassigned, unreplied, pending)

    stats = Stats(as_of, statuses, periods, figures, two_hundred=two_hundred, departments=departments,
                  scopes=scopes)
    stats.rankings = rank_all(stats, policy)
    stats.accountability = accountability_lists(stats, dataset.explanations, calendar, policy)
    log.debug("Computed figures for %d letters, %d periods", len(statuses), len(periods))
    return stats


def ordered_scopes(departments: dict) -> list[str]:
    """Return ``"*"``, then per category its total followed by its departments by name."""
    scopes = [COUNTY]
    for category in CATEGORIES:
        members = sorted((item for item in departments.values() if item.category == category),
                         key=lambda item: (item.name, item.id))
        scopes += [category_key(category), *(member.id for member in members)]
    return scopes


def _add_totals(month: dict[str, Tally], departments: dict) -> None:
    """Add the county total and the category totals to one month's lead-department tallies."""
    county = Tally()
    categories: dict[str, Tally] = {}
    for scope, tally in list(month.items()):
        county.merge(tally)
        department = departments.get(scope)
        if department is not None:
            categories.setdefault(category_key(department.category), Tally()).merge(tally)
    month[COUNTY] = county
    month.update(categories)


__all__ = ["COUNTY", "KINDS", "Figures", "Rate", "Satisfaction", "Stats", "TwoHundredCheck", "compute",
           "category_key"]


def percent(share: float) -> str:
    """Format a share as the site prints a threshold: 0.8 -> 80%, 0.125 -> 12.5%."""
    return f"{share * 100:.4g}%"


def score_formula(policy) -> str:
    """Return the ranking score's formula in Chinese, with the policy's weights in the policy's order."""
    from generator.ranking import COMPONENTS

    parts = [label("stats.score_part").format(weight=f"{weight:g}", rate=label(f"stats.figure.{COMPONENTS[key]}"))
             for key, weight in policy.ranking["weights"].items()]
    return " + ".join(parts)


def condition_text(condition: str, threshold) -> str:
    value = percent(threshold) if condition.endswith("_below") else f"{threshold}"
    return label(f"stats.condition.{condition}").format(value=value)


def measure_rule(policy, measure: str) -> str:
    """Return one Chinese sentence naming the measure and every condition that triggers it."""
    from generator.accountability import explanation_required

    settings = policy.accountability[measure]
    name = settings.get("label") or label(f"stats.measure.{measure}", measure)
    conditions = [condition_text(key, value) for key, value in (settings["all_of"] or {}).items()
                  if value is not None]
    if not conditions:
        return label("stats.measure_rule_disabled").format(label=name)
    text = label("stats.measure_rule").format(label=name, conditions=label("stats.condition_joiner").join(conditions))
    if explanation_required(policy, measure):
        text = text[:-1] + "，" + label("stats.measure_explanation") + "。"
    return text


def definitions(policy) -> dict[str, str]:
    """Return one Chinese sentence per published figure and rule, with the policy's numbers filled in.

    Keys are the Figures field names plus ``score``, ``rank``, ``below_minimum``,
    ``two_hundred``, ``accountability``, ``explanation_due`` and
    ``measure.<reminder|admonition|rectification>``.
    """
    from generator.accountability import MEASURES, period_kinds

    numbers = {
        **policy.deadline_numbers(),
        "satisfied": policy.satisfied_min_score,
        "min_letters": policy.ranking["min_letters"],
        "z": f"{policy.ranking['confidence_z']:g}",
        "formula": score_formula(policy),
        "due_days": policy.accountability["explanation_due_working_days"],
        "periods": "、".join(label(f"stats.period_kind.{kind}") for kind in period_kinds(policy)),
    }
    codes = [*COUNTS, *RATES, *DAYS, *SATISFACTIONS, "score", "rank", "below_minimum", "two_hundred",
             "accountability", "explanation_due"]
    result = {code: label(f"stats.definition.{code}").format(**numbers) for code in codes}
    for measure in MEASURES:
        result[f"measure.{measure}"] = measure_rule(policy, measure)
    return result


def scope_name(scope: str, departments: dict) -> str:
    """Return the Chinese name of a department id, ``"*"`` or ``"category:<code>"``."""
    if scope == COUNTY:
        return label("stats.scope.county")
    if scope.startswith(CATEGORY_PREFIX):
        category = label(f"category.{scope[len(CATEGORY_PREFIX):]}")
        return label("stats.scope.category").format(category=category)
    department = departments.get(scope)
    return department.name if department else scope


def scope_category(scope: str, departments: dict) -> str:
    if scope.startswith(CATEGORY_PREFIX):
        return scope[len(CATEGORY_PREFIX):]
    department = departments.get(scope)
    return department.category if department else ""


def csv_header() -> list[str]:
    header = ["period", "period_label", "department", "name", "category", *COUNTS]
    for rate in RATES:
        header += [f"{rate}_numerator", f"{rate}_denominator", rate]
    header += list(DAYS)
    for kind in SATISFACTIONS:
        header += [f"{kind}_count", f"{kind}_mean", f"{kind}_satisfied_share"]
    return [*header, "rank", "score", "rank_reason"]


def stats_csv_rows(stats: Stats, period_codes: list[str] | None = None,
                   scopes: list[str] | None = None) -> list[list]:
    """Return the open-data table: a header, then one row per period and department or total.

    ``scopes`` limits the rows to those department ids, ``"*"`` or
    ``"category:<code>"`` keys, in that order (default: every one).
    """
    ranks = {(code, row.department): row for (code, _), rows in stats.rankings.items() for row in rows}
    rows = [csv_header()]
    for period in stats.periods:
        if period_codes is not None and period.code not in period_codes:
            continue
        for scope in scopes if scopes is not None else stats.scopes:
            figures = stats.figures[(period.code, scope)]
            row = [period.code, period.label_zh, scope, scope_name(scope, stats.departments),
                   scope_category(scope, stats.departments)]
            row += [getattr(figures, name) for name in COUNTS]
            for name in RATES:
                rate = getattr(figures, name)
                row += [rate.numerator, rate.denominator, _csv_number(rate.value)]
            row += [_csv_number(getattr(figures, name)) for name in DAYS]
            for name in SATISFACTIONS:
                satisfaction = getattr(figures, name)
                row += [satisfaction.count, _csv_number(satisfaction.mean),
                        _csv_number(satisfaction.satisfied_share)]
            rank_row = ranks.get((period.code, scope))
            row += ["", "", ""] if rank_row is None else [
                rank_row.rank if rank_row.rank is not None else "",
                _csv_number(rank_row.score), rank_row.reason or ""]
            rows.append(row)
    return rows


def _csv_number(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{round(value, 4):.10g}"
    return value


def csv_bytes(rows: list[list]) -> bytes:
    """Encode rows as CSV in UTF-8 with a byte-order mark, which Excel needs to read Chinese text."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
