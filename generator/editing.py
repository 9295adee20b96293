"""The office's and departments' editing operations, one plain function each.

Every operation changes one file. It parses the file for round-trip editing
and changes the few values it is about. It then checks the whole result: the
file's own schema, the rules that involve departments, dates and the
calendar, and that every value it wrote reads back unchanged through the
strict loader. Only then does it replace the file atomically. A failed
operation leaves the file as it was and raises WenzhengError or DataError.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator import roundtrip
from generator.dataset import display_path, letter_files, load_calendar, load_departments, load_policy
from generator.errors import DataError, Problem, WenzhengError
from generator.fields import Context, Date, DateTime, MISSING, format_path
from generator.model import Department, Office
from generator.policy import Policy
from generator.spec import LETTER_ID, PERIOD
from generator.validate import check_text, letter_problems, problem_at
from generator.workdays import WorkCalendar
from generator.writer import LETTER_KEY_ORDER, atomic_write, dump_letter, dump_yaml, letter_path
from generator.yamlio import BOM, YamlProblem, decode

log = logging.getLogger(__name__)

EXPLANATION_KEY_ORDER = ["department", "period", "published_at", "text", "measures"]
EXTENSION_KEY_ORDER = ["requested_at", "department", "until", "reason", "decision", "decided_at"]
ID_PATTERN = re.compile(r"([A-Z]{1,6})-(\d{4})-(\d{5,7})")
DEFAULT_PREFIX = "HF"


@dataclass
class Rules:
    """Policy, calendar, departments and letter ids: the parts of the data folder an edit is checked against."""

    root: Path
    policy: Policy
    calendar: WorkCalendar
    office: Office
    departments: dict[str, Department]
    letter_ids: set[str]

    @property
    def zone(self):
        return self.policy.zone

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.zone).replace(microsecond=0)


@dataclass
class EditResult:
    """The file an operation wrote, and a one-line description for the clerk."""

    path: Path
    message: str
    changed: bool = True


def load_rules(root: Path | str) -> Rules:
    """Read policy, calendar and departments; raise DataError when any of them is invalid."""
    root = Path(root)
    if not root.is_dir():
        raise WenzhengError(f"{root}: is not a folder; pass the data folder with --data")
    policy, problems = load_policy(root)
    if policy is None:
        raise DataError(problems, f"{root}/policy.yaml must be valid before a letter can be edited")
    calendar, _, found = load_calendar(root, policy, dt.datetime.now(policy.zone))
    office, departments, more = load_departments(root, policy.time_zone)
    errors = [problem for problem in found + more if problem.severity == "error"]
    if office is None or errors:
        raise DataError(errors, f"the data folder {root} has errors to fix before a letter can be edited")
    return Rules(root, policy, calendar, office, departments, {path.stem for path in letter_files(root)})


# Values from the command line

def parse_moment(text: str | None, rules: Rules, option: str = "--at") -> dt.datetime:
    """Read a date and time (default: now) and return it in the policy's time zone."""
    if text is None or text == "now":
        return rules.now()
    context = Context(rules.policy.time_zone)
    value = DateTime().check(text, (option,), context)
    if value is MISSING:
        raise WenzhengError(_issue_text(context.issues[0]))
    return value.astimezone(rules.zone)


def parse_date(text: str, rules: Rules, option: str) -> dt.date:
    context = Context(rules.policy.time_zone)
    value = Date().check(text, (option,), context)
    if value is MISSING:
        raise WenzhengError(_issue_text(context.issues[0]))
    return value


def _issue_text(issue) -> str:
    return f"{format_path(issue.path)}: {issue.message} (expected {issue.expected}, found {issue.found}); " \
           f"{issue.hint}"


def clean_text(text: str | None, name: str) -> str:
    """Strip surrounding blank space; end multi-line text with one newline so it is written as '|'."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise WenzhengError(f"the {name} is empty; write the text with --text, --file or in the editor")
    return text + "\n" if "\n" in text else text


def require_department(rules: Rules, department: str) -> None:
    if department not in rules.departments:
        known = ", ".join(sorted(rules.departments))
        raise WenzhengError(f"unknown department '{department}' (expected one of {known}); "
                            f"check the id in {rules.root}/departments.yaml")


# Finding and writing files

def find_letter(rules: Rules, letter_id: str) -> Path:
    """Return the file of a letter under <data>/letters/, wherever its folder is."""
    if not re.fullmatch(LETTER_ID, letter_id):
        raise WenzhengError(f"'{letter_id}' is not a letter id; write it like HF-2026-00123")
    folder = rules.root / "letters"
    matches = sorted(folder.glob(f"*/*/{letter_id}.yaml")) or sorted(folder.rglob(f"{letter_id}.yaml"))
    if not matches:
        raise WenzhengError(f"letter {letter_id} not found under {folder}; check the id "
                            f"(the file is letters/<year>/<month>/{letter_id}.yaml)")
    if len(matches) > 1:
        raise WenzhengError(f"letter {letter_id} has {len(matches)} files: "
                            + ", ".join(str(path) for path in matches) + "; delete the copies")
    return matches[0]


@dataclass
class SourceText:
    """A file's text with LF line ends and no byte-order mark, and whether to restore either on writing."""

    text: str
    bom: bool
    crlf: bool

    @classmethod
    def read(cls, path: Path) -> SourceText:
        raw = path.read_bytes()
        try:
            text = decode(raw)
        except YamlProblem as error:
            raise DataError([Problem(display_path(path), "", error.message, line=error.line,
                                     column=error.column, hint=error.hint)]) from None
        crlf = "\r\n" in text
        return cls(text.replace("\r\n", "\n") if crlf else text, raw.startswith(BOM), crlf)

    def restore(self, text: str) -> str:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" + text) if self.bom else text


def edit_letter(rules: Rules, letter_id: str, change: Callable[[CommentedMap, dict], list[tuple]],
                describe: str) -> EditResult:
    """Apply ``change`` to a letter's file, check the result and write it atomically.

    ``change(tree, checked)`` edits the ruamel.yaml ``tree`` in place, may read
    the checked (typed) values of the file as it is, and returns the
    ``(path, value)`` pairs it wrote, which must read back unchanged.
    """
    path = find_letter(rules, letter_id)
    display = display_path(path)
    source = SourceText.read(path)
    before, problems = check_text("letter", source.text, display, rules.policy.time_zone)
    if before is None:
        raise DataError(problems, f"{display} cannot be read; fix it by hand first")
    try:
        document = roundtrip.load(source.text)
    except YamlProblem as error:
        raise DataError([Problem(display, "", error.message, line=error.line, column=error.column,
                                 hint=error.hint)]) from None
    written = change(document.data, before)
    text = document.dump()
    verify(rules, "letter", text, display, written)
    changed = atomic_write(path, source.restore(text))
    log.debug("Wrote %s", display)
    return EditResult(path, f"{display}: {describe}", changed)


def verify(rules: Rules, kind: str, text: str, display: str, written: list[tuple]) -> dict:
    """Check an edited text in full; raise DataError naming every problem, so nothing is written."""
    checked, problems = check_text(kind, text, display, rules.policy.time_zone)
    if checked is not None and kind == "letter":
        context = SimpleNamespace(departments=rules.departments, letter_ids=rules.letter_ids | {checked["id"]},
                                  calendar=rules.calendar, policy=rules.policy)
        problems += letter_problems(checked, display, text, rules.zone, context)
    if checked is not None and kind == "explanation" and checked["department"] not in rules.departments:
        problems.append(problem_at(display, text, ("department",), "names an unknown department",
                                   "an id from departments.yaml", f"'{checked['department']}'",
                                   "correct the department id"))
    errors = [problem for problem in problems if problem.severity == "error"]
    if checked is not None and not errors:
        # The same personal-data check as validation, so a phone number never reaches a commit.
        from generator.privacy import privacy_problems

        errors = privacy_problems(checked, rules.departments, display, text)
        for problem in errors:
            problem.hint = ("take it out of the text; a department's own numbers are allowed once listed "
                            "under its phones: in departments.yaml")
    if errors:
        raise DataError(errors, f"nothing was written: the result would have {len(errors)} error(s)")
    for field_path, expected in written:
        actual = _get(checked, field_path)
        if actual != expected:
            raise WenzhengError(
                f"{display}: {format_path(field_path)}: would read back as {actual!r} instead of "
                f"{expected!r}; nothing was written. Please report this as a bug.")
    return checked


def _get(data, field_path: tuple):
    for step in field_path:
        data = data[step]
    return data


# Registration and assignment (the office)

def next_letter_id(rules: Rules, year: int) -> str:
    """Return the next free id of a year: the most common prefix and the highest number plus one."""
    prefixes: Counter = Counter()
    highest, width = 0, 5
    for stem in rules.letter_ids:
        match = ID_PATTERN.fullmatch(stem)
        if not match:
            continue
        prefixes[match.group(1)] += 1
        if int(match.group(2)) == year:
            highest = max(highest, int(match.group(3)))
            width = max(width, len(match.group(3)))
    prefix = prefixes.most_common(1)[0][0] if prefixes else DEFAULT_PREFIX
    return f"{prefix}-{year:04d}-{highest + 1:0{width}d}"


def new_letter(rules: Rules, *, received: dt.datetime, channel: str, letter_type: str, author: str,
               title: str, body: str, complexity: str = "general", public: bool = True,
               attachments: list[str] | None = None, related: list[str] | None = None,
               letter_id: str | None = None) -> EditResult:
    """Register a letter: write data/letters/<year>/<month>/<id>.yaml in the canonical layout."""
    received = received.astimezone(rules.zone)
    letter_id = letter_id or next_letter_id(rules, received.year)
    if letter_id in rules.letter_ids:
        raise WenzhengError(f"letter {letter_id} already exists ({find_letter(rules, letter_id)}); "
                            "leave out --id to get the next free id")
    letter = {
        "id": letter_id, "received": received, "channel": channel, "type": letter_type,
        "complexity": complexity, "author": author, "title": title, "body": body,
        "attachments": list(attachments or []), "related": list(related or []),
    }
    if not public:
        letter["public"] = False
    path = letter_path(rules.root / "letters", letter_id, received)
    display = display_path(path)
    text = dump_letter(letter)
    written = [((key,), value) for key, value in letter.items() if value != []]
    verify(rules, "letter", text, display, written)
    atomic_write(path, text)
    rules.letter_ids.add(letter_id)
    return EditResult(path, f"{display}: registered letter {letter_id}")


def assign(rules: Rules, letter_id: str, departments: list[str], at: dt.datetime) -> EditResult:
    """Assign a letter to a lead department and optional co-handling ones (交办)."""
    if not departments:
        raise WenzhengError("name at least one department with --department (the lead first)")
    for department in departments:
        require_department(rules, department)

    def change(tree, checked):
        previous = (checked.get("assignment") or {}).get("departments")
        if previous:
            log.info("%s was assigned to %s; it is now assigned to %s", letter_id, ", ".join(previous),
                     ", ".join(departments))
        assignment = tree.get("assignment")
        if not isinstance(assignment, CommentedMap):
            assignment = CommentedMap()
            roundtrip.insert_in_order(tree, "assignment", assignment, LETTER_KEY_ORDER)
        _set_list(assignment, "departments", departments)
        if (checked.get("assignment") or {}).get("at") != at:
            assignment["at"] = roundtrip.scalar(at)
        return [(("assignment", "departments"), list(departments)), (("assignment", "at"), at)]

    return edit_letter(rules, letter_id, change, f"assigned to {', '.join(departments)}")


def _set_list(mapping: CommentedMap, key: str, items: list) -> None:
    """Make ``mapping[key]`` hold ``items``, keeping the existing list node (and its comments) when equal."""
    current = mapping.get(key)
    if isinstance(current, CommentedSeq) and list(current) == list(items):
        return
    if isinstance(current, CommentedSeq):
        # Change the items in place so comments on unchanged items stay where they are.
        for index, item in enumerate(items):
            if index < len(current):
                if current[index] != item:
                    current[index] = roundtrip.scalar(item)
            else:
                current.append(roundtrip.scalar(item))
        del current[len(items):]
        return
    mapping[key] = roundtrip.scalar(list(items))


# Replies, extensions and completion (the departments)

def reply(rules: Rules, letter_id: str, department: str, kind: str, text: str,
          at: dt.datetime) -> EditResult:
    """Add a reply (interim or final) of one department at the end of the letter's replies."""
    require_department(rules, department)
    text = clean_text(text, "reply text")

    def change(tree, checked):
        item = roundtrip.scalar({"at": at, "department": department, "kind": kind, "text": text})
        replies = tree.get("replies")
        if not isinstance(replies, CommentedSeq):
            replies = CommentedSeq()
            roundtrip.insert_in_order(tree, "replies", replies, LETTER_KEY_ORDER)
        replies.append(item)
        index = len(replies) - 1
        return [(("replies", index), {"at": at, "department": department, "kind": kind, "text": text})]

    article = "an" if kind == "interim" else "a"
    return edit_letter(rules, letter_id, change, f"added {article} {kind} reply of {department}")


def request_extension(rules: Rules, letter_id: str, department: str, until: dt.date, reason: str,
                      at: dt.datetime) -> EditResult:
    """Record a department's request for more time (延期)."""
    require_department(rules, department)
    reason = clean_text(reason, "reason")

    def change(tree, checked):
        if checked.get("extension"):
            raise WenzhengError(f"letter {letter_id} already has an extension request; a letter can have one")
        if checked.get("completed_at"):
            raise WenzhengError(f"letter {letter_id} is already completed; an extension is not needed")
        values = {"requested_at": at, "department": department, "until": until, "reason": reason}
        roundtrip.insert_in_order(tree, "extension", roundtrip.scalar(values), LETTER_KEY_ORDER)
        return [(("extension", key), value) for key, value in values.items()]

    return edit_letter(rules, letter_id, change, f"{department} requested an extension until {until}")


def decide_extension(rules: Rules, letter_id: str, decision: str, at: dt.datetime) -> EditResult:
    """Record the office's decision (approved or rejected) on a pending extension request."""
    if decision not in ("approved", "rejected"):
        raise WenzhengError(f"unknown decision '{decision}' (expected approved or rejected)")

    def change(tree, checked):
        extension = checked.get("extension")
        if not extension:
            raise WenzhengError(f"letter {letter_id} has no extension request to decide on")
        if extension.get("decision"):
            raise WenzhengError(f"the extension of {letter_id} was already {extension['decision']}; "
                                "to change the decision, edit the file by hand")
        node = tree["extension"]
        roundtrip.insert_in_order(node, "decision", decision, EXTENSION_KEY_ORDER)
        roundtrip.insert_in_order(node, "decided_at", roundtrip.scalar(at), EXTENSION_KEY_ORDER)
        return [(("extension", "decision"), decision), (("extension", "decided_at"), at)]

    return edit_letter(rules, letter_id, change, f"extension {decision}")


def complete(rules: Rules, letter_id: str, at: dt.datetime) -> EditResult:
    """Close a letter (办结); it needs a final reply at or before ``at``."""

    def change(tree, checked):
        if checked.get("completed_at"):
            raise WenzhengError(f"letter {letter_id} is already completed "
                                f"({roundtrip.format_moment(checked['completed_at'])})")
        roundtrip.insert_in_order(tree, "completed_at", roundtrip.scalar(at), LETTER_KEY_ORDER)
        return [(("completed_at",), at)]

    return edit_letter(rules, letter_id, change, f"completed at {roundtrip.format_moment(at)}")


# Ratings (the office)

def rate(rules: Rules, letter_id: str, author_score: int | None = None,
         reader_score: int | None = None) -> EditResult:
    """Record the author's score, or add one reader's score to the count for that score."""
    if (author_score is None) == (reader_score is None):
        raise WenzhengError("give exactly one of --author-score and --reader-score")
    score = author_score if author_score is not None else reader_score
    if not 1 <= score <= 5:
        raise WenzhengError(f"a score is a whole number from 1 to 5, not {score}")

    def change(tree, checked):
        ratings = tree.get("ratings")
        if not isinstance(ratings, CommentedMap):
            ratings = CommentedMap()
            roundtrip.insert_in_order(tree, "ratings", ratings, LETTER_KEY_ORDER)
        if author_score is not None:
            roundtrip.insert_in_order(ratings, "author", author_score, ["author", "readers"])
            return [(("ratings", "author"), author_score)]
        counts = (checked.get("ratings") or {}).get("readers") or {}
        readers = ratings.get("readers")
        if not isinstance(readers, CommentedMap):
            readers = CommentedMap()
            roundtrip.insert_in_order(ratings, "readers", readers, ["author", "readers"])
        new_count = counts.get(reader_score, 0) + 1
        if reader_score in readers:
            readers[reader_score] = new_count
        else:
            later = [key for key in readers if isinstance(key, int) and key > reader_score]
            position = list(readers).index(later[0]) if later else len(readers)
            readers.insert(position, reader_score, new_count)
        return [(("ratings", "readers", reader_score), new_count)]

    if author_score is not None:
        recorded = f"author's score {author_score}"
    else:
        recorded = f"one more reader's score {reader_score}"
    return edit_letter(rules, letter_id, change, f"recorded {recorded}")


# Public explanations (the departments)

def explanation_path(rules: Rules, department: str, period: str) -> Path:
    return rules.root / "explanations" / period / f"{department}.yaml"


def explain(rules: Rules, department: str, period: str, text: str, at: dt.datetime,
            measures: list[str] | None = None) -> EditResult:
    """Write or update a department's public explanation for a period."""
    require_department(rules, department)
    if not re.fullmatch(PERIOD, period):
        raise WenzhengError(f"'{period}' is not a period; write it like 2026, 2026-09, 2026-Q3 or 2026-H2")
    text = clean_text(text, "explanation text")
    path = explanation_path(rules, department, period)
    display = display_path(path)
    values = {"department": department, "period": period, "published_at": at, "text": text}
    if measures:
        values["measures"] = list(measures)
    written = [((key,), value) for key, value in values.items()]

    if not path.exists():
        content = dump_yaml(values)
        verify(rules, "explanation", content, display, written)
        atomic_write(path, content)
        return EditResult(path, f"{display}: wrote the explanation of {department} for {period}")

    source = SourceText.read(path)
    try:
        document = roundtrip.load(source.text)
    except YamlProblem as error:
        raise DataError([Problem(display, "", error.message, line=error.line, column=error.column,
                                 hint=error.hint)]) from None
    for key, value in values.items():
        if key == "measures":
            _set_list(document.data, key, value)
        elif document.data.get(key) != value:
            roundtrip.insert_in_order(document.data, key, roundtrip.scalar(value), EXPLANATION_KEY_ORDER)
    content = document.dump()
    verify(rules, "explanation", content, display, written)
    changed = atomic_write(path, source.restore(content))
    return EditResult(path, f"{display}: updated the explanation of {department} for {period}", changed)
