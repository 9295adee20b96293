"""The Jinja2 environment that turns page contexts into Markdown files for MkDocs.

Templates in ``site_templates/`` produce Markdown whose data-bearing parts are
HTML, either raw HTML blocks in the body or an HTML fragment in the front
matter. Autoescape is on for every template, so any value from a data file
lands HTML-escaped. Python-Markdown passes raw HTML blocks through untouched,
so Markdown syntax, ``{{ }}`` and MkDocs syntax in a letter show literally,
and ``&lt;script&gt;`` stays text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import posixpath
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from generator.labels import label, labels

TEMPLATE_SUFFIX = ".md.j2"


def page_dir(source: str) -> str:
    """Return the folder URL (no leading slash) that MkDocs gives a Markdown source path."""
    stem = source[: -len(".md")]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("/index")] + "/"
    return stem + "/"


def relative_url(from_source: str, target: str) -> str:
    """Return the link from the page built from ``from_source`` to ``target``.

    ``target`` is a Markdown source path (``letters/2026/HF-2026-00001.md``)
    or a file in the site (``data/letters.json``).
    """
    base = page_dir(from_source) or "."
    destination = page_dir(target) if target.endswith(".md") else target
    relative = posixpath.relpath(destination or ".", base)
    if target.endswith(".md"):
        return "./" if relative == "." else relative + "/"
    return relative


def format_rate(rate) -> str:
    """Return a rate as ``92.3%（24/26）``, or ``—（0/0）`` when nothing is counted."""
    if rate.denominator == 0:
        return f"—（0/{rate.denominator}）"
    return f"{100 * rate.numerator / rate.denominator:.1f}%（{rate.numerator}/{rate.denominator}）"


def format_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def front_matter_title(text: str) -> Markup:
    """Return ``text`` as a YAML scalar for front matter, HTML-escaped first.

    Material prints ``page.meta.title`` into ``<title>`` and the header
    without escaping (MkDocs' template environment has no autoescape), so the
    title is escaped here; JSON string syntax is valid YAML.
    """
    return Markup(json.dumps(html.escape(text, quote=True), ensure_ascii=False))


# Characters PyYAML's reader rejects, or reads as line breaks, or folds (carriage return).
_YAML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def front_matter_html(html: str) -> Markup:
    """Return an HTML fragment as a YAML literal block for front matter.

    Every line is indented, so no line of the fragment can end the front
    matter (a line of ``---``). Characters that YAML cannot carry in a block
    scalar can only come from data text. They become numeric character
    references, which a browser shows as the same character.
    """
    text = _YAML_UNSAFE.sub(lambda match: "&#x%x;" % ord(match.group()), str(html).strip("\n"))
    return Markup("|2-\n" + "\n".join("  " + line for line in text.split("\n")))


def make_environment(template_dir: Path, zone, language: str = "zh") -> jinja2.Environment:
    """Create the environment: autoescape everywhere, strict undefined, site filters.

    ``zone`` is the county's time zone; the ``moment`` filter shows times in it.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    table = labels(language)
    environment.globals["L"] = table
    environment.globals["label"] = lambda code, default=None: label(code, default, language)
    environment.globals["url"] = relative_url
    # attr_list's "{#id}" would open a Jinja comment if written in a template.
    environment.globals["anchor"] = lambda name: Markup("{#%s}" % name)
    environment.filters["moment"] = lambda value: "—" if value is None else value.astimezone(zone).strftime(
        "%Y-%m-%d %H:%M")
    environment.filters["rate"] = format_rate
    environment.filters["day"] = format_date
    environment.filters["title_yaml"] = front_matter_title
    environment.filters["front_matter_html"] = front_matter_html
    return environment


class PageWriter:
    """Write pages and files into the generated docs folder, one compiled template per page kind.

    The folder is reused from build to build: files are overwritten in place
    and ``remove_stale`` deletes the ones this build did not write, which is
    much cheaper than deleting tens of thousands of files and writing them again.
    """

    def __init__(self, environment: jinja2.Environment, docs_dir: Path):
        self.environment = environment
        self.docs_dir = docs_dir
        self.templates: dict[str, jinja2.Template] = {}
        self.pages = 0
        self.written: set[str] = set()
        self._made: set[Path] = set()

    def template(self, kind: str) -> jinja2.Template:
        template = self.templates.get(kind)
        if template is None:
            template = self.templates[kind] = self.environment.get_template(kind + TEMPLATE_SUFFIX)
        return template

    def write(self, template: str, source: str, /, **context) -> None:
        """Render ``template`` for the page at ``source`` (a path relative to docs_dir)."""
        self.write_text(source, self.template(template).render(source=source, **context))
        self.pages += 1

    def write_text(self, relative: str, text: str) -> None:
        self.write_bytes(relative, text.encode("utf-8"))

    def write_bytes(self, relative: str, data: bytes) -> None:
        path = self.docs_dir / relative
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        path.write_bytes(data)
        self.written.add(relative)

    def copy_tree(self, source: Path, relative: str) -> None:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.write_bytes(f"{relative}/{path.relative_to(source).as_posix()}", path.read_bytes())

    def remove_stale(self) -> int:
        """Delete files left in the docs folder by earlier builds; return how many."""
        removed = 0
        for folder, _, files in os.walk(self.docs_dir, topdown=False):
            base = Path(folder).relative_to(self.docs_dir).as_posix()
            for name in files:
                if (name if base == "." else f"{base}/{name}") not in self.written:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
            if base != "." and not os.listdir(folder):
                os.rmdir(folder)
        return removed
