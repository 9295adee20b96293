"""Tests for the accountability list: measures, reasons, explanations and policy thresholds.

The data set has March 2026 letters, so the list is drawn up for the
supervision period 2026-B2 (March and April), which ends on Thursday 30 April.
Explanations are due 10 working days later: 1, 4 and 5 May are holidays and
Saturday 9 May is a working day, so working day 10 is Monday 18 May.
"""

from __future__ import annotations

import datetime as dt

import pytest

from fixtures.stats.builder import letter, moment, write_data
from generator.accountability import Reason, check_measure
from generator.dataset import load_dataset
from generator.stats import Figures, Rate, compute, definitions

AS_OF = moment("2026-05-20 23:59:59")
DAYS = [f"2026-03-{day:02d}" for day in (2, 3, 4, 5, 9, 10, 11, 12)]


def make_letters() -> list[dict]:
    """town-a: 1 green, 5 red, two ratings of 1. town-b: 5 green. dept-water: 3 green on time,
    2 completed on working day 7 (green but late). town-c: 4 red, below the minimum of 5."""
    letters, number = [], 0

    def add(department, day, completed_after_days=None, **extra):
        nonlocal number
        number += 1
        received = dt.date.fromisoformat(day)
        replied = f"{received + dt.timedelta(days=1)} 10:00"
        completed = None
        if completed_after_days is not None:
            completed = f"{received + dt.timedelta(days=completed_after_days)} 11:00"
        letters.append(letter(number, f"{day} 09:00", (department,), replied=replied, completed=completed,
                              **extra))

    add("town-a", DAYS[0], 1)
    for index in range(5):
        add("town-a", DAYS[index + 1], None, **({"author": 1} if index < 2 else {}))
    for index in range(5):
        add("town-b", DAYS[index], 1)
    for index in range(3):
        add("dept-water", DAYS[index], 1)
    # received Monday 2 and Tuesday 3 March, completed 9 days later: working day 7
    add("dept-water", DAYS[0], 9)
    add("dept-water", DAYS[1], 9)
    for index in range(4):
        add("town-c", DAYS[index], None)
    return letters


def town_a_explanation(published: str) -> dict:
    return {"department": "town-a", "period": "2026-B2", "published_at": moment(published),
            "text": "三月份人手不足，已增派人员。", "measures": ["每周通报办理进度"]}


def accountability(tmp_path, policy_changes=None, explanations=(), as_of=AS_OF):
    dataset = load_dataset(write_data(tmp_path / "data", make_letters(), policy_changes=policy_changes,
                                      explanations=list(explanations)))
    stats = compute(dataset, as_of)
    return stats, dataset


def named(stats, period="2026-B2") -> list[tuple[str, str]]:
    return [(row.measure, row.department) for row in stats.accountability[period]]


@pytest.fixture(scope="module")
def default_stats(tmp_path_factory):
    return accountability(tmp_path_factory.mktemp("default"))[0]


def test_accountability_names_departments_by_measure(default_stats):
    # 县水务局 (dept-water) sorts before 甲镇 (town-a); town-c has only 4 letters
    assert named(default_stats) == [("reminder", "dept-water"), ("reminder", "town-a"),
                                    ("admonition", "town-a"), ("rectification", "town-a")]


def test_accountability_only_ended_supervision_periods(default_stats):
    assert list(default_stats.accountability) == ["2026-B2"]


def test_accountability_reasons_show_threshold_and_actual(default_stats):
    rows = {(row.measure, row.department): row for row in default_stats.accountability["2026-B2"]}
    assert rows[("admonition", "town-a")].reasons == [
        Reason("completion_rate_below", 0.8, pytest.approx(1 / 6)),
        Reason("satisfaction_below", 0.6, 0.0),
        Reason("red_yellow_at_least", 5, 5),
    ]
    assert rows[("rectification", "town-a")].reasons == [
        Reason("completion_rate_below", 0.6, pytest.approx(1 / 6)), Reason("red_at_least", 5, 5)]
    assert rows[("reminder", "dept-water")].reasons == [
        Reason("on_time_completion_rate_below", 0.8, pytest.approx(0.6))]
    assert rows[("reminder", "dept-water")].figures.on_time_completion_rate == Rate(3, 5)


def test_accountability_explanation_overdue_working_days(default_stats):
    rows = {(row.measure, row.department): row for row in default_stats.accountability["2026-B2"]}
    admonition = rows[("admonition", "town-a")]
    assert admonition.due == dt.date(2026, 5, 18)
    assert admonition.explanation is None
    assert admonition.explanation_required
    assert admonition.overdue_working_days == 2  # 19 and 20 May
    reminder = rows[("reminder", "dept-water")]
    assert not reminder.explanation_required
    assert reminder.overdue_working_days is None


def test_accountability_explanation_not_yet_due(tmp_path):
    stats, _ = accountability(tmp_path, as_of=moment("2026-05-08 12:00"))
    row = next(row for row in stats.accountability["2026-B2"] if row.measure == "admonition")
    assert row.overdue_working_days == 0
    assert row.due == dt.date(2026, 5, 18)


def test_accountability_shows_published_explanation(tmp_path):
    stats, _ = accountability(tmp_path, explanations=[town_a_explanation("2026-05-12 16:00")])
    row = next(row for row in stats.accountability["2026-B2"] if row.measure == "admonition")
    assert row.explanation.text == "三月份人手不足，已增派人员。"
    assert row.overdue_working_days is None
    assert row.explained_on_time is True
    assert row.to_dict()["explanation"] == {"published_at": "2026-05-12T16:00:00+08:00",
                                            "text": "三月份人手不足，已增派人员。",
                                            "measures": ["每周通报办理进度"]}


def test_accountability_late_explanation(tmp_path):
    stats, _ = accountability(tmp_path, explanations=[town_a_explanation("2026-05-19 09:00")])
    row = next(row for row in stats.accountability["2026-B2"] if row.measure == "admonition")
    assert row.explained_on_time is False
    assert row.overdue_working_days is None


def test_accountability_ignores_explanation_after_as_of(tmp_path):
    stats, _ = accountability(tmp_path, explanations=[town_a_explanation("2026-05-21 09:00")])
    row = next(row for row in stats.accountability["2026-B2"] if row.measure == "admonition")
    assert row.explanation is None
    assert row.overdue_working_days == 2


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # dept-water's on-time completion rate is exactly 0.6: "below 0.6" does not name it
        ({"reminder": {"all_of": {"on_time_completion_rate_below": 0.6}}},
         [("reminder", "town-a"), ("admonition", "town-a"), ("rectification", "town-a")]),
        ({"reminder": {"all_of": {"on_time_completion_rate_below": 0.61}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("admonition", "town-a"),
          ("rectification", "town-a")]),
        # town-a has exactly 5 red and yellow lights
        ({"admonition": {"all_of": {"red_yellow_at_least": 6}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("rectification", "town-a")]),
        # town-a's completion rate is 1/6 = 0.1667
        ({"rectification": {"all_of": {"completion_rate_below": 0.16}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("admonition", "town-a")]),
        ({"rectification": {"all_of": {"completion_rate_below": 0.17}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("admonition", "town-a"),
          ("rectification", "town-a")]),
        # a measure without conditions names nobody
        ({"rectification": {"all_of": {"__replace__": True}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("admonition", "town-a")]),
        ({"admonition": {"all_of": {"redo_at_least": 1}}},
         [("reminder", "dept-water"), ("reminder", "town-a"), ("rectification", "town-a")]),
    ],
)
def test_accountability_changes_exactly_with_thresholds(tmp_path, changes, expected):
    stats, dataset = accountability(tmp_path, {"accountability": changes})
    assert named(stats) == expected


def test_accountability_min_letters_names_small_department(tmp_path):
    stats, _ = accountability(tmp_path, {"ranking": {"min_letters": 4}})
    # town-c (丙镇): 4 open letters, on-time completion 0 of 4
    assert ("reminder", "town-c") in named(stats)
    assert ("rectification", "town-c") not in named(stats)  # 4 red lights, fewer than 5


def test_accountability_period_kinds_from_policy(tmp_path):
    stats, _ = accountability(tmp_path, {"accountability": {"periods": ["quarter", "month"]}})
    assert list(stats.accountability) == ["2026-Q1", "2026-03", "2026-04"]
    assert named(stats, "2026-Q1") == named(stats, "2026-03")
    assert stats.accountability["2026-04"] == []
    quarter_row = stats.accountability["2026-Q1"][0]
    # working day 10 after Tuesday 31 March, skipping Qingming on 6 April
    assert quarter_row.due == dt.date(2026, 4, 15)


def test_accountability_rule_text_follows_thresholds(tmp_path):
    _, dataset = accountability(tmp_path, {"accountability": {"admonition": {"all_of": {"red_yellow_at_least": 6}}}})
    texts = definitions(dataset.policy)
    assert texts["measure.admonition"] == ("诫勉谈话并公开说明：办结率低于80%，且满意率低于60%，"
                                           "且红灯与黄灯合计不少于6件，须公开说明。")
    assert texts["measure.reminder"] == "提醒督促：按时办结率低于80%。"


def test_check_measure_missing_rate_meets_no_below_condition():
    figures = Figures(received=6, red=6)
    assert check_measure(figures, {"satisfaction_below": 0.6, "red_at_least": 5}) is None
    assert check_measure(figures, {"red_at_least": 5}) == [Reason("red_at_least", 5, 6)]
    assert check_measure(figures, {}) is None


def test_stats_command_table_lists_measures(tmp_path):
    from click.testing import CliRunner

    from generator.cli import cli

    root = write_data(tmp_path / "data", make_letters(), explanations=[town_a_explanation("2026-05-19 09:00")])
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-B2",
                                      "--category", "town"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("reminder", "admonition",
                                                                            "rectification"))]
    assert lines == [
        "reminder: 甲镇: on_time_completion_rate_below 0.1667 (threshold 0.8); "
        "explained on 2026-05-19, after the due date",
        "admonition: 甲镇: completion_rate_below 0.1667 (threshold 0.8), satisfaction_below 0 (threshold 0.6), "
        "red_yellow_at_least 5 (threshold 5); explained on 2026-05-19, after the due date",
        "rectification: 甲镇: completion_rate_below 0.1667 (threshold 0.6), red_at_least 5 (threshold 5); "
        "explained on 2026-05-19, after the due date",
    ]


def test_stats_command_table_overdue_explanation(tmp_path):
    from click.testing import CliRunner

    from generator.cli import cli

    root = write_data(tmp_path / "data", make_letters())
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-B2",
                                      "--department", "dept-water"])
    assert result.exit_code == 0, result.output
    assert "reminder: 县水务局: on_time_completion_rate_below 0.6 (threshold 0.8); no explanation required" \
        in result.output.splitlines()
    assert "甲镇" not in result.output
    before_due = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-08", "--period",
                                          "2026-B2", "--department", "town-a"])
    assert "admonition: 甲镇: completion_rate_below 0.1667 (threshold 0.8), satisfaction_below 0 (threshold 0.6), " \
        "red_yellow_at_least 5 (threshold 5); explanation due on 2026-05-18" in before_due.output.splitlines()
    overdue = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-B2",
                                       "--department", "town-a"])
    assert "rectification: 甲镇: completion_rate_below 0.1667 (threshold 0.6), red_at_least 5 (threshold 5); " \
        "not yet explained, 2 working day(s) after the due date 2026-05-18" in overdue.output.splitlines()
