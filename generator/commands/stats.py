"""``wenzheng stats``: print department figures, rankings and the accountability list for periods."""

from __future__ import annotations

import json
import sys
import unicodedata

import click

from generator.commands.common import as_of_option, data_option, parse_moment
from generator.dataset import load_dataset
from generator.errors import WenzhengError
from generator.periods import Period
from generator.site.opendata import defuse_figure_rows
from generator.spec import CATEGORIES
from generator.stats import Stats, category_key, compute, csv_bytes, scope_name, stats_csv_rows


def parse_periods(codes: tuple[str, ...], as_of_date) -> list[Period]:
    """Read --period values; without any, use the year that contains ``as_of_date``."""
    if not codes:
        return [Period.containing(as_of_date, "year")]
    periods = []
    for code in codes:
        try:
            periods.append(Period.parse(code))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--period") from None
    return periods


def select_scopes(stats: Stats, department: str | None, category: str | None) -> list[str]:
    """Return the rows to print: every scope, one department, or one category's departments and total."""
    if department:
        if department not in stats.departments:
            raise WenzhengError(f"--department: '{department}' is not in departments.yaml; "
                                f"use one of the ids listed there")
        return [department]
    if category:
        members = sorted((item for item in stats.departments.values() if item.category == category),
                         key=lambda item: (item.name, item.id))
        return [category_key(category), *(member.id for member in members)]
    return stats.scopes


def render_table(stats: Stats, periods: list[Period], scopes: list[str]) -> str:
    """Return a plain-text table per period: figures, rank and score, then the two-100% check."""
    ranks = {(code, row.department): row for (code, _), rows in stats.rankings.items() for row in rows}
    columns = ["department", "received", "replied", "completed", "reply", "completion", "on-time compl.",
               "G/Y/R", "satisfied", "rank", "score"]
    lines = []
    for period in periods:
        lines.append(f"{period.code} ({period.label_zh}), as of {stats.as_of.isoformat()}")
        table = [columns]
        for scope in scopes:
            figures = stats.figures[(period.code, scope)]
            rank_row = ranks.get((period.code, scope))
            rank = "" if rank_row is None else (
                str(rank_row.rank) if rank_row.rank is not None else rank_row.reason)
            table.append([
                scope_name(scope, stats.departments), str(figures.received), str(figures.replied),
                str(figures.completed), _rate(figures.reply_rate), _rate(figures.completion_rate),
                _rate(figures.on_time_completion_rate), f"{figures.green}/{figures.yellow}/{figures.red}",
                _rate(figures.satisfaction_rate), rank,
                "" if rank_row is None or rank_row.score is None else f"{rank_row.score:.4f}",
            ])
        lines.extend(_aligned(table))
        check = stats.two_hundred[period.code]
        lines.append(f"two-100% rule (county): {'holds' if check.holds else 'broken'}; "
                     f"unassigned after the reply deadline: {_ids(check.unassigned)}; "
                     f"unreplied after the reply deadline: {_ids(check.unreplied)}")
        for row in stats.accountability.get(period.code, []):
            if row.department not in scopes:
                continue
            reasons = ", ".join(f"{reason.condition} {reason.actual:.4g} (threshold {reason.threshold:g})"
                                for reason in row.reasons)
            lines.append(f"{row.measure}: {scope_name(row.department, stats.departments)}: {reasons}; "
                         f"{_explanation_state(row, stats.as_of.tzinfo)}")
        lines.append("")
    return "\n".join(lines)


def _ids(ids: list[str], limit: int = 10) -> str:
    if not ids:
        return "none"
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def _explanation_state(row, zone) -> str:
    if row.explanation is not None:
        late = "" if row.explained_on_time else ", after the due date"
        return f"explained on {row.explanation.published_at.astimezone(zone).date().isoformat()}{late}"
    if not row.explanation_required:
        return "no explanation required"
    if row.overdue_working_days:
        return f"not yet explained, {row.overdue_working_days} working day(s) after the due date {row.due.isoformat()}"
    return f"explanation due on {row.due.isoformat()}"


def _rate(rate) -> str:
    value = rate.value
    return "-" if value is None else f"{value * 100:.1f}% ({rate.numerator}/{rate.denominator})"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _aligned(table: list[list[str]]) -> list[str]:
    widths = [max(_width(row[index]) for row in table) for index in range(len(table[0]))]
    return ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip()
            for row in table]


def stats_document(stats: Stats, periods: list[Period], scopes: list[str]) -> dict:
    """Return the JSON output, limited to the requested periods and rows."""
    document = stats.to_json([period.code for period in periods])
    if scopes is not stats.scopes:
        selected = set(scopes)
        for period in document["figures"].values():
            for scope in list(period):
                if scope not in selected:
                    del period[scope]
        for period in document["rankings"].values():
            for category in period:
                period[category] = [row for row in period[category] if row["department"] in selected]
        for code, rows in document["accountability"].items():
            document["accountability"][code] = [row for row in rows if row["department"] in selected]
    return document


@click.command("stats")
@data_option
@as_of_option
@click.option("--period", "period_codes", multiple=True, metavar="PERIOD",
              help="Period to report: 2026, 2026-H1, 2026-Q3, 2026-B2 (two-month supervision period) or "
                   "2026-07. Repeat for several. Default: the year of --as-of.")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="csv is UTF-8 with a byte-order mark, so Excel reads the Chinese names.")
@click.option("--department", default=None, metavar="ID", help="Only this department's figures.")
@click.option("--category", type=click.Choice(CATEGORIES), default=None,
              help="Only this category's departments and its total.")
def command(data_dir: str, as_of: str | None, period_codes: tuple[str, ...], output: str,
            department: str | None, category: str | None) -> None:
    """Print figures, rankings and accountability lists per department and period."""
    dataset = load_dataset(data_dir)
    moment = parse_moment(as_of, dataset.policy.zone)
    periods = parse_periods(period_codes, moment.astimezone(dataset.policy.zone).date())
    stats = compute(dataset, moment, periods)
    scopes = select_scopes(stats, department, category)
    ordered = stats.periods
    if output == "json":
        click.echo(json.dumps(stats_document(stats, ordered, scopes), ensure_ascii=False, indent=2))
    elif output == "csv":
        rows = stats_csv_rows(stats, [period.code for period in ordered], scopes)
        data = csv_bytes(defuse_figure_rows(rows))
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(render_table(stats, ordered, scopes))


