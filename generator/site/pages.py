"""Contexts of the pages whose number does not grow with the letters: home, departments, rankings, rules.

Every function here returns plain values for one template. Texts from data
files stay raw strings; the templates escape them (autoescape is on). A
letter that is not published (private or hidden) is represented only by a
``LetterRow`` whose ``title`` is empty and whose ``source`` is None, so no
template can show its text or link to a page it does not have.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass

from generator.labels import label
from generator.periods import Period
from generator.site.letters import LetterRow, list_folder
from generator.spec import CATEGORIES
from generator.stats import COUNTY, Figures, condition_text

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


def sorted_departments(departments: dict) -> list:
    """Departments by category (in the spec's order), then by name."""
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(departments.values(), key=lambda item: (order.get(item.category, 99), item.name, item.id))


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
    accountability = [(Period.parse(code), row) for code, items in sorted(stats.accountability.items(), reverse=True)
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


def accountability_reason(reason, figures=None) -> str:
    """Return one condition that named a department, with the policy's threshold and the actual figure.

    A rate is shown with its numerator and denominator when ``figures`` has it.
    """
    actual = f"{100 * reason.actual:.1f}%" if reason.condition.endswith("_below") else f"{reason.actual:g}"
    rate = getattr(figures, reason.condition.removesuffix("_below").replace("satisfaction", "satisfaction_rate"),
                   None) if figures is not None and reason.condition.endswith("_below") else None
    if rate is not None and hasattr(rate, "denominator"):
        actual += f"，{rate.numerator}/{rate.denominator}"
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
