"""Import letters from a platform's spreadsheet export (xlsx or csv) into a complete data folder.

Three phases, as in a build: read every row, convert each row into a letter
(or a reason why not), then write the letters and the folder's support files.
Every row ends in exactly one outcome: written, skipped with a reason, or
rejected with its row number and the problem. The report lists all of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from generator import import_mapping as mapping_module
from generator.errors import Problem, WenzhengError
from generator.fields import FIRST_YEAR, LAST_YEAR
from generator.import_mapping import Mapping
from generator.writer import atomic_write, dump_letter, dump_yaml, letter_path
from generator.yamlio import YamlProblem, load_file

from generator.privacy import Finding, find_personal_data
from generator.validate import check_text

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# The policy copied into a new data folder: the one installed with the package,
# else the repository's own data/policy.yaml.
DEFAULT_POLICY_FILES = (PACKAGE_DIR / "data" / "policy.yaml", PACKAGE_DIR.parent / "data" / "policy.yaml")

SPOKESPERSON_PLACEHOLDER = "待指定"

# Year-month-day with any of - / . or 年月日 between the parts, optionally followed by a time.
DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?"
)

# A whitespace run holding a full-width space, or two no-break spaces: paragraph padding.
PADDING_RUN = re.compile(r"[ \t\xa0]*(?:\u3000|\xa0[ \t]*\xa0)[\s\u3000\xa0]*")


class RowError(Exception):
    """A row that cannot become a letter; ``column`` is a key of ``Mapping.columns`` or empty."""

    def __init__(self, code: str, column: str, message: str, expected: str = "", found: str = "",
                 hint: str = ""):
        super().__init__(message)
        self.code = code
        self.column = column
        self.message = message
        self.expected = expected
        self.found = found
        self.hint = hint


@dataclass(slots=True)
class Sheet:
    """The rows of a spreadsheet or CSV file, with the header row's column names."""

    name: str
    headers: list[str]
    rows: list[tuple[int, tuple]]  # (row number counting the header row, cell values)


@dataclass(slots=True)
class Converted:
    """One row turned into a letter, with the facts the report needs."""

    letter: dict
    source_id: str
    department: str
    assigned_by: str  # "column", "rule" or "default"
    interim: bool
    bare_columns: list[str]
    findings: list[dict]
    author_mentions: int = 0  # times the author's user name was replaced by the pseudonym in the texts


# Reading


def read_sheet(path: Path, mapping: Mapping) -> Sheet:
    """Read every row of an xlsx or csv file below the mapping's header row."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path, mapping)
    elif suffix in (".csv", ".txt"):
        raw_rows = _csv_rows(path, mapping)
    else:
        raise WenzhengError(f"{path}: cannot import a '{suffix}' file; export the sheet as .xlsx or .csv")
    header = None
    rows = []
    for number, values in raw_rows:
        if number < mapping.header_row:
            continue
        if number == mapping.header_row:
            header = [_header_text(value) for value in values]
            continue
        rows.append((number, tuple(values)))
    if header is None:
        raise WenzhengError(f"{path}: has no row {mapping.header_row}, which the mapping names as the header "
                            "row; check source.header_row in the mapping")
    return Sheet(path.name, header, rows)


def _header_text(value) -> str:
    return "" if value is None else str(value).strip()


def _xlsx_rows(path: Path, mapping: Mapping):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise WenzhengError(f"{path}: cannot be read as an xlsx workbook ({error}); save it again as .xlsx "
                            "or export it as .csv") from None
    try:
        if mapping.sheet is None:
            worksheet = workbook.worksheets[0]
        elif mapping.sheet in workbook.sheetnames:
            worksheet = workbook[mapping.sheet]
        else:
            raise WenzhengError(f"{path}: has no sheet '{mapping.sheet}' (sheets: "
                                f"{', '.join(workbook.sheetnames)}); correct source.sheet in the mapping")
        return list(enumerate(worksheet.iter_rows(values_only=True), start=1))
    finally:
        workbook.close()


def _csv_rows(path: Path, mapping: Mapping):
    raw = path.read_bytes()
    try:
        text = raw.decode(mapping.encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise WenzhengError(f"{path}: cannot be decoded as {mapping.encoding} ({error}); save the file as "
                            "UTF-8 or set source.encoding in the mapping (for example gb18030)") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = mapping.delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as error:
        raise WenzhengError(f"{path}: is not a readable CSV file ({error}); check the quoting") from None


def detect_delimiter(text: str) -> str:
    """Return the separator used most in the first line: comma, semicolon, tab or bar.

    The header line is the one line without quoted text in practice, so counting
    there is more reliable than sniffing rows whose Chinese text contains commas.
    """
    first_line = text.split("\n", 1)[0]
    counts = {candidate: first_line.count(candidate) for candidate in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def column_indexes(sheet: Sheet, mapping: Mapping, path: Path) -> dict[str, int]:
    """Return the 0-based index of each mapped column; raise when a header is missing or repeated."""
    indexes = {}
    for key, header in mapping.columns.items():
        positions = [index for index, name in enumerate(sheet.headers) if name == header]
        if not positions:
            found = ", ".join(name for name in sheet.headers if name) or "none"
            raise WenzhengError(
                f"{path}: the column '{header}' (columns.{key} in the mapping) is not in header row "
                f"{mapping.header_row}; headers found: {found}. Correct the mapping or source.header_row"
            )
        if len(positions) > 1:
            raise WenzhengError(f"{path}: the header '{header}' (columns.{key}) appears {len(positions)} times "
                                "in the header row; rename the columns so each is unique")
        indexes[key] = positions[0]
    return indexes


# Cleaning and parsing cells


def clean_text(value) -> str:
    """Normalise line ends and strip the padding around each line, keeping every word.

    Exports pad text with runs of tabs and newlines and indent paragraphs with
    full-width spaces (U+3000), often after the line break itself was lost. So
    a padding run inside a line becomes a line break, the padding around lines
    goes, and runs of blank lines become one.
    """
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        lines.extend(part.strip() for part in PADDING_RUN.sub("\n", line.strip()).split("\n"))
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def clean_line(value) -> str:
    """Clean a one-line field such as a title: every whitespace run becomes one space."""
    return " ".join(clean_text(value).split())


def cell_text(value) -> str:
    """Return a cell as text, writing whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_moment(value, column: str, mapping: Mapping, zone: ZoneInfo) -> tuple[dt.datetime, bool]:
    """Read a timestamp cell in ``zone``; return the moment and whether the cell held a bare date."""
    bare_time = mapping.bare_times.get(column, dt.time(0, 0))

    if isinstance(value, dt.datetime):
        # A date-only spreadsheet cell comes back as a datetime at midnight.
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return dt.datetime.combine(value.date(), bare_time, zone), True
        return (value if value.tzinfo else value.replace(tzinfo=zone)), False
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, bare_time, zone), True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise RowError("unreadable-date", column, "is a number, not a date and time",
                       "a date and time such as 2019/4/25 9:32:09", cell_text(value),
                       "format the column as dates in the spreadsheet, or export it as text")

    text = " ".join(cell_text(value).split())
    if not text:
        raise RowError("missing-value", column, "is empty", "a date and time", "nothing",
                       "fill in the cell or delete the row")
    if mapping.formats:
        return _read_with_formats(text, column, mapping, zone, bare_time)

    match = DATE_TEXT.fullmatch(text)
    if not match:
        raise RowError("unreadable-date", column, "is not a date and time",
                       "a form such as 2019/4/25 9:32:09, 2019-04-08 08:37:20 or 2018/4/24", f"'{text}'",
                       "correct the cell or list its form under dates.formats in the mapping")

    year, month, day, hour, minute, second = match.groups()
    try:
        if hour is None:
            return dt.datetime.combine(dt.date(int(year), int(month), int(day)), bare_time, zone), True
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                           tzinfo=zone), False
    except ValueError as error:
        raise RowError("unreadable-date", column, f"is not a real date or time ({error})",
                       "an existing date and time", f"'{text}'", "correct the cell") from None


def require_supported_year(moment: dt.datetime, column: str) -> None:
    """Reject a moment outside the years a data file may hold, before it is written into one."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise RowError("unreadable-date", column, "is out of range", f"a date from {FIRST_YEAR} to {LAST_YEAR}",
                       f"{moment:%Y-%m-%d %H:%M}", "correct the cell")


def _read_with_formats(text, column, mapping, zone, bare_time):
    for form in mapping.formats:
        try:
            parsed = dt.datetime.strptime(text, form)
        except ValueError:
            continue
        if "%H" not in form and "%I" not in form:
            return dt.datetime.combine(parsed.date(), bare_time, zone), True
        return parsed.replace(tzinfo=zone), False
    raise RowError("unreadable-date", column, "matches none of the mapping's date formats",
                   " or ".join(mapping.formats), f"'{text}'",
                   "correct the cell or add its form under dates.formats in the mapping")


def read_source_id(value) -> int:
    text = cell_text(value).strip()
    if not text:
        raise RowError("missing-value", "source_id", "is empty", "the platform's letter number", "nothing",
                       "fill in the number; the letter id is made from it")
    if not text.isdigit() or not text.isascii():
        raise RowError("bad-source-id", "source_id", "is not a whole number", "digits only", f"'{text}'",
                       "letter ids are made from numeric source ids; correct the cell")
    return int(text)


def make_letter_id(mapping: Mapping, source_id: int, received: dt.datetime) -> str:
    digits = f"{source_id:0{mapping.id_digits}d}"
    if len(digits) > 7:
        raise RowError("bad-source-id", "source_id", "has more than 7 digits", "at most 7 digits",
                       str(source_id), "letter ids hold at most 7 digits; renumber the source ids")
    return f"{mapping.id_prefix}-{received.year:04d}-{digits}"


def pseudonym(user: str, mapping: Mapping) -> str:
    """Return the author's pseudonym: the prefix and a salted hash of the source user id."""
    user = user.strip()
    if not user:
        return mapping.anonymous
    digest = hashlib.sha256(f"{mapping.salt}\n{user}".encode("utf-8")).hexdigest()
    return mapping.author_prefix + digest[: mapping.hash_length]


def choose_department(mapping: Mapping, texts: dict[str, str], column_value: str) -> tuple[str, str]:
    """Return the department id and how it was chosen: "column", "rule" or "default"."""
    if column_value:
        if column_value in mapping.values:
            return mapping.values[column_value], "column"
        by_name = {department["name"]: department["id"] for department in mapping.departments}
        if column_value in mapping.department_ids:
            return column_value, "column"
        if column_value in by_name:
            return by_name[column_value], "column"
        raise RowError("unknown-department", "department", "is not a known department",
                       "a value listed under assign.values, or a department id or name", f"'{column_value}'",
                       "add the value under assign.values in the mapping")
    for rule in mapping.rules:
        if rule.pattern.search(texts.get(rule.text, "")):
            return rule.department, "rule"
    return mapping.default_department, "default"


# Personal data

def mask_findings(text: str, findings: list) -> str:
    """Return ``text`` with each finding replaced by its masked form."""
    parts, position = [], 0
    for finding in sorted(findings, key=lambda item: item.start):
        parts.append(text[position:finding.start])
        parts.append(finding.masked)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


_TEXT_COLUMNS = {"title": "title", "body": "body", "reply": "reply_text"}
MASK_PASSES = 3


def _mask_fully(text: str, findings: list, column: str) -> str:
    """Mask ``findings``, then star out whatever a new scan of the masked text still finds.

    A masked form can itself look like personal data again, because a masked
    address keeps its first character. So later passes replace the whole span
    with stars, and a row still flagged after MASK_PASSES scans is rejected.
    """
    text = mask_findings(text, findings)
    for _ in range(MASK_PASSES - 1):
        findings = find_personal_data(text)
        if not findings:
            return text
        text = mask_findings(text, [Finding(finding.kind, finding.start, finding.end,
                                             "*" * (finding.end - finding.start)) for finding in findings])
    remaining = find_personal_data(text)
    if remaining:
        raise RowError("personal-data", column, "still contains personal data after masking",
                       "text without phone or ID numbers", remaining[0].masked,
                       "remove the personal data from the export by hand")
    return text


def _screen_texts(letter: dict, mapping: Mapping) -> list[dict]:
    """Find personal data in the letter's texts, list it, and mask or reject it as the mapping sets."""
    fields = [(("title",), "title"), (("body",), "body")]
    if letter.get("replies"):
        fields.append((("replies", 0, "text"), "reply"))
    listed = []
    for path, name in fields:
        holder = letter["replies"][0] if path[0] == "replies" else letter
        key = path[-1]
        findings = find_personal_data(holder[key])
        if not findings:
            continue
        listed.extend({"field": name, "kind": finding.kind, "masked": finding.masked} for finding in findings)
        if mapping.personal_data == "mask":
            holder[key] = _mask_fully(holder[key], findings, column=_TEXT_COLUMNS[name])
    if listed and mapping.personal_data == "reject":
        first = listed[0]
        column = _TEXT_COLUMNS[first["field"]]
        raise RowError("personal-data", column, f"contains {len(listed)} piece(s) of personal data",
                       "no phone or ID numbers", first["masked"],
                       "remove them from the export, or set personal_data: mask in the mapping")
    return listed


# Converting one row


def convert_row(values: tuple, indexes: dict[str, int], mapping: Mapping, zone: ZoneInfo) -> Converted:
    """Turn one row into a letter; raise RowError when the row cannot become one."""

    def cell(key):
        index = indexes.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    source_id = read_source_id(cell("source_id"))
    bare = []
    received, bare_received = read_moment(cell("received"), "received", mapping, zone)
    require_supported_year(received, "received")
    if bare_received:
        bare.append("received")
    title = clean_line(cell("title"))
    body = clean_text(cell("body"))
    for key, value in (("title", title), ("body", body)):
        if not value:
            raise RowError("missing-value", key, "is empty", "the letter's " + key, "nothing",
                           "fill in the cell or delete the row")

    reply_text = clean_text(cell("reply_text"))
    reply_cell = cell("reply_at")
    has_reply_time = cell_text(reply_cell).strip() != ""
    reply_at = None
    if reply_text and not has_reply_time:
        raise RowError("missing-value", "reply_at", "is empty although the row has a reply text",
                       "the time the reply was published", "nothing", "fill in the reply time")
    if has_reply_time and not reply_text:
        raise RowError("missing-value", "reply_text", "is empty although the row has a reply time",
                       "the reply's text", "nothing", "fill in the reply text or clear the reply time")
    if reply_text:
        reply_at, bare_reply = read_moment(reply_cell, "reply_at", mapping, zone)
        require_supported_year(reply_at, "reply_at")
        if bare_reply:
            bare.append("reply_at")
        if reply_at < received:
            raise RowError("reply-before-receipt", "reply_at", "is before the letter was received",
                           f"on or after {received:%Y-%m-%d %H:%M}", f"{reply_at:%Y-%m-%d %H:%M}",
                           "correct the reply time or the receipt time")

    letter_type = mapping.letter_type
    type_value = clean_line(cell("type"))
    if type_value:
        if type_value not in mapping.types:
            raise RowError("unknown-type", "type", "is not a known letter type",
                           "a value listed under types in the mapping", f"'{type_value}'",
                           "add the value under types in the mapping")
        letter_type = mapping.types[type_value]

    user = cell_text(cell("author")).strip()
    author = pseudonym(user, mapping)
    # Replies often greet the author by user name; the pseudonym takes its place everywhere.
    mentions = 0
    if len(user) >= 2:
        mentions = title.count(user) + body.count(user) + reply_text.count(user)
        title, body, reply_text = (text.replace(user, author) for text in (title, body, reply_text))

    texts = {"reply": reply_text, "title": title, "body": body}
    department, assigned_by = choose_department(mapping, texts, clean_line(cell("department")))
    interim = bool(reply_text) and any(pattern.search(reply_text) for pattern in mapping.interim_patterns)

    letter = {
        "id": make_letter_id(mapping, source_id, received),
        "received": received,
        "channel": mapping.channel,
        "type": letter_type,
        "complexity": mapping.complexity,
        "public": mapping.public,
        "author": author,
        "title": title,
        "body": body,
        "assignment": {
            "departments": [department],
            "at": reply_at if mapping.assignment_at == "reply" and reply_at else received,
        },
    }
    if reply_text:
        letter["replies"] = [{"at": reply_at, "department": department,
                              "kind": "interim" if interim else "final", "text": reply_text}]
        if mapping.close_letter and not interim:
            letter["completed_at"] = reply_at

    findings = _screen_texts(letter, mapping)
    return Converted(letter, str(source_id), department, assigned_by, interim, bare, findings, mentions)


# The report


@dataclass
class ImportReport:
    """Outcome of every row of one import, with the counts derived from them."""

    source: str
    mapping: str
    out: str
    time_zone: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    departments: Counter = field(default_factory=Counter)
    assigned_by: Counter = field(default_factory=Counter)
    bare_dates: Counter = field(default_factory=Counter)
    bare_date_rows: list[dict] = field(default_factory=list)
    interim: int = 0
    author_mentions: int = 0
    personal_data: list[dict] = field(default_factory=list)
    support_files: dict[str, str] = field(default_factory=dict)
    other_files: list[str] = field(default_factory=list)
    department_names: dict[str, str] = field(default_factory=dict)
    bare_times: dict[str, str] = field(default_factory=dict)
    personal_data_check: str = ""
    personal_data_action: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Return the report as plain data for JSON; it omits the run time so reruns compare equal."""
        return {
            "source": self.source,
            "mapping": self.mapping,
            "out": self.out,
            "time_zone": self.time_zone,
            "counts": {
                "rows": self.rows,
                "written": len(self.written),
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "skipped": len(self.skipped),
                "rejected": len(self.rejected),
                "interim_replies": self.interim,
                "rows_naming_the_author": self.author_mentions,
                "rows_with_personal_data": len(self.personal_data),
            },
            "departments": dict(sorted(self.departments.items())),
            "assigned_by": dict(sorted(self.assigned_by.items())),
            "bare_dates": {"counts": dict(sorted(self.bare_dates.items())), "times": self.bare_times,
                           "rows": self.bare_date_rows},
            "personal_data_check": self.personal_data_check,
            "personal_data_action": self.personal_data_action,
            "support_files": self.support_files,
            "other_files": self.other_files,
            "written": self.written,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "personal_data": self.personal_data,
        }

    def format(self) -> str:
        """Return the report as text for the terminal: counts first, then every row that needs a look."""
        return "\n".join(self._count_lines() + self._department_lines() + self._row_lines())

    def _count_lines(self) -> list[str]:
        lines = [
            f"Imported {self.source} with mapping {self.mapping} into {self.out} (time zone {self.time_zone})",
            f"rows read: {self.rows}",
            f"written: {len(self.written)} (created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged})",
            f"skipped: {len(self.skipped)}",
            f"rejected: {len(self.rejected)}",
            f"interim replies (letter left open): {self.interim}",
            f"rows whose texts named the author's user name (replaced by the pseudonym): {self.author_mentions}",
        ]
        lines.extend(f"{name}: {state}" for name, state in self.support_files.items())
        return lines

    def _department_lines(self) -> list[str]:
        lines = ["departments:"]
        for department, count in sorted(self.departments.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {count:6d}  {department} {self.department_names.get(department, '')}".rstrip())
        ways = ", ".join(f"{how} {count}" for how, count in sorted(self.assigned_by.items()))
        lines.append(f"assigned by: {ways}")
        return lines

    def _row_lines(self) -> list[str]:
        lines = []
        for column, count in sorted(self.bare_dates.items()):
            rows = ", ".join(str(item["row"]) for item in self.bare_date_rows if item["column"] == column)
            lines.append(f"bare dates in {column}: {count}, read as {self.bare_times.get(column)} "
                         f"(rows {rows})")

        if self.personal_data:
            action = {"mask": "masked", "report": "left in the text", "reject": "rows rejected"}
            lines.append(f"possible personal data in {len(self.personal_data)} written rows, "
                         f"{action.get(self.personal_data_action, self.personal_data_action)} "
                         f"(found by {self.personal_data_check}):")
            for item in self.personal_data:
                found = ", ".join(f"{finding['field']} {finding['kind']} {finding['masked']}"
                                  for finding in item["findings"])
                lines.append(f"  row {item['row']} {item['id']}: {found}")

        if self.skipped:
            lines.append("skipped rows:")
            lines.extend(f"  {text}" for text in _grouped_skips(self.skipped))
        if self.rejected:
            lines.append("rejected rows:")
            lines.extend(f"  {item['message']}" for item in self.rejected)
        if self.other_files:
            lines.append(f"letter files in {self.out}/letters not written by this import (kept): "
                         f"{len(self.other_files)}")
        return lines


def _grouped_skips(skipped: list[dict]) -> list[str]:
    """Write consecutive rows skipped for the same reason as one range."""
    lines = []
    start = previous = None
    reason = None
    for item in skipped + [{"row": None, "reason": None}]:
        if reason is not None and item["reason"] == reason and item["row"] == previous + 1:
            previous = item["row"]
            continue
        if reason is not None:
            where = f"row {start}" if start == previous else f"rows {start}-{previous}"
            lines.append(f"{where}: {reason}")
        start = previous = item["row"]
        reason = item["reason"]
    return lines


# Support files


def default_policy_file() -> Path:
    for path in DEFAULT_POLICY_FILES:
        if path.is_file():
            return path
    raise WenzhengError("no default policy.yaml found next to the package; put a policy.yaml into the "
                        "output folder before importing")


def target_time_zone(mapping: Mapping, out: Path) -> str:
    """Return the mapping's time zone, else the target folder's policy's, else the default policy's."""
    if mapping.time_zone:
        return mapping.time_zone
    policy_file = out / "policy.yaml"
    if not policy_file.is_file():
        policy_file = default_policy_file()
    try:
        policy = load_file(policy_file)
    except YamlProblem as error:
        raise WenzhengError(f"{policy_file}:{error.line}:{error.column}: {error.message}; fix the policy "
                            "file or set time_zone in the mapping") from None
    zone = policy.get("time_zone") if isinstance(policy, dict) else None
    if not isinstance(zone, str):
        raise WenzhengError(f"{policy_file}: has no time_zone; add one or set time_zone in the mapping")
    return zone


def departments_document(mapping: Mapping) -> str:
    """Return the text of a departments.yaml that lists every department of the mapping."""
    document = {
        "office": mapping.office,
        "departments": [
            {
                "id": department["id"],
                "name": department["name"],
                "category": department["category"],
                "spokesperson": {"name": department.get("spokesperson") or SPOKESPERSON_PLACEHOLDER},
            }
            for department in mapping.departments
        ],
    }
    header = (f"# Written by wenzheng import from the mapping {Path(mapping.path).name}. The importer never\n"
              "# overwrites this file; name the real spokespersons and add editors and phones here.\n")
    return header + dump_yaml(document)


def check_departments_file(path: Path, mapping: Mapping) -> None:
    """Raise unless an existing departments.yaml declares every department the mapping can assign."""
    try:
        data = load_file(path)
    except YamlProblem as error:
        raise WenzhengError(f"{path}:{error.line}:{error.column}: {error.message}; {error.hint}") from None
    listed = {item.get("id") for item in (data or {}).get("departments") or [] if isinstance(item, dict)}
    missing = [department_id for department_id in mapping.department_ids if department_id not in listed]
    if missing:
        raise WenzhengError(f"{path}: lacks the departments {', '.join(missing)}, which the mapping can "
                            "assign; add them to the file, or delete it so the import writes a new one")


def write_support_files(mapping: Mapping, out: Path, report: ImportReport) -> None:
    departments_file = out / "departments.yaml"
    if departments_file.exists():
        check_departments_file(departments_file, mapping)
        report.support_files["departments.yaml"] = "kept"
    else:
        text = departments_document(mapping)
        _check_document("departments", text, departments_file, report.time_zone)
        atomic_write(departments_file, text)
        report.support_files["departments.yaml"] = "created"
    policy_file = out / "policy.yaml"
    if policy_file.exists():
        report.support_files["policy.yaml"] = "kept"
    else:
        atomic_write(policy_file, default_policy_file().read_text(encoding="utf-8"))
        report.support_files["policy.yaml"] = "copied from the default policy"


def _check_document(kind: str, text: str, path: Path, time_zone: str) -> list[Problem]:
    _, problems = check_text(kind, text, str(path), time_zone)
    if problems:  # a bug in the importer, not a mistake of the user
        raise RuntimeError("generated file is invalid:\n" + "\n".join(problem.format() for problem in problems))
    return problems


# The import


def import_file(source: Path, mapping: Mapping, out: Path) -> ImportReport:
    """Import every row of ``source`` into the data folder ``out`` and return the report."""
    started = time.perf_counter()
    source, out = Path(source), Path(out)
    zone_name = target_time_zone(mapping, out)
    zone = ZoneInfo(zone_name)
    report = ImportReport(
        source=source.name, mapping=Path(mapping.path).name, out=str(out), time_zone=zone_name,
        department_names={department["id"]: department["name"] for department in mapping.departments},
        bare_times={column: moment.strftime("%H:%M") for column, moment in mapping.bare_times.items()},
        personal_data_check="generator.privacy",
        personal_data_action=mapping.personal_data,
    )
    if (out / "departments.yaml").exists():
        check_departments_file(out / "departments.yaml", mapping)

    sheet = read_sheet(source, mapping)
    indexes = column_indexes(sheet, mapping, source)
    report.rows = len(sheet.rows)
    log.info("Read %d rows from %s", report.rows, source)

    letters_root = out / "letters"
    seen: dict[str, tuple[int, dict]] = {}
    written_paths = set()
    for number, values in sheet.rows:
        outcome = _import_row(number, values, indexes, mapping, zone, sheet, seen, letters_root, report)
        if outcome is not None:
            written_paths.add(outcome)

    write_support_files(mapping, out, report)
    if letters_root.is_dir():
        report.other_files = sorted(str(path.relative_to(out)) for path in letters_root.rglob("*.yaml")
                                    if path not in written_paths)
    report.seconds = time.perf_counter() - started
    log.info("Imported %d rows in %.1f s: %d written (%d unchanged), %d skipped, %d rejected",
             report.rows, report.seconds, len(report.written), report.unchanged, len(report.skipped),
             len(report.rejected))
    return report


def _import_row(number, values, indexes, mapping, zone, sheet, seen, letters_root, report) -> Path | None:
    """Convert, check and write one row; record its outcome and return the path written, if any."""
    if all(cell_text(value).strip() == "" for value in values):
        report.skipped.append({"row": number, "source_id": "", "code": "empty-row", "reason": "empty row"})
        return None
    source_cell = cell_text(values[indexes["source_id"]] if indexes["source_id"] < len(values) else None)
    try:
        converted = convert_row(values, indexes, mapping, zone)
    except RowError as error:
        _reject(report, sheet, number, source_cell.strip(), indexes, mapping, error)
        return None

    letter = converted.letter
    earlier = seen.get(converted.source_id)
    if earlier is not None:
        earlier_row, earlier_letter = earlier
        if earlier_letter == letter:
            report.skipped.append({"row": number, "source_id": converted.source_id, "code": "duplicate",
                                   "reason": f"duplicate of row {earlier_row} (same source id, same content)"})
        else:
            _reject(report, sheet, number, converted.source_id, indexes, mapping, RowError(
                "duplicate-conflict", "source_id", f"is also used by row {earlier_row} with different content",
                "a source id used once", converted.source_id,
                "keep the correct row and delete the other, or give it its own number"))
        return None
    seen[converted.source_id] = (number, letter)

    path = letter_path(letters_root, letter["id"], letter["received"])
    text = dump_letter(letter)
    problems = _letter_problems(text, path, letters_root.parent, report.time_zone)
    if problems:
        first = problems[0]
        column = _COLUMN_OF_FIELD.get(first.field.split(".")[0].split("[")[0], "")
        _reject(report, sheet, number, converted.source_id, indexes, mapping, RowError(
            "invalid-letter", column, f"makes an invalid letter: {first.field}: {first.message}",
            first.expected, first.found, first.hint))
        return None

    existed = path.exists()
    changed = atomic_write(path, text)
    if not changed:
        state = "unchanged"
    elif existed:
        state = "updated"
    else:
        state = "created"
    setattr(report, state, getattr(report, state) + 1)
    log.debug("%s %s", state, path)
    _record_written(report, number, converted, path, letters_root.parent, state)
    return path


# Validation fields whose problem is best located at one source column.
_COLUMN_OF_FIELD = {"id": "source_id", "received": "received", "author": "author", "title": "title",
                    "body": "body", "replies": "reply_text", "completed_at": "reply_at"}


def _letter_problems(text: str, path: Path, out: Path, time_zone: str) -> list[Problem]:
    _, problems = check_text("letter", text, str(path.relative_to(out)), time_zone)
    return problems


def _record_written(report, number, converted, path, out, state) -> None:
    letter_id = converted.letter["id"]
    report.written.append({"row": number, "source_id": converted.source_id, "id": letter_id,
                           "path": str(path.relative_to(out)), "department": converted.department,
                           "assigned_by": converted.assigned_by, "state": state})
    report.departments[converted.department] += 1
    report.assigned_by[converted.assigned_by] += 1
    if converted.interim:
        report.interim += 1
    if converted.author_mentions:
        report.author_mentions += 1
    for column in converted.bare_columns:
        report.bare_dates[column] += 1
        report.bare_date_rows.append({"row": number, "id": letter_id, "column": column})
    if converted.findings:
        report.personal_data.append({"row": number, "id": letter_id, "findings": converted.findings})


def _reject(report, sheet, number, source_id, indexes, mapping, error: RowError) -> None:
    header = mapping.columns.get(error.column, "")
    column = indexes[error.column] + 1 if error.column in indexes else 0
    # Located as FILE:ROW:COLUMN, with the spreadsheet's row number and 1-based column.
    location = f"{sheet.name}:{number}:{column}" if column else f"{sheet.name}:{number}"
    problem = Problem(location, header, error.message, error.expected, error.found, error.hint,
                      code=error.code)
    report.rejected.append({"row": number, "source_id": source_id, "code": error.code, "column": header,
                            "message": problem.format()})


def load_and_import(source: Path, mapping_name_or_path: str, out: Path) -> ImportReport:
    """Resolve and check the mapping, then import ``source`` into ``out``."""
    mapping_path = mapping_module.resolve_mapping(mapping_name_or_path)
    mapping = mapping_module.load_mapping(mapping_path)
    return import_file(source, mapping, out)
