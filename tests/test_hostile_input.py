"""Hostile and malformed input. Each case once crashed or passed silently and must now be reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.commands.common import parse_moment
from generator.dataset import load_dataset
from generator.commands.validate import github_annotation
from generator.errors import DataError, Problem
from generator.importer import import_file
from generator.privacy import find_personal_data
from generator.site.build import lock_docs
from generator.import_mapping import load_mapping
from generator.yamlio import loads
from test_editing import FORUM_LETTER, data, read, run  # noqa: F401 (data is a fixture)
from test_import import row, write_csv, write_mapping

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
SITE_FIXTURE = Path(__file__).parent / "fixtures" / "site"

LETTER = """\
id: HF-2026-09001
received: 2026-09-18T09:30:00+08:00
channel: forum
type: complaint
author: 网友a8f3
title: 东城镇幸福路路灯损坏
body: 幸福路中段路灯已损坏两周。
"""


def write(data: Path, relative: str, text: str) -> Path:
    path = data / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problem_lines(data: Path) -> list[str]:
    dataset = load_dataset(data, now=OCTOBER, strict=False, jobs=1)
    return [problem.format() for problem in dataset.problems]


# Letter fields


def test_letter_id_with_fullwidth_digits(scratch_data):
    write(scratch_data, "letters/2026/09/HF-２０２６-09001.yaml", LETTER.replace("HF-2026", "HF-２０２６"))
    assert problem_lines(scratch_data) == [
        "data/letters/2026/09/HF-２０２６-09001.yaml:1:5: id: has the wrong form (expected HF-2026-00123, "
        "found 'HF-２０２６-09001'); write it like 'HF-2026-00123'",
    ]


def test_received_with_fullwidth_digits(scratch_data):
    write(scratch_data, "letters/2026/09/HF-2026-09001.yaml",
          LETTER.replace("2026-09-18T", "２０２６-09-18T"))
    lines = problem_lines(scratch_data)
    assert len(lines) == 1
    assert lines[0].startswith(
        "data/letters/2026/09/HF-2026-09001.yaml:2:11: received: is not a date and time (expected 2026-09-18 "
        "09:30 or 2026-09-18T09:30:00+08:00, found '２０２６-09-18T09:30:00+08:00'); ")


def test_offset_minutes_over_59(scratch_data):
    write(scratch_data, "letters/2026/09/HF-2026-09001.yaml", LETTER.replace("+08:00", "+08:75"))
    lines = problem_lines(scratch_data)
    assert len(lines) == 1
    assert lines[0].startswith(
        "data/letters/2026/09/HF-2026-09001.yaml:2:11: received: is not a date and time (expected 2026-09-18 "
        "09:30 or 2026-09-18T09:30:00+08:00, found '2026-09-18T09:30:00+08:75'); ")


@pytest.mark.parametrize("received", [
    "9999-12-31T23:59:59-12:00",  # once an OverflowError when converted to Beijing time
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T08:00:00+08:00",  # once a ValueError in the working-day calendar
])
def test_received_in_far_year(scratch_data, received):
    folder = received[:4] + "/" + received[5:7]
    write(scratch_data, f"letters/{folder}/HF-2026-09001.yaml", LETTER.replace("2026-09-18T09:30:00+08:00", received))
    assert problem_lines(scratch_data) == [
        f"data/letters/{folder}/HF-2026-09001.yaml:2:11: received: is out of range (expected a date from 2000 "
        f"to 2100, found '{received}'); check the year",
    ]


def test_calendar_holiday_until_year_9999(scratch_data):
    write(scratch_data, "calendar/2027.yaml",
          "notice: x\nkind: official\nyears: [2027]\nholidays:\n- {name: 元旦, from: 2027-01-01, to: 9999-12-31}\n")
    assert problem_lines(scratch_data) == [
        "data/calendar/2027.yaml:5:36: holidays[0].to: is out of range (expected a date from 2000 to 2100, "
        "found '9999-12-31'); check the year",
    ]


@pytest.mark.parametrize("text, found", [
    ('"幸福路\\x01中段"', "U+0001 at character 4"),
    ('"第一行\\r第二行"', "U+000D at character 4"),
    ('"路灯\\x85损坏"', "U+0085 at character 3"),
])
def test_control_character_in_body(scratch_data, text, found):
    write(scratch_data, "letters/2026/09/HF-2026-09001.yaml",
          LETTER.replace("body: 幸福路中段路灯已损坏两周。", f"body: {text}"))
    assert problem_lines(scratch_data) == [
        f"data/letters/2026/09/HF-2026-09001.yaml:7:7: body: contains an invisible control character (expected "
        f"text without control characters, found {found}); delete the character; write a line break as a new line",
    ]


def test_control_character_in_department_name(scratch_data):
    # The name goes into the charts, and XML cannot carry U+0001, so the SVG would not display.
    departments = scratch_data / "departments.yaml"
    text = departments.read_text(encoding="utf-8")
    departments.write_text(text.replace("name: 东城镇", 'name: "东城\\u0001镇"', 1), encoding="utf-8")
    lines = problem_lines(scratch_data)
    assert len(lines) == 1
    assert lines[0].endswith(": departments[0].name: contains an invisible control character (expected text "
                             "without control characters, found U+0001 at character 3); delete the character; "
                             "write a line break as a new line")


def test_tab_and_line_break_stay_allowed(scratch_data):
    write(scratch_data, "letters/2026/09/HF-2026-09001.yaml",
          LETTER.replace("body: 幸福路中段路灯已损坏两周。", "body: |\n  第一行\t表格\n  第二行\n"))
    assert problem_lines(scratch_data) == []


# Import


@pytest.mark.parametrize("received, found", [
    ("1899/12/31", "1899-12-31 00:00"),  # once written with a +08:05:43 offset the loader rejected as a tag
    ("9999/12/31 23:59", "9999-12-31 23:59"),
])
def test_import_row_in_far_year(tmp_path, received, found):
    source = write_csv(tmp_path, [row(received=received, reply="", reply_at="")])
    report = import_file(source, load_mapping(write_mapping(tmp_path)), tmp_path / "out")
    assert [item["message"] for item in report.rejected] == [
        f"export.csv:2:4: 时间: is out of range (expected a date from 2000 to 2100, found {found}); "
        "correct the cell",
    ]
    assert report.written == []


# Editing commands


def test_multiline_reply_with_control_character(data):
    # A literal block cannot hold U+000B, so the reply was written in one and failed to read back.
    before = FORUM_LETTER.read_bytes()
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--text", "第一行\n第二\x0b行", "--at", "2026-09-04T09:00")
    assert result.exit_code == 1
    assert str(result.exception) == (
        "nothing was written: the result would have 1 error(s):\n"
        "data/letters/2026/09/HF-2026-00017.yaml:38:9: replies[2].text: contains an invisible control character "
        "(expected text without control characters, found U+000B at character 7); delete the character; "
        "write a line break as a new line")
    assert FORUM_LETTER.read_bytes() == before


@pytest.mark.parametrize("text", ["第一行\n第二\u2028行", "第一行\n第二\u2029行"])
def test_multiline_reply_with_line_separator(data, text):
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--text", text, "--at", "2026-09-04T09:00")
    assert result.exit_code == 0, result.output
    assert loads(read(FORUM_LETTER))["replies"][-1]["text"] == text + "\n"


# Policy, calendar and file names


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "asia/shanghai", "Asia", "../../etc/passwd"])
def test_policy_unknown_time_zone(scratch_data, zone):
    # Once a ZoneInfoNotFoundError or ValueError traceback.
    replace_in(scratch_data / "policy.yaml", "time_zone: Asia/Shanghai", f"time_zone: {zone}")
    with pytest.raises(DataError) as raised:
        load_dataset(scratch_data, now=OCTOBER, jobs=1)
    assert [problem.format() for problem in raised.value.problems] == [
        f"data/policy.yaml:5:12: time_zone: is not a known time zone (expected an IANA time zone name such as "
        f"Asia/Shanghai, found '{zone}'); correct the name; it is case-sensitive",
    ]


def test_policy_weights_just_below_one(scratch_data):
    # The sum used to be shown rounded: "do not add up to 1 (expected a sum of 1, found 1)".
    replace_in(scratch_data / "policy.yaml", "reply_rate: 0.2\n", "reply_rate: 0.1999999\n")
    with pytest.raises(DataError) as raised:
        load_dataset(scratch_data, now=OCTOBER, jobs=1)
    assert [problem.format() for problem in raised.value.problems] == [
        "data/policy.yaml:36:5: ranking.weights: do not add up to 1 (expected a sum of 1, found 0.9999999); "
        "adjust the weights so they add up to 1",
    ]


def test_calendar_holiday_range_reversed(scratch_data):
    write(scratch_data, "calendar/2027.yaml",
          "notice: x\nkind: official\nyears: [2027]\nholidays:\n- name: 春节\n  from: 2027-02-10\n"
          "  to: 2027-02-04\n")
    assert problem_lines(scratch_data) == [
        "data/calendar/2027.yaml:7:7: holidays[0].to: is before from (expected on or after 2027-02-10, found "
        "2027-02-04); correct the range; from is the first day off, to the last",
    ]


@pytest.mark.parametrize("relative", [
    "letters/2026/09/HF-2026-09001.yml",
    "letters/2026/09/HF-2026-09001.YAML",
    "explanations/2026-B4/town-dongcheng.yml",
    "calendar/2027.yml",
])
def test_data_file_with_other_suffix(scratch_data, relative):
    # Such a file used to be skipped without a word, so its letter was missing from every figure.
    write(scratch_data, relative, LETTER)
    suffix = Path(relative).suffix
    assert problem_lines(scratch_data) == [
        f"data/{relative}: is not read because its name does not end in .yaml (expected a name ending in .yaml, "
        f"found '{suffix}'); rename the file to {Path(relative).stem}.yaml",
    ]


def test_validate_paths_reports_yml_file(scratch_data):
    path = write(scratch_data, "letters/2026/09/HF-2026-09001.yml", LETTER)
    dataset = load_dataset(scratch_data, now=OCTOBER, strict=False, jobs=1, paths=[path])
    assert [problem.code for problem in dataset.problems] == ["file-name"]


# Personal data hidden by invisible characters


@pytest.mark.parametrize("separator", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202f"])
def test_mobile_split_by_invisible_character(separator):
    text = f"电话138{separator}1234{separator}5678"
    findings = find_personal_data(text)
    assert [finding.kind for finding in findings] == ["mobile"]
    assert findings[0].masked == f"138{separator}****{separator}5678"


def test_zero_width_mobile_blocks_validation(scratch_data):
    write(scratch_data, "letters/2026/09/HF-2026-09001.yaml",
          LETTER.replace("body: 幸福路中段路灯已损坏两周。", 'body: "请回电138\\u200b1234\\u200b5678"'))
    lines = problem_lines(scratch_data)
    assert len(lines) == 1
    assert lines[0].startswith("data/letters/2026/09/HF-2026-09001.yaml:7:7: body: published text contains a "
                               "mobile phone number (expected no personal data, found 138\u200b****\u200b5678)")


# Two builds at once


BUILD_SCRIPT = """
import datetime as dt, sys
from zoneinfo import ZoneInfo
from generator.site.build import build_site
build_site(sys.argv[1], sys.argv[2], as_of=dt.datetime(2026, 3, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
           docs_dir=sys.argv[3], search_index=False, archive_cache=False)
"""


def test_build_waits_for_build_on_same_docs(tmp_path):
    # Two builds writing one docs folder at once published one data folder's figures on the other's site.
    data = shutil.copytree(SITE_FIXTURE, tmp_path / "data")
    docs = tmp_path / "docs"
    held = lock_docs(docs)
    command = [sys.executable, "-c", BUILD_SCRIPT, str(data), str(tmp_path / "site"), str(docs)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        # The build takes about 1.5 s without the lock.
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        assert not (tmp_path / "site").exists()
    finally:
        os.close(held)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors
    assert (tmp_path / "site" / "index.html").exists()


# Dates on the command line


@pytest.mark.parametrize("as_of, message", [
    # Once a ValueError and an OverflowError traceback.
    ("2026-13-01", "Invalid value: '2026-13-01' is not a real date or time (month must be in 1..12)"),
    ("9999-12-31T23:59-12:00", "Invalid value: '9999-12-31T23:59-12:00' is out of range; write a date from 2000 "
                               "to 2100"),
    ("２０２６-10-31", "Invalid value: '２０２６-10-31' is not a date or a date and time; write it like 2026-09-18 or "
                    "2026-09-18T17:00"),
])
def test_lights_as_of_invalid(scratch_data, as_of, message):
    result = CliRunner().invoke(cli, ["lights", "--data", "data", "--as-of", as_of])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == f"Error: {message}"


def test_lights_as_of_date_is_end_of_day():
    assert parse_moment("2026-10-31", SHANGHAI) == dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert parse_moment("2026-10-31", SHANGHAI, end_of_day=False) == dt.datetime(2026, 10, 31, tzinfo=SHANGHAI)


def test_deadline_start_in_far_year(scratch_data):
    # Once a ValueError from the working-day calendar, which cannot pass year 9999.
    result = CliRunner().invoke(cli, ["deadline", "9999-12-31", "--working-days", "5", "--data", "data"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: Invalid value for 'START': 9999-12-31 is out of range; write a date from 2000 to 2100")


# Redaction keeps the file's encoding details


REDACT_LETTER = LETTER.replace("body: 幸福路中段路灯已损坏两周。\n", "body: >\n  请回电138\n  1234 5678 谢谢\n")


@pytest.mark.parametrize("bom, line_end", [(b"\xef\xbb\xbf", b"\n"), (b"", b"\r\n"), (b"\xef\xbb\xbf", b"\r\n")])
def test_redact_keeps_bom_and_crlf(tmp_path, bom, line_end):
    # The number is folded over two lines, so redact rewrites the file through ruamel.yaml. That
    # rewrite used to turn CRLF into LF on every line, and any redaction dropped the byte-order mark.
    path = tmp_path / "HF-2026-09001.yaml"
    path.write_bytes(bom + REDACT_LETTER.encode("utf-8").replace(b"\n", line_end))
    result = CliRunner().invoke(cli, ["redact", str(path)])
    assert result.exit_code == 0, result.output
    expected = REDACT_LETTER.replace("  请回电138\n  1234 5678 谢谢\n", "  请回电138 **** 5678 谢谢\n")
    assert path.read_bytes() == bom + expected.encode("utf-8").replace(b"\n", line_end)


# GitHub annotations


def test_github_annotation_escapes_file_name():
    # A file name with a line break started a second workflow command in the CI log.
    problem = Problem("data/letters/a,line=1::x\n::warning file=evil::b.yaml", "id", "is missing", line=1, column=1)
    assert github_annotation(problem) == (
        "::error file=data/letters/a%2Cline=1%3A%3Ax%0A%3A%3Awarning file=evil%3A%3Ab.yaml,line=1,col=1,"
        "title=id::id: is missing")


def test_github_annotation_escapes_title():
    problem = Problem("data/x.yaml", "ratings.readers[5]: x,y", "is wrong", line=2, column=3)
    assert github_annotation(problem) == (
        "::error file=data/x.yaml,line=2,col=3,title=ratings.readers[5]%3A x%2Cy::ratings.readers[5]: x,y: is wrong")


def test_stats_csv_defuses_department_name(scratch_data):
    # The site's figures.csv defused the name, but 'wenzheng stats --format csv' printed it as a formula.
    replace_in(scratch_data / "departments.yaml", "name: 东城镇", "name: '=HYPERLINK(\"http://example.com\")'")
    result = CliRunner().invoke(cli, ["stats", "--data", "data", "--period", "2026-09", "--as-of", "2026-10-01",
                                      "--department", "town-dongcheng", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[1][3] == "'=HYPERLINK(\"http://example.com\")"


def test_title_of_zero_width_spaces_is_empty():
    from generator.fields import Context, Str

    context = Context()
    Str().check("\u200b\u200b \u200b", ("title",), context)
    assert [issue.message for issue in context.issues] == ["is empty"]


def test_reader_count_beyond_ten_million_rejected():
    from generator.fields import Context
    from generator.spec import LETTER

    context = Context()
    LETTER.fields["ratings"].check({"readers": {5: 10 ** 26}}, ("ratings",), context)
    assert [(issue.path, issue.message) for issue in context.issues] == [(("ratings", "readers", 5), "is out of range")]


def test_policy_thresholds_out_of_order_rejected(tmp_path):
    from generator.dataset import load_policy

    text = (Path(__file__).resolve().parents[1] / "data" / "policy.yaml").read_text(encoding="utf-8")
    text = text.replace("red_open_after: 15", "red_open_after: 3").replace("request_by_working_day: 14",
                                                                           "request_by_working_day: 99999")
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert policy is None
    assert [(problem.field, problem.message) for problem in problems] == [
        ("lights.red_open_after", "is below yellow_open_after"),
        ("extension.request_by_working_day", "is after the red threshold"),
    ]
