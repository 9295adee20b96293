"""What the site publishes, and the order in which its pages are written.

``Publication`` is the computed state of one build: statistics, masked
copies of the published letters, one row per letter for the lists, and the
Git-recorded dates of backdated items. ``render_site`` writes every Markdown
page and chart from it. Letter pages get only their own letter and shared
lookup tables, so the cost of a page does not grow with the number of letters.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from generator.labels import label, labels
from generator.periods import Period
from generator.privacy import mask_document, mask_letter_for_publication
from generator.site import charts, letters, pages, search
from generator.site.render import PageWriter
from generator.accountability import MEASURES
from generator.ranking import COMPONENTS
from generator.stats import COUNTS, COUNTY, DAYS, RATES, SATISFACTIONS, compute, definitions

log = logging.getLogger(__name__)

TREND_MONTHS = 12

# Fields of a published letter in letters.json, in the order the open data page describes them.
LETTER_FIELDS = ("id", "published", "received", "completed_at", "lead_department", "light", "flags",
                 "reply_due", "completion_due", "red_line", "type", "channel", "complexity", "departments",
                 "assigned_at", "author", "title", "body", "attachments", "replies", "extension", "supervision",
                 "redo", "ratings", "related", "url")


@dataclass
class Publication:
    dataset: object
    stats: object
    site: pages.SiteContext
    letters: list  # every letter received up to as_of, oldest first
    public: dict  # letter id -> masked copy, for published letters only
    rows: list[letters.LetterRow]  # newest first
    backdated: dict  # letter id -> list of history.BackdatedItem
    masked: int
    years: dict[int, int] | None = None  # letter pages per year, kept by release_letters

    @classmethod
    def prepare(cls, dataset, as_of: dt.datetime) -> Publication:
        """Mask published texts, compute the statistics and the list rows."""
        masked = 0
        explanations = []
        for explanation in dataset.explanations:
            copy, count = mask_document(explanation, dataset.departments)
            explanations.append(copy)
            masked += count
        dataset.explanations = explanations
        stats = compute(dataset, as_of)

        received = [letter for letter in dataset.letters if letter.id in stats.statuses]
        public = {}
        for letter in received:
            if letter.published:
                copy, count = mask_letter_for_publication(letter, dataset.departments)
                public[letter.id] = copy
                masked += count
        names = {department.id: department.name for department in dataset.departments.values()}
        rows = [letters.letter_row(letter, stats.statuses[letter.id],
                                   public[letter.id].title if letter.id in public else None)
                for letter in reversed(received)]
        site = pages.SiteContext(
            policy=dataset.policy, calendar=dataset.calendar, as_of=as_of,
            today=as_of.astimezone(dataset.policy.zone).date(), departments=dataset.departments,
            names=names,
            published_sources={row.id: row.source for row in rows if row.published},
        )
        return cls(dataset, stats, site, received, public, rows, backdated_items(dataset, public), masked)

    def counts(self) -> tuple[int, int]:
        return len(self.letters), len(self.public)

    def pages_per_year(self) -> dict[int, int]:
        """Number of published letters (letter pages) per year of receipt."""
        if self.years is not None:
            return self.years
        counts: dict[int, int] = {}
        for row in self.rows:
            if row.published:
                counts[row.received_date.year] = counts.get(row.received_date.year, 0) + 1
        return counts

    def release_letters(self) -> None:
        """Drop the letters and their rows once the pages and open data are written, to free memory.

        Counts, statuses' figures and the values the theme needs stay.
        """
        self.years = self.pages_per_year()
        self.letters, self.public, self.rows, self.backdated = [], {}, [], {}
        self.dataset.letters = []
        self.stats.statuses = {}

    def letter_records(self) -> list[dict]:
        from generator.site.opendata import letter_record

        records = []
        for letter in self.letters:
            status = self.stats.statuses[letter.id]
            source = self.site.published_sources.get(letter.id)
            url = source[: -len(".md")] + "/" if source else None
            records.append(letter_record(self.public.get(letter.id, letter), status, url))
        return records

    def theme_extra(self) -> dict:
        """Values the template overrides read from ``config.extra.wenzheng``."""
        as_of = self.site.as_of.astimezone(self.site.policy.zone)
        return {"wenzheng": {
            "as_of": label("site.as_of").format(moment=as_of.strftime("%Y-%m-%d %H:%M")),
            "as_of_iso": as_of.isoformat(),
            "stale_after_hours": self.site.policy.site["stale_after_hours"],
            "stale": label("site.stale").format(hours=self.site.policy.site["stale_after_hours"]),
            "search_bundles": [name for name, _ in search.bundles(self.pages_per_year())],
            "search_placeholder": label("site.search.placeholder"),
            "search_label": label("site.search.label"),
            "search_empty": label("site.search.empty"),
            "search_failed": label("site.search.failed"),
            "search_private": label("site.search.private_note"),
            "labels": {code[len("site."):]: text for code, text in labels().items() if code.startswith("site.")},
        }}


def backdated_items(dataset, public: dict) -> dict:
    """Return backdated items of published letters when the data folder is in a Git repository."""
    from generator import history

    root = Path(dataset.root).resolve()
    try:
        top = Path(history.git(root, "rev-parse", "--show-toplevel").decode().strip())
    except (history.GitError, OSError):
        log.info("%s is not in a Git repository; dates are not checked against the history", dataset.root)
        return {}
    data_dir = root.relative_to(top).as_posix() or "."
    try:
        # Only the office may add a letter file (check-change enforces it), so the dates in a
        # file's first version are taken as stated: that is how imported archives are recorded.
        recorded = history.recorded_dates(top, data_dir, time_zone=dataset.policy.time_zone,
                                          first_versions_as_stated=True)
    except history.GitError as error:
        log.warning("Could not read the Git history, so backdated items are not shown: %s", error)
        return {}
    found = history.backdated_items(dataset, recorded, dataset.calendar, dataset.policy)
    return {letter_id: items for letter_id, items in found.items() if letter_id in public}


# Rendering


# Stubs of the navigation's pages for a shard that builds letter pages only: MkDocs needs every
# page the navigation names, and letter pages show the navigation's titles, not these pages.
NAV_PAGES = ("index.md", "letters/index.md", "departments/index.md", "ranking/index.md",
             "accountability/index.md", "rules/index.md", "data/index.md")


def render_site(publication: Publication, environment, docs: Path, assets: Path,
                letter_ids: list[str] | None = None, shared: bool = True) -> PageWriter:
    """Write Markdown pages and charts into ``docs``, then delete what earlier builds left there.

    ``letter_ids`` selects the letter pages (default: every published letter);
    without ``shared`` only stubs of the navigation's pages are written besides
    them, for a shard of a parallel build.
    """
    writer = PageWriter(environment, docs)
    writer.copy_tree(assets, "assets")
    if shared:
        _write_shared_pages(writer, publication)
    else:
        for source in NAV_PAGES:
            writer.write_text(source, "---\ntitle: \"\"\n---\n")
    _write_letter_pages(writer, publication, list(publication.public) if letter_ids is None else letter_ids)
    removed = writer.remove_stale()
    log.debug("Removed %d files left in %s by an earlier build", removed, docs)
    return writer


def _write_shared_pages(writer: PageWriter, publication: Publication) -> None:
    site, stats, rows = publication.site, publication.stats, publication.rows
    per_page = site.policy.site["letters_per_page"]
    groups = letters.group_rows(rows, site.departments)
    writer.write("home", "index.md", **pages.home_page(site, stats, rows, publication.public.values()))
    writer.write("letters_index", "letters/index.md",
                 **letters.letters_index(groups, pages.sorted_departments(site.departments)))
    _write_lists(writer, groups, site, per_page)
    for department in site.departments.values():
        department_rows = groups["department"].get(department.id, [])
        writer.write("department", f"departments/{department.id}.md",
                     **pages.department_page(department, site, stats, department_rows))
    writer.write("departments_index", "departments/index.md", groups=pages.departments_index(site, stats),
                 year=pages.current_periods(site.today)["year"])
    _write_rankings(writer, site, stats)
    writer.write("accountability", "accountability/index.md", lists=_accountability(stats),
                 names=site.names, definitions=definitions(site.policy),
                 measure_names=pages.measure_names(site.policy), reason_text=pages.accountability_reason)
    writer.write("rules", "rules/index.md", **_rules(site))
    writer.write("opendata", "data/index.md", letter_fields=LETTER_FIELDS)
    _write_charts(writer, publication)


def _write_letter_pages(writer: PageWriter, publication: Publication, letter_ids: list[str]) -> None:
    statuses, site = publication.stats.statuses, publication.site
    for letter_id in letter_ids:
        backdated = {item.field: item for item in publication.backdated.get(letter_id, [])}
        data = letters.letter_page(publication.public[letter_id], statuses[letter_id], site, backdated)
        source = site.published_sources[letter_id]
        writer.write("letter", source, data=data, root=letters.root_of(source))


def _write_lists(writer: PageWriter, groups: dict, site, per_page: int) -> None:
    """Write every page of every letter list; a row's HTML is rendered once per folder depth."""
    row_template = writer.template("_letter_row")
    rendered: dict[tuple[str, str], Markup] = {}

    def row_html(row, root: str) -> Markup:
        key = (row.id, root)
        html = rendered.get(key)
        if html is None:
            html = rendered[key] = Markup(row_template.render(row=row, root=root, names=site.names).strip())
        return html

    for kind, lists in groups.items():
        for key, members in lists.items():
            heading = letters.list_heading(kind, key, site.names)
            for source, chunk, pager in letters.paginate(members, per_page, letters.list_folder(kind, key)):
                root = letters.root_of(source)
                writer.write("letter_list", source, heading=heading, note=letters.list_note(len(members), pager),
                             rows=[row_html(row, root) for row in chunk], pager=pager, root=root)


def _write_rankings(writer: PageWriter, site, stats) -> None:
    periods = pages.ranking_periods(stats, site.today)
    current = pages.current_periods(site.today)
    for period in periods:
        writer.write("ranking", f"ranking/{period.code}.md", **pages.ranking_page(period, stats),
                     names=site.names, policy=site.policy)
    by_kind = {kind: [period for period in periods if period.kind == kind]
               for kind in ("year", "quarter", "bimonth", "month")}
    writer.write("ranking_index", "ranking/index.md", current=pages.ranking_page(current["year"], stats),
                 by_kind=by_kind, names=site.names, policy=site.policy)


def _accountability(stats) -> list[tuple[Period, list]]:
    result = []
    for code in sorted(stats.accountability, key=lambda code: stats.period(code).start, reverse=True):
        result.append((stats.period(code), stats.accountability[code]))
    return result


def _rules(site) -> dict:
    policy, calendar = site.policy, site.calendar
    year = site.today.year
    numbers = {
        **policy.deadline_numbers(),
        "cutoff": policy.extension_cutoff,
        "fixed": "、".join(_month_day(item) for item in policy.raw["calendar"]["fixed_holidays"]),
    }
    return {
        "policy": policy,
        "numbers": numbers,
        "definitions": definitions(policy),
        "figure_codes": [*COUNTS, *RATES, *DAYS, *SATISFACTIONS],
        "weights": [(label(f"stats.figure.{COMPONENTS[key]}"), f"{weight:g}")
                    for key, weight in policy.ranking["weights"].items()],
        "measures": MEASURES,
        "year": year,
        "holidays": pages.calendar_ranges(calendar.year_days(year)),
        "provisional": calendar.is_provisional(dt.date(year, 1, 1)),
    }


def _month_day(text: str) -> str:
    month, day = text.split("-")
    return label("site.rules.month_day").format(month=int(month), day=int(day))


def _write_charts(writer: PageWriter, publication: Publication) -> None:
    site, stats = publication.site, publication.stats
    today = site.today
    months = [period for period in pages.trend_months(today, TREND_MONTHS)]
    month_labels = [f"{period.year}-{period.index:02d}" for period in months]
    scopes = [COUNTY, *site.departments]
    for scope in scopes:
        figures = [stats.figures.get((period.code, scope)) for period in months]
        received = [item.received if item else 0 for item in figures]
        rates = [item.completion_rate.value if item else None for item in figures]
        name = "county" if scope == COUNTY else f"department-{scope}"
        writer.write_bytes(f"charts/{name}-letters.svg", charts.render(charts.monthly_letters_chart(
            label("site.chart.monthly_letters"), month_labels, received), f"{name}-letters"))
        writer.write_bytes(f"charts/{name}-completion.svg", charts.render(charts.completion_rate_chart(
            label("site.chart.monthly_completion"), month_labels, rates), f"{name}-completion"))
    year = pages.current_periods(today)["year"]
    county = stats.figures.get((year.code, COUNTY))
    counts = {light: getattr(county, light) for light in ("green", "yellow", "red", "none")} if county else {}
    writer.write_bytes("charts/county-lights.svg", charts.render(charts.lights_chart(
        label("site.chart.lights").format(period=year.label_zh), counts), "county-lights"))
    for period in pages.ranking_periods(stats, today):
        for category in pages.CATEGORIES:
            source = pages.ranking_chart_source(period, category)
            if source is None:
                continue
            ranked = [row for row in stats.rankings.get((period.code, category), []) if row.rank is not None]
            chart = charts.ranking_chart(
                label("site.chart.ranking").format(period=period.label_zh, category=label(f"category.{category}")),
                [site.names.get(row.department, row.department) for row in ranked],
                [row.score for row in ranked])
            writer.write_bytes(source, charts.render(chart, f"ranking-{period.code}-{category}"))
