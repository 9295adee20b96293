"""``wenzheng deadline``: the due date and the day-by-day arithmetic behind it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, REPO_ROOT

from generator.cli import cli


def deadline(*arguments: str):
    return CliRunner().invoke(cli, ["deadline", *arguments, "--data", "data"])


CASES = [
    pytest.param("2026-09-28", "5", """\
Received 2026-09-28 (Mon); day 0 is the day of receipt.
Working day 5 is 2026-10-10 (Sat): due by the end of that day.
Skipped 7 non-working day(s):
  2026-10-01 Thu  国庆节
  2026-10-02 Fri  国庆节
  2026-10-03 Sat  国庆节
  2026-10-04 Sun  国庆节
  2026-10-05 Mon  国庆节
  2026-10-06 Tue  国庆节
  2026-10-07 Wed  国庆节
Counted 1 make-up working day(s) (调休上班):
  2026-10-10 Sat  国庆节
""", id="national-day-ends-on-makeup-saturday"),
    pytest.param("2026-09-18", "5", """\
Received 2026-09-18 (Fri); day 0 is the day of receipt.
Working day 5 is 2026-09-24 (Thu): due by the end of that day.
Skipped 1 non-working day(s):
  2026-09-19 Sat  weekend
Counted 1 make-up working day(s) (调休上班):
  2026-09-20 Sun  国庆节
""", id="makeup-sunday-before-national-day"),
    pytest.param("2026-02-13", "5", """\
Received 2026-02-13 (Fri); day 0 is the day of receipt.
Working day 5 is 2026-02-27 (Fri): due by the end of that day.
Skipped 9 non-working day(s):
  2026-02-15 Sun  春节
  2026-02-16 Mon  春节
  2026-02-17 Tue  春节
  2026-02-18 Wed  春节
  2026-02-19 Thu  春节
  2026-02-20 Fri  春节
  2026-02-21 Sat  春节
  2026-02-22 Sun  春节
  2026-02-23 Mon  春节
Counted 1 make-up working day(s) (调休上班):
  2026-02-14 Sat  春节
""", id="spring-festival"),
    pytest.param("2026-03-02", "5", """\
Received 2026-03-02 (Mon); day 0 is the day of receipt.
Working day 5 is 2026-03-09 (Mon): due by the end of that day.
Skipped 2 non-working day(s):
  2026-03-07 Sat  weekend
  2026-03-08 Sun  weekend
""", id="plain-week"),
]


@pytest.mark.parametrize(("start", "days", "expected"), CASES)
def test_deadline_output(scratch_data, start, days, expected):
    result = deadline(start, "--working-days", days)
    assert result.exit_code == 0
    assert result.stdout == expected
    assert result.stderr == ""


def test_deadline_into_provisional_year(scratch_data):
    result = deadline("2026-12-28", "--working-days", "5")
    assert result.exit_code == 0
    assert result.stdout == """\
Received 2026-12-28 (Mon); day 0 is the day of receipt.
Working day 5 is 2027-01-05 (Tue): due by the end of that day.
Skipped 3 non-working day(s):
  2027-01-01 Fri  法定节假日（固定日期）
  2027-01-02 Sat  weekend
  2027-01-03 Sun  weekend
Provisional: no official schedule for part of this range; the count uses weekdays minus fixed-date holidays \
and may change when the notice is published.
"""
    assert result.stderr == (
        "Notice: no official working-day schedule for 2027; dates in 2027 are counted provisionally "
        "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/.\n"
    )


def test_deadline_uses_local_notice(scratch_data):
    shutil.copy(FIXTURES / "calendar" / "local_typhoon_closure.yaml", scratch_data / "calendar")
    result = deadline("2026-09-14", "--working-days", "5")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:4] == [
        "Working day 5 is 2026-09-21 (Mon): due by the end of that day.",
        "Skipped 2 non-working day(s):",
        "  2026-09-15 Tue  台风停工",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["2026-02-30", "--working-days", "5"],
                     "Error: Invalid value for 'START': '2026-02-30' does not match the format '%Y-%m-%d'.",
                     id="impossible-date"),
        pytest.param(["2026-09-28", "--working-days", "0"],
                     "Error: Invalid value for '--working-days': 0 is not in the range x>=1.", id="zero-days"),
        pytest.param(["2026-09-28"], "Error: Missing option '--working-days'.", id="missing-days"),
    ],
)
def test_deadline_rejects_bad_arguments(scratch_data, arguments, message):
    result = deadline(*arguments)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message


def test_deadline_without_policy_reports_file(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "generator", "deadline", "2026-09-28", "--working-days", "5", "--data", "data"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: 1 error(s) in the data files:\n"
        "data/policy.yaml: cannot be read (No such file or directory); check that the file exists and is readable\n"
    )
