"""Every text the public site shows, keyed by a stable code, in one file per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LABEL_DIR = Path(__file__).parent / "labels"
DEFAULT_LANGUAGE = "zh"


@lru_cache(maxsize=None)
def labels(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the flat table ``code -> text`` for a language."""
    with open(LABEL_DIR / f"{language}.yaml", encoding="utf-8") as stream:
        nested = yaml.safe_load(stream)
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        for key, value in node.items():
            code = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                walk(code, value)
            else:
                flat[code] = str(value)

    walk("", nested)
    return flat


def label(code: str, default: str | None = None, language: str = DEFAULT_LANGUAGE) -> str:
    """Return the text for ``code``; unknown codes return ``default`` or the code itself."""
    return labels(language).get(code, default if default is not None else code)
