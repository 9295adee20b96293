"""Validation: the exact line a clerk sees for every problem, and the validate command."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, REPO_ROOT

from generator.cli import cli
from generator.dataset import load_dataset
from generator.errors import DataError
from generator.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A moment with no next-year warning: before November.
OCTOBER = dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
LETTERS = FIXTURES / "letters"


def add_letter(data: Path, name: str, target: str | None = None, text: str | None = None) -> Path:
    """Copy a scenario file into data/letters/, by default at the place its id and date give."""
    text = text if text is not None else (LETTERS / f"{name}.yaml").read_text(encoding="utf-8")
    if target is None:
        letter_id = re.search(r"^id: (\S+)$", text, re.MULTILINE).group(1)
        year, month = re.search(r"^received: (\d{4})-(\d{2})", text, re.MULTILINE).groups()
        target = f"{year}/{month}/{letter_id}.yaml"
    path = data / "letters" / target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problem_lines(data: Path, now: dt.datetime = OCTOBER, paths=None) -> list[str]:
    dataset = load_dataset(data, now=now, strict=False, paths=paths, jobs=1)
    return [problem.format() for problem in dataset.problems]


# One scenario file, one problem


SCENARIOS = [
    pytest.param("reply_before_receipt", [
        "data/letters/2026/09/HF-2026-00201.yaml:13:7: replies[0].at: is before the letter was received "
        "(expected on or after 2026-09-09 07:30, found 2026-09-08 16:00); correct the reply time",
    ], id="reply-before-receipt"),
    pytest.param("completion_before_receipt", [
        "data/letters/2026/09/HF-2026-00202.yaml:17:15: completed_at: is before the letter was received "
        "(expected on or after 2026-09-09 10:00, found 2026-09-09 09:00); correct the completion time",
        "data/letters/2026/09/HF-2026-00202.yaml:17:15: completed_at: is set but the letter has no final reply "
        "at or before it (expected a reply with kind: final, found none); "
        "add the final reply (wenzheng reply --kind final) before completing",
    ], id="completion-before-receipt"),
    pytest.param("completion_without_final_reply", [
        "data/letters/2026/09/HF-2026-00203.yaml:17:15: completed_at: is set but the letter has no final reply "
        "at or before it (expected a reply with kind: final, found none); "
        "add the final reply (wenzheng reply --kind final) before completing",
    ], id="completion-without-final-reply"),
    pytest.param("reply_from_unassigned_department", [
        "data/letters/2026/09/HF-2026-00204.yaml:15:15: replies[0].department: is not assigned to this letter "
        "(expected one of town-hekou, found 'water'); assign the department first (wenzheng assign) "
        "or correct the id",
    ], id="reply-from-unassigned-department"),
    pytest.param("letter_with_late_extension", [
        "data/letters/2026/03/HF-2026-00103.yaml:21:17: extension.requested_at: is after the extension cut-off "
        "(expected on or before working day 14 (2026-03-20), found working day 15); "
        "an extension can no longer be requested; complete the letter or let it show red",
    ], id="extension-after-cut-off"),
    pytest.param("rating_out_of_range", [
        "data/letters/2026/09/HF-2026-00206.yaml:19:11: ratings.author: is out of range "
        "(expected a whole number from 1 to 5, found 6); correct the number",
    ], id="rating-out-of-range"),
    pytest.param("link_to_missing_letter", [
        "data/letters/2026/09/HF-2026-00207.yaml:13:3: related[0]: links to a letter that does not exist "
        "(expected the id of a letter in data/letters, found 'HF-2025-00042'); correct the id or remove the link",
    ], id="link-to-missing-letter"),
    pytest.param("unknown_department", [
        "data/letters/2026/09/HF-2026-00208.yaml:10:17: assignment.departments[0]: names an unknown department "
        "(expected an id from departments.yaml, found 'town-dongchen'); "
        "add the department to data/departments.yaml or correct the id",
    ], id="unknown-department"),
    pytest.param("unknown_field", [
        "data/letters/2026/09/HF-2026-00209.yaml:6:12: complexty: is not a known field (expected one of id, "
        "received, channel, type, complexity, public, hidden, author, title, body, attachments, assignment, "
        "replies, extension, completed_at, ratings, supervision, redo, related, found 'complexty'); "
        "did you mean 'complexity'?",
    ], id="unknown-field"),
    pytest.param("missing_required_field", [
        "data/letters/2026/09/HF-2026-00210.yaml:2:1: title: is missing (expected text, found nothing); "
        "add 'title:' to the file",
    ], id="missing-required-field"),
    pytest.param("wrong_enum", [
        "data/letters/2026/09/HF-2026-00211.yaml:4:10: channel: is not one of the allowed values (expected one of "
        "leader_mailbox, forum, microblog, mobile, online_petition, hotline, found 'email'); "
        "pick one of the allowed values",
    ], id="wrong-enum"),
    pytest.param("leading_zero_in_number", [
        "data/letters/2026/09/HF-2026-00212.yaml:19:11: ratings.author: has a leading zero, which YAML does not "
        "read as a number (expected a whole number from 1 to 5, found '04'); write 4 without the leading zero",
    ], id="leading-zero"),
    pytest.param("yes_no_as_boolean", [
        "data/letters/2026/09/HF-2026-00213.yaml:6:9: public: must be true or false (expected true or false, "
        "found 'no'); write false; YAML readers disagree on what 'no' means",
    ], id="yes-no-as-boolean"),
    pytest.param("impossible_date", [
        "data/letters/2026/02/HF-2026-00214.yaml:3:11: received: is not a real date or time (day is out of range "
        "for month) (expected 2026-09-18 09:30 or 2026-09-18T09:30:00+08:00, found '2026-02-30 10:00'); "
        "check the day of the month and the hour",
    ], id="impossible-date"),
    pytest.param("duplicate_key", [
        "data/letters/2026/09/HF-2026-00215.yaml:9:1: the key 'title' appears twice in one mapping; "
        "keep one 'title' and delete the other",
    ], id="duplicate-key"),
    pytest.param("tab_indentation", [
        "data/letters/2026/09/HF-2026-00216.yaml:10:1: a tab character is used for indentation; "
        "indent with spaces only (two spaces per level)",
    ], id="tab-indentation"),
    pytest.param("custom_tag", [
        "data/letters/2026/09/HF-2026-00217.yaml:6:9: the tag tag:yaml.org,2002:python/object/apply:os.system "
        "is not allowed in data files; write the value out in full without tags or anchors",
    ], id="custom-tag"),
]


@pytest.mark.parametrize(("name", "expected"), SCENARIOS)
def test_scenario_problem_wording(scratch_data, name, expected):
    add_letter(scratch_data, name)
    assert problem_lines(scratch_data) == expected


VALID_SCENARIOS = sorted(
    path.stem for path in LETTERS.glob("letter_*.yaml") if path.stem != "letter_with_late_extension"
)


@pytest.mark.parametrize("name", VALID_SCENARIOS)
def test_valid_scenario_has_no_problems(scratch_data, name):
    add_letter(scratch_data, name)
    assert problem_lines(scratch_data) == []


def test_all_valid_scenarios_load_together(scratch_data):
    for name in VALID_SCENARIOS:
        add_letter(scratch_data, name)
    dataset = load_dataset(scratch_data, now=OCTOBER, jobs=1)
    assert [letter.id for letter in dataset.letters][:2] == ["HF-2026-00111", "HF-2026-00101"]
    assert len(dataset.letters) == len(VALID_SCENARIOS)


# Where the file is


def test_id_differs_from_file_name(scratch_data):
    add_letter(scratch_data, "letter_replied_and_completed_in_time", "2026/03/HF-2026-00999.yaml")
    assert problem_lines(scratch_data) == [
        "data/letters/2026/03/HF-2026-00999.yaml:3:5: id: does not match the file name "
        "(expected HF-2026-00999, found HF-2026-00101); rename the file to HF-2026-00101.yaml or correct the id",
    ]


def test_id_differs_from_folder(scratch_data):
    add_letter(scratch_data, "letter_replied_and_completed_in_time", "2026/04/HF-2026-00101.yaml")
    assert problem_lines(scratch_data) == [
        "data/letters/2026/04/HF-2026-00101.yaml:4:11: received: does not match the folder the file is in "
        "(expected 2026/03/, found 2026/04/); move the file to letters/2026/03/",
    ]


def test_folder_follows_beijing_date_not_utc(scratch_data):
    # The fixture's UTC and Beijing dates are both in September, so move the receipt to a
    # month end: 2026-08-31 16:30 UTC is 2026-09-01 in Beijing.
    text = (LETTERS / "letter_received_late_evening_utc.yaml").read_text(encoding="utf-8")
    text = text.replace("received: 2026-09-08T23:30:00Z", "received: 2026-08-31T16:30:00Z")
    add_letter(scratch_data, "", "2026/08/HF-2026-00107.yaml", text=text)
    assert problem_lines(scratch_data) == [
        "data/letters/2026/08/HF-2026-00107.yaml:4:11: received: does not match the folder the file is in "
        "(expected 2026/09/, found 2026/08/); move the file to letters/2026/09/",
    ]


def test_duplicate_id(scratch_data):
    add_letter(scratch_data, "letter_replied_and_completed_in_time")
    add_letter(scratch_data, "letter_replied_and_completed_in_time", "2026/04/HF-2026-00101.yaml")
    assert problem_lines(scratch_data) == [
        "data/letters/2026/04/HF-2026-00101.yaml:3:5: id: is used by another letter (expected a unique letter id, "
        "found 'HF-2026-00101', also in data/letters/2026/03/HF-2026-00101.yaml); "
        "give one of the letters a new id and rename its file",
        "data/letters/2026/04/HF-2026-00101.yaml:4:11: received: does not match the folder the file is in "
        "(expected 2026/03/, found 2026/04/); move the file to letters/2026/03/",
    ]


# Cross-field checks planted in a valid letter


BASE = (LETTERS / "letter_replied_and_completed_in_time.yaml").read_text(encoding="utf-8")
BASE_FILE = "data/letters/2026/03/HF-2026-00101.yaml"

EXTENSION = """\
extension:
  requested_at: 2026-03-10 09:00
  department: town-dongcheng
  until: 2026-04-10
  reason: 需要更多时间。
"""


def planted(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


CROSS_FIELD = [
    pytest.param(planted("  at: 2026-03-02 15:00", "  at: 2026-03-01 15:00"),
                 "15:7: assignment.at: is before the letter was received (expected on or after 2026-03-02 10:00, "
                 "found 2026-03-01 15:00); correct the assignment time", id="assignment-before-receipt"),
    pytest.param(planted("  department: town-dongcheng\n  kind: interim", "  department: town-dongchen\n  kind: interim"),
                 "18:15: replies[0].department: names an unknown department (expected an id from "
                 "departments.yaml, found 'town-dongchen'); correct the department id",
                 id="reply-unknown-department"),
    pytest.param(planted("completed_at:", EXTENSION.replace("department: town-dongcheng", "department: edu")
                         + "completed_at:"),
                 "27:15: extension.department: is not assigned to this letter (expected one of town-dongcheng, "
                 "urban, found 'edu'); correct the department id", id="extension-unassigned-department"),
    pytest.param(planted("completed_at:", EXTENSION + "  decision: approved\n  decided_at: 2026-03-09 09:00\n"
                         + "completed_at:"),
                 "31:15: extension.decided_at: is before the request (expected after 2026-03-10 09:00, "
                 "found 2026-03-09 09:00); correct the decision time", id="decision-before-request"),
    pytest.param(planted("completed_at:", EXTENSION + "  decision: approved\n" + "completed_at:"),
                 "26:3: extension.decided_at: is missing although a decision is recorded "
                 "(expected the decision time, found nothing); add decided_at with the time of the decision",
                 id="decision-without-time"),
    pytest.param(planted("completed_at:", EXTENSION.replace("2026-04-10", "2026-03-01") + "completed_at:"),
                 "28:10: extension.until: is before the letter was received (expected after 2026-03-02, "
                 "found 2026-03-01); correct the date", id="extended-date-before-receipt"),
    pytest.param(planted("completed_at:", EXTENSION.replace("2026-03-10 09:00", "2026-03-01 09:00")
                         + "completed_at:"),
                 "26:17: extension.requested_at: is before the letter was received (expected on or after "
                 "2026-03-02 10:00, found 2026-03-01 09:00); correct the request time",
                 id="extension-before-receipt"),
    pytest.param(BASE + "supervision:\n- at: 2026-03-01 09:00\n  due: 2026-03-13\n",
                 "32:7: supervision[0].at: is before the letter was received (expected on or after "
                 "2026-03-02 10:00, found 2026-03-01 09:00); correct the time", id="supervision-before-receipt"),
    pytest.param(BASE + "redo:\n- at: 2026-03-01 09:00\n  due: 2026-03-13\n  reason: 未解决。\n",
                 "32:7: redo[0].at: is before the letter was received (expected on or after "
                 "2026-03-02 10:00, found 2026-03-01 09:00); correct the time", id="redo-before-receipt"),
    pytest.param(BASE + "related:\n- HF-2026-00101\n",
                 "32:3: related[0]: links the letter to itself (expected another letter's id, "
                 "found 'HF-2026-00101'); remove the link", id="link-to-itself"),
]


@pytest.mark.parametrize(("text", "expected"), CROSS_FIELD)
def test_cross_field_problem_wording(scratch_data, text, expected):
    add_letter(scratch_data, "", "2026/03/HF-2026-00101.yaml", text=text)
    assert problem_lines(scratch_data) == [f"{BASE_FILE}:{expected}"]


FIELD = [
    pytest.param(planted("id: HF-2026-00101", "id: hf-2026-101"),
                 "3:5: id: has the wrong form (expected HF-2026-00123, found 'hf-2026-101'); "
                 "write it like 'HF-2026-00123'", id="id-form"),
    pytest.param(planted("author: 海边居民", "author: ' '"),
                 "8:9: author: is empty (expected some text, found nothing); fill it in or remove the field",
                 id="empty-text"),
    pytest.param(planted("author: 海边居民", "author: " + "长" * 41),
                 "8:9: author: is too long (expected at most 40 characters, found 41 characters); shorten it",
                 id="too-long"),
    pytest.param(planted("  author: 5", "  author: 4.5"),
                 "27:11: ratings.author: must be a whole number (expected a whole number from 1 to 5, found 4.5); "
                 "write digits only, without quotes", id="not-whole-number"),
    pytest.param(planted("completed_at:", "attachments: photo.jpg\ncompleted_at:"),
                 "25:14: attachments: must be a list (expected a list of items, each on a line starting with "
                 "'- ', found 'photo.jpg'); start each item on its own line with '- '", id="not-a-list"),
    pytest.param(planted("  departments: [town-dongcheng, urban]", "  departments: [town-dongcheng, town-dongcheng]"),
                 "14:33: assignment.departments[1]: is listed twice (expected each item once, "
                 "found 'town-dongcheng'); delete the repeated item", id="listed-twice"),
    pytest.param(planted("ratings:\n  author: 5\n  readers:\n    4: 2\n    5: 3\n", "ratings: 5\n"),
                 "26:10: ratings: must be a mapping of fields (expected fields written as 'name: value', "
                 "found 5); indent the fields under this key", id="not-a-mapping"),
    pytest.param(planted("    4: 2", "    4: many"),
                 "29:8: ratings.readers[4]: must be a whole number (expected a whole number from 0 to 10000000, "
                 "found 'many'); write digits only, without quotes", id="reader-count"),
    pytest.param(planted("  kind: interim", "  kind: Interim"),
                 "19:9: replies[0].kind: is not one of the allowed values (expected one of interim, final, "
                 "found 'Interim'); pick one of the allowed values", id="enum-case"),
]


@pytest.mark.parametrize(("text", "expected"), FIELD)
def test_field_problem_wording(scratch_data, text, expected):
    add_letter(scratch_data, "", "2026/03/HF-2026-00101.yaml", text=text)
    assert problem_lines(scratch_data) == [f"{BASE_FILE}:{expected}"]


def test_empty_assignment_also_flags_replies(scratch_data):
    text = planted("  departments: [town-dongcheng, urban]", "  departments: []")
    add_letter(scratch_data, "", "2026/03/HF-2026-00101.yaml", text=text)
    unassigned = (
        "replies[{index}].department: is not assigned to this letter (expected one of the assigned departments "
        "(none yet), found 'town-dongcheng'); assign the department first (wenzheng assign) or correct the id"
    )
    assert problem_lines(scratch_data) == [
        f"{BASE_FILE}:14:16: assignment.departments: has too few items (expected at least 1, found 0); "
        "add the missing items",
        f"{BASE_FILE}:18:15: " + unassigned.format(index=0),
        f"{BASE_FILE}:22:15: " + unassigned.format(index=1),
    ]


# Other data files


def test_policy_weights_not_adding_to_one(scratch_data):
    policy = scratch_data / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("reply_rate: 0.2", "reply_rate: 0.3"),
                      encoding="utf-8")
    with pytest.raises(DataError) as raised:
        load_dataset(scratch_data, now=OCTOBER, strict=False)
    # The problem points at the first weight, on the line after "weights:".
    line = policy.read_text(encoding="utf-8").splitlines().index("  weights:") + 2
    assert [problem.format() for problem in raised.value.problems] == [
        f"data/policy.yaml:{line}:5: ranking.weights: do not add up to 1 (expected a sum of 1, found 1.1); "
        "adjust the weights so they add up to 1"
    ]
    assert str(raised.value).startswith("data/policy.yaml must be valid before anything else can be checked:\n")


def test_departments_duplicate_id(scratch_data):
    departments = scratch_data / "departments.yaml"
    text = departments.read_text(encoding="utf-8")
    departments.write_text(text.replace("- id: town-xicheng", "- id: town-dongcheng"), encoding="utf-8")
    line = text.splitlines().index("- id: town-xicheng") + 1
    assert problem_lines(scratch_data) == [
        f"data/departments.yaml:{line}:7: departments[1].id: is used twice (expected a unique id, "
        "found 'town-dongcheng'); rename one of the two departments"
    ]


EXPLANATION = """\
department: housing
period: 2026-Q3
published_at: 2026-10-15 10:00
text: 第三季度办结率偏低。
"""


@pytest.mark.parametrize(
    ("place", "text", "expected"),
    [
        pytest.param("2026-Q3/edu.yaml", EXPLANATION,
                     "data/explanations/2026-Q3/edu.yaml:1:13: department: does not match the file's place "
                     "(expected explanations/2026-Q3/housing.yaml, found explanations/2026-Q3/edu.yaml); "
                     "move the file or correct department and period", id="department-mismatch"),
        pytest.param("2026-Q2/housing.yaml", EXPLANATION,
                     "data/explanations/2026-Q2/housing.yaml:1:13: department: does not match the file's place "
                     "(expected explanations/2026-Q3/housing.yaml, found explanations/2026-Q2/housing.yaml); "
                     "move the file or correct department and period", id="period-mismatch"),
        pytest.param("2026-Q3/town-nowhere.yaml", EXPLANATION.replace("housing", "town-nowhere"),
                     "data/explanations/2026-Q3/town-nowhere.yaml:1:13: department: names an unknown department "
                     "(expected an id from departments.yaml, found 'town-nowhere'); correct the department id",
                     id="unknown-department"),
    ],
)
def test_explanation_problem_wording(scratch_data, place, text, expected):
    path = scratch_data / "explanations" / place
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert problem_lines(scratch_data) == [expected]


def test_explanation_before_period_end_rejected(scratch_data):
    path = scratch_data / "explanations" / "2026-Q3" / "housing.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(EXPLANATION.replace("2026-10-15 10:00", "2026-09-15 10:00"), encoding="utf-8")
    assert problem_lines(scratch_data) == [
        "data/explanations/2026-Q3/housing.yaml:3:15: published_at: is before the period ended "
        "(expected after 2026-09-30, found 2026-09-15); publish the explanation once the period is over"]


def test_explanation_with_personal_data_rejected(scratch_data):
    path = scratch_data / "explanations" / "2026-Q3" / "housing.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(EXPLANATION.replace("第三季度办结率偏低。", "请联系13812345678了解情况。"), encoding="utf-8")
    lines = problem_lines(scratch_data)
    assert len(lines) == 1
    assert lines[0].startswith("data/explanations/2026-Q3/housing.yaml:4:")
    assert "text: published text contains" in lines[0]
    assert "13812345678" not in lines[0]


def test_next_year_calendar_warning_from_november(scratch_data):
    add_letter(scratch_data, "letter_replied_and_completed_in_time")
    december = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    dataset = load_dataset(scratch_data, now=december, jobs=1)
    assert [problem.format() for problem in dataset.warnings] == [
        "data/calendar: warning: no official working-day schedule for 2027 yet; add the State Council's 2027 "
        "holiday notice as a file in data/calendar/ (kind: official); until then deadlines in 2027 are "
        "provisional"
    ]
    assert dataset.errors == []


def test_invalid_utf8_letter(scratch_data):
    path = add_letter(scratch_data, "letter_replied_and_completed_in_time")
    path.write_bytes(path.read_bytes().replace("海边居民".encode("utf-8"), "海边居民".encode("gbk")))
    assert problem_lines(scratch_data) == [
        "data/letters/2026/03/HF-2026-00101.yaml:8:1: the file is not valid UTF-8; "
        "save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)"
    ]


def test_byte_order_mark_and_crlf_letter_accepted(scratch_data):
    path = add_letter(scratch_data, "letter_replied_and_completed_in_time")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    dataset = load_dataset(scratch_data, now=OCTOBER, jobs=1)
    assert dataset.letters[0].body == "菜市场东侧排水沟堵塞多日，下雨时污水漫到路面。\n请有关部门尽快疏通。\n"


def test_missing_data_folder(tmp_path):
    with pytest.raises(DataError) as raised:
        load_dataset(tmp_path / "nowhere")
    assert [problem.format() for problem in raised.value.problems] == [
        f"{tmp_path / 'nowhere'}: is not a folder; pass the data folder with --data"
    ]


def test_strict_load_raises_with_every_error(scratch_data):
    add_letter(scratch_data, "reply_before_receipt")
    add_letter(scratch_data, "rating_out_of_range")
    add_letter(scratch_data, "letter_replied_and_completed_in_time")
    with pytest.raises(DataError) as raised:
        load_dataset(scratch_data, now=OCTOBER)
    assert len(raised.value.problems) == 2
    assert str(raised.value).splitlines()[0] == "2 error(s) in the data files:"


# Pre-commit mode: only the given files


def test_paths_mode_reports_only_given_files(scratch_data):
    add_letter(scratch_data, "reply_before_receipt")
    given = add_letter(scratch_data, "link_to_missing_letter")
    assert problem_lines(scratch_data, paths=[given]) == [
        "data/letters/2026/09/HF-2026-00207.yaml:13:3: related[0]: links to a letter that does not exist "
        "(expected the id of a letter in data/letters, found 'HF-2025-00042'); correct the id or remove the link",
    ]


def test_paths_mode_still_checks_across_files(scratch_data):
    add_letter(scratch_data, "letter_replied_and_completed_in_time")
    first = Path("data/letters/2026/03/HF-2026-00101.yaml")
    linking = BASE.replace("id: HF-2026-00101", "id: HF-2026-00102") + "related:\n- HF-2026-00101\n"
    second = add_letter(scratch_data, "", "2026/03/HF-2026-00102.yaml", text=linking)
    assert problem_lines(scratch_data, paths=[second]) == []
    copy = add_letter(scratch_data, "letter_replied_and_completed_in_time", "2026/04/HF-2026-00101.yaml")
    assert problem_lines(scratch_data, paths=[first]) == [
        "data/letters/2026/03/HF-2026-00101.yaml:3:5: id: is used by another letter (expected a unique letter id, "
        "found 'HF-2026-00101', also in data/letters/2026/04/HF-2026-00101.yaml); "
        "give one of the letters a new id and rename its file",
    ]
    assert len(problem_lines(scratch_data, paths=[copy])) == 2


def test_paths_mode_ignores_broken_files_elsewhere(scratch_data):
    given = add_letter(scratch_data, "letter_replied_and_completed_in_time")
    (scratch_data / "calendar" / "broken.yaml").write_text("kind: local\n", encoding="utf-8")
    explanation = scratch_data / "explanations" / "2026-Q3" / "edu.yaml"
    explanation.parent.mkdir(parents=True)
    explanation.write_text(EXPLANATION, encoding="utf-8")
    december = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    assert problem_lines(scratch_data, now=december, paths=[given]) == []
    assert len(problem_lines(scratch_data, now=december)) == 4


# The validate command on a folder of 20 broken files


BROKEN_ERRORS = [
    "data/calendar/local-typhoon-closure.yaml:3:7: kind: is not one of the allowed values (expected one of "
    "official, local, found 'locale'); pick one of the allowed values",
    "data/calendar/local-typhoon-closure.yaml:8:7: holidays[0].to: is not a real date (day is out of range for "
    "month) (expected 2026-09-18, found '2026-09-31'); check the day of the month",
    "data/explanations/2026-Q3/edu.yaml:3:13: department: does not match the file's place (expected "
    "explanations/2026-Q3/housing.yaml, found explanations/2026-Q3/edu.yaml); move the file or correct "
    "department and period",
    "data/letters/2026/08/HF-2026-00304.yaml:15:17: extension.requested_at: is after the extension cut-off "
    "(expected on or before working day 14 (2026-08-21), found working day 15); an extension can no longer be "
    "requested; complete the letter or let it show red",
    "data/letters/2026/09/HF-2026-00301.yaml:14:7: replies[0].at: is before the letter was received (expected "
    "on or after 2026-09-09 10:00, found 2026-09-08 09:00); correct the reply time",
    "data/letters/2026/09/HF-2026-00301.yaml:15:15: replies[0].department: is not assigned to this letter "
    "(expected one of town-dongcheng, found 'water'); assign the department first (wenzheng assign) or correct "
    "the id",
    "data/letters/2026/09/HF-2026-00303.yaml:17:15: completed_at: is before the letter was received (expected "
    "on or after 2026-09-09 10:00, found 2026-09-08 17:00); correct the completion time",
    "data/letters/2026/09/HF-2026-00303.yaml:17:15: completed_at: is set but the letter has no final reply at "
    "or before it (expected a reply with kind: final, found none); add the final reply (wenzheng reply --kind "
    "final) before completing",
    "data/letters/2026/09/HF-2026-00305.yaml:19:11: ratings.author: is out of range (expected a whole number "
    "from 1 to 5, found 6); correct the number",
    "data/letters/2026/09/HF-2026-00305.yaml:22:8: ratings.readers[7]: is out of range (expected a whole number "
    "from 1 to 5, found 7); correct the number",
    "data/letters/2026/09/HF-2026-00306.yaml:10:3: related[0]: links to a letter that does not exist (expected "
    "the id of a letter in data/letters, found 'HF-2025-00042'); correct the id or remove the link",
    "data/letters/2026/09/HF-2026-00306.yaml:11:3: related[1]: links the letter to itself (expected another "
    "letter's id, found 'HF-2026-00306'); remove the link",
    "data/letters/2026/09/HF-2026-00307.yaml:10:33: assignment.departments[1]: names an unknown department "
    "(expected an id from departments.yaml, found 'town-xicheng'); add the department to data/departments.yaml "
    "or correct the id",
    "data/letters/2026/09/HF-2026-00308.yaml:2:1: title: is missing (expected text, found nothing); add "
    "'title:' to the file",
    "data/letters/2026/09/HF-2026-00308.yaml:7:8: titel: is not a known field (expected one of id, received, "
    "channel, type, complexity, public, hidden, author, title, body, attachments, assignment, replies, "
    "extension, completed_at, ratings, supervision, redo, related, found 'titel'); did you mean 'title'?",
    "data/letters/2026/09/HF-2026-00309.yaml:5:7: type: is not one of the allowed values (expected one of "
    "consultation, complaint, opinion, suggestion, found 'complain'); pick one of the allowed values",
    "data/letters/2026/09/HF-2026-00310.yaml:19:11: ratings.author: has a leading zero, which YAML does not "
    "read as a number (expected a whole number from 1 to 5, found '05'); write 5 without the leading zero",
    "data/letters/2026/09/HF-2026-00311.yaml:6:9: public: must be true or false (expected true or false, found "
    "'yes'); write true; YAML readers disagree on what 'yes' means",
    "data/letters/2026/09/HF-2026-00311.yaml:7:9: hidden: must be true or false (expected true or false, found "
    "'off'); write false; YAML readers disagree on what 'off' means",
    "data/letters/2026/09/HF-2026-00312.yaml:3:11: received: is not a real date or time (day is out of range "
    "for month) (expected 2026-09-18 09:30 or 2026-09-18T09:30:00+08:00, found '2026-09-31 10:00'); check the "
    "day of the month and the hour",
    "data/letters/2026/09/HF-2026-00313.yaml:9:1: the key 'body' appears twice in one mapping; keep one 'body' "
    "and delete the other",
    "data/letters/2026/09/HF-2026-00314.yaml:10:1: a tab character is used for indentation; indent with spaces "
    "only (two spaces per level)",
    "data/letters/2026/09/HF-2026-00315.yaml:6:9: the tag tag:yaml.org,2002:python/object/apply:os.system is "
    "not allowed in data files; write the value out in full without tags or anchors",
    "data/letters/2026/09/HF-2026-00316.yaml:6:1: the file is not valid UTF-8; save the file as UTF-8 (in "
    "Notepad: Save As, Encoding UTF-8)",
    "data/letters/2026/09/HF-2026-00318.yaml:4:11: received: does not match the folder the file is in "
    "(expected 2026/10/, found 2026/09/); move the file to letters/2026/10/",
    "data/letters/2026/09/HF-2026-00399.yaml:2:5: id: does not match the file name (expected HF-2026-00399, "
    "found HF-2026-00317); rename the file to HF-2026-00317.yaml or correct the id",
    "data/letters/2026/10/HF-2026-00300.yaml:2:5: id: is used by another letter (expected a unique letter id, "
    "found 'HF-2026-00300', also in data/letters/2026/09/HF-2026-00300.yaml); give one of the letters a new "
    "id and rename its file",
    "data/letters/2026/10/HF-2026-00300.yaml:3:11: received: does not match the folder the file is in "
    "(expected 2026/09/, found 2026/10/); move the file to letters/2026/09/",
]


def expected_warnings() -> list[str]:
    """Return the next-year warning the command prints today, since it cannot be given a date."""
    today = dt.datetime.now(SHANGHAI).date()
    if today.month < 11 or today.year + 1 in WorkCalendar().official_years:
        return []
    year = today.year + 1
    return [
        f"data/calendar: warning: no official working-day schedule for {year} yet; add the State Council's "
        f"{year} holiday notice as a file in data/calendar/ (kind: official); until then deadlines in {year} "
        "are provisional"
    ]


@pytest.fixture
def broken_data(tmp_path, monkeypatch) -> Path:
    shutil.copytree(FIXTURES / "broken", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_broken_fixture_has_twenty_broken_files():
    broken = {line.split(":", 1)[0] for line in BROKEN_ERRORS}
    assert len(broken) == 20
    assert all((FIXTURES / "broken" / Path(name).relative_to("data")).is_file() for name in broken)


def test_validate_command_reports_every_problem(broken_data):
    result = subprocess.run(
        [sys.executable, "-m", "generator", "validate"], cwd=broken_data, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, timeout=60,
    )
    warnings = expected_warnings()
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.splitlines() == warnings + BROKEN_ERRORS + [
        f"28 error(s) in 20 file(s), {len(warnings)} warning(s); 2 letter(s) valid"
    ]


def test_validate_command_github_annotations(broken_data):
    result = CliRunner().invoke(cli, ["validate", "--format", "github"])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(lines) == 28
    assert lines[4] == (
        "::error file=data/letters/2026/09/HF-2026-00301.yaml,line=14,col=7,title=replies[0].at::replies[0].at: "
        "is before the letter was received (expected on or after 2026-09-09 10:00, found 2026-09-08 09:00); "
        "correct the reply time"
    )
    for annotation, text in zip(lines, BROKEN_ERRORS, strict=True):
        file, line, column = text.split(":")[:3]
        assert annotation.startswith(f"::error file={file},line={line},col={column},")
    assert result.stderr.splitlines()[-1].startswith("28 error(s) in 20 file(s), ")


def test_validate_command_json(broken_data):
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 1
    problems = [item for item in json.loads(result.stdout) if item["severity"] == "error"]
    assert len(problems) == 28
    assert problems[4] == {
        "file": "data/letters/2026/09/HF-2026-00301.yaml", "line": 14, "column": 7, "field": "replies[0].at",
        "severity": "error", "code": "order", "message": "is before the letter was received",
        "expected": "on or after 2026-09-09 10:00", "found": "2026-09-08 09:00", "hint": "correct the reply time",
    }
    assert result.stderr.splitlines()[-1].startswith("28 error(s) in 20 file(s), ")


def test_validate_command_paths_mode(broken_data):
    result = CliRunner().invoke(cli, [
        "validate", "data/letters/2026/09/HF-2026-00301.yaml", "data/letters/2026/09/HF-2026-00300.yaml",
    ])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "data/letters/2026/09/HF-2026-00300.yaml:2:5: id: is used by another letter (expected a unique letter id, "
        "found 'HF-2026-00300', also in data/letters/2026/10/HF-2026-00300.yaml); give one of the letters a new "
        "id and rename its file",
        BROKEN_ERRORS[4],
        BROKEN_ERRORS[5],
        "3 error(s) in 2 file(s), 0 warning(s); 1 letter(s) valid",
    ]


def test_validate_command_passes_valid_file(broken_data):
    result = CliRunner().invoke(cli, ["validate", "data/letters/2026/09/HF-2026-00320.yaml"])
    assert result.exit_code == 0
    assert result.stdout == "0 error(s) in 0 file(s), 0 warning(s); 1 letter(s) valid\n"
