"""Write data files: canonical YAML for new letters, and atomic replacement of any file."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import yaml

LETTER_KEY_ORDER = [
    "id", "received", "channel", "type", "complexity", "public", "hidden", "author", "title", "body",
    "attachments", "assignment", "replies", "extension", "completed_at", "ratings", "supervision", "redo",
    "related",
]


# libyaml's emitter writes the same text as the pure-Python one about five times faster.
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    def ignore_aliases(self, data) -> bool:
        # A datetime used twice would otherwise be written once with an anchor (&id001) and
        # then as an alias (*id001), which a clerk editing the file cannot follow.
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        text = value if value.endswith("\n") else value
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat(timespec="seconds"))


def _represent_date(dumper: yaml.SafeDumper, value: dt.date):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dt.datetime, _represent_datetime)
_Dumper.add_representer(dt.date, _represent_date)


def dump_yaml(data) -> str:
    """Dump data as block-style YAML that the strict loader reads back unchanged.

    PyYAML quotes every string that YAML 1.1 would read as another type
    (``no``, ``017``, ``17:00``), so the text survives any YAML reader.
    """
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False, indent=2)


def ordered_letter(letter: dict) -> dict:
    """Return the letter's fields in the documented order, dropping empty optional ones."""
    ordered = {key: letter[key] for key in LETTER_KEY_ORDER if key in letter}
    ordered.update({key: value for key, value in letter.items() if key not in ordered})
    return {key: value for key, value in ordered.items() if value not in (None, [], {})}


def dump_letter(letter: dict) -> str:
    return dump_yaml(ordered_letter(letter))


def letter_path(root: Path, letter_id: str, received: dt.datetime) -> Path:
    """Return data/letters/<year>/<month>/<id>.yaml for a letter."""
    return Path(root) / f"{received.year:04d}" / f"{received.month:02d}" / f"{letter_id}.yaml"


def atomic_write(path: Path, text: str) -> bool:
    """Replace ``path`` with ``text`` in one step; return False when the content was already equal.

    The text goes to a temporary file in the same folder, is flushed to disk and
    then renamed over the target, so a killed process leaves the old file or the
    new one, never half of either.
    """
    path = Path(path)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
