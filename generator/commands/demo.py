"""``wenzheng demo``: write synthetic letters for the fictional county 示范县."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import click

from generator.dataset import load_calendar, load_departments, load_policy
from generator.demo import build, summarize, write_letters
from generator.errors import DataError, WenzhengError

log = logging.getLogger(__name__)

# The repository's data folder, the source of departments.yaml, policy.yaml and
# calendar/ for an --out folder that has none.
REPO_DATA = Path(__file__).resolve().parents[2] / "data"
COPIED = ("departments.yaml", "policy.yaml")


def existing_letters(letters_dir: Path) -> list[Path]:
    return sorted(letters_dir.rglob("*.yaml")) if letters_dir.is_dir() else []


def remove_letters(letters_dir: Path, files: list[Path]) -> None:
    """Delete the given letter files, then every folder under ``letters_dir`` left empty."""
    for path in files:
        path.unlink()
    for folder in sorted((path for path in letters_dir.rglob("*") if path.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def copy_setup(out: Path) -> list[str]:
    """Copy departments.yaml, policy.yaml and calendar/ from the repository into ``out`` where missing."""
    copied = []
    if out.resolve() == REPO_DATA.resolve():
        return copied
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if not (out / name).exists():
            source = REPO_DATA / name
            if not source.exists():
                raise WenzhengError(f"{out / name} not found and no {name} in {REPO_DATA} to copy; "
                                    f"create {out / name} first")
            shutil.copy(source, out / name)
            copied.append(name)
    if not (out / "calendar").exists() and (REPO_DATA / "calendar").is_dir():
        shutil.copytree(REPO_DATA / "calendar", out / "calendar")
        copied.append("calendar/")
    return copied


def load_setup(out: Path, now: dt.datetime | None = None):
    """Read and check the policy, the departments and the calendar of the data folder ``out``."""
    policy, problems = load_policy(out)
    if policy is None:
        raise DataError(problems, f"{out / 'policy.yaml'} must be valid to generate letters")
    _, departments, problems = load_departments(out, policy.time_zone)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors or not departments:
        raise DataError(errors, f"{out / 'departments.yaml'} must be valid to generate letters")
    now = now or dt.datetime.now(policy.zone)
    calendar, _, problems = load_calendar(out, policy, now)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise DataError(errors, f"the calendar notices in {out / 'calendar'} must be valid")
    return policy, departments, calendar


def run_demo(count: int, seed: int, out: Path, end: dt.date | None, years: float, force: bool) -> str:
    """Write ``count`` demo letters into ``out/letters`` and return the one-line summary.

    ``end`` defaults to yesterday in the policy's time zone.
    """
    letters_dir = out / "letters"
    old = existing_letters(letters_dir)
    if old and not force:
        raise WenzhengError(
            f"{letters_dir} already contains {len(old)} letter file(s); pass --force to delete them "
            f"and write new demo letters, or choose an empty folder with --out")
    copied = copy_setup(out)
    if copied:
        log.info("Copied %s from %s into %s", ", ".join(copied), REPO_DATA, out)
    policy, departments, calendar = load_setup(out)
    today = dt.datetime.now(policy.zone).date()
    end = end or today - dt.timedelta(days=1)
    if end > today:
        log.warning("The end date %s is in the future; letters dated after today will look odd on the site",
                    end.isoformat())

    items = build(count, seed, end, departments, policy, calendar, years)
    if old:
        remove_letters(letters_dir, old)
        log.info("Deleted %d old letter file(s) from %s", len(old), letters_dir)
    write_letters([item.letter for item in items], letters_dir)

    counts = summarize(items)
    first = min((item.letter["received"] for item in items), default=None)
    span = f" received {first.date().isoformat()} to {end.isoformat()}" if first else ""
    parts = ", ".join(f"{code} {number}" for code, number in counts.items())
    return f"Wrote {len(items)} demo letters to {letters_dir}{span}: {parts}"


def parse_end(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date; write it like 2026-12-03", param_hint="--end") from None


@click.command("demo")
@click.option("--letters", "count", type=click.IntRange(min=1), default=1500, show_default=True,
              help="Number of letters to write.")
@click.option("--seed", type=int, default=8, show_default=True,
              help="Seed of the random draws; the same seed, end and departments write the same files.")
@click.option("--out", "out_dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="Data folder to write letters/ into; departments.yaml, policy.yaml and calendar/ are "
                   "copied there from the repository when missing.")
@click.option("--end", "end_text", default=None, metavar="DATE",
              help="Last day on which letters are received and handled, the date the data is as of. "
                   "Default: yesterday.")
@click.option("--years", type=click.FloatRange(min=0.01, max=20), default=1.0, show_default=True,
              help="Length of the receipt period ending on --end, in years.")
@click.option("--force", is_flag=True, help="Delete every letter file under OUT/letters before writing.")
def command(count: int, seed: int, out_dir: str, end_text: str | None, years: float, force: bool) -> None:
    """Write synthetic letters in Chinese for the fictional county 示范县.

    The letters cover every light and flag, extensions, co-handling, private
    and hidden letters, ratings, supervision and redo orders, and end with one
    summary line of counts per planned outcome.
    """
    click.echo(run_demo(count, seed, Path(out_dir), parse_end(end_text), years, force))
