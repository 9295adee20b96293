"""Deadlines and the red, yellow and green lights, evaluated as of a moment.

The county's document sets three lights: green for a reply within 5 working
days and completion within 15, yellow for a letter replied to but still open
after 5, red for a letter not completed within 15 without an extension. The
gaps it leaves are filled as follows, and the rules page explains them:

- open and within the yellow threshold: no light yet;
- no reply after the yellow threshold: yellow, flagged ``reply_overdue``;
- replied late but completed within the red threshold: yellow;
- completed after the red threshold, on or before a valid extension's date:
  yellow, flagged ``completed_after_extension``;
- past the red threshold without a valid extension, or past the extended
  date: red;
- a redo order (重新办理) reopens the letter: it stays yellow until the
  redo's due date and turns red, flagged ``redo_overdue``, after it.

Counting: the day of receipt is day 0 and day 1 is the next working day, so
"within 5 working days" means on or before the end of working day 5. Every
number comes from the policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.model import Letter
from generator.policy import Policy
from generator.workdays import WorkCalendar

LIGHTS = ("none", "green", "yellow", "red")

# Flag codes, in the order they are shown.
FLAGS = (
    "reply_overdue",
    "replied_late",
    "completed_after_extension",
    "completed_late",
    "overdue",
    "extended",
    "extension_pending",
    "extension_rejected",
    "extension_late",
    "supervised",
    "supervision_overdue",
    "redo",
    "redo_overdue",
    "provisional",
)


@dataclass(slots=True)
class Status:
    """A letter's deadlines, light and the facts behind it, as of one moment."""

    light: str
    flags: tuple[str, ...]
    received_date: dt.date
    reply_due: dt.date
    completion_due: dt.date
    red_line: dt.date
    extension_cutoff: dt.date
    yellow_from: dt.date
    replied: bool
    completed: bool
    reply_days: int | None
    completion_days: int | None
    days_elapsed: int
    replied_on_time: bool | None
    completed_on_time: bool | None
    extension_valid: bool
    final: bool

    @property
    def provisional(self) -> bool:
        return "provisional" in self.flags

    @property
    def open(self) -> bool:
        return not self.completed


def local_date(moment: dt.datetime, policy: Policy) -> dt.date:
    """Return the date of ``moment`` in the policy's time zone (never the UTC date)."""
    return moment.astimezone(policy.zone).date()


def evaluate(letter: Letter, calendar: WorkCalendar, policy: Policy, as_of: dt.datetime) -> Status:
    """Compute the letter's deadlines and light as of ``as_of``, ignoring later events."""
    rules = policy.lights
    zone = policy.zone
    day0 = letter.received.astimezone(zone).date()
    today = as_of.astimezone(zone).date()

    replies = [reply for reply in letter.replies if reply.at <= as_of]
    first_reply = min((reply.at for reply in replies), default=None)
    completed_at = letter.completed_at if letter.completed_at and letter.completed_at <= as_of else None
    redo_open = [redo for redo in letter.redo if redo.at <= as_of and not
                 (redo.completed_at and redo.completed_at <= as_of)]
    completed = completed_at is not None and not redo_open

    reply_due = calendar.add(day0, policy.reply_days)
    completion_due = calendar.add(day0, policy.completion_days(letter.complexity))
    yellow_from_day = calendar.add(day0, rules["yellow_open_after"])
    red_day = calendar.add(day0, rules["red_open_after"])
    cutoff = calendar.add(day0, policy.extension_cutoff)

    flags: list[str] = []
    extension_valid = False
    red_line = red_day
    extension = letter.extension
    if extension and extension.requested_at <= as_of:
        requested_day = calendar.elapsed(day0, extension.requested_at.astimezone(zone).date())
        decided = extension.decided_at is None or extension.decided_at <= as_of
        decision = extension.decision if decided else None
        if requested_day > policy.extension_cutoff:
            flags.append("extension_late")
        elif decision == "rejected":
            flags.append("extension_rejected")
        else:
            extension_valid = True
            red_line = max(red_day, extension.until)
            flags.append("extended" if decision == "approved" else "extension_pending")

    reply_days = calendar.elapsed(day0, first_reply.astimezone(zone).date()) if first_reply else None
    completion_date = completed_at.astimezone(zone).date() if completed_at else None
    completion_days = calendar.elapsed(day0, completion_date) if completion_date else None
    end_date = completion_date if completed else today
    days_elapsed = calendar.elapsed(day0, end_date)

    replied_on_time = None
    if reply_days is not None:
        replied_on_time = reply_days <= policy.reply_days
    elif days_elapsed > policy.reply_days:
        replied_on_time = False
    completed_on_time = None
    if completed:
        completed_on_time = completion_days <= policy.completion_days(letter.complexity)
    elif days_elapsed > policy.completion_days(letter.complexity):
        completed_on_time = False

    if completed:
        light = _completed_light(rules, reply_days, completion_days, completion_date, red_line,
                                 extension_valid, flags)
    else:
        # An open redo order reopens the letter; its own due date moves the red line like an extension.
        redo_due = max((redo.due for redo in redo_open), default=None)
        grace_until = max(red_line, redo_due) if redo_due else red_line
        light = _open_light(rules, days_elapsed, reply_days, today, grace_until,
                            extension_valid or redo_due is not None, flags)

    for mark in letter.supervision:
        if mark.at <= as_of:
            if "supervised" not in flags:
                flags.append("supervised")
            if not completed and today > mark.due and "supervision_overdue" not in flags:
                flags.append("supervision_overdue")
    if any(redo.at <= as_of for redo in letter.redo):
        flags.append("redo")
        if any(today > redo.due for redo in redo_open) or any(
            redo.completed_at and redo.completed_at <= as_of and local_date(redo.completed_at, policy) > redo.due
            for redo in letter.redo
        ):
            flags.append("redo_overdue")
            light = "red"
    # A completed letter's figures end at its completion, so a later build date in a year
    # without a schedule does not make them provisional.
    if calendar.any_provisional(day0, max(end_date, red_line)):
        flags.append("provisional")

    return Status(
        light=light,
        flags=tuple(flag for flag in FLAGS if flag in flags),
        received_date=day0,
        reply_due=reply_due,
        completion_due=completion_due,
        red_line=red_line,
        extension_cutoff=cutoff,
        yellow_from=calendar.add(yellow_from_day, 1),
        replied=first_reply is not None,
        completed=completed,
        reply_days=reply_days,
        completion_days=completion_days if completed else None,
        days_elapsed=days_elapsed,
        replied_on_time=replied_on_time,
        completed_on_time=completed_on_time,
        extension_valid=extension_valid,
        final=completed,
    )


def _completed_light(rules, reply_days, completion_days, completion_date, red_line, extension_valid, flags):
    replied_in_time = reply_days is not None and reply_days <= rules["green_reply_within"]
    if not replied_in_time:
        flags.append("replied_late")
    if completion_days <= rules["green_completion_within"]:
        return "green" if replied_in_time else "yellow"
    if completion_days <= rules["red_open_after"]:
        return "yellow"
    if extension_valid and completion_date <= red_line:
        flags.append("completed_after_extension")
        return "yellow"
    flags.append("completed_late")
    return "red"


def _open_light(rules, days_elapsed, reply_days, today, red_line, extension_valid, flags):
    if reply_days is None and days_elapsed > rules["yellow_open_after"]:
        flags.append("reply_overdue")
    elif reply_days is not None and reply_days > rules["green_reply_within"]:
        flags.append("replied_late")
    if days_elapsed <= rules["yellow_open_after"]:
        return "none"
    if days_elapsed <= rules["red_open_after"]:
        return "yellow"
    if extension_valid and today <= red_line:
        return "yellow"
    flags.append("overdue")
    return "red"
