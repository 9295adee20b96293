"""Tests for the ranking within category: Wilson lower bounds, ties, the minimum and policy changes."""

from __future__ import annotations

import math

import pytest

from fixtures.stats.builder import letter, moment, write_data
from generator.dataset import load_dataset
from generator.periods import Period
from generator.ranking import BELOW_MINIMUM, components, rank_category, score, wilson_lower_bound
from generator.stats import Figures, Rate, compute

AS_OF = moment("2026-05-20 23:59:59")
MARCH = Period.parse("2026-03")
# Monday to Thursday in March 2026, a month without holidays: the next day is always a working day.
DAYS = [f"2026-03-{day:02d}" for day in (2, 3, 4, 5, 9, 10, 11, 12, 16, 17, 18, 19, 23, 24, 25, 26)]


def wilson(successes: int, trials: int, z: float) -> float:
    """Wilson lower bound in the textbook form (2k + z² - z·sqrt(z² + 4k(n-k)/n)) / 2(n + z²)."""
    if trials == 0:
        return 0.0
    failures = trials - successes
    return (2 * successes + z * z - z * math.sqrt(z * z + 4 * successes * failures / trials)) / (
        2 * (trials + z * z))


class Letters:
    """Number letters in order, so every data set has unique ids."""

    def __init__(self) -> None:
        self.number = 0

    def perfect(self, department: str, count: int, **ratings) -> list[dict]:
        """Letters replied to and completed the next working day: green and on time."""
        letters = []
        for index in range(count):
            self.number += 1
            day = DAYS[index % len(DAYS)]
            next_day = f"2026-03-{int(day[-2:]) + 1:02d}"
            letters.append(letter(self.number, f"{day} {8 + index // len(DAYS):02d}:00", (department,),
                               replied=f"{next_day} 10:00", completed=f"{next_day} 11:00", **ratings))
        return letters

    def open(self, department: str, count: int) -> list[dict]:
        """Letters replied to on time and never completed: red by the as-of date."""
        letters = []
        for index in range(count):
            self.number += 1
            day = DAYS[index % len(DAYS)]
            next_day = f"2026-03-{int(day[-2:]) + 1:02d}"
            letters.append(letter(self.number, f"{day} 15:{index % 60:02d}", (department,),
                               replied=f"{next_day} 10:00"))
        return letters


def ranking(tmp_path, letters, policy_changes=None, category="town"):
    dataset = load_dataset(write_data(tmp_path / "data", letters, policy_changes=policy_changes))
    stats = compute(dataset, AS_OF, [MARCH])
    return stats.rankings[(MARCH.code, category)]


def test_wilson_lower_bound_known_values():
    assert wilson_lower_bound(0, 0, 1.96) == 0.0
    assert wilson_lower_bound(5, 5, 1.96) == pytest.approx(5 / (5 + 1.96 ** 2))
    assert wilson_lower_bound(48, 50, 1.96) == pytest.approx(0.8654, abs=1e-4)
    assert wilson_lower_bound(3, 3, 1.96) == pytest.approx(0.4385, abs=1e-4)
    assert wilson_lower_bound(0, 10, 1.96) == 0.0
    assert wilson_lower_bound(7, 10, 0) == pytest.approx(0.7)


@pytest.mark.parametrize(("successes", "trials"), [(1, 1), (4, 5), (13, 20), (99, 100), (1, 30)])
def test_wilson_lower_bound_matches_textbook_form(successes, trials):
    assert wilson_lower_bound(successes, trials, 1.96) == pytest.approx(wilson(successes, trials, 1.96))


def test_ranking_ties_share_rank_and_order_by_name(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 5) + numbered.perfect("town-b", 5) + numbered.perfect("town-c", 4) + \
        numbered.open("town-c", 1)
    rows = ranking(tmp_path, letters)
    # 乙镇 (town-b) sorts before 甲镇 (town-a) by code point; both share the first place.
    assert [(row.department, row.rank) for row in rows] == [("town-b", 1), ("town-a", 1), ("town-c", 3)]
    perfect = round(0.2 * wilson(5, 5, 1.96) + 0.3 * wilson(5, 5, 1.96) + 0.2 * wilson(5, 5, 1.96), 4)
    assert rows[0].score == perfect == 0.3959
    # town-c: 5 of 5 replied, 4 of 5 completed, 4 of 5 on time, no ratings (lower bound 0)
    expected = 0.2 * wilson(5, 5, 1.96) + 0.3 * wilson(4, 5, 1.96) + 0.2 * wilson(4, 5, 1.96)
    assert rows[2].score == round(expected, 4) == 0.3009
    assert all(row.reason is None for row in rows)


def test_ranking_small_department_not_first_by_chance(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 5) + numbered.perfect("town-b", 48) + numbered.open("town-b", 2)
    rows = ranking(tmp_path, letters)
    assert [row.department for row in rows[:2]] == ["town-b", "town-a"]
    expected = 0.2 * wilson(50, 50, 1.96) + 0.3 * wilson(48, 50, 1.96) + 0.2 * wilson(48, 50, 1.96)
    assert rows[0].score == round(expected, 4)


def test_ranking_plain_rates_when_z_is_zero(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 5) + numbered.perfect("town-b", 48) + numbered.open("town-b", 2)
    rows = ranking(tmp_path, letters, {"ranking": {"confidence_z": 0}})
    assert [row.department for row in rows[:2]] == ["town-a", "town-b"]
    assert rows[0].score == 0.7
    assert rows[1].score == 0.68  # 0.2 x 1 + 0.3 x 0.96 + 0.2 x 0.96


def test_ranking_below_minimum_listed_after_ranked(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("dept-water", 5) + numbered.perfect("dept-roads", 4)
    rows = ranking(tmp_path, letters, category="county_department")
    assert [(row.department, row.rank, row.reason) for row in rows] == [
        ("dept-water", 1, None), ("dept-roads", None, BELOW_MINIMUM)]
    assert rows[1].score is None
    assert rows[1].figures.received == 4


def test_ranking_changes_with_min_letters(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("dept-water", 5) + numbered.perfect("dept-roads", 4)
    rows = ranking(tmp_path, letters, {"ranking": {"min_letters": 4}}, category="county_department")
    # 县交通运输局 (dept-roads) has fewer letters, so a lower bound and a lower score
    assert [(row.department, row.rank) for row in rows] == [("dept-water", 1), ("dept-roads", 2)]


def test_ranking_changes_with_weights(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 6) + numbered.perfect("town-b", 5) + numbered.open("town-b", 3)
    default = ranking(tmp_path / "default", letters)
    assert [row.department for row in default[:2]] == ["town-a", "town-b"]
    replies_only = ranking(tmp_path / "replies", letters,
                           {"ranking": {"weights": {"__replace__": True, "reply_rate": 1.0}}})
    # town-b replied to 8 of 8, town-a to 6 of 6: more letters, higher lower bound
    assert [row.department for row in replies_only[:2]] == ["town-b", "town-a"]
    assert replies_only[0].score == round(wilson(8, 8, 1.96), 4)


def test_ranking_satisfaction_counts_author_and_readers(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 5, author=5, readers={2: 1})
    rows = ranking(tmp_path, letters, {"ranking": {"weights": {"__replace__": True, "satisfaction": 1.0}}})
    # 5 authors gave 5, 5 readers gave 2: 5 satisfied out of 10
    assert rows[0].figures.satisfaction_rate == Rate(5, 10)
    assert rows[0].score == round(wilson(5, 10, 1.96), 4)
    assert rows[0].components == {"satisfaction": pytest.approx(wilson(5, 10, 1.96))}


def test_ranking_green_and_on_time_reply_weights(tmp_path):
    numbered = Letters()
    letters = numbered.perfect("town-a", 5) + numbered.open("town-a", 1)
    changes = {"ranking": {"weights": {"__replace__": True, "green_rate": 0.5, "on_time_reply_rate": 0.5}}}
    rows = ranking(tmp_path, letters, changes)
    # 5 green of 6 lit letters; 6 of 6 replied on time
    assert rows[0].score == round(0.5 * wilson(5, 6, 1.96) + 0.5 * wilson(6, 6, 1.96), 4)


def test_ranking_missing_rate_counts_as_zero():
    figures = Figures(received=5, reply_rate=Rate(5, 5), completion_rate=Rate(5, 5),
                      on_time_completion_rate=Rate(5, 5))
    policy = _Policy({"reply_rate": 0.5, "satisfaction": 0.5})
    assert components(figures, policy) == {"reply_rate": pytest.approx(wilson(5, 5, 1.96)), "satisfaction": 0.0}
    assert score(figures, policy) == round(0.5 * wilson(5, 5, 1.96), 4)


def test_rank_category_competition_ranking():
    policy = _Policy({"reply_rate": 1.0})
    rows = rank_category([
        ("d1", "丁", Figures(received=10, reply_rate=Rate(9, 10))),
        ("d2", "乙", Figures(received=10, reply_rate=Rate(10, 10))),
        ("d3", "丙", Figures(received=10, reply_rate=Rate(10, 10))),
        ("d4", "甲", Figures(received=2, reply_rate=Rate(2, 2))),
        ("d5", "戊", Figures(received=10, reply_rate=Rate(8, 10))),
        ("d6", "己", Figures(received=0)),
    ], "town", policy)
    assert [(row.department, row.rank) for row in rows] == [
        ("d3", 1), ("d2", 1), ("d1", 3), ("d5", 4), ("d6", None), ("d4", None)]
    assert [row.reason for row in rows[4:]] == [BELOW_MINIMUM, BELOW_MINIMUM]


class _Policy:
    """The ranking part of a policy, for unit tests that need no data folder."""

    def __init__(self, weights: dict, z: float = 1.96, min_letters: int = 5):
        self.ranking = {"weights": weights, "confidence_z": z, "min_letters": min_letters}
