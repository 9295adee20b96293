"""The mapping file of ``wenzheng import``: the column of each letter field, and how to read it.

``MAPPING`` declares the file's shape with the same field types as the data
files, so a mistake in a mapping is reported with its line and column before a
single row is read. ``load_mapping`` adds the checks that span several keys:
patterns that compile, departments that are declared, formats that parse.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator import spec
from generator.errors import DataError, Problem, WenzhengError
from generator.fields import Bool, Context, DictOf, Enum, Int, List, Map, Str, format_path
from generator.yamlio import YamlProblem, decode, loads, locate

SHIPPED_DIR = Path(__file__).parent / "mappings"

CLOCK = r"([01]\d|2[0-3]):[0-5]\d"

# Keys of ``columns``; the first five are required, the rest optional.
COLUMN_KEYS = ("source_id", "author", "title", "received", "body", "reply_text", "reply_at",
               "department", "type")
TEXT_FIELDS = ("reply", "title", "body")

column_name = Str("Header text of the column, exactly as in the header row.", max_length=200,
                  example="留言编号")

MAPPING = Map(
    {
        "source": Map(
            {
                "sheet": Str("Worksheet to read; the first one when absent.", required=False),
                "header_row": Int("Row that holds the column headers; rows above it are ignored.",
                                  minimum=1, required=False, default=1),
                "encoding": Str("Text encoding of a CSV file.", required=False, default="utf-8-sig",
                                example="utf-8-sig"),
                "delimiter": Str("Field separator of a CSV file; detected when absent.", required=False,
                                 max_length=1, example=","),
            },
            "Where the rows are in the file.",
            required=False,
        ),
        "time_zone": Str("IANA time zone for timestamps without an offset; the target policy's when absent.",
                         required=False, example="Asia/Shanghai"),
        "columns": Map(
            {
                "source_id": Str("Column of the platform's letter number; the letter id is made from it.",
                                 max_length=200, example="留言编号"),
                "author": Str("Column of the author's user name or id; only a pseudonym is written.",
                              max_length=200, example="留言用户"),
                "title": Str("Column of the letter's title.", max_length=200, example="留言主题"),
                "received": Str("Column of the time the letter arrived.", max_length=200, example="留言时间"),
                "body": Str("Column of the letter's text.", max_length=200, example="留言详情"),
                "reply_text": Str("Column of the reply's text.", required=False, max_length=200,
                                  example="答复意见"),
                "reply_at": Str("Column of the time the reply was published.", required=False,
                                max_length=200, example="答复时间"),
                "department": Str("Column naming the answering department, looked up in assign.values.",
                                  required=False, max_length=200),
                "type": Str("Column of the letter's type, looked up in types.", required=False, max_length=200),
            },
            "Header text of the column that holds each field.",
        ),
        "dates": Map(
            {
                "formats": List(Str(example="%Y/%m/%d %H:%M:%S"),
                                "strptime formats tried in order; year-month-day forms are read when absent.",
                                required=False, default=[]),
                "bare_date_time": Map(
                    {
                        "received": Str("Time of day given to a receipt time that is a bare date.",
                                        pattern=CLOCK, required=False, default="00:00", example="00:00"),
                        "reply_at": Str("Time of day given to a reply time that is a bare date.",
                                        pattern=CLOCK, required=False, default="17:00", example="17:00"),
                    },
                    "Time of day used when a cell holds a date without a time.",
                    required=False,
                ),
            },
            "How timestamps are written in the file.",
            required=False,
        ),
        "id": Map(
            {
                "prefix": Str("Letters before the year in every letter id.", pattern=r"[A-Z]{1,6}",
                              example="TD"),
                "digits": Int("Width the source id is zero-padded to.", minimum=5, maximum=7,
                              required=False, default=6),
            },
            "How letter ids are made: PREFIX-YEAR-SOURCEID, the year being the year of receipt.",
        ),
        "letter": Map(
            {
                "channel": Enum(spec.CHANNELS, "Channel of every imported letter.", required=False,
                                default="forum"),
                "type": Enum(spec.LETTER_TYPES, "Type of letters without a type column value.",
                             required=False, default="opinion"),
                "complexity": Enum(spec.COMPLEXITIES, required=False, default="general"),
                "public": Bool("Whether imported letters are published.", required=False, default=True),
            },
            "Values given to every imported letter.",
            required=False,
        ),
        "types": DictOf(Str(), Enum(spec.LETTER_TYPES),
                        "Value of the type column -> letter type.", required=False, default={}),
        "author": Map(
            {
                "prefix": Str("Text before the hash in every pseudonym.", required=False, default="网友",
                              max_length=20),
                "salt": Str("Secret of at least 8 characters mixed into the hash, so pseudonyms cannot "
                            "be matched to user names.", example="change-me-2c91e"),
                "hash_length": Int("Hexadecimal digits of the hash kept in the pseudonym.", minimum=6,
                                   maximum=16, required=False, default=8),
                "anonymous": Str("Pseudonym for rows whose author cell is empty.", required=False,
                                 default="匿名网友", max_length=40),
            },
            "How the author column becomes a pseudonym.",
        ),
        "replies": Map(
            {
                "close_letter": Bool("Whether a final reply also completes the letter at the reply time.",
                                     required=False, default=True),
                "interim_patterns": List(Str(example="^留言已收悉$"),
                                         "Regular expressions; a reply text matching one is interim.",
                                         required=False, default=[]),
                "assignment_at": Enum(["received", "reply"], "Time recorded as the assignment time.",
                                      required=False, default="received"),
            },
            "How the reply columns become a reply.",
            required=False,
        ),
        "personal_data": Enum(["mask", "report", "reject"],
                              "What to do with a phone or ID number found in a title, body or reply: "
                              "mask it, only report it, or reject the row.", required=False, default="mask"),
        "assign": Map(
            {
                "values": DictOf(Str(), Str(pattern=spec.DEPARTMENT_ID, example="edu"),
                                 "Value of the department column -> department id.", required=False,
                                 default={}),
                "rules": List(
                    Map(
                        {
                            "pattern": Str("Regular expression searched for in the text.", example="教育局"),
                            "department": Str(pattern=spec.DEPARTMENT_ID, example="edu"),
                            "in": Enum(list(TEXT_FIELDS), "Text the pattern is searched in.", required=False,
                                       default="reply"),
                        }
                    ),
                    "Tried in order; the first rule whose pattern is found assigns the letter.",
                    required=False,
                    default=[],
                ),
                "default": Str("Department of letters that no value or rule assigns.",
                               pattern=spec.DEPARTMENT_ID, example="government-office"),
            },
            "How the answering department is chosen.",
        ),
        "departments": List(
            Map(
                {
                    "id": Str(pattern=spec.DEPARTMENT_ID, example="edu"),
                    "name": Str("Chinese name as published.", max_length=60),
                    "category": Enum(spec.CATEGORIES, "The group the department is ranked in."),
                    "spokesperson": Str("Name of the online spokesperson.", required=False, max_length=40),
                }
            ),
            "Every department the import may assign; written to departments.yaml when it is absent.",
            min_items=1,
        ),
        "office": Map(
            {
                "name": Str("Name of the inquiry office.", required=False, default="网络问政办公室"),
                "members": List(Str(pattern=spec.USER_NAME, example="wz-office"),
                                "Git user names of the office, for departments.yaml.", required=False,
                                default=["wz-office"], min_items=1),
            },
            "The office written to departments.yaml when it is absent.",
            required=False,
        ),
    },
    title="Import mapping",
)


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: re.Pattern
    department: str
    text: str  # one of TEXT_FIELDS


@dataclass(slots=True)
class Mapping:
    """A checked mapping file with every default filled in."""

    path: str
    columns: dict[str, str]
    id_prefix: str
    id_digits: int
    salt: str
    departments: list[dict]
    default_department: str
    sheet: str | None = None
    header_row: int = 1
    encoding: str = "utf-8-sig"
    delimiter: str | None = None
    time_zone: str | None = None
    formats: list[str] = field(default_factory=list)
    bare_times: dict[str, dt.time] = field(default_factory=dict)
    channel: str = "forum"
    letter_type: str = "opinion"
    complexity: str = "general"
    public: bool = True
    types: dict[str, str] = field(default_factory=dict)
    author_prefix: str = "网友"
    hash_length: int = 8
    anonymous: str = "匿名网友"
    close_letter: bool = True
    interim_patterns: list[re.Pattern] = field(default_factory=list)
    assignment_at: str = "received"
    personal_data: str = "mask"
    values: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    office: dict = field(default_factory=dict)

    @property
    def department_ids(self) -> list[str]:
        return [department["id"] for department in self.departments]


def shipped_mappings() -> list[str]:
    """Return the names of the mappings installed with the package."""
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml"))


def resolve_mapping(name_or_path: str) -> Path:
    """Return the mapping file for a path, or for the name of a shipped mapping."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = SHIPPED_DIR / f"{name_or_path}.yaml"
    if path.suffix == "" and shipped.is_file():
        return shipped
    raise WenzhengError(
        f"mapping not found: {name_or_path}; give the path of a mapping file or one of the shipped "
        f"mappings ({', '.join(shipped_mappings()) or 'none'})"
    )


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; raise DataError listing every problem in it."""
    display = str(path)
    try:
        text = decode(Path(path).read_bytes())
        raw = loads(text)
    except YamlProblem as error:
        raise DataError([Problem(display, "", error.message, line=error.line, column=error.column,
                                 hint=error.hint, code="yaml")], "the mapping file is not valid YAML") from None
    context = Context()
    checked = MAPPING.check(raw if raw is not None else {}, (), context)
    problems = [_problem(display, text, issue.path, issue.message, issue.expected, issue.found, issue.hint)
                for issue in context.issues]
    if not problems:
        problems = _cross_check(checked, display, text)
    if problems:
        raise DataError(problems, f"{len(problems)} error(s) in the mapping file")
    return _build(checked, display)


def _problem(file, text, path, message, expected="", found="", hint="") -> Problem:
    line, column = locate(text, path)
    return Problem(file, format_path(path), message, expected, found, hint, line=line, column=column,
                   code="mapping", path=path)


def _cross_check(checked: dict, display: str, text: str) -> list[Problem]:
    problems = []

    def add(path, message, expected="", found="", hint=""):
        problems.append(_problem(display, text, path, message, expected, found, hint))

    declared = [department["id"] for department in checked["departments"]]
    seen = set()
    for index, department_id in enumerate(declared):
        if department_id in seen:
            add(("departments", index, "id"), "is declared twice", "each id once", f"'{department_id}'",
                "delete the repeated department")
        seen.add(department_id)

    assign = checked["assign"]
    if assign["default"] not in seen:
        add(("assign", "default"), "names an undeclared department", "an id listed under departments",
            f"'{assign['default']}'", "add the department under departments or correct the id")
    for index, rule in enumerate(assign["rules"] or []):
        if rule["department"] not in seen:
            add(("assign", "rules", index, "department"), "names an undeclared department",
                "an id listed under departments", f"'{rule['department']}'",
                "add the department under departments or correct the id")
        _check_pattern(rule["pattern"], ("assign", "rules", index, "pattern"), add)
    for value, department_id in (assign["values"] or {}).items():
        if department_id not in seen:
            add(("assign", "values", value), "names an undeclared department",
                "an id listed under departments", f"'{department_id}'",
                "add the department under departments or correct the id")

    salt = checked["author"]["salt"]
    if len(salt) < 8:
        add(("author", "salt"), "is too short", "at least 8 characters", f"{len(salt)} characters",
            "use a longer random text and keep it unchanged between imports")

    replies = checked.get("replies") or {}
    for index, pattern in enumerate(replies.get("interim_patterns") or []):
        _check_pattern(pattern, ("replies", "interim_patterns", index), add)

    for index, form in enumerate((checked.get("dates") or {}).get("formats") or []):
        if "%Y" not in form or "%m" not in form or "%d" not in form:
            add(("dates", "formats", index), "does not contain a full date", "%Y, %m and %d",
                f"'{form}'", "write the format with strptime codes, such as '%Y/%m/%d %H:%M:%S'")

    zone = checked.get("time_zone")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            add(("time_zone",), "is not a known time zone", "an IANA name such as Asia/Shanghai",
                f"'{zone}'", "correct the name or remove the key to use the policy's time zone")

    columns = checked["columns"]
    if bool(columns.get("reply_text")) != bool(columns.get("reply_at")):
        add(("columns",), "names only one of reply_text and reply_at", "both or neither",
            "one of them", "name the column of the reply time and of the reply text")
    if columns.get("type") and not checked.get("types"):
        add(("types",), "is missing although columns.type is given", "a table of value: type",
            "nothing", "add types: with each value of the type column and its letter type")
    return problems


def _check_pattern(pattern: str, path: tuple, add) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        add(path, f"is not a valid regular expression ({error})", "a Python regular expression",
            f"'{pattern}'", "escape special characters such as ( ) [ ] with a backslash")


def _build(checked: dict, display: str) -> Mapping:
    source = checked.get("source") or {}
    dates = checked.get("dates") or {}
    bare = dates.get("bare_date_time") or {}
    letter = checked.get("letter") or {}
    author = checked["author"]
    replies = checked.get("replies") or {}
    assign = checked["assign"]
    office = checked.get("office") or {}
    return Mapping(
        path=display,
        columns={key: value for key, value in checked["columns"].items() if value},
        id_prefix=checked["id"]["prefix"],
        id_digits=checked["id"]["digits"] or 6,
        salt=author["salt"],
        departments=checked["departments"],
        default_department=assign["default"],
        sheet=source.get("sheet"),
        header_row=source.get("header_row") or 1,
        encoding=source.get("encoding") or "utf-8-sig",
        delimiter=source.get("delimiter"),
        time_zone=checked.get("time_zone"),
        formats=list(dates.get("formats") or []),
        bare_times={
            "received": _clock(bare.get("received") or "00:00"),
            "reply_at": _clock(bare.get("reply_at") or "17:00"),
        },
        channel=letter.get("channel") or "forum",
        letter_type=letter.get("type") or "opinion",
        complexity=letter.get("complexity") or "general",
        public=True if letter.get("public") is None else letter["public"],
        types=dict(checked.get("types") or {}),
        author_prefix=author["prefix"] or "网友",
        hash_length=author["hash_length"] or 8,
        anonymous=author["anonymous"] or "匿名网友",
        close_letter=True if replies.get("close_letter") is None else replies["close_letter"],
        interim_patterns=[re.compile(pattern) for pattern in replies.get("interim_patterns") or []],
        assignment_at=replies.get("assignment_at") or "received",
        personal_data=checked.get("personal_data") or "mask",
        values=dict(assign.get("values") or {}),
        rules=[Rule(re.compile(rule["pattern"]), rule["department"], rule["in"] or "reply")
               for rule in assign.get("rules") or []],
        office={"name": office.get("name") or "网络问政办公室",
                "members": list(office.get("members") or ["wz-office"])},
    )


def _clock(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def mapping_schema() -> dict:
    """Return the JSON Schema of a mapping file, for editors and CI checks."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://wenzheng.example/schemas/import-mapping.schema.json",
        **MAPPING.schema(),
    }
