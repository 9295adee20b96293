"""The working-day calendar: official schedules, notices, counting and provisional years."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, REPO_ROOT, shared_data

from generator.dataset import load_calendar, load_policy
from generator.workdays import PACKAGE_YEARS, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIXED_HOLIDAYS = ["01-01", "05-01", "05-02", "10-01", "10-02", "10-03"]
HOLIDAY_CN_YEARS = range(2007, 2028)

# An invented official notice for 2027, written only into temporary folders:
# the real schedule was not published when these tests were written.
NOTICE_2027 = """\
notice: 国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
issued: 2026-11-12
kind: official
years: [2027]
holidays:
- name: 元旦
  from: 2027-01-01
  to: 2027-01-03
- name: 国庆节
  from: 2027-10-01
  to: 2027-10-07
working_days:
- name: 国庆节调休
  date: 2027-09-26
- name: 国庆节调休
  date: 2027-10-09
"""


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    """Return one calendar for the read-only tests, so its day table is built once."""
    return WorkCalendar([], FIXED_HOLIDAYS)


@pytest.fixture
def workdays_log(caplog, monkeypatch):
    """Capture the notices of generator.workdays even after a CLI run stopped propagation."""
    monkeypatch.setattr(logging.getLogger("generator"), "propagate", True)
    caplog.set_level(logging.INFO, logger="generator.workdays")
    return caplog


# The official schedules, day by day


@lru_cache(maxsize=None)
def _read_holiday_cn(folder: Path) -> dict[dt.date, tuple[bool, str, int]]:
    """Index every listed day of every file by date: (off, name, file year).

    A file is named after the notice's year, and a notice can list days of
    the December before, so the index is by date and never by file.
    """
    table = {}
    for year in HOLIDAY_CN_YEARS:
        document = json.loads((folder / f"{year}.json").read_text(encoding="utf-8"))
        for entry in document["days"]:
            table[day(entry["date"])] = (entry["isOffDay"], entry["name"], year)
    return table


def holiday_cn() -> dict[dt.date, tuple[bool, str, int]]:
    for year in HOLIDAY_CN_YEARS:
        shared_data(f"calendar/holiday-cn/{year}.json")
    return _read_holiday_cn(shared_data("calendar/holiday-cn/2007.json").parent)


@pytest.mark.realdata
@pytest.mark.parametrize("year", range(2007, 2027), ids=str)
def test_calendar_matches_holiday_cn(calendar, year):
    table = holiday_cn()
    dates = {day for day, (_, _, file_year) in table.items() if file_year == year}
    current = dt.date(year, 1, 1)
    while current.year == year:
        dates.add(current)
        current += dt.timedelta(days=1)

    mismatches = []
    for current in sorted(dates):
        off, name, _ = table.get(current, (current.weekday() >= 5, None, None))
        info = calendar.info(current)
        makeup = current in table and not off and current.weekday() >= 5
        if info.working == off or info.makeup != makeup or info.provisional:
            mismatches.append(f"{current} {name}: expected working={not off} makeup={makeup}, got {info}")
        if calendar.is_working_day(current) != info.working:
            mismatches.append(f"{current}: is_working_day disagrees with info")
    assert mismatches == []


@pytest.mark.realdata
def test_holiday_cn_december_day_in_next_year_file():
    table = holiday_cn()
    # The 2007 notice makes 2006-12-30 (a Saturday) a working day before New Year.
    assert table[day("2006-12-30")] == (False, "元旦", 2007)
    assert WorkCalendar().is_working_day(day("2006-12-30"))


@pytest.mark.realdata
def test_holiday_cn_placeholder_year_is_provisional(calendar):
    document = json.loads(shared_data("calendar/holiday-cn/2027.json").read_text(encoding="utf-8"))
    assert document["days"] == []
    assert 2027 not in PACKAGE_YEARS
    assert calendar.info(day("2027-06-01")).provisional


def test_package_covers_2004_to_2026():
    assert PACKAGE_YEARS == range(2004, 2027)


def test_year_before_package_is_provisional_without_crash(workdays_log):
    calendar = WorkCalendar([], FIXED_HOLIDAYS)
    national_day = calendar.info(day("2003-10-01"))
    assert national_day.provisional
    assert not national_day.working
    assert national_day.name == "fixed_holiday"
    assert calendar.add(day("2003-12-30"), 5) == day("2004-01-07")
    # The day table starts at 2003 here, and 2026 must still count right.
    assert calendar.add(day("2026-09-28"), 5) == day("2026-10-10")
    assert [record.getMessage() for record in workdays_log.records] == [
        "Notice: no official working-day schedule for 2003; dates in 2003 are counted provisionally "
        "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/."
    ]


# Spring Festival and National Day 2026


@pytest.mark.parametrize(
    ("date", "working", "makeup"),
    [
        ("2026-02-13", True, False),
        ("2026-02-14", True, True),
        ("2026-02-15", False, False),
        ("2026-02-16", False, False),
        ("2026-02-17", False, False),
        ("2026-02-18", False, False),
        ("2026-02-19", False, False),
        ("2026-02-20", False, False),
        ("2026-02-21", False, False),
        ("2026-02-22", False, False),
        ("2026-02-23", False, False),
        ("2026-02-24", True, False),
        ("2026-02-28", True, True),
        ("2026-03-01", False, False),
    ],
)
def test_spring_festival_2026(calendar, date, working, makeup):
    info = calendar.info(day(date))
    assert info.working is working
    assert info.makeup is makeup
    assert not info.provisional


@pytest.mark.parametrize(
    ("date", "working", "makeup"),
    [
        ("2026-09-19", False, False),
        ("2026-09-20", True, True),
        ("2026-09-25", False, False),
        ("2026-09-30", True, False),
        ("2026-10-01", False, False),
        ("2026-10-04", False, False),
        ("2026-10-07", False, False),
        ("2026-10-08", True, False),
        ("2026-10-10", True, True),
        ("2026-10-11", False, False),
    ],
)
def test_national_day_2026(calendar, date, working, makeup):
    info = calendar.info(day(date))
    assert info.working is working
    assert info.makeup is makeup


def test_year_days_2026_lists_holidays_and_makeup_days(calendar):
    listed = {info.date: info for info in calendar.year_days(2026)}
    assert listed[day("2026-02-14")].makeup
    assert listed[day("2026-10-10")].makeup
    assert not listed[day("2026-10-05")].working
    assert day("2026-03-07") not in listed  # an ordinary Saturday


# Counting


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        pytest.param("2026-03-02", 5, "2026-03-09", id="plain-week"),
        pytest.param("2026-03-06", 1, "2026-03-09", id="friday-to-monday"),
        pytest.param("2026-03-07", 1, "2026-03-09", id="received-saturday"),
        pytest.param("2026-03-02", 15, "2026-03-23", id="fifteen-days"),
        pytest.param("2026-03-02", 0, "2026-03-02", id="zero-days"),
        pytest.param("2026-10-03", 1, "2026-10-08", id="received-on-holiday"),
        pytest.param("2026-10-03", 5, "2026-10-13", id="holiday-counts-makeup-saturday"),
        pytest.param("2026-09-28", 5, "2026-10-10", id="lands-on-makeup-saturday"),
        pytest.param("2026-09-18", 1, "2026-09-20", id="makeup-sunday-is-day-one"),
        pytest.param("2026-09-18", 5, "2026-09-24", id="across-makeup-sunday"),
        pytest.param("2026-02-13", 1, "2026-02-14", id="makeup-saturday-before-spring-festival"),
        pytest.param("2026-02-13", 5, "2026-02-27", id="across-spring-festival"),
        pytest.param("2026-02-13", 6, "2026-02-28", id="makeup-saturday-after-spring-festival"),
        pytest.param("2026-12-24", 5, "2026-12-31", id="end-of-year"),
    ],
)
def test_add_working_days(calendar, start, days, due):
    assert calendar.add(day(start), days) == day(due)
    assert calendar.elapsed(day(start), day(due)) == days


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        pytest.param("2026-03-02", "2026-03-02", 0, id="same-day"),
        pytest.param("2026-03-02", "2026-03-01", 0, id="end-before-start"),
        pytest.param("2026-03-06", "2026-03-08", 0, id="weekend-only"),
        pytest.param("2026-09-30", "2026-10-07", 0, id="national-day-only"),
        pytest.param("2026-09-30", "2026-10-10", 3, id="national-day-and-makeup"),
        pytest.param("2026-02-14", "2026-02-23", 0, id="from-makeup-saturday-over-festival"),
        pytest.param("2026-02-13", "2026-02-14", 1, id="makeup-saturday-counts"),
        pytest.param("2025-12-31", "2026-01-05", 2, id="new-year-2026-makeup-sunday"),
    ],
)
def test_elapsed_working_days(calendar, start, end, days):
    assert calendar.elapsed(day(start), day(end)) == days


def test_deadline_lists_skipped_and_makeup_days(calendar):
    deadline = calendar.deadline(day("2026-09-28"), 5)
    assert deadline.due == day("2026-10-10")
    assert [info.date for info in deadline.skipped] == [
        day("2026-10-01") + dt.timedelta(days=offset) for offset in range(7)
    ]
    assert [info.date for info in deadline.makeup_counted] == [day("2026-10-10")]
    assert not deadline.provisional


def test_deadline_from_holiday_skips_rest_of_holiday(calendar):
    deadline = calendar.deadline(day("2026-10-03"), 5)
    assert deadline.due == day("2026-10-13")
    assert [info.date.isoformat() for info in deadline.skipped] == [
        "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-11",
    ]
    assert [info.date.isoformat() for info in deadline.makeup_counted] == ["2026-10-10"]


# Provisional years


def test_provisional_year_counts_weekdays_minus_fixed_holidays(calendar):
    assert calendar.is_provisional(day("2027-01-04"))
    assert not calendar.is_working_day(day("2027-01-01"))  # a Friday, fixed-date holiday
    assert calendar.is_working_day(day("2027-02-08"))  # Spring Festival is not fixed-date
    assert not calendar.is_working_day(day("2027-10-01"))
    assert calendar.info(day("2027-10-01")).name == "fixed_holiday"


def test_deadline_into_provisional_year_is_marked(calendar):
    deadline = calendar.deadline(day("2026-12-28"), 5)
    assert deadline.due == day("2027-01-05")
    assert deadline.provisional
    assert [info.date.isoformat() for info in deadline.skipped] == ["2027-01-01", "2027-01-02", "2027-01-03"]


def test_provisional_year_logged_once(workdays_log):
    calendar = WorkCalendar([], FIXED_HOLIDAYS)
    calendar.add(day("2027-03-01"), 5)
    calendar.elapsed(day("2027-03-01"), day("2027-06-01"))
    calendar.info(day("2027-10-01"))
    calendar.deadline(day("2027-12-28"), 5)
    assert [record.getMessage() for record in workdays_log.records] == [
        "Notice: no official working-day schedule for 2027; dates in 2027 are counted provisionally "
        "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/.",
        "Notice: no official working-day schedule for 2028; dates in 2028 are counted provisionally "
        "(weekdays minus fixed-date holidays). Add the State Council notice to data/calendar/.",
    ]
    assert all(record.levelno == logging.INFO for record in workdays_log.records)


# Notices in data/calendar/


@pytest.fixture
def calendar_folder(tmp_path, monkeypatch) -> Path:
    data = tmp_path / "data"
    (data / "calendar").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "data" / "policy.yaml", data)
    monkeypatch.chdir(tmp_path)
    return Path("data")


def load(root: Path, now: str = "2026-10-01"):
    policy, problems = load_policy(root)
    assert problems == []
    moment = dt.datetime.combine(day(now), dt.time(9, 0), tzinfo=SHANGHAI)
    return load_calendar(root, policy, moment)


def test_official_notice_makes_year_non_provisional(calendar_folder, workdays_log):
    (calendar_folder / "calendar" / "2027-official.yaml").write_text(NOTICE_2027, encoding="utf-8")
    calendar, notices, problems = load(calendar_folder, now="2026-12-04")
    assert problems == []
    assert notices[0]["file"] == "data/calendar/2027-official.yaml"
    assert not calendar.is_provisional(day("2027-10-01"))
    assert not calendar.is_working_day(day("2027-10-04"))  # a Monday inside the notice's holiday
    assert calendar.info(day("2027-09-26")).makeup
    assert calendar.info(day("2027-10-04")).name == "国庆节"
    deadline = calendar.deadline(day("2027-09-30"), 3)
    assert deadline.due == day("2027-10-11")
    assert not deadline.provisional
    assert workdays_log.records == []


def test_local_notice_overrides_a_day(calendar_folder):
    shutil.copy(FIXTURES / "calendar" / "local_typhoon_closure.yaml", calendar_folder / "calendar")
    calendar, notices, problems = load(calendar_folder)
    assert problems == []
    assert notices[0]["kind"] == "local"
    info = calendar.info(day("2026-09-15"))
    assert not info.working
    assert info.name == "台风停工"
    assert calendar.add(day("2026-09-14"), 5) == day("2026-09-21")
    assert WorkCalendar().add(day("2026-09-14"), 5) == day("2026-09-20")


def test_local_notice_does_not_make_year_official(calendar_folder):
    local = (FIXTURES / "calendar" / "local_typhoon_closure.yaml").read_text(encoding="utf-8")
    local = local.replace("years: [2026]", "years: [2027]").replace("2026-09-15", "2027-09-15")
    (calendar_folder / "calendar" / "local.yaml").write_text(local, encoding="utf-8")
    calendar, _, _ = load(calendar_folder)
    assert calendar.is_provisional(day("2027-09-15"))
    assert not calendar.is_working_day(day("2027-09-15"))


def test_invalid_notice_reported_and_ignored(calendar_folder):
    (calendar_folder / "calendar" / "bad.yaml").write_text(
        NOTICE_2027.replace("kind: official", "kind: offical"), encoding="utf-8")
    calendar, notices, problems = load(calendar_folder)
    assert [problem.format() for problem in problems] == [
        "data/calendar/bad.yaml:3:7: kind: is not one of the allowed values "
        "(expected one of official, local, found 'offical'); pick one of the allowed values"
    ]
    assert notices == []
    assert calendar.is_provisional(day("2027-10-01"))


def test_calendar_readme_is_not_read_as_notice(calendar_folder):
    (calendar_folder / "calendar" / "README.md").write_text("# notices\n", encoding="utf-8")
    _, notices, problems = load(calendar_folder)
    assert (notices, problems) == ([], [])


NEXT_YEAR_WARNING = (
    "data/calendar: warning: no official working-day schedule for 2027 yet; add the State Council's "
    "2027 holiday notice as a file in data/calendar/ (kind: official); until then deadlines in 2027 "
    "are provisional"
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param("2026-10-31", [], id="october"),
        pytest.param("2026-11-01", [NEXT_YEAR_WARNING], id="first-of-november"),
        pytest.param("2026-12-04", [NEXT_YEAR_WARNING], id="december"),
    ],
)
def test_next_year_schedule_missing_warning(calendar_folder, now, expected):
    _, _, problems = load(calendar_folder, now=now)
    assert [problem.format() for problem in problems] == expected
    assert all(problem.severity == "warning" for problem in problems)


def test_next_year_warning_silenced_by_notice(calendar_folder):
    (calendar_folder / "calendar" / "2027-official.yaml").write_text(NOTICE_2027, encoding="utf-8")
    _, _, problems = load(calendar_folder, now="2026-12-04")
    assert problems == []


def test_next_year_warning_uses_county_date(calendar_folder):
    policy, _ = load_policy(calendar_folder)
    # 2026-10-31 17:00 UTC is already 1 November in Beijing.
    moment = dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.timezone.utc)
    _, _, problems = load_calendar(calendar_folder, policy, moment)
    assert [problem.format() for problem in problems] == [NEXT_YEAR_WARNING]
