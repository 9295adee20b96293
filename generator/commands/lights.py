"""``wenzheng lights``: print each letter's deadlines and light as of a moment."""

from __future__ import annotations

import json

import click

from generator.commands.common import as_of_option, data_option, parse_moment
from generator.dataset import load_dataset
from generator.lights import evaluate


def letter_row(letter, status) -> dict:
    return {
        "id": letter.id,
        "lead": letter.lead,
        "received": status.received_date.isoformat(),
        "reply_due": status.reply_due.isoformat(),
        "completion_due": status.completion_due.isoformat(),
        "red_line": status.red_line.isoformat(),
        "light": status.light,
        "flags": list(status.flags),
        "reply_days": status.reply_days,
        "completion_days": status.completion_days,
    }


@click.command("lights")
@data_option
@as_of_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.argument("letter_ids", nargs=-1)
def command(data_dir: str, as_of: str | None, output: str, letter_ids: tuple[str, ...]) -> None:
    """Print deadlines, light and flags of every letter (or of LETTER_IDS)."""
    dataset = load_dataset(data_dir)
    moment = parse_moment(as_of, dataset.policy.zone)
    wanted = set(letter_ids)
    rows = [letter_row(letter, evaluate(letter, dataset.calendar, dataset.policy, moment))
            for letter in dataset.letters if letter.received <= moment and (not wanted or letter.id in wanted)]
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'id':<16}{'received':<12}{'reply due':<12}{'red line':<12}{'light':<8}flags")
    for row in rows:
        click.echo(f"{row['id']:<16}{row['received']:<12}{row['reply_due']:<12}{row['red_line']:<12}"
                   f"{row['light']:<8}{','.join(row['flags'])}")
