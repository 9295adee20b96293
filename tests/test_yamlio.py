"""The strict YAML loader: every YAML 1.1 trap is read as the clerk meant or rejected with its line."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from generator.validate import check_text
from generator.yamlio import YamlProblem, decode, load_file, loads, locate

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A valid letter. Tests replace one line of it to plant a trap on a known line.
LETTER = """\
id: HF-2026-00001
received: 2026-09-09 07:30
channel: forum
type: complaint
public: true
author: 东城居民
title: 广场舞噪音
body: 广场舞音响开到晚上十点。
assignment:
  departments: [town-dongcheng]
  at: 2026-09-09 09:00
replies:
- at: 2026-09-10 09:00
  department: town-dongcheng
  kind: final
  text: 已处理。
completed_at: 2026-09-10 09:00
ratings:
  author: 5
"""


def letter_with(old: str, new: str) -> str:
    assert old in LETTER
    return LETTER.replace(old, new, 1)


def formatted(text: str) -> list[str]:
    _, problems = check_text("letter", text, "letter.yaml")
    return [problem.format() for problem in problems]


def checked(text: str) -> dict:
    data, problems = check_text("letter", text, "letter.yaml")
    assert [problem.format() for problem in problems] == []
    return data


def test_base_letter_is_valid():
    data = checked(LETTER)
    assert data["received"] == dt.datetime(2026, 9, 9, 7, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        pytest.param("017", "017", id="leading-zero"),
        pytest.param("0017", "0017", id="two-leading-zeros"),
        pytest.param("0o17", "0o17", id="octal"),
        pytest.param("0x1F", "0x1F", id="hex"),
        pytest.param("1_000", "1_000", id="underscore"),
        pytest.param("190:20:30", "190:20:30", id="sexagesimal"),
        pytest.param("17:00", "17:00", id="clock-time"),
        pytest.param("yes", "yes", id="yes"),
        pytest.param("no", "no", id="no"),
        pytest.param("on", "on", id="on"),
        pytest.param("off", "off", id="off"),
        pytest.param("Yes", "Yes", id="capital-yes"),
        pytest.param("NO", "NO", id="upper-no"),
        pytest.param("y", "y", id="y"),
        pytest.param("n", "n", id="n"),
        pytest.param("2026-09-18", "2026-09-18", id="date"),
        pytest.param("2026-02-30", "2026-02-30", id="impossible-date"),
        pytest.param("2026-09-18 09:30", "2026-09-18 09:30", id="timestamp"),
        pytest.param(".5", ".5", id="bare-decimal-point"),
        pytest.param("1e3", "1e3", id="exponent-without-point"),
        pytest.param(".inf", ".inf", id="infinity"),
        pytest.param(".nan", ".nan", id="not-a-number"),
        pytest.param("true", True, id="true"),
        pytest.param("False", False, id="capital-false"),
        pytest.param("0", 0, id="zero"),
        pytest.param("17", 17, id="integer"),
        pytest.param("-3", -3, id="negative"),
        pytest.param("0.85", 0.85, id="decimal"),
        pytest.param("1.5e3", 1500.0, id="float-with-exponent"),
        pytest.param("null", None, id="null"),
        pytest.param("~", None, id="tilde"),
        pytest.param("", None, id="empty"),
    ],
)
def test_loads_plain_scalar(scalar, expected):
    value = loads(f"value: {scalar}\n")["value"]
    assert value == expected
    assert type(value) is type(expected)


def test_loads_quoted_scalars_stay_strings():
    assert loads("a: '017'\nb: \"true\"\nc: !!str 5\n") == {"a": "017", "b": "true", "c": "5"}


def test_leading_zero_in_text_field_stays_string():
    data = checked(letter_with("title: 广场舞噪音", "title: 017"))
    assert data["title"] == "017"


def test_leading_zero_in_number_field_rejected():
    text = letter_with("  author: 5", "  author: 04")
    assert formatted(text) == [
        "letter.yaml:19:11: ratings.author: has a leading zero, which YAML does not read as a number "
        "(expected a whole number from 1 to 5, found '04'); write 4 without the leading zero"
    ]


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "NO"])
def test_yes_no_in_text_field_stays_string(word):
    data = checked(letter_with("author: 东城居民", f"author: {word}"))
    assert data["author"] == word


@pytest.mark.parametrize(
    ("word", "meaning"),
    [("yes", "true"), ("no", "false"), ("on", "true"), ("off", "false"), ("Y", "true"), ("No", "false")],
)
def test_yes_no_in_boolean_field_rejected_with_hint(word, meaning):
    text = letter_with("public: true", f"public: {word}")
    assert formatted(text) == [
        f"letter.yaml:5:9: public: must be true or false (expected true or false, found '{word}'); "
        f"write {meaning}; YAML readers disagree on what '{word}' means"
    ]


def test_boolean_field_rejects_number_with_plain_hint():
    assert formatted(letter_with("public: true", "public: 1")) == [
        "letter.yaml:5:9: public: must be true or false (expected true or false, found 1); write true or false"
    ]


def test_clock_time_stays_string():
    data = checked(letter_with("body: 广场舞音响开到晚上十点。", "body: 17:00"))
    assert data["body"] == "17:00"


def test_number_in_text_field_rejected():
    assert formatted(letter_with("title: 广场舞噪音", "title: 2026")) == [
        "letter.yaml:7:8: title: must be text, not a number (expected text, found 2026); "
        "put the value in quotes: '2026'"
    ]


def test_duplicate_key_rejected_at_second_key():
    text = LETTER + "title: 广场舞噪音扰民\n"
    with pytest.raises(YamlProblem) as raised:
        loads(text)
    assert raised.value.message == "the key 'title' appears twice in one mapping"
    assert (raised.value.line, raised.value.column) == (20, 1)
    assert formatted(text) == [
        "letter.yaml:20:1: the key 'title' appears twice in one mapping; keep one 'title' and delete the other"
    ]


def test_duplicate_key_in_nested_mapping_rejected():
    text = letter_with("  kind: final\n", "  kind: final\n  department: edu\n")
    assert formatted(text) == [
        "letter.yaml:16:3: the key 'department' appears twice in one mapping; "
        "keep one 'department' and delete the other"
    ]


def test_impossible_date_in_timestamp_rejected():
    text = letter_with("received: 2026-09-09 07:30", "received: 2026-02-30 07:30")
    assert formatted(text) == [
        "letter.yaml:2:11: received: is not a real date or time (day is out of range for month) "
        "(expected 2026-09-18 09:30 or 2026-09-18T09:30:00+08:00, found '2026-02-30 07:30'); "
        "check the day of the month and the hour"
    ]


def test_impossible_hour_rejected():
    text = letter_with("completed_at: 2026-09-10 09:00", "completed_at: 2026-09-10 24:30")
    assert formatted(text) == [
        "letter.yaml:17:15: completed_at: is not a real date or time (hour must be in 0..23) "
        "(expected 2026-09-18 09:30 or 2026-09-18T09:30:00+08:00, found '2026-09-10 24:30'); "
        "check the day of the month and the hour"
    ]


def test_impossible_date_in_date_field_rejected():
    text = LETTER + (
        "extension:\n"
        "  requested_at: 2026-09-09 10:00\n"
        "  department: town-dongcheng\n"
        "  until: 2026-02-30\n"
        "  reason: 需要更多时间。\n"
    )
    assert formatted(text) == [
        "letter.yaml:23:10: extension.until: is not a real date (day is out of range for month) "
        "(expected 2026-09-18, found '2026-02-30'); check the day of the month"
    ]


def test_date_without_time_rejected_with_hint():
    text = letter_with("completed_at: 2026-09-10 09:00", "completed_at: 2026-09-10")
    assert formatted(text) == [
        "letter.yaml:17:15: completed_at: is not a date and time "
        "(expected 2026-09-18 09:30 or 2026-09-18T09:30:00+08:00, found '2026-09-10'); "
        "add the time of day, for example '2026-09-10 17:00'"
    ]


@pytest.mark.parametrize(
    ("written", "moment"),
    [
        pytest.param("2026-09-09 07:30", dt.datetime(2026, 9, 9, 7, 30, tzinfo=SHANGHAI), id="no-offset"),
        pytest.param("2026-09-09T07:30:00", dt.datetime(2026, 9, 9, 7, 30, tzinfo=SHANGHAI), id="iso-no-offset"),
        pytest.param("2026-09-09T07:30:00+08:00", dt.datetime(2026, 9, 8, 23, 30, tzinfo=dt.timezone.utc),
                     id="beijing-offset"),
        pytest.param("2026-09-08T23:30:00Z", dt.datetime(2026, 9, 8, 23, 30, tzinfo=dt.timezone.utc),
                     id="utc-z"),
        pytest.param("2026-09-08 18:30 -0500", dt.datetime(2026, 9, 8, 23, 30, tzinfo=dt.timezone.utc),
                     id="offset-without-colon"),
    ],
)
def test_timestamp_offset(written, moment):
    data = checked(letter_with("received: 2026-09-09 07:30", f"received: {written}"))
    assert data["received"] == moment
    assert data["received"].utcoffset() is not None
    assert data["received"].astimezone(SHANGHAI).date() == dt.date(2026, 9, 9)


def test_timestamp_without_offset_uses_given_time_zone():
    data, problems = check_text("letter", LETTER, "letter.yaml", time_zone="Europe/Berlin")
    assert problems == []
    assert data["received"].tzinfo == ZoneInfo("Europe/Berlin")


def test_tab_indentation_rejected_with_line():
    text = letter_with("  at: 2026-09-09 09:00", "\tat: 2026-09-09 09:00")
    with pytest.raises(YamlProblem) as raised:
        loads(text)
    assert (raised.value.line, raised.value.column) == (11, 1)
    assert formatted(text) == [
        "letter.yaml:11:1: a tab character is used for indentation; indent with spaces only (two spaces per level)"
    ]


def test_tab_inside_block_scalar_is_content():
    text = "body: |\n  first\n  \tindented with a tab\nid: x\n"
    assert loads(text) == {"body": "first\n\tindented with a tab\n", "id": "x"}


def test_tab_inside_value_is_content():
    assert loads("title: a\tb\n") == {"title": "a\tb"}


def test_byte_order_mark_accepted(tmp_path):
    path = tmp_path / "letter.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + LETTER.encode("utf-8"))
    assert load_file(path)["id"] == "HF-2026-00001"


def test_crlf_line_ends_accepted(tmp_path):
    text = letter_with("body: 广场舞音响开到晚上十点。", "body: |\n  第一行\n  第二行")
    path = tmp_path / "letter.yaml"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    data = load_file(path)
    assert data["body"] == "第一行\n第二行\n"
    assert data["title"] == "广场舞噪音"


def test_crlf_folded_scalar_normalised():
    assert loads("body: >\r\n  one\r\n  two\r\n\r\n  three\r\n") == {"body": "one two\nthree\n"}


def test_invalid_utf8_rejected_with_line(tmp_path):
    path = tmp_path / "letter.yaml"
    path.write_bytes(LETTER.replace("东城居民", "@@").encode("utf-8").replace(b"@@", "东城居民".encode("gbk")))
    with pytest.raises(YamlProblem) as raised:
        load_file(path)
    assert raised.value.message == "the file is not valid UTF-8"
    assert (raised.value.line, raised.value.column) == (6, 1)
    assert raised.value.hint == "save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)"


def test_decode_drops_only_leading_byte_order_mark():
    assert decode(b"\xef\xbb\xbfa: 1\n") == "a: 1\n"


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        pytest.param("!!python/object:os.system {}", "tag:yaml.org,2002:python/object:os.system",
                     id="python-object"),
        pytest.param("!!python/object/apply:os.system ['ls']", "tag:yaml.org,2002:python/object/apply:os.system",
                     id="python-apply"),
        pytest.param("!!binary aGVsbG8=", "tag:yaml.org,2002:binary", id="binary"),
        pytest.param("!!timestamp 2026-09-09", "tag:yaml.org,2002:timestamp", id="timestamp"),
        pytest.param("!local thing", "!local", id="local-tag"),
    ],
)
def test_custom_tag_rejected(value, tag):
    text = letter_with("author: 东城居民", f"author: {value}")
    assert formatted(text) == [
        f"letter.yaml:6:9: the tag {tag} is not allowed in data files; "
        "write the value out in full without tags or anchors"
    ]


def test_merge_key_rejected():
    with pytest.raises(YamlProblem) as raised:
        loads("base: &base {kind: final}\nreply:\n  <<: *base\n")
    assert raised.value.message == "merge keys (<<) are not allowed in data files"
    assert raised.value.line == 3


def test_second_document_rejected():
    with pytest.raises(YamlProblem) as raised:
        loads("id: a\n---\nid: b\n")
    assert raised.value.line == 2


def test_unclosed_flow_list_rejected_with_line():
    text = letter_with("  departments: [town-dongcheng]", "  departments: [town-dongcheng")
    lines = formatted(text)
    assert len(lines) == 1
    assert lines[0].startswith("letter.yaml:11:")
    assert lines[0].endswith("; check the quoting and indentation on this line")


@pytest.mark.parametrize(
    ("text", "found"),
    [("", "an empty file"), ("- a\n- b\n", "list"), ("just text\n", "str")],
    ids=["empty", "list", "scalar"],
)
def test_document_that_is_not_a_mapping_rejected(text, found):
    assert formatted(text) == [
        f"letter.yaml:1:1: the file must contain a mapping of fields (expected 'name: value' lines, "
        f"found {found}); start the file with 'id: ...' and one field per line"
    ]


@pytest.mark.parametrize(
    ("path", "position"),
    [
        pytest.param(("id",), (1, 5), id="top-level"),
        pytest.param(("assignment", "departments", 0), (10, 17), id="flow-list-item"),
        pytest.param(("replies", 0, "kind"), (15, 9), id="list-of-mappings"),
        pytest.param(("ratings", "author"), (19, 11), id="nested"),
        pytest.param(("extension",), (1, 1), id="missing-top-level"),
        pytest.param(("replies", 0, "missing"), (13, 3), id="missing-nested"),
        pytest.param(("replies", 5, "at"), (13, 1), id="index-out-of-range"),
    ],
)
def test_locate_position(path, position):
    assert locate(LETTER, path) == position


def test_locate_unparsable_text_returns_zero():
    assert locate("a: [1, 2\n", ("a",)) == (0, 0)
