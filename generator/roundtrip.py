"""Round-trip YAML editing: change a few values and keep every other byte of the file.

Clerks review each change as a pull-request diff, so an edit must not
re-indent lists, drop comments, re-quote strings or re-wrap long lines.
ruamel.yaml keeps all of that; this module adds three things around it:

- the file's list indentation is detected by trying the styles the project
  uses and keeping the one that reproduces the file exactly;
- values the editing commands write are quoted so that every YAML reader,
  including YAML 1.1 ones such as PyYAML, reads them back as the same text
  (``no``, ``017`` and ``17:00`` are quoted, datetimes are plain);
- comment lines written above a key stay above that key when a new key or
  list item is inserted before it (ruamel.yaml attaches such comments to the
  node before them, so an insertion would otherwise land between the comment
  and the line it describes).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString, LiteralScalarString, ScalarString, SingleQuotedScalarString,
)

from generator.fields import CONTROL_CHARACTER
from generator.yamlio import StrictResolver, YamlProblem

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

# (mapping, sequence, offset) as ruamel.yaml's YAML.indent() takes them: the dash of a list
# item sits ``offset`` columns right of its key and the item's content two columns after the
# dash. The first is what generator.writer emits ("replies:\n- at: ...").
STYLES = ((2, 2, 0), (2, 4, 2), (4, 2, 0), (4, 4, 2))


class Stamp(ScalarString):
    """A date or datetime written as a plain scalar, for example 2026-09-18T09:30:00+08:00.

    Being a ScalarString keeps ruamel.yaml from giving it the quote style of the
    value it replaces.
    """

    __slots__ = ()


def _represent_stamp(representer, value: Stamp):
    # Tagged as a timestamp, the plain form counts as implicit, so the emitter writes no quotes.
    # The strict loader still reads the value as a string.
    return representer.represent_scalar(TIMESTAMP_TAG, str(value))


@dataclass
class Document:
    """A parsed file: the ruamel.yaml tree, the original text and the detected list style."""

    data: CommentedMap
    text: str
    style: tuple[int, int, int]

    def dump(self) -> str:
        """Return the file's text after the edits, with comments above keys kept in place."""
        edited = dump(self.data, self.style)
        if self.text.startswith("---") and not edited.startswith("---"):
            edited = self.text.split("\n", 1)[0] + "\n" + edited
        return keep_comments_above(self.text, edited)


def make_yaml(style: tuple[int, int, int] = STYLES[0]) -> YAML:
    handler = YAML(typ="rt", pure=True)
    handler.preserve_quotes = True
    handler.width = 100_000  # never re-wrap a long line
    handler.allow_unicode = True
    mapping, sequence, offset = style
    handler.indent(mapping=mapping, sequence=sequence, offset=offset)
    handler.representer.add_representer(Stamp, _represent_stamp)
    return handler


def load(text: str) -> Document:
    """Parse ``text`` for editing; raise YamlProblem when ruamel.yaml cannot read it."""
    try:
        data = make_yaml().load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise YamlProblem(getattr(error, "problem", None) or str(error),
                          line=mark.line + 1 if mark else 0, column=mark.column + 1 if mark else 0,
                          hint="fix the file by hand, then run the command again") from None
    if not isinstance(data, CommentedMap):
        raise YamlProblem("the file must contain a mapping of fields", line=1, column=1,
                          hint="start the file with 'id: ...' and one field per line")
    return Document(data, text, detect_style(data, text))


def dump(data, style: tuple[int, int, int] = STYLES[0]) -> str:
    stream = io.StringIO()
    make_yaml(style).dump(data, stream)
    return stream.getvalue()


def detect_style(data, text: str) -> tuple[int, int, int]:
    """Return the indentation style that reproduces ``text``, or the closest one."""
    best, best_ratio = STYLES[0], -1.0
    for style in STYLES:
        output = dump(data, style)
        if output == text:
            return style
        ratio = difflib.SequenceMatcher(None, text.splitlines(), output.splitlines(),
                                        autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = style, ratio
    return best


# Values written by the commands

_YAML11 = yaml.resolver.Resolver()
_STRICT = StrictResolver()


def needs_quotes(text: str) -> bool:
    """Return True when a YAML reader would read the plain ``text`` as something other than text.

    YAML 1.1 readers (PyYAML) turn ``no`` into false, ``017`` into 15 and
    ``17:00`` into 1020; the strict loader keeps them as text, but the files are
    also read by editors and other tools, so such values are always quoted.
    """
    for resolver in (_YAML11, _STRICT):
        if resolver.resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":
            return True
    return False


def scalar(value):
    """Convert a Python value into the node the editing commands write for it."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        return Stamp(format_moment(value))
    if isinstance(value, dt.date):
        return Stamp(value.isoformat())
    if isinstance(value, str):
        if "\n" in value and CONTROL_CHARACTER.search(value):
            # A literal block cannot hold a control character, and reads U+0085 as a line break.
            # Escaped in double quotes it reads back as itself, so validation can name it.
            return DoubleQuotedScalarString(value)
        if "\n" in value:
            return LiteralScalarString(value)
        if needs_quotes(value):
            return SingleQuotedScalarString(value)
        return value
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = scalar(item)
        return mapping
    if isinstance(value, (list, tuple)):
        return CommentedSeq(scalar(item) for item in value)
    raise TypeError(f"cannot write a {type(value).__name__} to a data file")


def format_moment(moment: dt.datetime) -> str:
    """Return 2026-09-18T09:30:00+08:00: seconds and the offset, no microseconds."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def insert_in_order(mapping: CommentedMap, key: str, value, order: list[str]) -> None:
    """Set ``mapping[key]``, placing a new key before the first later key of ``order``."""
    if key in mapping:
        mapping[key] = value
        return
    later = order[order.index(key) + 1:] if key in order else []
    for position, existing in enumerate(mapping):
        if existing in later:
            mapping.insert(position, key, value)
            return
    mapping[key] = value


# Comment placement

_COMMENT = re.compile(r"^(\s*)#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def keep_comments_above(original: str, edited: str) -> str:
    """Move each inserted block above the comment lines that describe the line after it.

    A run of full-line comments directly above a line, at that line's
    indentation, belongs to that line. ruamel.yaml writes a new key or list
    item after such a run; this puts it before the run instead. Only pure
    insertions move, and only across comment lines, so the data is unchanged.
    """
    old = original.splitlines(keepends=True)
    new = edited.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    result: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "insert" or i1 >= len(old):
            result.extend(new[j1:j2])
            continue
        following = old[i1]
        run = 0
        while run < len(result) and i1 - run - 1 >= 0:
            line = result[-run - 1]
            match = _COMMENT.match(line)
            if not match or _indent(line) != _indent(following) or line != old[i1 - run - 1]:
                break
            run += 1
        if run:
            comments = result[-run:]
            del result[-run:]
            result.extend(new[j1:j2])
            result.extend(comments)
        else:
            result.extend(new[j1:j2])
    return "".join(result)
