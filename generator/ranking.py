"""Ranking of departments within their category (分类考评) by the policy's score.

The score is a weighted sum of rates with the weights of
``policy.ranking.weights``. Each rate enters as the lower bound of its Wilson
score interval with ``z = policy.ranking.confidence_z``, so a department with
3 letters out of 3 on time does not outrank one with 48 out of 50: the bound
for 3/3 at z = 1.96 is 0.44, for 48/50 it is 0.87. A rate with no
denominator (for instance no ratings at all) has a lower bound of 0, which is
the limit of the Wilson bound when nothing was observed. So the published
formula stays the same for every department.

Departments with fewer letters than ``policy.ranking.min_letters`` in the
period are listed with their figures but get no rank (reason
``below_minimum``). Scores are rounded to 4 decimal places. Equal rounded
scores share a rank (competition ranking: 1, 1, 3) and are listed by
department name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from generator.spec import CATEGORIES
from generator.stats import Figures, Rate

# Weight key in the policy -> the Figures rate it scores.
COMPONENTS = {
    "reply_rate": "reply_rate",
    "completion_rate": "completion_rate",
    "on_time_reply_rate": "on_time_reply_rate",
    "on_time_completion_rate": "on_time_completion_rate",
    "satisfaction": "satisfaction_rate",
    "green_rate": "green_rate",
}

SCORE_DIGITS = 4
BELOW_MINIMUM = "below_minimum"


def wilson_lower_bound(successes: int, trials: int, z: float) -> float:
    """Return the lower bound of the Wilson score interval for ``successes`` out of ``trials``; 0 for no trials."""
    if trials == 0:
        return 0.0
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z2 / trials))


def components(figures: Figures, policy) -> dict[str, float]:
    """Return the Wilson lower bound of each weighted rate, keyed by the policy's weight name."""
    z = policy.ranking["confidence_z"]
    result = {}
    for key in policy.ranking["weights"]:
        rate: Rate = getattr(figures, COMPONENTS[key])
        result[key] = wilson_lower_bound(rate.numerator, rate.denominator, z)
    return result


def score(figures: Figures, policy) -> float:
    """Return the department's score: sum of weight x lower bound, rounded to 4 decimal places."""
    weights = policy.ranking["weights"]
    bounds = components(figures, policy)
    return round(sum(weights[key] * bounds[key] for key in weights), SCORE_DIGITS)


@dataclass(frozen=True, slots=True)
class RankRow:
    """One department's line in its category's ranking; ``rank`` and ``score`` are None when not ranked."""

    department: str
    category: str
    rank: int | None
    score: float | None
    figures: Figures
    reason: str | None = None
    components: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "department": self.department,
            "category": self.category,
            "rank": self.rank,
            "score": self.score,
            "reason": self.reason,
            "components": {key: round(value, SCORE_DIGITS) for key, value in self.components.items()},
            "figures": self.figures.to_dict(),
        }


def rank_category(rows: list[tuple[str, str, Figures]], category: str, policy) -> list[RankRow]:
    """Rank ``(department id, name, figures)`` of one category; unranked rows come last, by name."""
    minimum = policy.ranking["min_letters"]
    scored, unranked = [], []
    for department, name, figures in rows:
        if figures.received < minimum:
            unranked.append((name, department, figures))
        else:
            scored.append((-score(figures, policy), name, department, figures))
    scored.sort()

    ranked_rows = []
    previous_score, rank = None, 0
    for position, (negative_score, _, department, figures) in enumerate(scored, start=1):
        if negative_score != previous_score:
            rank, previous_score = position, negative_score
        ranked_rows.append(RankRow(department, category, rank, -negative_score, figures, None,
                                   components(figures, policy)))
    for _, department, figures in sorted(unranked):
        ranked_rows.append(RankRow(department, category, None, None, figures, BELOW_MINIMUM,
                                   components(figures, policy)))
    return ranked_rows


def rank_all(stats, policy) -> dict[tuple[str, str], list[RankRow]]:
    """Rank every category in every period of ``stats``."""
    by_category: dict[str, list] = {category: [] for category in CATEGORIES}
    for department in sorted(stats.departments.values(), key=lambda item: (item.name, item.id)):
        by_category.setdefault(department.category, []).append(department)
    rankings = {}
    for period in stats.periods:
        for category, members in by_category.items():
            rows = [(member.id, member.name, stats.figures[(period.code, member.id)]) for member in members]
            rankings[(period.code, category)] = rank_category(rows, category, policy)
    return rankings
