"""Checks on a proposed change (base..head): who may change which field, and honest dates.

Permissions come from ``departments.yaml`` as it is at the base, so a pull
request cannot grant itself rights:

- the office's members may change anything;
- a department's editors may add, change or remove the replies whose
  ``department`` is their own and their own department's extension request
  (``requested_at``, ``department``, ``until``, ``reason``). They may also set
  the completion (``completed_at``) of letters their department leads, and
  write the explanations in ``explanations/<period>/<their department>.yaml``;
- everything else is the office's: registration fields, assignment,
  extension decisions, ratings, supervision, redo, related letters, new and
  deleted letter files, departments, policy and calendar.

Dates: a reply, extension request or completion that the change adds is
backdated when it is dated more than the policy's tolerance (in working days)
before the head commit's committer date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator import history
from generator.errors import Problem, WenzhengError
from generator.fields import format_path
from generator.history import GitError, git
from generator.model import Office
from generator.policy import Policy
from generator.validate import check_text
from generator.workdays import WorkCalendar
from generator.yamlio import YamlProblem, decode, loads, locate

log = logging.getLogger(__name__)

ZERO = "0" * 40
EXTENSION_REQUEST = ("requested_at", "department", "until", "reason")
EXTENSION_DECISION = ("decision", "decided_at")
DEPARTMENT_FIELDS = ("replies", "extension", "completed_at")


@dataclass
class FileChange:
    """One file under the data folder that differs between the base and the head."""

    path: str  # relative to the repository's top, with forward slashes
    status: str  # A, M or D
    old: str | None  # text at the base, None when added
    new: str | None  # text at the head, None when deleted


@dataclass
class RevisionRules:
    """Office members, department editors, policy and calendar as one revision of the data folder has them."""

    office: Office
    editors: dict[str, set[str]]  # user name -> department ids
    policy: Policy
    calendar: WorkCalendar


@dataclass
class Actor:
    """The author of a change and what they may edit."""

    name: str
    office: bool
    departments: set[str] = field(default_factory=set)

    def describe(self) -> str:
        if self.office:
            return f"{self.name} (office)"
        if self.departments:
            return f"{self.name} (editor of {', '.join(sorted(self.departments))})"
        return f"{self.name} (neither an office member nor a department editor in departments.yaml)"


# Reading a revision

def merge_base(repo, base: str, head: str) -> str:
    """Return the commit the head branched from, so changes made on the base since then are not counted."""
    try:
        return git(repo, "merge-base", base, head).decode().strip()
    except GitError:
        return git(repo, "rev-parse", "--verify", f"{base}^{{commit}}").decode().strip()


def changed_files(repo, base: str, head: str, data_dir: str = "data") -> list[FileChange]:
    """Return every file under ``data_dir`` that differs between ``base`` and ``head``."""
    output = git(repo, "diff", "--raw", "-z", "--no-renames", "--no-abbrev", base, head, "--",
                 data_dir).decode("utf-8")
    fields = output.split("\0")
    entries = []
    for position in range(0, len(fields) - 1, 2):
        meta, path = fields[position], fields[position + 1]
        if not meta.startswith(":"):
            continue
        parts = meta[1:].split()
        entries.append((parts[4][0], parts[2], parts[3], path))
    blobs = history.read_blobs(repo, [name for _, old, new, _ in entries for name in (old, new) if name != ZERO])
    changes = []
    for status, old, new, path in entries:
        changes.append(FileChange(path, "M" if status not in "AD" else status,
                                  _text(blobs.get(old)) if old != ZERO else None,
                                  _text(blobs.get(new)) if new != ZERO else None))
    return changes


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return decode(raw).replace("\r\n", "\n")
    except YamlProblem:
        return raw.decode("utf-8", "replace")


def rules_at(repo, revision: str, data_dir: str = "data") -> RevisionRules:
    """Read departments.yaml, policy.yaml and calendar/*.yaml at ``revision``."""
    def checked(kind: str, name: str, time_zone: str = "Asia/Shanghai"):
        path = f"{data_dir}/{name}"
        raw = history.show_file(repo, revision, path)
        if raw is None:
            raise WenzhengError(f"{path} does not exist at {revision}; the change cannot be checked without it")
        data, problems = check_text(kind, _text(raw), path, time_zone)
        errors = [problem for problem in problems if problem.severity == "error"]
        if data is None or errors:
            raise WenzhengError(f"{path} at {revision} is invalid, so the change cannot be checked:\n"
                                + "\n".join(problem.format() for problem in errors))
        return data

    policy = Policy(checked("policy", "policy.yaml"))
    departments = checked("departments", "departments.yaml", policy.time_zone)
    editors: dict[str, set[str]] = {}
    for department in departments["departments"]:
        for user in department.get("editors") or []:
            editors.setdefault(user, set()).add(department["id"])
    office = Office(departments["office"]["name"], list(departments["office"]["members"]))

    listing = git(repo, "ls-tree", "-r", "--name-only", revision, "--", f"{data_dir}/calendar").decode()
    notices = []
    for path in sorted(line for line in listing.splitlines() if line.endswith(".yaml")):
        name = path[len(data_dir) + 1:]
        notices.append(checked("calendar-notice", name, policy.time_zone))
    calendar = WorkCalendar(notices, policy.raw["calendar"]["fixed_holidays"])
    return RevisionRules(office, editors, policy, calendar)


def actor_for(author: str, rules: RevisionRules) -> Actor:
    return Actor(author, author in rules.office.members, set(rules.editors.get(author, set())))


def kind_of(path: str, data_dir: str) -> tuple[str, tuple[str, ...]]:
    """Classify a data file by its place: letter, explanation (with period, department) or other."""
    relative = PurePosixPath(path).relative_to(data_dir)
    parts = relative.parts
    if parts[0] == "letters" and relative.suffix == ".yaml":
        return "letter", ()
    if parts[0] == "explanations" and len(parts) == 3 and relative.suffix == ".yaml":
        return "explanation", (parts[1], relative.stem)
    return "other", ()


def _load(text: str | None):
    if text is None:
        return None
    try:
        data = loads(text)
    except YamlProblem:
        return "unreadable"
    return data if isinstance(data, dict) else "unreadable"


# Permissions

class _Report:
    """Collects problems for one file, located on the head's text (or the base's for removals)."""

    def __init__(self, change: FileChange, actor: Actor):
        self.change = change
        self.actor = actor
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, hint: str, *, in_base: bool = False) -> None:
        text = self.change.old if in_base else self.change.new
        line, column = locate(text, path) if text and path else (0, 0)
        self.problems.append(Problem(self.change.path, format_path(path), message, hint=hint, line=line,
                                     column=column, code="permission", path=path))

    def office_only(self, path: tuple, what: str = "may be changed only by the office", *,
                    in_base: bool = False) -> None:
        self.add(path, f"{what}, and {self.actor.describe()} is not an office member",
                 "undo this change, or ask the office to make it", in_base=in_base)


def permission_problems(changes: list[FileChange], rules: RevisionRules, author: str,
                        data_dir: str = "data") -> list[Problem]:
    """Return a problem for every field of ``changes`` that ``author`` may not change."""
    actor = actor_for(author, rules)
    if actor.office:
        return []
    if not actor.departments:
        # Someone with no role may change nothing, so each changed file gets one plain problem.
        return [Problem(change.path, "", f"{author} is not an office member or a department editor in "
                        "departments.yaml, so may change no data file",
                        hint="ask the office to add the user to departments.yaml, or to make the change",
                        code="permission") for change in changes]
    problems: list[Problem] = []
    for change in changes:
        report = _Report(change, actor)
        kind, details = kind_of(change.path, data_dir)
        if kind == "letter":
            _letter_permissions(report)
        elif kind == "explanation":
            _explanation_permissions(report, details[1])
        else:
            report.office_only((), "may be changed only by the office", in_base=change.new is None)
        problems.extend(report.problems)
    return problems


def _letter_permissions(report: _Report) -> None:
    change, actor = report.change, report.actor
    if change.status == "A":
        report.office_only((), "registers a new letter, which only the office may do")
        return
    if change.status == "D":
        report.office_only((), "deletes a letter, which only the office may do", in_base=True)
        return
    old, new = _load(change.old), _load(change.new)
    if old == "unreadable" or new == "unreadable":
        report.add((), "cannot be read as YAML, so the change to it cannot be checked",
                   "fix the file (wenzheng validate shows where)")
        return

    _reply_permissions(report, old.get("replies") or [], new.get("replies") or [])
    _extension_permissions(report, old.get("extension"), new.get("extension"))
    if old.get("completed_at") != new.get("completed_at"):
        lead = _lead(old)
        if lead not in actor.departments:
            owner = f"its lead department {lead}" if lead else "the office (the letter has no lead department)"
            report.add(("completed_at",), f"may be changed only by {owner} or the office, "
                       f"and {actor.describe()} is neither", f"ask {lead or 'the office'} to complete the letter")
    rest_old = {key: value for key, value in old.items() if key not in DEPARTMENT_FIELDS}
    rest_new = {key: value for key, value in new.items() if key not in DEPARTMENT_FIELDS}
    for path in _differences(rest_old, rest_new):
        report.office_only(path, in_base=bool(path) and path[0] not in new)


def _lead(letter: dict) -> str | None:
    assignment = letter.get("assignment")
    if isinstance(assignment, dict) and isinstance(assignment.get("departments"), list) \
            and assignment["departments"]:
        return str(assignment["departments"][0])
    return None


def _reply_permissions(report: _Report, old: list, new: list) -> None:
    """Match replies by content, so reordering is no change, and check each added or removed one."""
    if not isinstance(old, list) or not isinstance(new, list):
        report.office_only(("replies",), "must be a list; changing its shape")
        return
    remaining = Counter(repr(item) for item in old)
    added = []
    for index, item in enumerate(new):
        key = repr(item)
        if remaining[key]:
            remaining[key] -= 1
        else:
            added.append((index, item))
    removed = []
    leftover = Counter(repr(item) for item in new)
    for index, item in enumerate(old):
        key = repr(item)
        if leftover[key]:
            leftover[key] -= 1
        else:
            removed.append((index, item))
    actor = report.actor
    for index, item in added:
        department = item.get("department") if isinstance(item, dict) else None
        if department not in actor.departments:
            report.add(("replies", index), f"adds or changes a reply of {department}, and "
                       f"{actor.describe()} may change only their own department's replies",
                       f"undo this change, or ask an editor of {department} or the office to make it")
    for index, item in removed:
        department = item.get("department") if isinstance(item, dict) else None
        if department not in actor.departments:
            report.add(("replies", index), f"removes or changes a reply of {department} (replies[{index}] "
                       f"in the base version), and {actor.describe()} may change only their own "
                       "department's replies", f"restore the reply, or ask an editor of {department} "
                       "or the office to make the change", in_base=True)


def _extension_permissions(report: _Report, old, new) -> None:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    for key in EXTENSION_DECISION:
        if old.get(key) != new.get(key):
            report.office_only(("extension", key), "is the office's decision on the extension and may be "
                               "changed only by the office", in_base=key not in new)
    changed = [key for key in EXTENSION_REQUEST if old.get(key) != new.get(key)]
    known = set(EXTENSION_REQUEST) | set(EXTENSION_DECISION)
    for key in [*old, *(key for key in new if key not in old)]:
        if key not in known and old.get(key) != new.get(key):
            report.office_only(("extension", key), in_base=key not in new)
    if not changed:
        return
    owners = {str(item["department"]) for item in (old, new) if item.get("department")}
    foreign = sorted(owners - report.actor.departments)
    if foreign or not owners:
        owner = ", ".join(foreign) or "no department"
        for key in changed:
            report.add(("extension", key), f"belongs to the extension request of {owner}, and "
                       f"{report.actor.describe()} may change only their own department's request",
                       f"undo this change, or ask an editor of {owner} or the office to make it",
                       in_base=key not in new)


def _explanation_permissions(report: _Report, department: str) -> None:
    owners = {department}
    for text in (report.change.old, report.change.new):
        data = _load(text)
        if isinstance(data, dict) and data.get("department"):
            owners.add(str(data["department"]))
    foreign = sorted(owners - report.actor.departments)
    if foreign:
        report.add(("department",) if report.change.new else (),
                   f"is the public explanation of {', '.join(foreign)}, and {report.actor.describe()} may "
                   "write only their own department's explanations",
                   f"undo this change, or ask an editor of {', '.join(foreign)} to make it",
                   in_base=report.change.new is None)


def _differences(old, new, path: tuple = ()) -> list[tuple]:
    """Return the paths of every value that differs between two parsed documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in list(old) + [key for key in new if key not in old]:
            found += _differences(old.get(key, _ABSENT), new.get(key, _ABSENT), (*path, key))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        found = []
        for index, (before, after) in enumerate(zip(old, new)):
            found += _differences(before, after, (*path, index))
        return found
    if old == new and type(old) is type(new):
        return []
    return [path]


_ABSENT = object()


# Honest dates

def backdating_problems(changes: list[FileChange], rules: RevisionRules, recorded: dt.datetime,
                        data_dir: str = "data") -> list[Problem]:
    """Return a problem for each dated item the change adds that is dated too long before ``recorded``."""
    zone = rules.policy.zone
    tolerance = rules.policy.backdating_tolerance
    problems = []
    for change in changes:
        if change.new is None or kind_of(change.path, data_dir)[0] != "letter":
            continue
        new = _load(change.new)
        if not isinstance(new, dict):
            continue
        old = _load(change.old)
        before = history.dated_items(old, zone) if isinstance(old, dict) else {}
        for key, stated in history.dated_items(new, zone).items():
            if key in before:
                continue
            early = history.working_days_early(stated, recorded, rules.calendar, zone)
            if early <= tolerance:
                continue
            name = history.item_field(key, new)
            path = _field_path(name)
            line, column = locate(change.new, path)
            problems.append(Problem(
                change.path, name,
                f"is dated {_local(stated, zone)} but recorded on {_local(recorded, zone)}, {early} working "
                f"days later; at most {tolerance} working day(s) are allowed",
                hint="record replies, extension requests and completions on the day they happen, or ask the "
                     "office to record this one", line=line, column=column, code="backdated", path=path))
    return problems


def _field_path(name: str) -> tuple:
    if name.startswith("replies["):
        return ("replies", int(name[len("replies["):-1]))
    return tuple(name.split("."))


def _local(moment: dt.datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def backfill_commits(repo, base: str, head: str) -> list[str]:
    """Return the short ids of commits in base..head that carry the ``Backfill: true`` trailer."""
    output = git(repo, "log", "--format=%h%x1f%B%x1e", f"{base}..{head}").decode("utf-8", "replace")
    found = []
    for record in output.split("\x1e"):
        if "\x1f" in record:
            sha, message = record.split("\x1f", 1)
            if history.BACKFILL_TRAILER.search(message):
                found.append(sha.strip())
    return found


def committer_date(repo, revision: str) -> dt.datetime:
    return dt.datetime.fromisoformat(git(repo, "show", "-s", "--format=%cI", revision).decode().strip())


def check_change(repo, base: str, head: str, author: str, data_dir: str = "data") -> list[Problem]:
    """Return every permission and backdating problem of the change from ``base`` to ``head``."""
    start = merge_base(repo, base, head)
    rules = rules_at(repo, start, data_dir)
    changes = changed_files(repo, start, head, data_dir)
    log.info("Checking %d changed data file(s) by %s", len(changes), author)
    problems = permission_problems(changes, rules, author, data_dir)
    backfill = backfill_commits(repo, start, head)
    actor = actor_for(author, rules)
    if backfill and not actor.office:
        problems.append(Problem(f"{start[:7]}..{head}", "", f"commit(s) {', '.join(backfill)} carry the trailer 'Backfill: true', "
                                f"which only the office may use, and {actor.describe()} is not an office member",
                                hint="remove the trailer from the commit message", code="permission"))
    if not (backfill and actor.office):
        problems += backdating_problems(changes, rules, committer_date(repo, head), data_dir)
    problems.sort(key=lambda problem: (problem.file, problem.line, problem.column))
    return problems


# What the change does to the published figures

SUMMARY_ROWS = 100
SUMMARY_RATES = ("reply_rate", "completion_rate", "on_time_reply_rate", "on_time_completion_rate",
                 "satisfaction_rate")
SUMMARY_COUNTS = ("received", "red", "yellow", "green")
SUMMARY_PERIOD_KINDS = ("month", "quarter", "year")


def dataset_at(repo, revision: str, data_dir: str, destination: Path, as_of: dt.datetime):
    """Extract the data folder of ``revision`` with ``git archive`` and load it without stopping on errors."""
    from generator.dataset import load_dataset

    archive = git(repo, "archive", "--format=tar", revision, "--", data_dir)
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
        if hasattr(tarfile, "data_filter"):
            bundle.extractall(destination, filter="data")
        else:  # pragma: no cover - Python before 3.11.4
            bundle.extractall(destination)  # noqa: S202 - our own repository's archive
    return load_dataset(destination / data_dir, now=as_of, strict=False)


def change_summary(repo, base: str, head: str, data_dir: str = "data", as_of: dt.datetime | None = None) -> str:
    """Return Markdown listing the letters whose light changes and the departments whose figures change."""
    from generator.stats import compute

    start = merge_base(repo, base, head)
    with tempfile.TemporaryDirectory(prefix="wenzheng-summary-") as folder:
        before = dataset_at(repo, start, data_dir, Path(folder) / "base", as_of)
        after = dataset_at(repo, head, data_dir, Path(folder) / "head", as_of)
    zone = after.policy.zone
    as_of = (as_of or dt.datetime.now(zone)).astimezone(zone).replace(microsecond=0)

    lights_before = _lights(before, as_of)
    lights_after = _lights(after, as_of)
    light_rows = [(letter_id, lights_before.get(letter_id), lights_after.get(letter_id))
                  for letter_id in sorted(set(lights_before) | set(lights_after))
                  if lights_before.get(letter_id) != lights_after.get(letter_id)]
    changed_ids = {row[0] for row in light_rows} | _changed_letter_ids(before, after)
    periods = _periods_of(changed_ids, before, after, as_of)
    stats_before = compute(before, as_of, periods) if periods else None
    stats_after = compute(after, as_of, periods) if periods else None
    figure_rows = _figure_rows(stats_before, stats_after, after) if periods else []

    lines = ["## What this change does to the published figures", "",
             f"Evaluated as of {as_of.strftime('%Y-%m-%d %H:%M')} ({after.policy.time_zone}), "
             f"comparing `{start[:7]}` with `{_short(repo, head)}`.", ""]
    for label, dataset in (("base", before), ("head", after)):
        if dataset.errors:
            lines += [f"- The {label} data has {len(dataset.errors)} error(s); letters with errors are left out "
                      "of these figures (`wenzheng validate` lists them).", ""]
    if not light_rows and not figure_rows:
        lines.append("No letter's light and no department's published figures change.")
        return "\n".join(lines) + "\n"
    lines += _table(f"Letters whose light changes ({len(light_rows)})", ["letter", "before", "after"],
                    [[letter_id, old or "(absent)", new or "(absent)"] for letter_id, old, new in light_rows])
    lines += _table(f"Department figures that change ({len(figure_rows)})",
                    ["period", "department", "figure", "before", "after"], figure_rows)
    return "\n".join(lines) + "\n"


def _short(repo, revision: str) -> str:
    return git(repo, "rev-parse", "--short", revision).decode().strip()


def _lights(dataset, as_of: dt.datetime) -> dict[str, str]:
    from generator.lights import evaluate

    return {letter.id: evaluate(letter, dataset.calendar, dataset.policy, as_of).light
            for letter in dataset.letters if letter.received <= as_of}


def _changed_letter_ids(before, after) -> set[str]:
    old = {letter.id: letter for letter in before.letters}
    new = {letter.id: letter for letter in after.letters}
    changed = set(old) ^ set(new)
    for letter_id in set(old) & set(new):
        if dataclasses.replace(old[letter_id], path="") != dataclasses.replace(new[letter_id], path=""):
            changed.add(letter_id)
    return changed


def _periods_of(letter_ids: set[str], before, after, as_of: dt.datetime) -> list:
    """Return the months, quarters and years that contain the changed letters, plus the current ones."""
    from generator.periods import Period

    if after.policy.raw != before.policy.raw or after.notices != before.notices:
        letter_ids = {letter.id for letter in after.letters} | {letter.id for letter in before.letters}
    zone = after.policy.zone
    days = {as_of.astimezone(zone).date()} if letter_ids else set()
    for dataset in (before, after):
        for letter in dataset.letters:
            if letter.id in letter_ids and letter.received <= as_of:
                days.add(letter.received.astimezone(zone).date())
    periods = {Period.containing(day, kind) for day in days for kind in SUMMARY_PERIOD_KINDS}
    return sorted(periods, key=lambda period: period.sort_key)


def _figure_rows(stats_before, stats_after, dataset) -> list[list[str]]:
    ranks_before = _ranks(stats_before)
    ranks_after = _ranks(stats_after)
    rows = []
    for period in stats_after.periods:
        for department in sorted(dataset.departments):
            old = stats_before.figures.get((period.code, department))
            new = stats_after.figures.get((period.code, department))
            if old is None or new is None:
                continue
            for name in SUMMARY_COUNTS:
                if getattr(old, name) != getattr(new, name):
                    rows.append([period.code, department, name, str(getattr(old, name)), str(getattr(new, name))])
            for name in SUMMARY_RATES:
                first, second = getattr(old, name), getattr(new, name)
                if (first.numerator, first.denominator) != (second.numerator, second.denominator):
                    rows.append([period.code, department, name, _rate(first), _rate(second)])
            rank_old = ranks_before.get((period.code, department))
            rank_new = ranks_after.get((period.code, department))
            if rank_old != rank_new:
                rows.append([period.code, department, "rank", _rank(rank_old), _rank(rank_new)])
    return rows


def _ranks(stats) -> dict[tuple[str, str], tuple]:
    ranks = {}
    for (period, category), rows in stats.rankings.items():
        ranked = sum(1 for row in rows if row.rank is not None)
        for row in rows:
            ranks[(period, row.department)] = (row.rank, ranked, category)
    return ranks


def _rate(rate) -> str:
    if not rate.denominator:
        return "-"
    return f"{rate.numerator}/{rate.denominator} ({rate.numerator / rate.denominator:.1%})"


def _rank(rank) -> str:
    if rank is None:
        return "-"
    position, ranked, category = rank
    return f"not ranked ({category})" if position is None else f"{position} of {ranked} ({category})"


def _table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows[:SUMMARY_ROWS]:
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    if len(rows) > SUMMARY_ROWS:
        lines.append("")
        lines.append(f"... and {len(rows) - SUMMARY_ROWS} more.")
    lines.append("")
    return lines


def _cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
