"""``wenzheng deadline``: show how a due date is counted, day by day."""

from __future__ import annotations

import datetime as dt

import click

from generator.commands.common import data_option
from generator.dataset import load_calendar, load_policy
from generator.errors import DataError
from generator.fields import FIRST_YEAR, LAST_YEAR
from generator.labels import label


def describe_deadline(calendar, start: dt.date, days: int) -> list[str]:
    deadline = calendar.deadline(start, days)
    lines = [f"Received {start.isoformat()} ({weekday(start)}); day 0 is the day of receipt."]
    lines.append(f"Working day {days} is {deadline.due.isoformat()} ({weekday(deadline.due)}): "
                 f"due by the end of that day.")
    if deadline.skipped:
        lines.append(f"Skipped {len(deadline.skipped)} non-working day(s):")
        for info in deadline.skipped:
            reason = label(f"holiday.{info.name}", info.name) if info.name else "weekend"
            lines.append(f"  {info.date.isoformat()} {weekday(info.date)}  {reason}")
    if deadline.makeup_counted:
        lines.append(f"Counted {len(deadline.makeup_counted)} make-up working day(s) (调休上班):")
        for info in deadline.makeup_counted:
            reason = label(f"holiday.{info.name}", info.name) if info.name else ""
            lines.append(f"  {info.date.isoformat()} {weekday(info.date)}  {reason}".rstrip())
    if deadline.provisional:
        lines.append("Provisional: no official schedule for part of this range; the count uses weekdays "
                     "minus fixed-date holidays and may change when the notice is published.")
    return lines


def weekday(day: dt.date) -> str:
    return day.strftime("%a")


@click.command("deadline")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="START")
@click.option("--working-days", "days", type=click.IntRange(min=1), required=True,
              help="Number of working days to count after START.")
@data_option
def command(start: dt.datetime, days: int, data_dir: str) -> None:
    """Print the date that is the given number of working days after START.

    Lists every non-working day skipped and every make-up working day counted,
    so the arithmetic can be checked by hand.
    """
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise click.BadParameter(f"{start.date().isoformat()} is out of range; write a date from {FIRST_YEAR} "
                                 f"to {LAST_YEAR}", param_hint="'START'")
    policy, problems = load_policy(data_dir)
    if policy is None:
        raise DataError(problems)
    calendar, _, _ = load_calendar(data_dir, policy, dt.datetime.now(policy.zone))
    for line in describe_deadline(calendar, start.date(), days):
        click.echo(line)
