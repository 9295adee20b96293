"""``wenzheng validate``: check the data files and report every problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.commands.common import data_option
from generator.dataset import load_dataset
from generator.errors import DataError, Problem


def escape_property(value: str) -> str:
    """Escape %, CR, LF, colon and comma in a property value of a GitHub Actions workflow command."""
    return (value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A")
            .replace(",", "%2C"))


def github_annotation(problem: Problem) -> str:
    """Format a problem as a GitHub Actions workflow command that annotates the line."""
    level = "warning" if problem.severity == "warning" else "error"
    message = problem.format().split(": ", 1)[1] if ": " in problem.format() else problem.format()
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    title = escape_property(problem.field or "data")
    # A file name can hold a comma or a line break, which would end the property or start a new
    # workflow command.
    location = f"file={escape_property(problem.file)}"
    if problem.line:
        location += f",line={problem.line},col={problem.column}"
    return f"::{level} {location},title={title}::{message}"


def run_validate(data_dir: str, paths: list[str], output: str) -> int:
    """Validate and print; return the exit status (1 when any error was found)."""
    try:
        dataset = load_dataset(data_dir, paths=[Path(path) for path in paths] or None, strict=False)
        problems = dataset.problems
        checked = len(dataset.letters)
    except DataError as error:
        problems = error.problems
        checked = 0
    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = [problem for problem in problems if problem.severity == "warning"]
    if output == "json":
        click.echo(json.dumps([problem.as_dict() for problem in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(github_annotation(problem) if output == "github" else problem.format())
    files = len({problem.file for problem in errors})
    summary = (f"{len(errors)} error(s) in {files} file(s), {len(warnings)} warning(s); "
               f"{checked} letter(s) valid")
    # Machine formats keep standard output parseable, so their summary goes to standard error.
    click.echo(summary, err=output != "text")
    return 1 if errors else 0


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@data_option
@click.option("--format", "output", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="text for people, github for Actions annotations, json for tools.")
def command(paths: tuple[str, ...], data_dir: str, output: str) -> None:
    """Check the data files and print every problem with its file, line and field.

    With PATHS, only those files are checked in full (with the cross-file
    checks), which keeps a pre-commit hook fast.
    """
    sys.exit(run_validate(data_dir, list(paths), output))
