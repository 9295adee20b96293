"""Deadlines and lights at every boundary of the default policy, as of a given moment."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, REPO_ROOT

from generator import spec
from generator.dataset import load_policy
from generator.fields import Context
from generator.lights import evaluate
from generator.model import Letter
from generator.validate import check_text
from generator.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Every scenario in the tables is received on Monday 2026-03-02, its day 0.
# The dates of its working days are below, and
# test_working_day_table_matches_calendar checks them against the calendar.
# Qingming (2026-04-04..06) is skipped.
RECEIVED = "2026-03-02 10:00"
WORKING_DAY = {
    1: "2026-03-03", 2: "2026-03-04", 3: "2026-03-05", 4: "2026-03-06", 5: "2026-03-09",
    6: "2026-03-10", 7: "2026-03-11", 8: "2026-03-12", 9: "2026-03-13", 10: "2026-03-16",
    11: "2026-03-17", 12: "2026-03-18", 13: "2026-03-19", 14: "2026-03-20", 15: "2026-03-23",
    16: "2026-03-24", 17: "2026-03-25", 18: "2026-03-26", 19: "2026-03-27", 20: "2026-03-30",
    25: "2026-04-07", 28: "2026-04-10", 29: "2026-04-13",
}
EXTENDED_UNTIL = WORKING_DAY[28]


@pytest.fixture(scope="module")
def policy():
    policy, problems = load_policy(REPO_ROOT / "data")
    assert problems == []
    return policy


@pytest.fixture(scope="module")
def calendar(policy):
    return WorkCalendar([], policy.raw["calendar"]["fixed_holidays"])


def at(day: int, clock: str = "16:00") -> str:
    return f"{WORKING_DAY[day]} {clock}"


def end_of(day: int) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(WORKING_DAY[day]), dt.time(23, 59, 59), SHANGHAI)


def start_of(day: int) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(WORKING_DAY[day]), dt.time(0, 0), SHANGHAI)


def reply(day: int, kind: str = "interim", clock: str = "16:00") -> dict:
    return {"at": at(day, clock), "department": "town-dongcheng", "kind": kind, "text": "已收悉。"}


def completed(reply_day: int, completion_day: int) -> dict:
    replies = [reply(reply_day)] if reply_day < completion_day else []
    replies.append(reply(completion_day, "final"))
    return {"replies": replies, "completed_at": at(completion_day)}


def extension(requested_day: int | str, decision: str | None = "approved", decided_day: int | None = None,
              until: str = EXTENDED_UNTIL) -> dict:
    requested = at(requested_day, "09:00") if isinstance(requested_day, int) else requested_day
    fields = {"requested_at": requested, "department": "town-dongcheng", "until": until, "reason": "需要协调。"}
    if decision:
        decided = requested_day if decided_day is None else decided_day
        fields.update(decision=decision, decided_at=at(decided, "17:00"))
    return {"extension": fields}


def make_letter(complexity: str = "complex", **fields) -> Letter:
    """Build a letter through the same field checks as a data file."""
    data = {
        "id": "HF-2026-00001", "received": RECEIVED, "channel": "forum", "type": "complaint",
        "complexity": complexity, "author": "东城居民", "title": "排水沟堵塞", "body": "请疏通。",
        "assignment": {"departments": ["town-dongcheng"], "at": RECEIVED},
    }
    data.update(fields)
    context = Context()
    checked = spec.LETTER.check(data, (), context)
    assert context.issues == []
    return Letter.from_checked(checked)


def letter_fixture(name: str) -> Letter:
    path = FIXTURES / "letters" / f"{name}.yaml"
    data, problems = check_text("letter", path.read_text(encoding="utf-8"), str(path))
    assert problems == []
    return Letter.from_checked(data, str(path))


def test_working_day_table_matches_calendar(calendar):
    received = dt.date.fromisoformat(RECEIVED[:10])
    for number, date in WORKING_DAY.items():
        assert calendar.add(received, number).isoformat() == date, number


# Open letters: no light, then yellow, then red


OPEN = [
    pytest.param({}, end_of(5), "none", (), id="no-reply-last-second-of-day-5"),
    pytest.param({}, start_of(6), "yellow", ("reply_overdue",), id="no-reply-first-moment-of-day-6"),
    pytest.param({"replies": [reply(5)]}, end_of(5), "none", (), id="replied-day-5-seen-day-5"),
    pytest.param({"replies": [reply(5)]}, end_of(6), "yellow", (), id="replied-day-5-open-day-6"),
    pytest.param({"replies": [reply(6)]}, end_of(6), "yellow", ("replied_late",), id="replied-day-6"),
    pytest.param({"replies": [reply(2)]}, end_of(15), "yellow", (), id="replied-open-day-15"),
    pytest.param({"replies": [reply(2)]}, start_of(16), "red", ("overdue",), id="replied-open-day-16"),
    pytest.param({}, end_of(15), "yellow", ("reply_overdue",), id="no-reply-day-15"),
    pytest.param({}, end_of(16), "red", ("reply_overdue", "overdue"), id="no-reply-day-16"),
    pytest.param({"replies": [reply(8)]}, end_of(16), "red", ("replied_late", "overdue"),
                 id="replied-late-open-day-16"),
]


@pytest.mark.parametrize(("fields", "as_of", "light", "flags"), OPEN)
def test_open_letter_light(policy, calendar, fields, as_of, light, flags):
    status = evaluate(make_letter(**fields), calendar, policy, as_of)
    assert status.light == light
    assert status.flags == flags
    assert not status.final


def test_general_letter_yellow_after_day_5(policy, calendar):
    letter = make_letter("general", replies=[reply(2)])
    status = evaluate(letter, calendar, policy, end_of(6))
    assert status.light == "yellow"
    assert status.completion_due == dt.date(2026, 3, 9)
    assert status.completed_on_time is False


# Completed letters: the light is final


COMPLETED = [
    pytest.param("complex", completed(5, 15), "green", (), id="reply-day-5-complete-day-15"),
    pytest.param("complex", completed(1, 1), "green", (), id="complete-day-1"),
    pytest.param("complex", completed(6, 15), "yellow", ("replied_late",), id="reply-day-6-complete-day-15"),
    pytest.param("complex", completed(5, 16), "red", ("completed_late",), id="reply-day-5-complete-day-16"),
    pytest.param("complex", completed(6, 16), "red", ("replied_late", "completed_late"),
                 id="reply-day-6-complete-day-16"),
    pytest.param("general", completed(2, 6), "green", (), id="general-complete-day-6"),
    pytest.param("general", completed(5, 5), "green", (), id="general-complete-day-5"),
]


@pytest.mark.parametrize(("complexity", "fields", "light", "flags"), COMPLETED)
def test_completed_letter_light(policy, calendar, complexity, fields, light, flags):
    letter = make_letter(complexity, **fields)
    for as_of in (end_of(20), dt.datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI)):
        status = evaluate(letter, calendar, policy, as_of)
        assert status.light == light
        assert status.flags == flags
        assert status.final


@pytest.mark.parametrize(
    ("complexity", "completion_day", "on_time"),
    [("general", 5, True), ("general", 6, False), ("complex", 15, True), ("complex", 16, False)],
)
def test_completed_on_time_by_complexity(policy, calendar, complexity, completion_day, on_time):
    status = evaluate(make_letter(complexity, **completed(2, completion_day)), calendar, policy, end_of(20))
    assert status.completed_on_time is on_time
    assert status.completion_days == completion_day


@pytest.mark.parametrize(
    ("reply_day", "on_time"), [(5, True), (6, False)],
)
def test_replied_on_time_boundary(policy, calendar, reply_day, on_time):
    status = evaluate(make_letter(replies=[reply(reply_day)]), calendar, policy, end_of(7))
    assert status.replied_on_time is on_time
    assert status.reply_days == reply_day


# Extensions


EXTENSIONS = [
    pytest.param({**extension(14), **completed(2, 28)}, end_of(29), "yellow",
                 ("completed_after_extension", "extended"), id="valid-complete-on-extended-date"),
    pytest.param({**extension(14), **completed(2, 20)}, end_of(29), "yellow",
                 ("completed_after_extension", "extended"), id="valid-complete-before-extended-date"),
    pytest.param({**extension(14), **completed(2, 29)}, end_of(29), "red",
                 ("completed_late", "extended"), id="valid-complete-after-extended-date"),
    pytest.param({**extension(14), **completed(2, 12)}, end_of(29), "green", ("extended",),
                 id="valid-complete-within-15"),
    pytest.param({**extension(14), "replies": [reply(2)]}, start_of(16), "yellow", ("extended",),
                 id="valid-open-day-16"),
    pytest.param({**extension(14), "replies": [reply(2)]}, end_of(28), "yellow", ("extended",),
                 id="valid-open-on-extended-date"),
    pytest.param({**extension(14), "replies": [reply(2)]}, start_of(29), "red", ("overdue", "extended"),
                 id="valid-open-after-extended-date"),
    pytest.param({**extension(15), "replies": [reply(2)]}, start_of(16), "red", ("overdue", "extension_late"),
                 id="late-open-day-16"),
    pytest.param({**extension(15), **completed(2, 20)}, end_of(29), "red", ("completed_late", "extension_late"),
                 id="late-complete-before-extended-date"),
    pytest.param({**extension("2026-03-22T16:30:00Z", decided_day=15), "replies": [reply(2)]}, start_of(16), "red",
                 ("overdue", "extension_late"), id="late-in-beijing-early-in-utc"),
    pytest.param({**extension("2026-03-20 23:59", decided_day=15), "replies": [reply(2)]}, start_of(16), "yellow",
                 ("extended",), id="valid-last-minute-of-day-14"),
    pytest.param({**extension(10, "rejected", 11), "replies": [reply(2)]}, end_of(15), "yellow",
                 ("extension_rejected",), id="rejected-open-day-15"),
    pytest.param({**extension(10, "rejected", 11), "replies": [reply(2)]}, start_of(16), "red",
                 ("overdue", "extension_rejected"), id="rejected-open-day-16"),
    pytest.param({**extension(10, "rejected", 11), **completed(2, 20)}, end_of(29), "red",
                 ("completed_late", "extension_rejected"), id="rejected-complete-day-20"),
    pytest.param({**extension(14, None), "replies": [reply(2)]}, end_of(18), "yellow", ("extension_pending",),
                 id="pending-open-day-18"),
    pytest.param({**extension(14, None), "replies": [reply(2)]}, start_of(29), "red",
                 ("overdue", "extension_pending"), id="pending-open-after-extended-date"),
    pytest.param({**extension(14, "rejected", 17), "replies": [reply(2)]}, end_of(16), "yellow",
                 ("extension_pending",), id="rejection-after-as-of-is-pending"),
    pytest.param({**extension(14, "rejected", 17), "replies": [reply(2)]}, end_of(17), "red",
                 ("overdue", "extension_rejected"), id="rejection-seen-once-decided"),
    pytest.param({**extension(14, until=WORKING_DAY[12]), "replies": [reply(2)]}, start_of(16), "red",
                 ("overdue", "extended"), id="extended-date-before-day-15-keeps-red-line"),
]


@pytest.mark.parametrize(("fields", "as_of", "light", "flags"), EXTENSIONS)
def test_extension_light(policy, calendar, fields, as_of, light, flags):
    status = evaluate(make_letter(**fields), calendar, policy, as_of)
    assert status.light == light
    assert status.flags == flags


@pytest.mark.parametrize(
    ("requested", "valid", "red_line"),
    [(14, True, EXTENDED_UNTIL), (15, False, WORKING_DAY[15])],
    ids=["day-14", "day-15"],
)
def test_extension_moves_red_line_only_when_valid(policy, calendar, requested, valid, red_line):
    status = evaluate(make_letter(**extension(requested)), calendar, policy, end_of(16))
    assert status.extension_valid is valid
    assert status.red_line.isoformat() == red_line
    assert status.extension_cutoff.isoformat() == WORKING_DAY[14]


def test_extension_requested_after_as_of_is_ignored(policy, calendar):
    status = evaluate(make_letter(**extension(14)), calendar, policy, end_of(13))
    assert not status.extension_valid
    assert "extended" not in status.flags
    assert status.red_line.isoformat() == WORKING_DAY[15]


# Supervision and redo


SUPERVISION_AND_REDO = [
    pytest.param({"replies": [reply(2)], "supervision": [{"at": at(6), "due": WORKING_DAY[9]}]}, end_of(9),
                 "yellow", ("supervised",), id="supervised-before-due"),
    pytest.param({"replies": [reply(2)], "supervision": [{"at": at(6), "due": WORKING_DAY[9]}]}, end_of(10),
                 "yellow", ("supervised", "supervision_overdue"), id="supervised-past-due"),
    pytest.param({**completed(2, 8), "supervision": [{"at": at(6), "due": WORKING_DAY[9]}]}, end_of(10),
                 "green", ("supervised",), id="supervised-completed-in-time"),
    pytest.param({"replies": [reply(2)], "supervision": [{"at": at(6), "due": WORKING_DAY[9]}]}, end_of(5),
                 "none", (), id="supervision-after-as-of"),
    pytest.param({**completed(2, 4), "redo": [{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。"}]},
                 end_of(10), "yellow", ("redo",), id="redo-open-before-due"),
    pytest.param({**completed(2, 4), "redo": [{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。"}]},
                 start_of(15), "red", ("redo", "redo_overdue"), id="redo-open-after-due"),
    pytest.param({**completed(2, 4), "redo": [{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。",
                                               "completed_at": at(14)}]},
                 end_of(20), "green", ("redo",), id="redo-completed-on-due-date"),
    pytest.param({**completed(2, 4), "redo": [{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。",
                                               "completed_at": at(15)}]},
                 end_of(20), "red", ("redo", "redo_overdue"), id="redo-completed-after-due-date"),
    pytest.param({**completed(2, 4), "redo": [{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。"}]},
                 end_of(5), "green", (), id="redo-after-as-of"),
]


@pytest.mark.parametrize(("fields", "as_of", "light", "flags"), SUPERVISION_AND_REDO)
def test_supervision_and_redo_light(policy, calendar, fields, as_of, light, flags):
    status = evaluate(make_letter(**fields), calendar, policy, as_of)
    assert status.light == light
    assert status.flags == flags


def test_open_redo_reopens_letter(policy, calendar):
    letter = make_letter(**completed(2, 4), redo=[{"at": at(6), "due": WORKING_DAY[14], "reason": "未解决。"}])
    status = evaluate(letter, calendar, policy, end_of(10))
    assert not status.completed
    assert not status.final
    assert status.completion_days is None


def test_open_redo_before_due_date_not_red(policy, calendar):
    letter = make_letter(**completed(2, 4), redo=[{"at": at(6), "due": WORKING_DAY[25], "reason": "未解决。"}])
    status = evaluate(letter, calendar, policy, end_of(16))
    assert status.light == "yellow"


# The moment of evaluation


def test_status_fields_of_complex_letter(policy, calendar):
    status = evaluate(make_letter(**completed(3, 12)), calendar, policy, end_of(20))
    assert status.received_date == dt.date(2026, 3, 2)
    assert status.reply_due.isoformat() == WORKING_DAY[5]
    assert status.completion_due.isoformat() == WORKING_DAY[15]
    assert status.red_line.isoformat() == WORKING_DAY[15]
    assert status.extension_cutoff.isoformat() == WORKING_DAY[14]
    assert status.yellow_from.isoformat() == WORKING_DAY[6]
    assert (status.reply_days, status.completion_days, status.days_elapsed) == (3, 12, 12)
    assert (status.replied, status.completed, status.final) == (True, True, True)
    assert (status.replied_on_time, status.completed_on_time) == (True, True)
    assert not status.provisional


@pytest.mark.parametrize(
    ("as_of", "light", "replied", "done"),
    [
        pytest.param(end_of(1), "none", False, False, id="before-reply"),
        pytest.param(dt.datetime.fromisoformat(f"{WORKING_DAY[2]}T15:59:59+08:00"), "none", False, False,
                     id="second-before-reply"),
        pytest.param(dt.datetime.fromisoformat(f"{WORKING_DAY[2]}T16:00:00+08:00"), "none", True, False,
                     id="moment-of-reply"),
        pytest.param(end_of(14), "yellow", True, False, id="before-completion"),
        pytest.param(end_of(15), "green", True, True, id="after-completion"),
        pytest.param(dt.datetime.fromisoformat(f"{WORKING_DAY[15]}T08:00:00Z"), "green", True, True,
                     id="as-of-given-in-utc"),
    ],
)
def test_as_of_ignores_later_events(policy, calendar, as_of, light, replied, done):
    status = evaluate(make_letter(**completed(2, 15)), calendar, policy, as_of)
    assert status.light == light
    assert status.replied is replied
    assert status.completed is done


@pytest.mark.parametrize(
    ("as_of", "light"),
    [
        pytest.param("2026-03-09T15:59:59+00:00", "none", id="day-5-ends-at-16-utc"),
        pytest.param("2026-03-09T16:00:00+00:00", "yellow", id="day-6-starts-at-16-utc"),
    ],
)
def test_as_of_in_utc_uses_county_date(policy, calendar, as_of, light):
    status = evaluate(make_letter(), calendar, policy, dt.datetime.fromisoformat(as_of))
    assert status.light == light


def test_reply_after_midnight_beijing_counts_next_day(policy, calendar):
    late = {"at": "2026-03-09T16:30:00Z", "department": "town-dongcheng", "kind": "interim", "text": "已收悉。"}
    status = evaluate(make_letter(replies=[late]), calendar, policy, end_of(7))
    assert status.reply_days == 6
    assert status.flags == ("replied_late",)


# Scenario files


SCENARIO_FILES = [
    pytest.param("letter_replied_and_completed_in_time", "2026-04-30", "green", (),
                 {"reply_days": 2, "completion_days": 15, "red_line": "2026-03-23"}, id="in-time"),
    pytest.param("letter_with_valid_extension", "2026-04-30", "yellow", ("completed_after_extension", "extended"),
                 {"red_line": "2026-04-10", "completion_days": 28}, id="valid-extension"),
    pytest.param("letter_with_late_extension", "2026-03-24", "red", ("overdue", "extension_late"),
                 {"red_line": "2026-03-23"}, id="late-extension"),
    pytest.param("letter_with_rejected_extension", "2026-03-24", "red", ("overdue", "extension_rejected"),
                 {"red_line": "2026-03-23"}, id="rejected-extension"),
    pytest.param("letter_with_pending_extension", "2026-03-26", "yellow", ("extension_pending",),
                 {"red_line": "2026-04-10"}, id="pending-extension"),
    pytest.param("letter_received_on_holiday", "2026-10-13", "none", (),
                 {"received_date": "2026-10-03", "reply_due": "2026-10-13", "reply_days": 5}, id="holiday-day-5"),
    pytest.param("letter_received_on_holiday", "2026-10-14", "yellow", (),
                 {"yellow_from": "2026-10-14", "red_line": "2026-10-27"}, id="holiday-day-6"),
    pytest.param("letter_received_late_evening_utc", "2026-09-16", "none", (),
                 {"received_date": "2026-09-09", "reply_due": "2026-09-16", "days_elapsed": 5}, id="utc-day-5"),
    pytest.param("letter_received_late_evening_utc", "2026-09-17", "yellow", ("reply_overdue",),
                 {"days_elapsed": 6}, id="utc-day-6"),
    pytest.param("letter_spanning_spring_festival", "2026-03-31", "green", (),
                 {"reply_due": "2026-02-27", "reply_days": 5, "completion_days": 6, "completed_on_time": False},
                 id="spring-festival"),
    pytest.param("letter_with_overdue_redo", "2026-03-23", "red", ("redo", "redo_overdue"),
                 {"completed": False}, id="overdue-redo"),
    pytest.param("letter_under_supervision", "2026-03-16", "yellow", ("supervised", "supervision_overdue"),
                 {}, id="supervision"),
    pytest.param("letter_with_yaml_traps", "2026-09-30", "green", (),
                 {"reply_days": 0, "completion_days": 0}, id="yaml-traps"),
    pytest.param("letter_in_provisional_year", "2027-03-08", "none", ("provisional",),
                 {"reply_due": "2027-03-08"}, id="provisional-day-5"),
    pytest.param("letter_in_provisional_year", "2027-03-09", "yellow", ("reply_overdue", "provisional"),
                 {}, id="provisional-day-6"),
]


@pytest.mark.parametrize(("name", "as_of", "light", "flags", "fields"), SCENARIO_FILES)
def test_scenario_file_light(policy, calendar, name, as_of, light, flags, fields):
    moment = dt.datetime.combine(dt.date.fromisoformat(as_of), dt.time(23, 59, 59), SHANGHAI)
    status = evaluate(letter_fixture(name), calendar, policy, moment)
    assert status.light == light
    assert status.flags == flags
    for field, expected in fields.items():
        value = getattr(status, field)
        assert (value.isoformat() if isinstance(value, dt.date) else value) == expected, field


# Provisional calendar years


@pytest.fixture
def workdays_log(caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("generator"), "propagate", True)
    caplog.set_level(logging.INFO, logger="generator.workdays")
    return caplog


def test_provisional_year_flagged_and_logged_once(policy, workdays_log):
    calendar = WorkCalendar([], policy.raw["calendar"]["fixed_holidays"])
    letter = letter_fixture("letter_in_provisional_year")
    as_of = dt.datetime(2027, 4, 1, 12, 0, tzinfo=SHANGHAI)
    first = evaluate(letter, calendar, policy, as_of)
    second = evaluate(letter, calendar, policy, as_of)
    assert first.provisional and second.provisional
    assert [record.getMessage() for record in workdays_log.records] == [
        "Notice: no official working-day schedule for 2027; dates in 2027 are counted provisionally "
        "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/."
    ]


def test_red_line_in_next_year_provisional(policy, calendar):
    letter = make_letter(received="2026-12-21 10:00", assignment={"departments": ["edu"], "at": "2026-12-21 11:00"})
    status = evaluate(letter, calendar, policy, dt.datetime(2026, 12, 22, 12, 0, tzinfo=SHANGHAI))
    assert status.red_line.year == 2027
    assert status.light == "none"
    assert status.flags == ("provisional",)


def test_completed_letter_stays_official_after_year_end(policy, calendar):
    letter = letter_fixture("letter_replied_and_completed_in_time")
    status = evaluate(letter, calendar, policy, dt.datetime(2027, 1, 10, 12, 0, tzinfo=SHANGHAI))
    assert status.light == "green"
    assert status.flags == ()


def test_official_notice_clears_provisional_flag(policy):
    notice = {
        "kind": "official", "years": [2027],
        "holidays": [{"name": "国庆节", "from": dt.date(2027, 10, 1), "to": dt.date(2027, 10, 7)}],
        "working_days": [],
    }
    calendar = WorkCalendar([notice], policy.raw["calendar"]["fixed_holidays"])
    status = evaluate(letter_fixture("letter_in_provisional_year"), calendar, policy,
                      dt.datetime(2027, 3, 9, 12, 0, tzinfo=SHANGHAI))
    assert status.flags == ("reply_overdue",)
