"""``wenzheng redact`` masks personal data in data files; ``wenzheng audit`` scans a built site."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from generator.editing import SourceText
from generator.errors import DataError, WenzhengError
from generator.privacy import KIND_TEXT, load_department_list, redact_text
from generator.writer import atomic_write
from generator.yamlio import YamlProblem

logger = logging.getLogger(__name__)


def yaml_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the .yaml files below them, sorted; keep files as given."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.yaml")))
        else:
            files.append(path)
    return files


def find_departments_file(path: Path) -> Path | None:
    """Return the departments.yaml in the nearest folder above ``path``, if any."""
    for folder in path.resolve().parents:
        candidate = folder / "departments.yaml"
        if candidate.is_file():
            return candidate
    return None


def run_redact(paths: list[Path], departments_file: Path | None, check: bool) -> int:
    """Mask (or with ``check`` only list) personal data in letter and explanation files.

    Return the exit status: 1 when ``check`` is set and something was found, else 0.
    """
    department_cache: dict[Path | None, list] = {}
    found = changed = 0
    for path in yaml_files(paths):
        source = departments_file or find_departments_file(path)
        if source not in department_cache:
            department_cache[source] = load_department_list(source) if source else []
            if source is None:
                logger.warning("no departments.yaml found above %s; office phone numbers are not allowed", path)
        try:
            # Read with LF line ends and no byte-order mark, and write both back as they were.
            text = SourceText.read(path)
            new_text, redactions = redact_text(text.text, department_cache[source])
        except YamlProblem as error:
            raise WenzhengError(f"{path}:{error.line}:{error.column}: {error.message}; {error.hint}") from None
        except DataError as error:  # the file is not UTF-8
            raise WenzhengError(error.problems[0].format()) from None
        except WenzhengError as error:
            raise WenzhengError(f"{path}: {error}") from None
        verb = "contains" if check else "masked"
        for item in redactions:
            click.echo(f"{path}:{item.line}: {item.field}: {verb} {KIND_TEXT[item.kind]} ({item.masked})")
        found += len(redactions)
        if redactions and not check and atomic_write(path, text.restore(new_text)):
            changed += 1
    if check:
        click.echo(f"{found} value(s) of personal data found", err=True)
        return 1 if found else 0
    click.echo(f"masked {found} value(s) in {changed} file(s); review the change before committing", err=True)
    return 0


@click.command("redact")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--departments", "departments_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="departments.yaml whose office phone numbers may stay in replies. "
                   "Default: the nearest one in a folder above each file.")
@click.option("--check", is_flag=True, help="Only list the personal data; exit with status 1 if there is any.")
def redact_command(paths: tuple[Path, ...], departments_file: Path | None, check: bool) -> None:
    """Mask personal data in letter and explanation files in place.

    PATHS are YAML files or folders. Only the masked characters change, so
    review the result with `git diff` before committing it.
    """
    sys.exit(run_redact(list(paths), departments_file, check))


@click.command("audit")
@click.argument("site_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default="data",
              show_default=True, help="Folder with letters/ whose private and hidden letters must not appear.")
@click.option("-f", "--config-file", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              default="mkdocs.yml", show_default=True,
              help="MkDocs configuration whose custom_dir templates and extra_javascript files are allowed.")
@click.option("--templates", "template_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Template folder whose inline scripts are allowed, in place of the custom_dir; repeatable.")
def audit_command(site_dir: Path, data_dir: Path, config_file: Path, template_dirs: tuple[Path, ...]) -> None:
    """Scan every file of a built site for personal data, private letters and injected scripts.

    The theme's own scripts are recognised from the installed Material
    templates and the project's overrides. Exits with status 1 when anything
    is found; each line names the file and shows personal data masked.
    """
    from generator.audit import audit_site

    if not data_dir.is_dir():
        raise WenzhengError(f"data folder not found: {data_dir}; pass the folder that contains letters/ with --data")
    report = audit_site(site_dir, data_dir, list(template_dirs) or None,
                        config_file if config_file.is_file() else None)
    for finding in report.findings:
        click.echo(finding.format())
    click.echo(report.summary(), err=True)
    sys.exit(1 if report.findings else 0)
