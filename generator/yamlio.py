"""The one YAML loader every command uses: PyYAML's C parser with strict typing.

YAML 1.1, which PyYAML implements, turns ``no`` into False, ``017`` into 15,
``17:00`` into 1020 and ``2026-02-30`` into an exception deep in the parser.
This loader resolves only the plain forms of booleans, integers, floats and
null; everything else stays the string the clerk typed, and the typed fields
of the schema (dates, times, enums) parse those strings with their own
messages. Duplicate keys, merge keys, custom tags and tabs are rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import BaseResolver

try:
    from yaml.cyaml import CParser as Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser  # type: ignore[assignment]
    from yaml.composer import Composer
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            Composer.__init__(self)


class StrictResolver(BaseResolver):
    """Resolve only unambiguous plain scalars; the rest are strings."""


StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789"),
)
StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)

ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


class StrictConstructor(SafeConstructor):
    """SafeConstructor that rejects duplicate keys, merge keys and unknown tags."""

    def construct_object(self, node, deep=False):
        if node.tag not in ALLOWED_TAGS:
            raise ConstructorError(
                None, None, f"the tag {node.tag} is not allowed in data files", node.start_mark
            )
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                raise ConstructorError(
                    None, None, "merge keys (<<) are not allowed in data files", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int)):
                raise ConstructorError(
                    None, None, "a key must be a plain word or number", key_node.start_mark
                )
            if key in mapping:
                raise DuplicateKeyError(key, key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


class DuplicateKeyError(ConstructorError):
    def __init__(self, key, mark):
        super().__init__(None, None, f"the key '{key}' appears twice in one mapping", mark)
        self.key = key


class StrictLoader(Parser, StrictConstructor, StrictResolver):
    def __init__(self, stream):
        Parser.__init__(self, stream)
        StrictConstructor.__init__(self)
        StrictResolver.__init__(self)


@dataclass(slots=True)
class YamlProblem(Exception):
    """A file that is not valid YAML for this project, with its 1-based position."""

    message: str
    line: int = 0
    column: int = 0
    hint: str = ""


BOM = b"\xef\xbb\xbf"


def decode(raw: bytes) -> str:
    """Decode UTF-8, dropping a byte-order mark; CRLF line ends are read as LF by YAML."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlProblem(
            "the file is not valid UTF-8",
            line=line,
            column=1,
            hint="save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)",
        ) from None


def loads(text: str):
    """Parse one YAML document with the strict rules; raise YamlProblem on any violation."""
    tab = _indenting_tab(text)
    if tab:
        raise YamlProblem(
            "a tab character is used for indentation",
            line=tab[0],
            column=tab[1],
            hint="indent with spaces only (two spaces per level)",
        )
    try:
        loader = StrictLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "invalid YAML"
        hint = "check the quoting and indentation on this line"
        if isinstance(error, DuplicateKeyError):
            hint = f"keep one '{error.key}' and delete the other"
        elif "tag" in message or "merge" in message:
            hint = "write the value out in full without tags or anchors"
        return _raise(message, mark, hint)
    except yaml.YAMLError as error:
        raise YamlProblem(str(error), hint="check that the file contains a single YAML document") from None


def load_file(path: Path):
    """Read and parse one data file."""
    return loads(decode(Path(path).read_bytes()))


def _raise(message, mark, hint):
    line = mark.line + 1 if mark else 0
    column = mark.column + 1 if mark else 0
    raise YamlProblem(message, line=line, column=column, hint=hint) from None


def _indenting_tab(text: str) -> tuple[int, int] | None:
    """Return the position of the first tab in a line's leading whitespace, if any.

    Tabs inside block scalars are content, so only lines outside a block scalar
    are considered; a tab in the indentation is a YAML error that PyYAML
    reports with a message no clerk can act on.
    """
    if "\t" not in text:
        return None
    block_indent = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if "\t" in line[:indent]:
            return number, line.index("\t") + 1
        if re.search(r"(:|^-|\s-)\s*[|>][-+0-9]*\s*(#.*)?$", line):
            block_indent = indent
    return None


def locate(text: str, path: tuple) -> tuple[int, int]:
    """Return the 1-based line and column of the value at ``path`` in a YAML text.

    Used only to report problems, so the fast path never records positions.
    Falls back to the deepest existing parent when the path is missing.
    """
    try:
        node = yaml.compose(text, Loader=_ComposeLoader)
    except yaml.YAMLError:
        return 0, 0
    best = node
    key_mark = None
    for step in path:
        key_mark = None
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if str(key_node.value) == str(step):
                    found = value_node
                    key_mark = key_node.start_mark
                    break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        else:
            node = None
        if node is not None:
            best = node
    if best is None:
        return 0, 0
    mark = best.start_mark
    if node is None and key_mark is not None:
        mark = key_mark
    return mark.line + 1, mark.column + 1


class _ComposeLoader(Parser, StrictResolver):
    def __init__(self, stream):
        Parser.__init__(self, stream)
        StrictResolver.__init__(self)
