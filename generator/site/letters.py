"""Letter pages and letter lists: the pages whose number grows with the letters.

Their HTML is rendered by our templates (``letter.md.j2``, ``letter_list.md.j2``,
autoescape on) and carried in the page's front matter, which the theme
template ``overrides/article.html`` prints. Written as raw HTML in the
Markdown body instead, every page would be parsed twice more by pure-Python
HTML parsers (MkDocs' anchor scan and Python-Markdown's raw HTML block
handling), which profiling put at about 10 ms a page.

A letter that is not published (private or hidden) appears only as a list
row with its light, department and dates, and never gets a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from generator.labels import label
from generator.model import Letter
from generator.spec import LETTER_TYPES
from generator.site.render import page_dir

LIGHT_ORDER = ("red", "yellow", "green", "none")


def letter_source(letter_id: str, received: dt.date) -> str:
    """Return the stable Markdown path of a letter page: ``letters/<year>/<id>.md``."""
    return f"letters/{received.year}/{letter_id}.md"


def department_path(department_id: str) -> str:
    return f"departments/{department_id}/"


@dataclass(slots=True)
class LetterRow:
    """One letter as lists show it; ``title`` and ``source`` are empty unless the letter is published."""

    id: str
    published: bool
    title: str
    type: str
    lead: str | None
    departments: list[str]
    received: dt.datetime
    received_date: dt.date
    completed: bool
    light: str
    source: str | None

    @property
    def path(self) -> str:
        """The letter page's folder from the site root; empty for a letter without a page."""
        return page_dir(self.source) if self.source else ""


def letter_row(letter: Letter, status, published_title: str | None) -> LetterRow:
    published = published_title is not None
    return LetterRow(
        id=letter.id, published=published, title=published_title or "", type=letter.type, lead=letter.lead,
        departments=list(letter.departments), received=letter.received, received_date=status.received_date,
        completed=status.completed, light=status.light,
        source=letter_source(letter.id, status.received_date) if published else None,
    )


def root_of(source: str) -> str:
    """Return the relative path from the page built from ``source`` to the site root."""
    return "../" * page_dir(source).count("/")


# Lists


@dataclass(slots=True)
class Pager:
    number: int
    count: int
    first: str
    previous: str | None
    next: str | None
    last: str


def paginate(rows: list, per_page: int, folder: str):
    """Yield ``(source, rows of the page, Pager)`` for a list whose first page is ``folder/index.md``."""
    count = max(1, -(-len(rows) // per_page))

    def source(number: int) -> str:
        return f"{folder}/index.md" if number == 1 else f"{folder}/{number}.md"

    for number in range(1, count + 1):
        pager = Pager(number, count, source(1), source(number - 1) if number > 1 else None,
                      source(number + 1) if number < count else None, source(count))
        yield source(number), rows[(number - 1) * per_page:number * per_page], pager


def group_rows(rows: list[LetterRow], departments: dict) -> dict[str, dict[str, list[LetterRow]]]:
    """Group rows (newest first) by month, department (lead and co-handling), type and light.

    Every department, type and light gets a list, empty or not, so links to them never break.
    """
    groups: dict[str, dict[str, list[LetterRow]]] = {
        "month": {},
        "department": {department: [] for department in departments},
        "type": {code: [] for code in LETTER_TYPES},
        "light": {code: [] for code in LIGHT_ORDER},
    }
    for row in rows:
        groups["month"].setdefault(f"{row.received_date:%Y-%m}", []).append(row)
        for department in row.departments:
            groups["department"].setdefault(department, []).append(row)
        groups["type"].setdefault(row.type, []).append(row)
        groups["light"].setdefault(row.light, []).append(row)
    return groups


def list_folder(kind: str, key: str) -> str:
    return f"letters/{kind}/{key}"


def list_heading(kind: str, key: str, names: dict[str, str]) -> str:
    if kind == "month":
        year, month = key.split("-")
        return label("site.lists.month_heading").format(year=int(year), month=int(month))
    if kind == "department":
        return label("site.lists.department_heading").format(name=names.get(key, key))
    if kind == "type":
        return label("site.lists.type_heading").format(name=label(f"type.{key}"))
    return label("site.lists.light_heading").format(name=label(f"light.{key}"))


def list_note(total: int, pager: Pager) -> str:
    note = label("site.lists.count").format(total=total)
    if pager.count > 1:
        note += label("site.lists.page_note").format(number=pager.number, count=pager.count)
    return note


def letters_index(groups: dict, departments) -> dict:
    """Context of letters/index.md: every list with its number of letters."""
    months = sorted(groups["month"], reverse=True)
    return {
        "months": [(key, list_folder("month", key) + "/index.md", len(groups["month"][key])) for key in months],
        "departments": [(department, list_folder("department", department.id) + "/index.md",
                         len(groups["department"].get(department.id, []))) for department in departments],
        "types": [(key, list_folder("type", key) + "/index.md", len(groups["type"][key])) for key in LETTER_TYPES],
        "lights": [(key, list_folder("light", key) + "/index.md", len(groups["light"][key])) for key in LIGHT_ORDER],
    }


# Letter pages


@dataclass(slots=True)
class Event:
    """One step of a letter's timeline, with the working days elapsed since receipt."""

    at: dt.datetime
    kind: str
    day: int
    departments: list[str] = field(default_factory=list)
    detail: str = ""
    text: str = ""
    backdated: object = None  # history.BackdatedItem when Git recorded this step later than its stated date


def timeline(letter: Letter, status, calendar, zone, as_of: dt.datetime, backdated: dict | None = None) -> list[Event]:
    """List the letter's steps up to ``as_of`` in time order, each with its working day number.

    ``backdated`` maps a field (``replies[0]``, ``extension.requested_at``,
    ``completed_at``) to the history's record of it being backdated.
    """
    day0 = status.received_date
    backdated = backdated or {}

    def day(moment: dt.datetime) -> int:
        return calendar.elapsed(day0, moment.astimezone(zone).date())

    events = [Event(letter.received, "received", 0)]
    if letter.assigned_at and letter.departments and letter.assigned_at <= as_of:
        events.append(Event(letter.assigned_at, "assigned", day(letter.assigned_at), list(letter.departments)))
    for index, reply in enumerate(letter.replies):
        if reply.at <= as_of:
            events.append(Event(reply.at, "reply", day(reply.at), [reply.department],
                                label(f"reply_kind.{reply.kind}"), reply.text, backdated.get(f"replies[{index}]")))
    extension = letter.extension
    if extension and extension.requested_at <= as_of:
        events.append(Event(extension.requested_at, "extension_requested", day(extension.requested_at),
                            [extension.department],
                            label("site.letter.extension_until").format(date=extension.until.isoformat()),
                            extension.reason, backdated.get("extension.requested_at")))
        if extension.decision and extension.decided_at and extension.decided_at <= as_of:
            events.append(Event(extension.decided_at, "extension_decided", day(extension.decided_at),
                                detail=label(f"decision.{extension.decision}")))
    for mark in letter.supervision:
        if mark.at <= as_of:
            events.append(Event(mark.at, "supervision", day(mark.at),
                                detail=label("site.letter.new_due").format(date=mark.due.isoformat()),
                                text=mark.note or ""))
    for redo in letter.redo:
        if redo.at <= as_of:
            events.append(Event(redo.at, "redo", day(redo.at),
                                detail=label("site.letter.new_due").format(date=redo.due.isoformat()),
                                text=redo.reason))
        if redo.completed_at and redo.completed_at <= as_of:
            events.append(Event(redo.completed_at, "redo_completed", day(redo.completed_at)))
    if letter.completed_at and letter.completed_at <= as_of:
        events.append(Event(letter.completed_at, "completed", day(letter.completed_at),
                            backdated=backdated.get("completed_at")))
    events.sort(key=lambda event: event.at)
    return events


def light_reason(letter: Letter, status, policy) -> str:
    """Explain in one sentence, with the policy's numbers, why the letter has its light."""
    rules = policy.lights
    values = {
        "yellow": rules["yellow_open_after"],
        "red": rules["red_open_after"],
        "green_reply": rules["green_reply_within"],
        "green_completion": rules["green_completion_within"],
        "days": status.days_elapsed,
        "reply_days": status.reply_days,
        "completion_days": status.completion_days,
        "until": status.red_line.isoformat(),
        "due": "",
    }
    flags = status.flags
    if "redo_overdue" in flags:
        key = "redo_overdue"
        values["due"] = max(redo.due for redo in letter.redo).isoformat()
    elif status.light in ("none", "green"):
        key = status.light
    elif status.completed:
        key = ("completed_after_extension" if "completed_after_extension" in flags else
               "completed_late" if "completed_late" in flags else
               "replied_late" if "replied_late" in flags else "completed_yellow")
    elif status.light == "red":
        key = "overdue_after_extension" if status.extension_valid else "overdue"
    elif status.extension_valid and status.days_elapsed > rules["red_open_after"]:
        key = "extended"
    elif "reply_overdue" in flags:
        key = "reply_overdue"
    else:
        key = "open_yellow"
    return label(f"site.reason.{key}").format(**values)


def rule_text(light: str, policy, flags=()) -> str:
    rules = policy.lights
    code = "redo_overdue" if light == "red" and "redo_overdue" in flags else light
    return label(f"light_reason.{code}").format(
        yellow=rules["yellow_open_after"], red=rules["red_open_after"], reply=rules["green_reply_within"],
        completion=rules["green_completion_within"])


def due_dates(letter: Letter, status, policy) -> list[list[str]]:
    """Rows of the deadlines table: what, which working day, which date."""
    working_day = label("site.letter.working_day")
    red_counted = (label("site.letter.extended_to") if status.extension_valid and status.red_line > status.completion_due
                   else working_day.format(day=policy.lights["red_open_after"]))
    return [
        [label("site.letter.reply_due"), working_day.format(day=policy.reply_days), status.reply_due.isoformat()],
        [label("site.letter.completion_due"), working_day.format(day=policy.completion_days(letter.complexity)),
         status.completion_due.isoformat()],
        [label("site.letter.extension_cutoff"), working_day.format(day=policy.extension_cutoff),
         status.extension_cutoff.isoformat()],
        [label("site.letter.red_line"), red_counted, status.red_line.isoformat()],
    ]


def rating_texts(letter: Letter) -> tuple[str, str]:
    """Return the author's rating and the other readers' ratings as display text."""
    author = label("site.letter.no_rating")
    if letter.rating_author:
        author = (label("site.letter.score").format(score=letter.rating_author)
                  + f"（{label(f'site.score.{letter.rating_author}')}）")
    readers = letter.rating_readers
    count = sum(readers.values())
    if not count:
        return author, label("site.letter.no_rating")
    mean = sum(score * number for score, number in readers.items()) / count
    parts = [label("site.letter.readers_summary").format(count=count, mean=f"{mean:.1f}")]
    parts += [label("site.letter.score").format(score=score) + f"×{number}"
              for score, number in sorted(readers.items(), reverse=True) if number]
    return author, " ".join(parts)


def letter_page(letter: Letter, status, site, backdated: dict | None = None) -> dict:
    """Front-matter data of one published letter's page; ``letter`` is the masked copy."""
    policy, names = site.policy, site.names
    kicker = " · ".join([letter.id, label(f"type.{letter.type}"), label(f"channel.{letter.channel}"),
                         label(f"complexity.{letter.complexity}")])
    events = timeline(letter, status, site.calendar, policy.zone, site.as_of, backdated)
    flags = [label(f"flag.{flag}") for flag in status.flags]
    if any(event.backdated for event in events):
        flags.append(label("flag.backdated"))
    author_rating, readers_rating = rating_texts(letter)
    if status.completed:
        progress = label("site.letter.completed_in").format(days=status.completion_days)
    else:
        progress = label("site.letter.elapsed").format(days=status.days_elapsed)
    if status.provisional:
        progress += label("site.letter.provisional")
    data = {
        "id": letter.id,
        "kicker": kicker,
        "title": letter.title,
        "light": status.light,
        "light_label": label(f"light.{status.light}"),
        "flags": flags,
        "why": light_reason(letter, status, policy),
        "rule": rule_text(status.light, policy, status.flags),
        "author": letter.author,
        "received": _shown(letter.received, policy.zone),
        "departments": [
            [department_path(department), names.get(department, department),
             label("site.letter.lead_mark") if index == 0 else label("site.letter.co_mark")]
            for index, department in enumerate(letter.departments)],
        "body": letter.body,
        "attachments": list(letter.attachments),
        "timeline": [_event_data(event, names, policy.zone) for event in events],
        "due": due_dates(letter, status, policy),
        "progress": progress,
        "author_rating": author_rating,
        "readers_rating": readers_rating,
        "related": [[page_dir(site.published_sources[item]) if item in site.published_sources else "",
                     item if item in site.published_sources else label("site.lists.private")]
                    for item in letter.related],
    }
    return data


def _shown(moment: dt.datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _event_data(event: Event, names: dict, zone) -> dict:
    backdated = ""
    if event.backdated:
        item = event.backdated
        backdated = label("site.letter.backdated").format(
            stated=_shown(item.stated, zone), recorded=_shown(item.recorded, zone), days=item.working_days_early)
    return {
        "kind": event.kind,
        "at": event.at.isoformat(),
        "shown": _shown(event.at, zone),
        "day": label("site.letter.day").format(day=event.day),
        "what": label(f"site.event.{event.kind}"),
        "who": " ".join(names.get(department, department) for department in event.departments),
        "detail": event.detail,
        "text": event.text,
        "backdated": backdated,
    }
