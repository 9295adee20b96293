"""Declarative field types: each checks and converts one value and describes itself as JSON Schema.

The same definitions drive ``wenzheng validate`` and the JSON Schema files
shipped in ``generator/schemas/``, so the editor's completion and the
validator never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

MISSING = object()

# Characters that show nothing: a text made only of these and spaces is empty to a reader.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


@dataclass(slots=True)
class FieldIssue:
    """One problem found while checking a value; ``path`` is relative to the document."""

    path: tuple
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""


class Context:
    """What a check needs besides the value: the time zone for naive timestamps."""

    def __init__(self, time_zone: str = "Asia/Shanghai"):
        self.zone = ZoneInfo(time_zone)
        self.issues: list[FieldIssue] = []

    def fail(self, path, message, expected="", found="", hint=""):
        self.issues.append(FieldIssue(tuple(path), message, expected, found, hint))
        return MISSING


def describe(value: Any) -> str:
    """Show a found value the way the clerk typed it, shortened."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def format_path(path: tuple) -> str:
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


class Field:
    description = ""

    def __init__(self, description: str = "", *, required: bool = True, default=None):
        self.description = description
        self.required = required
        self.default = default

    def check(self, value, path, context: Context):  # pragma: no cover - abstract
        raise NotImplementedError

    def schema(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _schema(self, body: dict) -> dict:
        if self.description:
            body = {"description": self.description, **body}
        return body


# C0 and C1 control characters except tab and line feed, and the non-characters U+FFFE and U+FFFF.
# Readers of the site cannot see them, XML (the charts) cannot carry them and a YAML block scalar
# cannot hold them.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


class Str(Field):
    def __init__(self, description="", *, pattern=None, min_length=1, max_length=None,
                 example="", **kwargs):
        super().__init__(description, **kwargs)
        # Without re.ASCII, \d also matches full-width and other Unicode digits, so an id such as
        # HF-２０２６-00123 would pass beside HF-2026-00123.
        self.pattern = re.compile(pattern, re.ASCII) if pattern else None
        self.min_length = min_length
        self.max_length = max_length
        self.example = example

    def check(self, value, path, context):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return context.fail(path, "must be text", "text", describe(value),
                                "write the text after the colon, in quotes if it starts with a symbol")
        if not isinstance(value, str):
            return context.fail(path, "must be text, not a number", "text", describe(value),
                                f"put the value in quotes: '{value}'")
        if len(value.strip().strip(INVISIBLE).strip()) < self.min_length:
            return context.fail(path, "is empty", "some text", "nothing", "fill it in or remove the field")
        if self.max_length and len(value) > self.max_length:
            return context.fail(path, "is too long", f"at most {self.max_length} characters",
                                f"{len(value)} characters", "shorten it")
        control = CONTROL_CHARACTER.search(value)
        if control:
            return context.fail(path, "contains an invisible control character",
                                "text without control characters",
                                f"U+{ord(control.group()):04X} at character {control.start() + 1}",
                                "delete the character; write a line break as a new line")
        if self.pattern and not self.pattern.fullmatch(value):
            hint = f"write it like '{self.example}'" if self.example else "correct the value"
            return context.fail(path, "has the wrong form", self.example or self.pattern.pattern,
                                describe(value), hint)
        return value

    def schema(self):
        body: dict = {"type": "string", "minLength": self.min_length}
        if self.max_length:
            body["maxLength"] = self.max_length
        if self.pattern:
            body["pattern"] = "^(?:" + self.pattern.pattern + ")$"
        if self.example:
            body["examples"] = [self.example]
        return self._schema(body)


class Int(Field):
    def __init__(self, description="", *, minimum=None, maximum=None, **kwargs):
        super().__init__(description, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def expected(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"a whole number of at least {self.minimum}"
        return "a whole number"

    def check(self, value, path, context):
        if isinstance(value, str) and re.fullmatch(r"[-+]?0[0-9]+", value):
            return context.fail(path, "has a leading zero, which YAML does not read as a number",
                                self.expected(), describe(value), f"write {int(value)} without the leading zero")
        if isinstance(value, bool) or not isinstance(value, int):
            return context.fail(path, "must be a whole number", self.expected(), describe(value),
                                "write digits only, without quotes")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            return context.fail(path, "is out of range", self.expected(), describe(value),
                                "correct the number")
        return value

    def schema(self):
        body: dict = {"type": "integer"}
        if self.minimum is not None:
            body["minimum"] = self.minimum
        if self.maximum is not None:
            body["maximum"] = self.maximum
        return self._schema(body)


class Number(Int):
    def expected(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a number from {self.minimum} to {self.maximum}"
        return "a number"

    def check(self, value, path, context):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return context.fail(path, "must be a number", self.expected(), describe(value),
                                "write digits only, such as 0.85")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            return context.fail(path, "is out of range", self.expected(), describe(value),
                                "correct the number")
        return value

    def schema(self):
        body = super().schema()
        body["type"] = "number"
        return body


class Bool(Field):
    def check(self, value, path, context):
        if isinstance(value, bool):
            return value
        hint = "write true or false"
        if isinstance(value, str) and value.lower() in {"yes", "no", "on", "off", "y", "n"}:
            meaning = "true" if value.lower() in {"yes", "on", "y"} else "false"
            hint = f"write {meaning}; YAML readers disagree on what '{value}' means"
        return context.fail(path, "must be true or false", "true or false", describe(value), hint)

    def schema(self):
        return self._schema({"type": "boolean"})


class Enum(Field):
    def __init__(self, values, description="", **kwargs):
        super().__init__(description, **kwargs)
        self.values = list(values)

    def check(self, value, path, context):
        if value in self.values and not isinstance(value, bool):
            return value
        choices = ", ".join(str(item) for item in self.values)
        return context.fail(path, "is not one of the allowed values", f"one of {choices}",
                            describe(value), "pick one of the allowed values")

    def schema(self):
        return self._schema({"enum": self.values})


DATETIME_PATTERN = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?[0-5]\d)?",
    re.ASCII,
)
DATE_PATTERN = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)

# Dates outside these years are typing mistakes. Far ones would also overflow the time zone
# conversion and the working-day calendar, and before 1901 Asia/Shanghai has a local mean time
# offset (+08:05:43) that no timestamp in a data file can spell.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_issue(path, context, value):
    return context.fail(path, "is out of range", f"a date from {FIRST_YEAR} to {LAST_YEAR}", describe(value),
                        "check the year")


def parse_offset(text: str | None):
    if not text:
        return None
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


class DateTime(Field):
    """A moment; without an offset it is read in the policy's time zone."""

    EXAMPLE = "2026-09-18 09:30 or 2026-09-18T09:30:00+08:00"

    def check(self, value, path, context):
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=context.zone)
        if not isinstance(value, str):
            return context.fail(path, "must be a date and time", self.EXAMPLE, describe(value),
                                "write the date and the time")
        match = DATETIME_PATTERN.fullmatch(value.strip())
        if not match:
            hint = "write it as year-month-day and 24-hour time, for example '2026-09-18 09:30'"
            if DATE_PATTERN.fullmatch(value.strip()):
                hint = f"add the time of day, for example '{value.strip()} 17:00'"
            return context.fail(path, "is not a date and time", self.EXAMPLE, describe(value), hint)
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return _year_issue(path, context, value)
        try:
            zone = parse_offset(match.group(7)) or context.zone
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
        except ValueError as error:
            return context.fail(path, f"is not a real date or time ({error})", self.EXAMPLE,
                                describe(value), "check the day of the month and the hour")

    def schema(self):
        return self._schema({
            "type": "string",
            "pattern": r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?[0-5]\d)?$",
            "examples": ["2026-09-18 09:30", "2026-09-18T09:30:00+08:00"],
        })


class Date(Field):
    EXAMPLE = "2026-09-18"

    def check(self, value, path, context):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value.strip()):
            return context.fail(path, "is not a date", self.EXAMPLE, describe(value),
                                "write the date as year-month-day")
        year, month, day = (int(part) for part in DATE_PATTERN.fullmatch(value.strip()).groups())
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return _year_issue(path, context, value)
        try:
            return dt.date(year, month, day)
        except ValueError as error:
            return context.fail(path, f"is not a real date ({error})", self.EXAMPLE,
                                describe(value), "check the day of the month")

    def schema(self):
        return self._schema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                             "examples": [self.EXAMPLE]})


class List(Field):
    def __init__(self, item: Field, description="", *, min_items=0, unique=False, **kwargs):
        super().__init__(description, **kwargs)
        self.item = item
        self.min_items = min_items
        self.unique = unique

    def check(self, value, path, context):
        if not isinstance(value, list):
            return context.fail(path, "must be a list", "a list of items, each on a line starting with '- '",
                                describe(value), "start each item on its own line with '- '")
        if len(value) < self.min_items:
            return context.fail(path, "has too few items", f"at least {self.min_items}",
                                str(len(value)), "add the missing items")
        result = []
        seen = set()
        for index, item in enumerate(value):
            checked = self.item.check(item, (*path, index), context)
            if checked is MISSING:
                continue
            if self.unique:
                key = repr(checked)
                if key in seen:
                    context.fail((*path, index), "is listed twice", "each item once",
                                 describe(item), "delete the repeated item")
                    continue
                seen.add(key)
            result.append(checked)
        return result

    def schema(self):
        body = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            body["minItems"] = self.min_items
        if self.unique:
            body["uniqueItems"] = True
        return self._schema(body)


class Map(Field):
    """A mapping with known keys; unknown keys are errors so typos never pass silently."""

    def __init__(self, fields: dict[str, Field], description="", *, title="", **kwargs):
        super().__init__(description, **kwargs)
        self.fields = fields
        self.title = title

    def check(self, value, path, context):
        if not isinstance(value, dict):
            return context.fail(path, "must be a mapping of fields", "fields written as 'name: value'",
                                describe(value), "indent the fields under this key")
        result = {}
        for key in value:
            if key not in self.fields:
                close = _closest(str(key), self.fields)
                hint = f"did you mean '{close}'?" if close else "remove it"
                context.fail((*path, key), "is not a known field",
                             "one of " + ", ".join(self.fields), describe(key), hint)
        for name, field in self.fields.items():
            raw = value.get(name, MISSING)
            if raw is MISSING or (raw is None and not field.required):
                if field.required:
                    context.fail((*path, name), "is missing", _expected_of(field), "nothing",
                                 f"add '{name}:' to the file")
                result[name] = field.default
                continue
            checked = field.check(raw, (*path, name), context)
            result[name] = None if checked is MISSING else checked
        return result

    def schema(self):
        body: dict = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: field.schema() if field.required else _nullable(field.schema())
                           for name, field in self.fields.items()},
        }
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            body["required"] = required
        if self.title:
            body = {"title": self.title, **body}
        return self._schema(body)


class DictOf(Field):
    """A mapping from free keys (checked by ``key``) to values (checked by ``value``)."""

    def __init__(self, key: Field, value: Field, description="", **kwargs):
        super().__init__(description, **kwargs)
        self.key = key
        self.value = value

    def check(self, value, path, context):
        if not isinstance(value, dict):
            return context.fail(path, "must be a mapping", "'key: value' lines", describe(value),
                                "indent the entries under this key")
        result = {}
        for key, item in value.items():
            checked_key = self.key.check(key, (*path, key), context)
            checked = self.value.check(item, (*path, key), context)
            if checked_key is not MISSING and checked is not MISSING:
                result[checked_key] = checked
        return result

    def schema(self):
        return self._schema({"type": "object", "additionalProperties": self.value.schema()})


def _nullable(body: dict) -> dict:
    """Let an optional field be written with no value (``completed_at:``), which check() reads as absent."""
    if "enum" in body:
        return {**body, "enum": [*body["enum"], None]}
    if isinstance(body.get("type"), str):
        return {**body, "type": [body["type"], "null"]}
    return body


def _expected_of(field: Field) -> str:
    return {
        Str: "text", Int: "a whole number", Number: "a number", Bool: "true or false",
        DateTime: DateTime.EXAMPLE, Date: Date.EXAMPLE, List: "a list", Map: "a mapping",
        DictOf: "a mapping",
    }.get(type(field), "a value") if not isinstance(field, Enum) else "one of " + ", ".join(
        str(value) for value in field.values)


def _closest(word: str, options) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.7)
    return matches[0] if matches else None
