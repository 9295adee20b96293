"""The accountability list: departments owed a reminder, an admonition talk or a rectification notice.

Each measure in ``policy.accountability`` names conditions that must all
hold. They are checked on the department's plain figures for the period (not
the Wilson lower bounds used for ranking), because the thresholds are written
as plain rates. A rate with no denominator meets no ``_below`` condition,
departments with fewer letters than ``policy.ranking.min_letters`` are never
named, and a measure without conditions names nobody.

Lists are drawn up only for periods that have ended by ``as_of`` and whose
kind is in ``policy.accountability.periods`` (default: the two-month
supervision periods). The figures are those as of ``as_of``, like every other
figure, so a late completion after the period still counts.

A department named for a measure that requires a public explanation must
commit ``data/explanations/<period>/<department>.yaml`` within
``explanation_due_working_days`` working days after the period's last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from generator.model import Explanation
from generator.stats import Figures

MEASURES = ("reminder", "admonition", "rectification")
DEFAULT_PERIOD_KINDS = ("bimonth",)

# Condition key -> (Figures attribute, comparison). Rates compare their value, counts the number.
CONDITIONS = {
    "completion_rate_below": ("completion_rate", "below"),
    "on_time_completion_rate_below": ("on_time_completion_rate", "below"),
    "reply_rate_below": ("reply_rate", "below"),
    "satisfaction_below": ("satisfaction_rate", "below"),
    "red_yellow_at_least": ("red_yellow", "at_least"),
    "red_at_least": ("red", "at_least"),
    "redo_at_least": ("redo", "at_least"),
}


class Reason(NamedTuple):
    """One condition that put a department on the list: its key, the policy's threshold, the actual figure."""

    condition: str
    threshold: float
    actual: float

    def to_dict(self) -> dict:
        actual = round(self.actual, 4) if isinstance(self.actual, float) else self.actual
        return {"condition": self.condition, "threshold": self.threshold, "actual": actual}


@dataclass(frozen=True, slots=True)
class AccountabilityRow:
    """A department named for one measure in one period, with why and the state of its explanation.

    ``overdue_working_days`` is None when the explanation was published (or none
    is required), 0 while it is not yet due, and otherwise the working days
    since ``due``.
    """

    department: str
    period: str
    measure: str
    reasons: list[Reason]
    figures: Figures
    explanation_required: bool
    explanation: Explanation | None
    due: dt.date
    overdue_working_days: int | None
    explained_on_time: bool | None = None

    def to_dict(self) -> dict:
        explanation = self.explanation
        return {
            "department": self.department,
            "period": self.period,
            "measure": self.measure,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "explanation_required": self.explanation_required,
            "explanation": None if explanation is None else {
                "published_at": explanation.published_at.isoformat(),
                "text": explanation.text,
                "measures": list(explanation.measures),
            },
            "due": self.due.isoformat(),
            "overdue_working_days": self.overdue_working_days,
            "explained_on_time": self.explained_on_time,
        }


def check_measure(figures: Figures, conditions: dict) -> list[Reason] | None:
    """Return the reasons when every set condition holds for ``figures``, else None."""
    reasons = []
    for key, threshold in conditions.items():
        if threshold is None:
            continue
        attribute, comparison = CONDITIONS[key]
        value = getattr(figures, attribute)
        if comparison == "below":
            actual = value.value
            if actual is None or not actual < threshold:
                return None
        else:
            actual = value
            if actual < threshold:
                return None
        reasons.append(Reason(key, threshold, actual))
    return reasons or None


def period_kinds(policy) -> tuple[str, ...]:
    return tuple(policy.accountability.get("periods") or DEFAULT_PERIOD_KINDS)


def explanation_required(policy, measure: str) -> bool:
    required = policy.accountability[measure].get("explanation")
    return True if required is None else required


def accountability_lists(stats, explanations: list[Explanation], calendar, policy) -> dict[str, list]:
    """Draw up the list of every ended period of the policy's kinds, keyed by period code."""
    zone = policy.zone
    today = stats.as_of.astimezone(zone).date()
    minimum = policy.ranking["min_letters"]
    due_days = policy.accountability["explanation_due_working_days"]
    published = {(item.period, item.department): item for item in explanations if item.published_at <= stats.as_of}
    kinds = period_kinds(policy)
    departments = sorted(stats.departments.values(), key=lambda item: (item.name, item.id))

    lists: dict[str, list[AccountabilityRow]] = {}
    for period in stats.periods:
        if period.kind not in kinds or not period.has_ended(today):
            continue
        due = calendar.add(period.end, due_days)
        rows = []
        for measure in MEASURES:
            conditions = policy.accountability[measure]["all_of"] or {}
            required = explanation_required(policy, measure)
            for department in departments:
                figures = stats.figures[(period.code, department.id)]
                if figures.received < minimum:
                    continue
                reasons = check_measure(figures, conditions)
                if reasons is None:
                    continue
                explanation = published.get((period.code, department.id))
                rows.append(_row(department.id, period.code, measure, reasons, figures, required,
                                 explanation, due, today, calendar, zone))
        lists[period.code] = rows
    return lists


def _row(department, period, measure, reasons, figures, required, explanation, due, today, calendar, zone):
    overdue = None
    on_time = None
    if explanation is not None:
        on_time = explanation.published_at.astimezone(zone).date() <= due
    elif required:
        overdue = calendar.elapsed(due, today) if today > due else 0
    return AccountabilityRow(department, period, measure, reasons, figures, required, explanation, due, overdue,
                             on_time)
