"""``wenzheng import``: turn a platform's spreadsheet export into a data folder."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.errors import WenzhengError
from generator.importer import load_and_import
from generator.writer import atomic_write


@click.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping", required=True, metavar="MAPPING.yaml|NAME",
              help="Mapping file that names the column of each letter field, or the name of a shipped "
                   "mapping such as teddy2020c.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Data folder to write: letters/, plus departments.yaml and policy.yaml when absent.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report, with every row's outcome, as JSON to this file.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any row is rejected.")
def command(source: Path, mapping: str, out: Path, report_path: Path | None, strict: bool) -> None:
    """Import letters from SOURCE, an .xlsx or .csv export, into the data folder --out."""
    report = load_and_import(source, mapping, out)
    click.echo(report.format())
    if report_path is not None:
        atomic_write(report_path, json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    if strict and report.rejected:
        raise WenzhengError(f"{len(report.rejected)} row(s) rejected; see the list above")
