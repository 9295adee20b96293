"""Load the whole data folder: policy, calendar, departments, letters and explanations.

Letters are read and checked on every core: each worker parses and checks a
share of the files and returns domain objects plus problems, so the slowest
step, PyYAML's parse, runs in parallel.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.errors import DataError, Problem
from generator.model import Department, Explanation, Letter, Office
from generator.policy import Policy
from generator.validate import check_file, letter_problems, problem_at
from generator.workdays import WorkCalendar
from generator.yamlio import YamlProblem, decode, locate

log = logging.getLogger(__name__)

# Below this many files the cost of starting workers outweighs the gain.
PARALLEL_THRESHOLD = 2000


@dataclass
class Dataset:
    root: Path
    policy: Policy
    calendar: WorkCalendar
    office: Office
    departments: dict[str, Department]
    letters: list[Letter] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "warning"]

    def letters_by_id(self) -> dict[str, Letter]:
        return {letter.id: letter for letter in self.letters}


class _Checks:
    """Context of a letter check: departments, letter ids, calendar and policy."""

    def __init__(self, departments, letter_ids, calendar, policy):
        self.departments = departments
        self.letter_ids = letter_ids
        self.calendar = calendar
        self.policy = policy


_WORKER_STATE: dict = {}


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def letter_files(root: Path) -> list[Path]:
    folder = Path(root) / "letters"
    if not folder.is_dir():
        return []
    return sorted(folder.rglob("*.yaml"))


def misnamed_files(root: Path) -> list[Problem]:
    """Report data files that are never read because they end in .yml or .YAML instead of .yaml."""
    problems = []
    for folder in ("letters", "explanations", "calendar"):
        base = Path(root) / folder
        for path in sorted(base.rglob("*.[yY]*")) if base.is_dir() else []:
            if path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml" and path.is_file():
                problems.append(Problem(display_path(path), "", "is not read because its name does not end in .yaml",
                                        "a name ending in .yaml", f"'{path.suffix}'",
                                        f"rename the file to {path.stem}.yaml", code="file-name"))
    return problems


def _check_letters(paths: list[Path]) -> tuple[list[Letter], list[Problem]]:
    checks: _Checks = _WORKER_STATE["checks"]
    privacy = _WORKER_STATE.get("privacy")
    zone = checks.policy.zone
    letters, problems = [], []
    for path in paths:
        display = display_path(path)
        checked, found, text = check_file("letter", path, display, checks.policy.time_zone)
        if checked is not None:
            found.extend(letter_problems(checked, display, text, zone, checks))
        if checked is not None and not any(problem.severity == "error" for problem in found):
            letter = Letter.from_checked(checked, display)
            if privacy is not None:
                found.extend(privacy(letter, checks.departments, display, text))
            if not any(problem.severity == "error" for problem in found):
                letters.append(letter)
        problems.extend(found)
    return letters, problems


def _privacy_check():
    try:
        from generator.privacy import privacy_problems
    except ImportError:  # pragma: no cover - the module ships with the package
        return None
    return privacy_problems


def load_letters(paths: list[Path], checks: _Checks, jobs: int | None = None):
    """Parse and check letter files, in parallel when there are many."""
    _WORKER_STATE["checks"] = checks
    _WORKER_STATE["privacy"] = _privacy_check()
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        return _check_letters(paths)
    chunks = [paths[index::jobs * 4] for index in range(jobs * 4)]
    letters, problems = [], []
    # fork shares the department table and id set with the workers without pickling them.
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for chunk_letters, chunk_problems in pool.imap_unordered(_check_letters, chunks):
            letters.extend(chunk_letters)
            problems.extend(chunk_problems)
    return letters, problems


def load_policy(root: Path) -> tuple[Policy | None, list[Problem]]:
    path = Path(root) / "policy.yaml"
    checked, problems, text = check_file("policy", path, display_path(path))
    if checked is None or problems:
        return None, problems
    try:
        ZoneInfo(checked["time_zone"])
    except (KeyError, ValueError, OSError):  # KeyError includes ZoneInfoNotFoundError
        problems.append(problem_at(display_path(path), text, ("time_zone",), "is not a known time zone",
                                   "an IANA time zone name such as Asia/Shanghai", f"'{checked['time_zone']}'",
                                   "correct the name; it is case-sensitive", code="time-zone"))
        return None, problems
    weights = checked["ranking"]["weights"]
    if weights and abs(sum(weights.values()) - 1) > 1e-9:
        # Twelve digits, so a sum of 0.9999999 is not shown as 1.
        problems.append(problem_at(display_path(path), text, ("ranking", "weights"),
                                   "do not add up to 1", "a sum of 1", f"{sum(weights.values()):.12g}",
                                   "adjust the weights so they add up to 1", code="weights"))
        return None, problems
    problems.extend(_policy_order_problems(checked, display_path(path), text))
    if problems:
        return None, problems
    return Policy(checked), problems


def _explanation_date_problems(checked: dict, display: str, text: str, time_zone: str) -> list[Problem]:
    """Check that an explanation is published after its period ended, since it explains that period."""
    from zoneinfo import ZoneInfo

    from generator.periods import Period

    try:
        period = Period.parse(checked["period"])
    except ValueError:
        return [problem_at(display, text, ("period",), "is not a period", "a code such as 2026-B5 or 2026-Q3",
                           f"'{checked['period']}'", "correct the period code", code="period")]
    published = checked["published_at"].astimezone(ZoneInfo(time_zone)).date()
    if published <= period.end:
        return [problem_at(display, text, ("published_at",), "is before the period ended",
                           f"after {period.end.isoformat()}", published.isoformat(),
                           "publish the explanation once the period is over", code="explanation-early")]
    return []


def _policy_order_problems(checked: dict, display: str, text: str) -> list[Problem]:
    """Check that the light thresholds and the extension cut-off come in a possible order."""
    lights = checked["lights"]
    problems = []
    if lights["red_open_after"] < lights["yellow_open_after"]:
        problems.append(problem_at(display, text, ("lights", "red_open_after"), "is below yellow_open_after",
                                   f"at least {lights['yellow_open_after']}", str(lights["red_open_after"]),
                                   "a letter must be able to turn yellow before it turns red", code="policy-order"))
    cutoff = checked["extension"]["request_by_working_day"]
    if cutoff > lights["red_open_after"]:
        problems.append(problem_at(display, text, ("extension", "request_by_working_day"),
                                   "is after the red threshold", f"at most {lights['red_open_after']}",
                                   str(cutoff), "an extension must be requested before the letter turns red",
                                   code="policy-order"))
    return problems


def load_departments(root: Path, time_zone: str):
    path = Path(root) / "departments.yaml"
    display = display_path(path)
    checked, problems, text = check_file("departments", path, display, time_zone)
    if checked is None:
        return None, {}, problems
    departments: dict[str, Department] = {}
    for index, item in enumerate(checked.get("departments") or []):
        if not item or not item.get("id"):
            continue
        if item["id"] in departments:
            problems.append(problem_at(display, text, ("departments", index, "id"), "is used twice",
                                       "a unique id", f"'{item['id']}'", "rename one of the two departments",
                                       code="duplicate"))
            continue
        if item.get("spokesperson"):
            departments[item["id"]] = Department.from_checked(item)
    office_data = checked.get("office") or {}
    office = Office(office_data.get("name") or "", list(office_data.get("members") or []))
    return office, departments, problems


def load_calendar(root: Path, policy: Policy, now: dt.datetime) -> tuple[WorkCalendar, list[dict], list[Problem]]:
    folder = Path(root) / "calendar"
    notices, problems = [], []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        checked, found, text = check_file("calendar-notice", path, display_path(path), policy.time_zone)
        for index, holiday in enumerate((checked or {}).get("holidays") or []):
            if holiday.get("from") and holiday.get("to") and holiday["to"] < holiday["from"]:
                found.append(problem_at(display_path(path), text, ("holidays", index, "to"), "is before from",
                                        f"on or after {holiday['from'].isoformat()}", holiday["to"].isoformat(),
                                        "correct the range; from is the first day off, to the last",
                                        code="order"))
        problems.extend(found)
        if checked is not None and not found:
            checked["file"] = display_path(path)
            notices.append(checked)
    calendar = WorkCalendar(notices, policy.raw["calendar"]["fixed_holidays"])
    today = now.astimezone(policy.zone).date()
    if today.month >= policy.raw["calendar"]["warn_next_year_missing_from_month"]:
        next_year = today.year + 1
        if next_year not in calendar.official_years:
            problems.append(Problem(
                display_path(folder), "", f"no official working-day schedule for {next_year} yet",
                hint=(f"add the State Council's {next_year} holiday notice as a file in {display_path(folder)}/ "
                      f"(kind: official); until then deadlines in {next_year} are provisional"),
                severity="warning", code="calendar-next-year"))
    return calendar, notices, problems


def load_explanations(root: Path, departments: dict, time_zone: str):
    folder = Path(root) / "explanations"
    privacy = _privacy_check()
    explanations, problems = [], []
    for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else []:
        display = display_path(path)
        checked, found, text = check_file("explanation", path, display, time_zone)
        if checked is not None and not found:
            if checked["department"] not in departments:
                found.append(problem_at(display, text, ("department",), "names an unknown department",
                                        "an id from departments.yaml", f"'{checked['department']}'",
                                        "correct the department id", code="department"))
            if path.stem != checked["department"] or path.parent.name != checked["period"]:
                found.append(problem_at(
                    display, text, ("department",), "does not match the file's place",
                    f"explanations/{checked['period']}/{checked['department']}.yaml",
                    f"explanations/{path.parent.name}/{path.name}",
                    "move the file or correct department and period", code="explanation-path"))
            found.extend(_explanation_date_problems(checked, display, text, time_zone))
            if privacy is not None:
                found.extend(privacy(checked, departments, display, text))
        problems.extend(found)
        if checked is not None and not found:
            explanations.append(Explanation(path=display, **checked))
    return explanations, problems


def load_dataset(root: Path | str = "data", *, jobs: int | None = None, now: dt.datetime | None = None,
                 paths: list[Path] | None = None, strict: bool = True) -> Dataset:
    """Load and check everything under ``root``; raise DataError listing every error when ``strict``.

    With ``paths``, only those letter files are parsed and checked in full; the
    cross-file checks still see every letter id from the file names, which is
    what a pre-commit hook on a few changed files needs. Only problems in the
    given files are kept, so a broken file elsewhere does not block the hook.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError([Problem(str(root), "", "is not a folder", hint="pass the data folder with --data")])
    policy, problems = load_policy(root)
    if policy is None:
        raise DataError(problems, "data/policy.yaml must be valid before anything else can be checked")
    now = now or dt.datetime.now(policy.zone)
    calendar, notices, found = load_calendar(root, policy, now)
    problems.extend(found)
    office, departments, found = load_departments(root, policy.time_zone)
    problems.extend(found)
    if office is None:
        raise DataError(problems, "data/departments.yaml must be valid before letters can be checked")

    all_files = letter_files(root)
    problems.extend(misnamed_files(root))
    letter_ids = {path.stem for path in all_files}
    targets = all_files if paths is None else [Path(path) for path in paths if Path(path).suffix == ".yaml"
                                               and "letters" in Path(path).parts]
    problems.extend(_duplicate_ids(all_files, None if paths is None else targets))
    checks = _Checks(departments, letter_ids, calendar, policy)
    letters, found = load_letters(targets, checks, jobs)
    problems.extend(found)
    letters.sort(key=lambda letter: (letter.received, letter.id))
    explanations, found = load_explanations(root, departments, policy.time_zone)
    problems.extend(found)
    if paths is not None:
        # The cross-file checks above used the whole folder, but a pre-commit
        # hook reports only on the files it passed.
        wanted = {display_path(Path(path)) for path in paths}
        problems = [problem for problem in problems if problem.file in wanted]

    problems.sort(key=lambda problem: (problem.file, problem.line, problem.column))
    dataset = Dataset(root, policy, calendar, office, departments, letters, explanations, problems, notices)
    log.debug("Loaded %d letters, %d departments, %d explanations", len(letters), len(departments),
              len(explanations))
    if strict and dataset.errors:
        raise DataError(dataset.problems)
    return dataset


def _duplicate_ids(paths: list[Path], targets: list[Path] | None = None) -> list[Problem]:
    """Report letter files whose id (the file name) another file already uses.

    Without ``targets`` every file after the first of its id is reported. With
    ``targets`` (the files a pre-commit hook passes) only those files are
    reported, each naming a file that shares its id.
    """
    by_id: dict[str, list[Path]] = {}
    for path in paths:
        by_id.setdefault(path.stem, []).append(path)
    wanted = None if targets is None else {Path(path).resolve() for path in targets}
    problems = []
    for same in by_id.values():
        if len(same) < 2:
            continue
        for index, path in enumerate(same):
            reported = index > 0 if wanted is None else path.resolve() in wanted
            if not reported:
                continue
            other = same[1] if index == 0 else same[0]
            line, column = _id_position(path)
            problems.append(Problem(display_path(path), "id", "is used by another letter",
                                    "a unique letter id", f"'{path.stem}', also in {display_path(other)}",
                                    "give one of the letters a new id and rename its file", line=line,
                                    column=column, code="duplicate"))
    return problems


def _id_position(path: Path) -> tuple[int, int]:
    """Return the line and column of a letter's id, or 1:1 when the file cannot be parsed."""
    try:
        line, column = locate(decode(path.read_bytes()), ("id",))
    except (OSError, YamlProblem):
        return 1, 1
    return (line, column) if line else (1, 1)
