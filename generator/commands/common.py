"""Options and parsing shared by several commands."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click

from generator.fields import DATETIME_PATTERN, DATE_PATTERN, FIRST_YEAR, LAST_YEAR, parse_offset

data_option = click.option(
    "--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False),
    help="Folder with letters/, departments.yaml, policy.yaml and calendar/.",
)


def parse_moment(text: str | None, zone: ZoneInfo, *, end_of_day: bool = True) -> dt.datetime:
    """Read an --as-of value: a date (its end in the county's time zone) or a date and time."""
    if not text or text == "now":
        return dt.datetime.now(zone).replace(microsecond=0)
    text = text.strip()
    match = DATE_PATTERN.fullmatch(text) or DATETIME_PATTERN.fullmatch(text)
    if not match:
        raise click.BadParameter(
            f"'{text}' is not a date or a date and time; write it like 2026-09-18 or 2026-09-18T17:00")
    parts = [int(part or 0) for part in match.groups()[:6]]
    if not FIRST_YEAR <= parts[0] <= LAST_YEAR:
        raise click.BadParameter(f"'{text}' is out of range; write a date from {FIRST_YEAR} to {LAST_YEAR}")
    try:
        if len(match.groups()) == 3:
            clock = dt.time(23, 59, 59) if end_of_day else dt.time(0, 0)
            return dt.datetime.combine(dt.date(*parts), clock, tzinfo=zone)
        return dt.datetime(*parts, tzinfo=parse_offset(match.group(7)) or zone)
    except ValueError as error:
        raise click.BadParameter(f"'{text}' is not a real date or time ({error})") from None


def as_of_option(function):
    return click.option(
        "--as-of", "as_of", default=None, metavar="DATE[THH:MM]",
        help="Moment the lights and figures are evaluated for; a bare date means its end (23:59:59) "
             "in the county's time zone. Default: now.",
    )(function)
