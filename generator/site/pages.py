"""Page contexts: what each kind of page shows, computed from the dataset and the statistics.

Every function here returns plain values for one template. Texts from data
files stay raw strings; the templates escape them (autoescape is on). A
letter that is not published (private or hidden) is represented only by a
``LetterRow`` whose ``title`` is empty and whose ``source`` is None, so no
template can show its text or link to a page it does not have.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from generator.labels import label
from generator.model import Letter
from generator.periods import Period
from generator.spec import CATEGORIES, LETTER_TYPES
from generator.stats import COUNTY, Figures, condition_text

LIGHT_ORDER = ("red", "yellow", "green", "none")
RECENT_LETTERS = 10  # letters shown on a department page; the full list is paginated
RANKING_EDGE = 3  # departments shown from the top and from the bottom of a ranking on the home page
RED_ON_HOME = 10  # red letters listed on the home page before the link to the full list
EXCERPT_CHARACTERS = 80


@dataclass(slots=True)
class SiteContext:
    """What every page context needs: policy, calendar, the as-of moment and name tables."""

    policy: object
    calendar: object
    as_of: dt.datetime
    today: dt.date
    departments: dict
    names: dict[str, str]
    published_sources: dict[str, str]  # letter id -> page source, for published letters only


@dataclass(slots=True)
class LetterRow:
    """One letter as lists show it; title and source are empty for a letter that is not published."""

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
    flags: tuple[str, ...]
    source: str | None


@dataclass(slots=True)
class Pager:
    number: int
    count: int
    first: str
    previous: str | None
    next: str | None
    last: str


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


def letter_source(letter_id: str, received: dt.date) -> str:
    """Return the stable Markdown path of a letter page: ``letters/<year>/<id>.md``."""
    return f"letters/{received.year}/{letter_id}.md"


def letter_row(letter: Letter, status, published_title: str | None) -> LetterRow:
    published = published_title is not None
    return LetterRow(
        id=letter.id,
        published=published,
        title=published_title or "",
        type=letter.type,
        lead=letter.lead,
        departments=list(letter.departments),
        received=letter.received,
        received_date=status.received_date,
        completed=status.completed,
        light=status.light,
        flags=status.flags,
        source=letter_source(letter.id, status.received_date) if published else None,
    )


# Lists


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


def letters_index(groups: dict, departments: dict) -> dict:
    """Context of letters/index.md: every list with its number of letters."""
    months = sorted(groups["month"], reverse=True)
    return {
        "months": [(key, list_folder("month", key) + "/index.md", len(groups["month"][key])) for key in months],
        "departments": [
            (department, list_folder("department", department.id) + "/index.md",
             len(groups["department"].get(department.id, [])))
            for department in sorted_departments(departments)
        ],
        "types": [(key, list_folder("type", key) + "/index.md", len(groups["type"].get(key, [])))
                  for key in LETTER_TYPES],
        "lights": [(key, list_folder("light", key) + "/index.md", len(groups["light"].get(key, [])))
                   for key in LIGHT_ORDER],
    }


def sorted_departments(departments: dict) -> list:
    """Departments by category (in the spec's order), then by name."""
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(departments.values(), key=lambda item: (order.get(item.category, 99), item.name, item.id))


# Letter pages


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
                                label(f"reply_kind.{reply.kind}"), reply.text,
                                backdated.get(f"replies[{index}]")))
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
    }
    flags = status.flags
    if "redo_overdue" in flags:
        due = max((redo.due for redo in letter.redo), default=None)
        key = "redo_overdue"
        values["due"] = due.isoformat() if due else ""
    elif status.light == "none":
        key = "none"
    elif status.light == "green":
        key = "green"
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


def rule_text(light: str, policy) -> str:
    rules = policy.lights
    return label(f"light_reason.{light}").format(
        yellow=rules["yellow_open_after"], red=rules["red_open_after"], reply=rules["green_reply_within"],
        completion=rules["green_completion_within"])


def due_dates(letter: Letter, status, policy) -> list[tuple[str, str, str]]:
    """Rows of the deadlines table: what, which working day, which date."""
    completion_days = policy.completion_days(letter.complexity)
    rows = [
        (label("site.letter.reply_due"), label("site.letter.working_day").format(day=policy.reply_days),
         status.reply_due.isoformat()),
        (label("site.letter.completion_due"), label("site.letter.working_day").format(day=completion_days),
         status.completion_due.isoformat()),
        (label("site.letter.extension_cutoff"),
         label("site.letter.working_day").format(day=policy.extension_cutoff), status.extension_cutoff.isoformat()),
        (label("site.letter.red_line"),
         label("site.letter.extended_to") if status.extension_valid and status.red_line > status.completion_due
         else label("site.letter.working_day").format(day=policy.lights["red_open_after"]),
         status.red_line.isoformat()),
    ]
    return rows


def ratings(letter: Letter) -> dict:
    readers = letter.rating_readers
    count = sum(readers.values())
    mean = sum(score * number for score, number in readers.items()) / count if count else None
    return {"author": letter.rating_author, "readers_count": count, "readers_mean": mean,
            "readers": sorted(readers.items(), reverse=True)}


def letter_page(letter: Letter, status, site, backdated: dict | None = None) -> dict:
    """Context of one published letter's page; ``letter`` is the masked copy."""
    policy = site.policy
    return {
        "letter": letter,
        "status": status,
        "events": timeline(letter, status, site.calendar, policy.zone, site.as_of, backdated),
        "reason": light_reason(letter, status, policy),
        "rule": rule_text(status.light, policy),
        "due": due_dates(letter, status, policy),
        "ratings": ratings(letter),
        "related": [(item, site.published_sources.get(item)) for item in letter.related],
        "names": site.names,
    }


# Home


def latest_replies(letters, as_of: dt.datetime, count: int) -> list[tuple]:
    """Return the ``count`` latest replies of published letters as ``(reply, letter)``, newest first."""
    candidates = ((reply.at, letter.id, index, reply, letter) for letter in letters
                  for index, reply in enumerate(letter.replies) if reply.at <= as_of)
    return [(item[3], item[4]) for item in heapq.nlargest(count, candidates, key=lambda item: item[:3])]


def excerpt(text: str, length: int = EXCERPT_CHARACTERS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length] + "…"


def current_periods(today: dt.date) -> dict[str, Period]:
    return {kind: Period.containing(today, kind) for kind in ("year", "quarter", "month")}


def figures_for(stats, period: Period, scope: str) -> Figures:
    return stats.figures.get((period.code, scope)) or Figures()


def ranking_edges(stats, period: Period) -> list[tuple[str, list, list]]:
    """Top and bottom ranked departments of each category for ``period``."""
    result = []
    for category in CATEGORIES:
        ranked = [row for row in stats.rankings.get((period.code, category), []) if row.rank is not None]
        top = ranked[:RANKING_EDGE]
        bottom = [row for row in ranked[-RANKING_EDGE:] if row not in top]
        result.append((category, top, bottom))
    return result


def home_page(site, stats, rows: list[LetterRow], public_letters) -> dict:
    periods = current_periods(site.today)
    red = [row for row in rows if row.light == "red"]
    red.sort(key=lambda row: row.received)
    return {
        "month": periods["month"],
        "year": periods["year"],
        "month_figures": figures_for(stats, periods["month"], COUNTY),
        "year_figures": figures_for(stats, periods["year"], COUNTY),
        "month_check": stats.two_hundred.get(periods["month"].code),
        "year_check": stats.two_hundred.get(periods["year"].code),
        "replies": [(reply, letter, site.published_sources[letter.id], excerpt(reply.text))
                    for reply, letter in latest_replies(public_letters, site.as_of,
                                                         site.policy.site["latest_replies"])],
        "red": red[:RED_ON_HOME],
        "red_total": len(red),
        "rankings": ranking_edges(stats, periods["year"]),
        "names": site.names,
    }


# Departments


def department_periods(stats, today: dt.date) -> list[Period]:
    """Periods shown in a department's figures table: every year, then this year's quarters and months."""
    shown = [period for period in stats.periods if period.kind == "year"]
    shown.sort(key=lambda period: period.year, reverse=True)
    for kind in ("quarter", "month"):
        shown.extend(period for period in stats.periods if period.kind == kind and period.year == today.year
                     and period.start <= today)
    return shown


def department_page(department, site, stats, rows: list[LetterRow]) -> dict:
    periods = current_periods(site.today)
    table = [(period, figures_for(stats, period, department.id)) for period in department_periods(stats, site.today)]
    standing = []
    for kind in ("year", "quarter"):
        period = periods[kind]
        for row in stats.rankings.get((period.code, department.category), []):
            if row.department == department.id:
                standing.append((period, row, len(stats.rankings[(period.code, department.category)])))
    accountability = [(code, row) for code, items in sorted(stats.accountability.items(), reverse=True)
                      for row in items if row.department == department.id]
    return {
        "department": department,
        "table": table,
        "standing": standing,
        "accountability": accountability,
        "recent": rows[:RECENT_LETTERS],
        "measure_names": measure_names(site.policy),
        "min_letters": site.policy.ranking["min_letters"],
        "total": len(rows),
        "list": list_folder("department", department.id) + "/index.md",
        "charts": (f"charts/department-{department.id}-letters.svg",
                   f"charts/department-{department.id}-completion.svg"),
        "names": site.names,
    }


def departments_index(site, stats) -> list[tuple[str, list]]:
    year = current_periods(site.today)["year"]
    groups = []
    for category in CATEGORIES:
        members = [(department, figures_for(stats, year, department.id))
                   for department in sorted_departments(site.departments) if department.category == category]
        groups.append((category, members))
    return groups


# Rankings and accountability


RANKING_KINDS = ("year", "quarter", "bimonth", "month")
CHARTED_KINDS = ("year", "quarter")  # ranking pages of shorter periods show the table only


def ranking_periods(stats, today: dt.date) -> list[Period]:
    """Periods with a ranking page, newest first within each kind."""
    kinds = RANKING_KINDS
    periods = [period for period in stats.periods if period.kind in kinds and period.start <= today]
    return sorted(periods, key=lambda period: (kinds.index(period.kind), -period.start.toordinal()))


def ranking_chart_source(period: Period, category: str) -> str | None:
    return f"charts/ranking-{period.code}-{category}.svg" if period.kind in CHARTED_KINDS else None


def ranking_page(period: Period, stats) -> dict:
    return {
        "period": period,
        "categories": [(category, stats.rankings.get((period.code, category), []),
                        ranking_chart_source(period, category)) for category in CATEGORIES],
    }


def measure_names(policy) -> dict[str, str]:
    """Return the name of each accountability measure: the policy's label, else the default."""
    from generator.accountability import MEASURES

    return {measure: policy.accountability[measure].get("label") or label(f"stats.measure.{measure}")
            for measure in MEASURES}


def accountability_reason(reason) -> str:
    """Return one condition that named a department, with the policy's threshold and the actual figure."""
    actual = f"{100 * reason.actual:.1f}%" if reason.condition.endswith("_below") else f"{reason.actual:g}"
    return condition_text(reason.condition, reason.threshold) + label("site.accountability.actual").format(
        actual=actual)


# Rules and charts


def trend_months(today: dt.date, count: int) -> list[Period]:
    """Return the ``count`` months up to and including the month of ``today``, oldest first."""
    month = Period.containing(today, "month")
    months = [month]
    for _ in range(count - 1):
        month = month.previous()
        months.append(month)
    return months[::-1]


@dataclass(slots=True)
class DayRange:
    """Consecutive holidays (or make-up working days) of one name, as the calendar table shows them."""

    start: dt.date
    end: dt.date
    name: str
    working: bool
    provisional: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def calendar_ranges(days: list) -> list[DayRange]:
    """Group ``WorkCalendar.year_days`` output into ranges of consecutive days with the same name and kind."""
    ranges: list[DayRange] = []
    for info in days:
        name = label(f"holiday.{info.name}", info.name) if info.name else label("site.rules.weekday_holiday")
        last = ranges[-1] if ranges else None
        if (last is not None and last.working == info.working and last.name == name
                and info.date - last.end == dt.timedelta(days=1)):
            last.end = info.date
        else:
            ranges.append(DayRange(info.date, info.date, name, info.working, info.provisional))
    return ranges
