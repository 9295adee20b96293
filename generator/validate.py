"""Validation: every problem in every file, located, before anything is built.

File checks come from the declarative spec (``generator.spec``); the checks
here need more than one field or more than one file: ids against file names,
dates in order, departments that exist and were assigned, links that resolve.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from generator import spec
from generator.errors import Problem
from generator.fields import Context, format_path
from generator.yamlio import YamlProblem, decode, loads, locate


def check_text(kind: str, text: str, file: str, time_zone: str = "Asia/Shanghai"):
    """Parse and check one document; return the converted data (or None) and its problems."""
    try:
        data = loads(text)
    except YamlProblem as error:
        return None, [Problem(file, "", error.message, line=error.line, column=error.column,
                              hint=error.hint, code="yaml")]
    if not isinstance(data, dict):
        return None, [Problem(file, "", "the file must contain a mapping of fields", "'name: value' lines",
                              "an empty file" if data is None else type(data).__name__, line=1, column=1,
                              hint="start the file with 'id: ...' and one field per line", code="shape")]
    context = Context(time_zone)
    checked = spec.SCHEMAS[kind].check(data, (), context)
    problems = [issue_problem(file, text, issue) for issue in context.issues]
    return checked, problems


def check_file(kind: str, path: Path, display: str, time_zone: str = "Asia/Shanghai"):
    try:
        text = decode(Path(path).read_bytes())
    except YamlProblem as error:
        return None, [Problem(display, "", error.message, line=error.line, column=error.column,
                              hint=error.hint, code="encoding")], ""
    except OSError as error:
        return None, [Problem(display, "", f"cannot be read ({error.strerror})", code="io",
                              hint="check that the file exists and is readable")], ""
    checked, problems = check_text(kind, text, display, time_zone)
    return checked, problems, text


def issue_problem(file: str, text: str, issue) -> Problem:
    line, column = locate(text, issue.path)
    return Problem(file, format_path(issue.path), issue.message, issue.expected, issue.found, issue.hint,
                   line=line, column=column, code="field", path=issue.path)


def problem_at(file: str, text: str, path: tuple, message: str, expected: str = "", found: str = "",
               hint: str = "", severity: str = "error", code: str = "") -> Problem:
    line, column = locate(text, path) if text else (0, 0)
    return Problem(file, format_path(path), message, expected, found, hint, line=line, column=column,
                   severity=severity, code=code, path=path)


def show_time(moment: dt.datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def letter_problems(data: dict, display: str, text: str, zone, context) -> list[Problem]:
    """Check one letter against its file name and against the rest of the data.

    ``context`` supplies ``departments`` (ids), ``letter_ids`` (every id in the
    data folder), ``calendar`` and ``policy``.
    """
    problems: list[Problem] = []

    def add(path, message, expected="", found="", hint="", code="", severity="error"):
        problems.append(problem_at(display, text, path, message, expected, found, hint, severity, code))

    letter_id = data.get("id")
    stem = Path(display).stem
    if letter_id and letter_id != stem:
        add(("id",), "does not match the file name", stem, letter_id,
            f"rename the file to {letter_id}.yaml or correct the id", "id-file")
    received = data.get("received")
    if received:
        local = received.astimezone(zone)
        parts = Path(display).parts
        expected_folder = (f"{local.year:04d}", f"{local.month:02d}")
        if len(parts) >= 3 and tuple(parts[-3:-1]) != expected_folder and _under_letters(parts):
            add(("received",), "does not match the folder the file is in",
                "/".join(expected_folder) + "/", "/".join(parts[-3:-1]) + "/",
                f"move the file to letters/{expected_folder[0]}/{expected_folder[1]}/", "id-folder")

    departments = context.departments
    assignment = data.get("assignment") or {}
    assigned = list(assignment.get("departments") or [])
    for index, department in enumerate(assigned):
        if department not in departments:
            add(("assignment", "departments", index), "names an unknown department",
                "an id from departments.yaml", f"'{department}'",
                "add the department to data/departments.yaml or correct the id", "department")
    if received and assignment.get("at") and assignment["at"] < received:
        add(("assignment", "at"), "is before the letter was received", f"on or after {show_time(received, zone)}",
            show_time(assignment["at"], zone), "correct the assignment time", "order")

    replies = data.get("replies") or []
    for index, reply in enumerate(replies):
        if not reply:
            continue
        department = reply.get("department")
        if department and department not in departments:
            add(("replies", index, "department"), "names an unknown department", "an id from departments.yaml",
                f"'{department}'", "correct the department id", "department")
        elif department and department not in assigned:
            add(("replies", index, "department"), "is not assigned to this letter",
                "one of " + (", ".join(assigned) or "the assigned departments (none yet)"), f"'{department}'",
                "assign the department first (wenzheng assign) or correct the id", "not-assigned")
        if received and reply.get("at") and reply["at"] < received:
            add(("replies", index, "at"), "is before the letter was received",
                f"on or after {show_time(received, zone)}", show_time(reply["at"], zone),
                "correct the reply time", "order")

    completed = data.get("completed_at")
    if completed:
        if received and completed < received:
            add(("completed_at",), "is before the letter was received", f"on or after {show_time(received, zone)}",
                show_time(completed, zone), "correct the completion time", "order")
        finals = [reply for reply in replies if reply and reply.get("kind") == "final" and reply.get("at")
                  and reply["at"] <= completed]
        if not finals:
            add(("completed_at",), "is set but the letter has no final reply at or before it",
                "a reply with kind: final", "none",
                "add the final reply (wenzheng reply --kind final) before completing", "completion-reply")

    extension = data.get("extension")
    if extension and received and extension.get("requested_at"):
        requested = extension["requested_at"]
        if requested < received:
            add(("extension", "requested_at"), "is before the letter was received",
                f"on or after {show_time(received, zone)}", show_time(requested, zone),
                "correct the request time", "order")
        else:
            day0 = received.astimezone(zone).date()
            day = context.calendar.elapsed(day0, requested.astimezone(zone).date())
            cutoff = context.policy.extension_cutoff
            if day > cutoff:
                last = context.calendar.add(day0, cutoff)
                add(("extension", "requested_at"), "is after the extension cut-off",
                    f"on or before working day {cutoff} ({last.isoformat()})", f"working day {day}",
                    "an extension can no longer be requested; complete the letter or let it show red",
                    "extension-late")
        department = extension.get("department")
        if department and department not in assigned:
            add(("extension", "department"), "is not assigned to this letter", "one of " + ", ".join(assigned),
                f"'{department}'", "correct the department id", "not-assigned")
        if extension.get("decided_at") and extension["decided_at"] < requested:
            add(("extension", "decided_at"), "is before the request", f"after {show_time(requested, zone)}",
                show_time(extension["decided_at"], zone), "correct the decision time", "order")
        if extension.get("decision") and not extension.get("decided_at"):
            add(("extension", "decided_at"), "is missing although a decision is recorded", "the decision time",
                "nothing", "add decided_at with the time of the decision", "decision-time")
        if received and extension.get("until") and extension["until"] < received.astimezone(zone).date():
            add(("extension", "until"), "is before the letter was received",
                f"after {received.astimezone(zone).date()}", extension["until"].isoformat(),
                "correct the date", "order")

    for index, related in enumerate(data.get("related") or []):
        if related not in context.letter_ids:
            add(("related", index), "links to a letter that does not exist", "the id of a letter in data/letters",
                f"'{related}'", "correct the id or remove the link", "related")
        elif related == letter_id:
            add(("related", index), "links the letter to itself", "another letter's id", f"'{related}'",
                "remove the link", "related")

    for key in ("supervision", "redo"):
        for index, item in enumerate(data.get(key) or []):
            if item and received and item.get("at") and item["at"] < received:
                add((key, index, "at"), "is before the letter was received",
                    f"on or after {show_time(received, zone)}", show_time(item["at"], zone),
                    "correct the time", "order")
    return problems


def _under_letters(parts) -> bool:
    return "letters" in parts[:-1]


def relative(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)
