"""``wenzheng new|assign|reply|extend|complete|rate|explain``: change one data file in place."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

from generator import editing
from generator.commands.common import data_option
from generator.errors import WenzhengError
from generator.spec import CHANNELS, COMPLEXITIES, LETTER_TYPES, REPLY_KINDS

SCISSORS = "# ------------------------ >8 ------------------------"

at_option = click.option(
    "--at", "at", default=None, metavar="DATETIME",
    help="When it happened, like 2026-09-18T09:30 (county time unless an offset is given). Default: now.",
)


def text_options(name: str):
    """Add --text and --file; with neither, the command opens $EDITOR."""

    def decorate(function):
        function = click.option("--file", "text_file", type=click.Path(dir_okay=False, allow_dash=True),
                                help=f"Read the {name} from a UTF-8 file ('-' reads standard input).")(function)
        return click.option("--text", "text", default=None,
                            help=f"The {name}. Without --text or --file, $EDITOR opens.")(function)

    return decorate


def read_text(text: str | None, text_file: str | None, name: str, heading: str) -> str:
    """Return the text from --text, from --file, or from the clerk's editor."""
    if text is not None and text_file is not None:
        raise WenzhengError(f"give the {name} with --text or with --file, not both")
    if text is not None:
        return text
    if text_file is not None:
        if text_file == "-":
            return click.get_text_stream("stdin", encoding="utf-8").read()
        try:
            return Path(text_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise WenzhengError(f"{text_file}: cannot be read as UTF-8 text ({error})") from None
    template = (f"\n\n{SCISSORS}\n# {heading}\n# Write the {name} above the scissors line, save and "
                "close the editor.\n# Everything from the scissors line down is ignored.\n")
    edited = click.edit(template, extension=".txt", require_save=True)
    if edited is None:
        raise WenzhengError(f"no {name} was saved in the editor; nothing was written")
    return EditorText(edited.split(SCISSORS, 1)[0])


class EditorText(str):
    """Text the clerk typed in $EDITOR, kept in a file when the command then fails."""


@contextmanager
def keep_typed_text(text: str):
    """Save text typed in the editor to a file when the edit fails, so it need not be typed again."""
    try:
        yield
    except WenzhengError:
        if isinstance(text, EditorText) and text.strip():
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", prefix="wenzheng-", suffix=".txt",
                                             delete=False) as saved:
                saved.write(text)
            click.echo(f"Your text was saved to {saved.name}; pass it with --file after fixing the problem.",
                       err=True)
        raise


def finish(result: editing.EditResult) -> None:
    if result.changed:
        click.echo(result.message)
    else:
        click.echo(f"{result.path}: already up to date; nothing was written")


@click.command("new")
@click.option("--id", "letter_id", default=None, help="Letter id. Default: the next free HF-<year>-NNNNN.")
@click.option("--received", default=None, metavar="DATETIME", help="When the letter arrived. Default: now.")
@click.option("--channel", type=click.Choice(CHANNELS), required=True, help="Where the letter came in.")
@click.option("--type", "letter_type", type=click.Choice(LETTER_TYPES), required=True,
              help="Consultation, complaint, opinion or suggestion.")
@click.option("--complexity", type=click.Choice(COMPLEXITIES), default="general", show_default=True,
              help="Complex letters are due in 15 working days instead of 5.")
@click.option("--private", is_flag=True, help="The author asked to keep the letter private (public: false).")
@click.option("--author", required=True, help="The author's pseudonym; never a real name.")
@click.option("--title", required=True, help="Title as the author wrote it.")
@click.option("--body", "text", default=None, help="Text of the letter. Without --body or --body-file, "
              "$EDITOR opens.")
@click.option("--body-file", "text_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read the text of the letter from a UTF-8 file ('-' reads standard input).")
@click.option("--attachment", "attachments", multiple=True, help="File name of an attachment (repeatable).")
@click.option("--related", multiple=True, help="Id of an earlier letter on the same matter (repeatable).")
@data_option
def new_command(letter_id, received, channel, letter_type, complexity, private, author, title, text,
                text_file, attachments, related, data_dir):
    """Register a letter: write data/letters/<year>/<month>/<id>.yaml."""
    rules = editing.load_rules(data_dir)
    moment = editing.parse_moment(received, rules, "--received")
    typed = read_text(text, text_file, "text of the letter", title)
    with keep_typed_text(typed):
        finish(editing.new_letter(
            rules, received=moment, channel=channel, letter_type=letter_type, author=author, title=title,
            body=editing.clean_text(typed, "text of the letter"), complexity=complexity, public=not private,
            attachments=list(attachments), related=list(related), letter_id=letter_id))


@click.command("assign")
@click.argument("letter_id")
@click.option("--department", "departments", multiple=True, required=True,
              help="Department id; repeat for co-handling departments, the lead first.")
@at_option
@data_option
def assign_command(letter_id, departments, at, data_dir):
    """Assign a letter to its lead department and any co-handling ones (交办)."""
    rules = editing.load_rules(data_dir)
    finish(editing.assign(rules, letter_id, list(departments), editing.parse_moment(at, rules)))


@click.command("reply")
@click.argument("letter_id")
@click.option("--department", required=True, help="Id of the replying department.")
@click.option("--kind", type=click.Choice(REPLY_KINDS), required=True,
              help="interim (受理, 正在办理) or final (the result).")
@text_options("reply text")
@at_option
@data_option
def reply_command(letter_id, department, kind, text, text_file, at, data_dir):
    """Add a department's reply to a letter."""
    rules = editing.load_rules(data_dir)
    moment = editing.parse_moment(at, rules)
    editing.require_department(rules, department)
    editing.find_letter(rules, letter_id)
    body = read_text(text, text_file, "reply text", f"{kind} reply of {department} to {letter_id}")
    with keep_typed_text(body):
        finish(editing.reply(rules, letter_id, department, kind, body, moment))


@click.command("extend")
@click.argument("letter_id")
@click.argument("action", type=click.Choice(["request", "approve", "reject"]))
@click.option("--department", default=None, help="request: id of the department asking for more time.")
@click.option("--until", default=None, metavar="DATE", help="request: the date to finish by, like 2026-10-30.")
@click.option("--reason", default=None, help="request: why more time is needed.")
@at_option
@data_option
def extend_command(letter_id, action, department, until, reason, at, data_dir):
    """Request an extension (departments), or approve or reject it (the office)."""
    rules = editing.load_rules(data_dir)
    moment = editing.parse_moment(at, rules)
    if action == "request":
        missing = [name for name, value in (("--department", department), ("--until", until),
                                            ("--reason", reason)) if not value]
        if missing:
            raise WenzhengError(f"extend request needs {', '.join(missing)}")
        finish(editing.request_extension(rules, letter_id, department, editing.parse_date(until, rules, "--until"),
                                         reason, moment))
        return
    extra = [name for name, value in (("--department", department), ("--until", until),
                                      ("--reason", reason)) if value]
    if extra:
        raise WenzhengError(f"extend {action} takes no {', '.join(extra)}; those belong to the request")
    decision = "approved" if action == "approve" else "rejected"
    finish(editing.decide_extension(rules, letter_id, decision, moment))


@click.command("complete")
@click.argument("letter_id")
@at_option
@data_option
def complete_command(letter_id, at, data_dir):
    """Mark a letter completed (办结); it needs a final reply first."""
    rules = editing.load_rules(data_dir)
    finish(editing.complete(rules, letter_id, editing.parse_moment(at, rules)))


@click.command("rate")
@click.argument("letter_id")
@click.option("--author-score", type=int, default=None, help="The author's score, 1 to 5.")
@click.option("--reader-score", type=int, default=None, help="One more reader's score, 1 to 5.")
@data_option
def rate_command(letter_id, author_score, reader_score, data_dir):
    """Record the author's rating, or count one more reader's rating."""
    rules = editing.load_rules(data_dir)
    finish(editing.rate(rules, letter_id, author_score, reader_score))


@click.command("explain")
@click.option("--department", required=True, help="Id of the department explaining itself.")
@click.option("--period", required=True, help="The period named, like 2026-Q3, 2026-09, 2026-H2 or 2026.")
@text_options("explanation")
@click.option("--measure", "measures", multiple=True, help="One thing the department will change (repeatable).")
@at_option
@data_option
def explain_command(department, period, text, text_file, measures, at, data_dir):
    """Write a department's public explanation (公开说明) for a period."""
    rules = editing.load_rules(data_dir)
    moment = editing.parse_moment(at, rules)
    editing.require_department(rules, department)
    body = read_text(text, text_file, "explanation", f"explanation of {department} for {period}")
    with keep_typed_text(body):
        finish(editing.explain(rules, department, period, body, moment, list(measures)))
