"""When each dated item of a letter was first recorded in Git, read from the history in one pass.

A reply, an extension request or a completion states its own date. The date
it was recorded is the committer date of the first commit on the main line
(first parents only) whose version of the letter contains the item. On the
main line those dates are set when a pull request is merged, not by the
clerk's machine. An item is identified by its stated values, so editing a
date counts as recording a new item:

- ``("replies", at, department, kind)``, so reordering replies changes nothing;
- ``("extension.requested_at", requested_at)``;
- ``("completed_at", completed_at)``.

Letters imported from an older system carry old dates by nature. The items
first recorded by a commit whose message has the trailer ``Backfill: true``
are recorded without a date, so they are never reported as backdated.
``wenzheng check-change`` accepts that trailer only from the office. With
``first_versions_as_stated``, the items in the first version of each letter
file are treated the same way. Only the office may add letter files, so that
version is a registration or an import.

Reading: one ``git log --raw`` lists every version of every letter file, and
one ``git cat-file --batch`` process streams their contents. Each version is
read by a line scanner that understands the block layout the project writes,
and by the YAML loader when the file looks any different.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from generator.fields import DATETIME_PATTERN, parse_offset
from generator.yamlio import YamlProblem, loads

log = logging.getLogger(__name__)

BACKFILL_TRAILER = re.compile(r"^Backfill:\s*(true|yes)\s*$", re.IGNORECASE | re.MULTILINE)


class GitError(Exception):
    """A git command failed; the message contains git's own error output."""


def git(repo: Path | str, *args: str, input: bytes | None = None) -> bytes:
    """Run git in ``repo`` and return its standard output; raise GitError when it fails."""
    command = ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]
    result = subprocess.run(command, input=input, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args[:3])} failed: {message}")
    return result.stdout


def read_blobs(repo: Path | str, object_names: list[str]) -> dict[str, bytes]:
    """Read many blobs through one ``git cat-file --batch`` process."""
    if not object_names:
        return {}
    unique = list(dict.fromkeys(object_names))
    output = git(repo, "cat-file", "--batch", input="\n".join(unique).encode() + b"\n")
    blobs: dict[str, bytes] = {}
    position = 0
    for name in unique:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        position = header_end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[name] = output[position:position + size]
        position += size + 1
    return blobs


def stream_blobs(repo: Path | str, object_names: list[str]) -> Iterator[bytes | None]:
    """Yield the content of each named blob in order (None when missing), holding one at a time in memory."""
    if not object_names:
        return
    process = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def feed() -> None:
        # A separate thread writes the names, so neither pipe can fill up while the other waits.
        try:
            for name in object_names:
                process.stdin.write(name.encode() + b"\n")
        except BrokenPipeError:
            pass
        finally:
            process.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in object_names:
            header = process.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                yield None
                continue
            content = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield content
    finally:
        process.stdout.close()
        process.kill()
        process.wait()
        writer.join()


def show_file(repo: Path | str, revision: str, path: str) -> bytes | None:
    """Return a file's content at a revision, or None when it does not exist there."""
    try:
        return git(repo, "show", f"{revision}:{path}")
    except GitError:
        return None


# Dated items of one letter version

def parse_moment(value, zone: ZoneInfo) -> dt.datetime | None:
    """Read a datetime the way the validator does (no offset: the policy's time zone)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if not isinstance(value, str):
        return None
    return _parse_text(value, zone)


@functools.lru_cache(maxsize=65536)
def _parse_text(value: str, zone: ZoneInfo) -> dt.datetime | None:
    # Each version of a letter repeats the dates of the versions before it.
    match = DATETIME_PATTERN.fullmatch(value.strip())
    if not match:
        return None
    parts = [int(part or 0) for part in match.groups()[:6]]
    try:
        return dt.datetime(*parts, tzinfo=parse_offset(match.group(7)) or zone)
    except ValueError:
        return None


def dated_items(letter: dict, zone: ZoneInfo) -> dict[tuple, dt.datetime]:
    """Return ``key -> stated datetime`` for the replies, extension request and completion of a letter."""
    items: dict[tuple, dt.datetime] = {}
    replies = letter.get("replies")
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        at = parse_moment(reply.get("at"), zone)
        if at is not None:
            items[("replies", at, str(reply.get("department")), str(reply.get("kind")))] = at
    extension = letter.get("extension")
    if isinstance(extension, dict):
        requested = parse_moment(extension.get("requested_at"), zone)
        if requested is not None:
            items[("extension.requested_at", requested)] = requested
    completed = parse_moment(letter.get("completed_at"), zone)
    if completed is not None:
        items[("completed_at", completed)] = completed
    return items


def item_field(key: tuple, letter: dict | None = None) -> str:
    """Name an item the way problems name fields: replies[2], extension.requested_at, completed_at."""
    if key[0] != "replies":
        return key[0]
    if letter is not None:
        zone = key[1].tzinfo
        for index, reply in enumerate(letter.get("replies") or []):
            if isinstance(reply, dict) and parse_moment(reply.get("at"), zone) == key[1] \
                    and str(reply.get("department")) == key[2] and str(reply.get("kind")) == key[3]:
                return f"replies[{index}]"
    return "replies"


_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?:[ \t]+(.*))?$")
_PLAIN_VALUE = re.compile(r"[^'\"&*!|>{\[#%@`][^#]*?")


def _value(raw: str | None):
    """Return the text of a one-line scalar, or None when the scanner should give up."""
    if raw is None:
        return None
    raw = re.sub(r"[ \t]+#.*$", "", raw).strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and "\\" not in raw:
        return raw[1:-1]
    if raw and _PLAIN_VALUE.fullmatch(raw):
        return raw
    return None


class _Unusual(Exception):
    """The file is laid out in a way the line scanner does not read; use the YAML loader."""


# A column-0 line that is not a comment, a list item, blank or a "key:" line.
_ODD_TOP_LINE = re.compile(r"^(?![ ]|#|-[ ]|-$|$|[A-Za-z_][A-Za-z0-9_]*:(?:[ ]|$))", re.MULTILINE)
# A value that starts with a quote, after any list dashes and key; it may go on over several lines.
_QUOTED = re.compile(r"^[ -]*(?:[A-Za-z_][A-Za-z0-9_]*:[ ]+)?(['\"].*)$", re.MULTILINE)
_SECTION = re.compile(r"^(replies|extension|completed_at):(.*)$", re.MULTILINE)
_NEXT_TOP_KEY = re.compile(r"^[A-Za-z_]", re.MULTILINE)


def scan_letter(text: str) -> dict:
    """Read replies, extension and completed_at from a letter in block layout, without a YAML parser.

    Raises _Unusual for anything beyond one-line scalars in block mappings and
    sequences (flow collections, anchors, tags, tabs, quoted values that go on
    over several lines), so the caller can fall back to the full loader. Only
    the three top-level sections are read line by line; the checks on the rest
    of the file are regular expressions over the whole text.
    """
    if "\t" in text or "\r" in text or text.startswith(("---", "%", "\ufeff")) or _ODD_TOP_LINE.search(text):
        raise _Unusual
    if "'" in text or '"' in text:
        for match in _QUOTED.finditer(text):
            _check_closed(match.group(1))
    result: dict = {}
    for match in _SECTION.finditer(text):
        key, raw = match.group(1), match.group(2).strip() or None
        if key in result:
            raise _Unusual
        if key == "completed_at":
            value = _value(raw)
            if value is None:
                raise _Unusual
            result[key] = value
            continue
        if raw is not None and not raw.startswith("#"):
            raise _Unusual
        following = _NEXT_TOP_KEY.search(text, match.end())
        lines = text[match.end():following.start() if following else len(text)].split("\n")
        result[key] = _scan_replies(lines) if key == "replies" else _scan_mapping(lines)
    return result


def _scan_replies(lines: list[str]) -> list[dict]:
    replies: list[dict] = []
    item_indent = key_indent = None
    current: dict | None = None
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if stripped.startswith("- ") or stripped == "-":
            if item_indent is None:
                item_indent = indent
            if indent == item_indent:
                rest = stripped[1:].lstrip(" ")
                if not rest:
                    raise _Unusual
                current = {}
                replies.append(current)
                key_indent = indent + len(stripped) - len(rest)
                _read_item_key(rest, current)
                continue
        if current is not None and indent == key_indent:
            _read_item_key(stripped, current)
        elif current is None or indent < key_indent:
            raise _Unusual
    return replies


def _scan_mapping(lines: list[str]) -> dict:
    mapping: dict = {}
    key_indent = None
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if key_indent is None:
            if indent == 0:
                raise _Unusual
            key_indent = indent
        if indent == key_indent:
            _read_item_key(stripped, mapping)
        elif indent < key_indent:
            raise _Unusual
    return mapping


def _check_closed(raw: str | None) -> None:
    """Give up on a quoted scalar that continues on the next line, which may hide a key."""
    if raw and raw[0] in "'\"" and _value(raw) is None:
        raise _Unusual


def _read_item_key(text: str, item: dict) -> None:
    match = _KEY.match(text)
    if not match:
        raise _Unusual
    key, raw = match.group(1), match.group(2)
    _check_closed(raw)
    if key in ("at", "department", "kind", "requested_at"):
        value = _value(raw)
        if value is None:
            raise _Unusual
        item[key] = value


def load_letter_version(text: str) -> dict | None:
    """Return the parts of one letter version that carry dated items; None when unreadable."""
    try:
        return scan_letter(text)
    except _Unusual:
        pass
    try:
        data = loads(text)
    except YamlProblem:
        return None
    return data if isinstance(data, dict) else None


# The history

@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    committed: dt.datetime
    backfill: bool


def _log(repo: Path | str, data_dir: str, revision: str) -> list[tuple[Commit, list[tuple[str, str, str]]]]:
    """Return each first-parent commit touching letters, oldest first, with (status, blob, path) of its files."""
    letters = str(PurePosixPath(data_dir) / "letters")
    output = git(repo, "log", "--reverse", "--first-parent", "--diff-merges=first-parent", "--raw",
                 "--no-renames", "--no-abbrev", "--format=%x1e%H %cI%x1f%B%x1f", revision, "--", letters)
    commits = []
    for record in output.decode("utf-8", "replace").split("\x1e")[1:]:
        header, message, changes = record.split("\x1f", 2)
        sha, committed = header.split(" ", 1)
        commit = Commit(sha, dt.datetime.fromisoformat(committed.strip()), bool(BACKFILL_TRAILER.search(message)))
        files = []
        for line in changes.splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line.split("\t", 1)
            parts = meta.split()
            files.append((parts[4][0], parts[3], path))
        commits.append((commit, files))
    return commits


def recorded_dates(repo: Path | str, data_dir: str = "data", *, time_zone: str = "Asia/Shanghai",
                   revision: str = "HEAD", first_versions_as_stated: bool = False,
                   ) -> dict[tuple[str, tuple], dt.datetime]:
    """Return ``(letter_id, item key) -> committer date`` of the commit that first recorded each item.

    ``data_dir`` is the data folder relative to the repository's top. Items
    first recorded by a ``Backfill: true`` commit are left out, and so are the
    items of each letter file's first version when ``first_versions_as_stated``.
    """
    zone = ZoneInfo(time_zone)
    if git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true":
        # A shallow clone's oldest commit would seem to record every item in it.
        raise GitError("the repository is a shallow clone, so the dates items were recorded are unknown; "
                       "fetch the full history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout)")
    history = _log(repo, data_dir, revision)
    versions = [(commit, blob, path) for commit, files in history for status, blob, path in files
                if status in "AM" and path.endswith(".yaml")]
    seen: set[tuple[str, tuple]] = set()
    letters: set[str] = set()
    recorded: dict[tuple[str, tuple], dt.datetime] = {}
    contents = stream_blobs(repo, [blob for _, blob, _ in versions])
    for (commit, _, path), content in zip(versions, contents):
        letter_id = PurePosixPath(path).stem
        as_stated = commit.backfill or (first_versions_as_stated and letter_id not in letters)
        letters.add(letter_id)
        letter = load_letter_version(content.decode("utf-8", "replace")) if content is not None else None
        if letter is None:
            continue
        for key in dated_items(letter, zone):
            if (letter_id, key) in seen:
                continue
            seen.add((letter_id, key))
            if not as_stated:
                recorded[(letter_id, key)] = commit.committed
    log.debug("Read %d commits and %d letter versions; %d dated items recorded", len(history), len(versions),
              len(recorded))
    return recorded


# Backdated items

@dataclass(frozen=True, slots=True)
class BackdatedItem:
    """A dated item whose stated date is more than the tolerance before the commit that first recorded it."""

    field: str
    stated: dt.datetime
    recorded: dt.datetime
    working_days_early: int


def working_days_early(stated: dt.datetime, recorded: dt.datetime, calendar, zone) -> int:
    """Count working days from the stated date to the recorded date, both as local dates."""
    return calendar.elapsed(stated.astimezone(zone).date(), recorded.astimezone(zone).date())


def letter_items(letter) -> list[tuple[str, tuple, dt.datetime]]:
    """Return (field, key, stated) for each dated item of a model.Letter."""
    items = [(f"replies[{index}]", ("replies", reply.at, reply.department, reply.kind), reply.at)
             for index, reply in enumerate(letter.replies)]
    if letter.extension is not None:
        at = letter.extension.requested_at
        items.append(("extension.requested_at", ("extension.requested_at", at), at))
    if letter.completed_at is not None:
        items.append(("completed_at", ("completed_at", letter.completed_at), letter.completed_at))
    return items


def backdated_items(dataset, recorded: dict, calendar, policy) -> dict[str, list[BackdatedItem]]:
    """Return, per letter id, the items stated earlier than recorded by more than the policy allows."""
    tolerance = policy.backdating_tolerance
    found: dict[str, list[BackdatedItem]] = {}
    for letter in dataset.letters:
        for field, key, stated in letter_items(letter):
            moment = recorded.get((letter.id, key))
            if moment is None:
                continue
            early = working_days_early(stated, moment, calendar, policy.zone)
            if early > tolerance:
                found.setdefault(letter.id, []).append(BackdatedItem(field, stated, moment, early))
    return found
