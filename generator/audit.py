"""Scan every file of a built site for personal data, private letters and scripts the theme did not write.

``wenzheng audit SITE_DIR --data DATA_DIR`` runs three checks on each file:

- personal data, with the same detector that validation uses;
- text of letters that are private (``public: false``) or hidden, read from
  DATA_DIR/letters: each text field of up to 20 characters whole, and longer
  ones as 20-character windows;
- in HTML, SVG and XML feeds: ``<script>`` elements, ``on*=`` event handler
  attributes, ``javascript:`` URLs and ``<iframe>``, ``<object>``, ``<embed>``
  and similar elements that the theme's own templates do not contain.

Pagefind writes its index as gzip files whose content starts with the bytes
``pagefind_dcd``; they are decompressed and scanned like the other files.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import posixpath
import re
import time
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from generator.privacy import KIND_TEXT, department_allowances, find_personal_data, letter_texts, load_department_list
from generator.yamlio import YamlProblem, load_file

logger = logging.getLogger(__name__)

PAGEFIND_SIGNATURE = b"pagefind_dcd"

MARKUP_SUFFIXES = {".html", ".htm", ".svg", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
JSON_SUFFIXES = {".json", ".webmanifest", ".geojson"}
PAGEFIND_SUFFIXES = {".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter"}
SKIPPED_SUFFIXES = {".map", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".ttf",
                    ".eot", ".otf", ".pdf", ".zip", ".xlsx", ".pagefind"}

# Folders of the site whose script files a page may load.
SCRIPT_FOLDERS = ("assets/javascripts/", "search/", "pagefind/", "js/")

# Elements that embed another document or plug-in; no template of the portal uses them.
EMBEDDING_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                  "cite", "ping", "srcset", "manifest", "codebase", "lowsrc", "dynsrc", "to", "from", "values"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg+xml")
JSON_SCRIPT_TYPES = {"application/json", "application/ld+json"}

# Private text shorter than this is not searched for: short strings match by chance.
MIN_NEEDLE = 6
WINDOW = 20
WINDOW_STRIDE = 10

_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(slots=True)
class AuditFinding:
    """One problem in one output file; ``detail`` never contains an unmasked value or private text."""

    file: str
    check: str
    detail: str
    line: int = 0

    def format(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        return f"{location}: {self.check}: {self.detail}"


@dataclass(slots=True)
class AuditReport:
    findings: list[AuditFinding] = field(default_factory=list)
    files_scanned: int = 0
    private_letters: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        state = f"{len(self.findings)} problem(s)" if self.findings else "no problems"
        return (f"audit: {state} in {self.files_scanned} file(s); "
                f"{self.private_letters} private or hidden letter(s) searched for; {self.seconds:.1f} s")


# --- the theme's own scripts -------------------------------------------------

@dataclass(slots=True)
class ThemeAllowlist:
    """Inline script patterns, javascript: URLs, event handlers and script files that the theme writes."""

    inline_scripts: list[re.Pattern] = field(default_factory=list)
    javascript_urls: set[str] = field(default_factory=set)
    event_handlers: set[tuple[str, str]] = field(default_factory=set)
    script_files: set[str] = field(default_factory=set)

    def allows_inline(self, content: str) -> bool:
        text = _collapse(content)
        return not text or any(pattern.fullmatch(text) for pattern in self.inline_scripts)


_TEMPLATE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
_TEMPLATE_HANDLER = re.compile(r"\s(on[a-z]+)=\"([^\"{}]*)\"", re.I)
_TEMPLATE_JAVASCRIPT_URL = re.compile(r"=\"(javascript:[^\"{}]*)\"", re.I)
# A Jinja expression inside a theme script renders a config value inside a
# JavaScript string. The value may not contain a quote, a tag or a backslash,
# so it cannot end the string.
_EXPRESSION_VALUE = r"""[^"'<>\\\n]*"""


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def theme_template_dirs() -> list[Path]:
    """Return the installed Material for MkDocs template folder, if the theme is installed."""
    try:
        import material
    except ImportError:
        return []
    return [Path(material.__file__).parent / "templates"]


def build_allowlist(template_dirs: list[Path], extra_scripts: list[str] = ()) -> ThemeAllowlist:
    """Derive the allowed inline scripts, handlers and javascript: URLs from the theme's template files.

    Each inline ``<script>`` of a template becomes a pattern in which every
    ``{{ ... }}`` expression matches a value without quotes or tags. Scripts
    that contain ``{% ... %}`` statements are skipped, because their rendered
    code cannot be predicted, so a page that uses one fails the audit.
    """
    allowlist = ThemeAllowlist(script_files={script.lstrip("/") for script in extra_scripts})
    for folder in template_dirs:
        for path in sorted(Path(folder).rglob("*.html")):
            text = path.read_text(encoding="utf-8", errors="replace")
            _add_template(allowlist, text, path)
    return allowlist


def _add_template(allowlist: ThemeAllowlist, text: str, path: Path) -> None:
    for match in _TEMPLATE_SCRIPT.finditer(text):
        attributes, content = match.group(1), match.group(2)
        if "src=" in attributes or "application/json" in attributes or not content.strip():
            continue
        if "{%" in content:
            logger.debug("skipping a template script with Jinja statements in %s", path)
            continue
        parts = _JINJA_EXPRESSION.split(_collapse(content))
        pattern = _EXPRESSION_VALUE.join(re.escape(part) for part in parts)
        allowlist.inline_scripts.append(re.compile(pattern, re.S))
    for match in _TEMPLATE_HANDLER.finditer(text):
        allowlist.event_handlers.add((match.group(1).lower(), match.group(2)))
    for match in _TEMPLATE_JAVASCRIPT_URL.finditer(text):
        allowlist.javascript_urls.add(match.group(1))


def read_mkdocs_config(path: Path) -> tuple[list[Path], list[str]]:
    """Return the theme's custom_dir (as a list) and the extra_javascript entries of an mkdocs.yml."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use tags such as !!python/name or !ENV; their values do not matter here.
    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) or {}
    theme = config.get("theme") or {}
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    folders = [Path(path).parent / custom_dir] if custom_dir else []
    scripts = []
    for entry in config.get("extra_javascript") or []:
        source = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(source, str):
            scripts.append(source)
    return folders, scripts


# --- scanning markup ---------------------------------------------------------

class _MarkupScanner(HTMLParser):
    """Collect scripts, event handlers, dangerous URLs and embedding elements of one HTML or SVG file."""

    def __init__(self, page: str, allowlist: ThemeAllowlist, site_files: set[str]):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.allowlist = allowlist
        self.site_files = site_files
        self.problems: list[tuple[int, str, str]] = []
        self._script: tuple[int, dict] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check_element(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check_element(tag, attrs)
        if tag == "script":
            self.handle_endtag("script")

    def _check_element(self, tag, attrs):
        line = self.getpos()[0]
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and len(name) > 2 and (name, value) not in self.allowlist.event_handlers:
                self.problems.append((line, "event-handler", f"<{tag} {name}=...> {_preview(value)}"))
            elif name in URL_ATTRIBUTES and _is_dangerous_url(value) and value not in self.allowlist.javascript_urls:
                self.problems.append((line, "script-url", f"<{tag} {name}=...> {_preview(value)}"))
        if tag in EMBEDDING_ELEMENTS:
            self.problems.append((line, "embedded-element", f"<{tag}> {_preview(attributes.get('src') or attributes.get('data') or attributes.get('href') or '')}"))
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            target = attributes.get("content", "").partition("url=")[2]
            if _is_dangerous_url(target):
                self.problems.append((line, "script-url", f"<meta http-equiv=refresh> {_preview(target)}"))
        if tag == "script":
            self._script = (line, attributes)
            self._script_text = []

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag != "script" or self._script is None:
            return
        line, attributes = self._script
        content = "".join(self._script_text)
        self._script = None
        reason = self._script_problem(attributes, content)
        if reason:
            self.problems.append((line, "script", reason))

    def _script_problem(self, attributes: dict, content: str) -> str | None:
        source = attributes.get("src") or attributes.get("xlink:href") or attributes.get("href")
        if source is not None:
            if self._allowed_source(source):
                return None
            return f"<script src> outside the theme's script folders: {_preview(source)}"
        kind = attributes.get("type", "").strip().lower()
        if kind in JSON_SCRIPT_TYPES:
            try:
                json.loads(content)
                return None
            except ValueError:
                return f"<script type={kind}> whose content is not JSON: {_preview(content)}"
        if self.allowlist.allows_inline(content):
            return None
        return f"inline <script> that no theme template contains: {_preview(content)}"

    def _allowed_source(self, source: str) -> bool:
        parts = urlsplit(source.strip())
        if parts.scheme or parts.netloc or source.strip().startswith("//"):
            return False
        target = unquote(parts.path)
        if target.startswith("/"):
            resolved = posixpath.normpath(target.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), target))
        if resolved.startswith("../") or resolved not in self.site_files:
            return False
        return resolved.startswith(SCRIPT_FOLDERS) or resolved in self.allowlist.script_files


def _is_dangerous_url(value: str) -> bool:
    compact = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    return compact.startswith(DANGEROUS_SCHEMES)


def _preview(text: str, limit: int = 60) -> str:
    text = _collapse(text)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def scan_markup(page: str, text: str, allowlist: ThemeAllowlist, site_files: set[str]) -> list[tuple[int, str, str]]:
    """Return (line, check, detail) for each script, handler, URL or element the theme did not write."""
    scanner = _MarkupScanner(page, allowlist, site_files)
    scanner.feed(text)
    scanner.close()
    if scanner._script is not None:
        scanner.handle_endtag("script")
    return scanner.problems


def feed_html_fragments(text: str) -> list[str]:
    """Return the HTML carried as text by an RSS or Atom feed (descriptions, html content)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return []
    fragments = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if not element.text or "<" not in element.text:
            continue
        content_type = element.get("type", "html" if name in ("description", "encoded") else "text")
        if content_type.lower() in ("html", "xhtml", "text/html"):
            fragments.append(element.text)
    return fragments


# --- private letters ---------------------------------------------------------

def _compact(text: str) -> str:
    return _INVISIBLE.sub("", text)


@dataclass(slots=True)
class PrivateText:
    """Needles from private and hidden letters, indexed by their first MIN_NEEDLE characters."""

    index: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    letters: int = 0
    unreadable: list[str] = field(default_factory=list)

    def find(self, haystack: str) -> set[str]:
        """Return the labels (letter id and field) of the needles found in ``haystack``."""
        return {label for _, label in _matches(self.index, haystack)}


def _matches(index: dict[str, list[tuple[str, str]]], haystack: str) -> set[tuple[str, str]]:
    """Return the (needle, label) pairs of ``index`` that occur in ``haystack``.

    One dictionary lookup per position on the needle's first MIN_NEEDLE
    characters, then a comparison of the few candidates: linear in the
    haystack whatever the number of needles.
    """
    found = set()
    if not index:
        return found
    for position in range(len(haystack) - MIN_NEEDLE + 1):
        candidates = index.get(haystack[position:position + MIN_NEEDLE])
        if candidates:
            for needle, label in candidates:
                if haystack.startswith(needle, position):
                    found.add((needle, label))
    return found


def needles_of(text: str) -> list[str]:
    """Return the strings whose presence in the output shows that ``text`` leaked."""
    compact = _compact(text)
    if len(compact) < MIN_NEEDLE:
        return []
    if len(compact) <= WINDOW:
        return [compact]
    starts = list(range(0, len(compact) - WINDOW + 1, WINDOW_STRIDE))
    if starts[-1] != len(compact) - WINDOW:
        starts.append(len(compact) - WINDOW)
    return [compact[start:start + WINDOW] for start in starts]


def load_private_text(data_dir: Path) -> PrivateText:
    """Collect the needles of every private or hidden letter under DATA_DIR/letters.

    Needles that also occur in a published letter are dropped: a reply
    sentence shared with a public letter may appear on the site.
    """
    private = PrivateText()
    public_texts = []
    needles: dict[str, str] = {}
    for path in sorted((Path(data_dir) / "letters").rglob("*.yaml")):
        try:
            letter = load_file(path)
        except (YamlProblem, OSError) as error:
            private.unreadable.append(f"{path}: {getattr(error, 'message', error)}")
            continue
        if not isinstance(letter, dict):
            continue
        texts = [text for _, text, _ in letter_texts(letter)]
        if letter.get("public") is False or letter.get("hidden") is True:
            private.letters += 1
            for path_in_letter, text, _ in letter_texts(letter):
                label = f"{letter.get('id', path.stem)} {'.'.join(str(step) for step in path_in_letter)}"
                for needle in needles_of(text):
                    needles.setdefault(needle, label)
        else:
            public_texts.extend(_compact(text) for text in texts)
    if public_texts:
        shared = _matches(_index(needles), "\x00".join(public_texts))
        for needle, _ in shared:
            needles.pop(needle, None)
    private.index = _index(needles)
    return private


def _index(needles: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for needle, label in needles.items():
        index.setdefault(needle[:MIN_NEEDLE], []).append((needle, label))
    return index


# --- reading output files ----------------------------------------------------

def read_output(path: Path) -> tuple[str, str] | None:
    """Return (kind, text) of a site file, decompressing gzip and Pagefind files; None to skip it."""
    suffix = path.suffix.lower()
    if suffix in SKIPPED_SUFFIXES:
        return None
    raw = path.read_bytes()
    if suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            return None
        suffix = Path(path.stem).suffix.lower()
    if suffix in PAGEFIND_SUFFIXES or path.name == "pagefind-entry.json":
        return _read_pagefind(raw, suffix)
    if b"\x00" in raw[:8192]:
        return None
    text = raw.decode("utf-8", errors="replace")
    if suffix in MARKUP_SUFFIXES:
        return "markup", text
    if suffix in FEED_SUFFIXES:
        return "feed", text
    if suffix in JSON_SUFFIXES:
        return "json", text
    return "text", text


def _read_pagefind(raw: bytes, suffix: str) -> tuple[str, str]:
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            return "binary", raw.decode("utf-8", errors="replace")
    if raw.startswith(PAGEFIND_SIGNATURE):
        raw = raw[len(PAGEFIND_SIGNATURE):]
    text = raw.decode("utf-8", errors="replace")
    if suffix == ".pf_fragment" or suffix == ".json":
        return "json", text
    # Index and metadata files are CBOR: their strings are UTF-8 between binary length bytes.
    return "binary", text


def json_strings(text: str) -> list[str] | None:
    """Return every key and string value of a JSON document, or None when it is not JSON."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    strings = []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings.extend(key for key in item if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return strings


def visible_text(text: str) -> str:
    """Return markup as the reader sees it: tags removed, entities decoded, attribute values appended."""
    attributes = "\x00".join(a or b for a, b in _ATTRIBUTE_VALUE.findall(text))
    return html.unescape(_TAG.sub("", text)) + "\x00" + html.unescape(attributes)


def _decode_unicode_escapes(text: str) -> str:
    if "\\u" not in text:
        return text
    return _UNICODE_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


# --- the audit ---------------------------------------------------------------

def vendor_file_hashes(template_dirs: list[Path]) -> set[str]:
    """Return SHA-256 hashes of the theme's script and style files, which hold no data of the portal."""
    hashes = set()
    for folder in template_dirs:
        for path in Path(folder).rglob("*"):
            if path.suffix in (".js", ".css") and path.is_file():
                hashes.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return hashes


def _is_vendor_file(relative: str, path: Path, vendor_hashes: set[str]) -> bool:
    if relative.startswith("pagefind/") and path.suffix in (".js", ".css"):
        return True
    if path.suffix in (".js", ".css"):
        return hashlib.sha256(path.read_bytes()).hexdigest() in vendor_hashes
    return False


def audit_site(site_dir: Path, data_dir: Path | None = None, template_dirs: list[Path] | None = None,
               mkdocs_config: Path | None = None) -> AuditReport:
    """Scan every file under ``site_dir`` and return what must not be there.

    ``template_dirs`` are the project's own template overrides; the installed
    Material templates are always added. ``mkdocs_config`` supplies the
    extra_javascript entries, and the custom_dir when ``template_dirs`` is None.
    """
    started = time.perf_counter()
    site_dir = Path(site_dir)
    extra_scripts: list[str] = []
    if mkdocs_config is not None:
        custom_dirs, extra_scripts = read_mkdocs_config(mkdocs_config)
        if template_dirs is None:
            template_dirs = custom_dirs
    theme_dirs = theme_template_dirs()
    allowlist = build_allowlist(theme_dirs + [d for d in template_dirs or [] if Path(d).is_dir()], extra_scripts)
    vendor_hashes = vendor_file_hashes(theme_dirs)
    private = load_private_text(data_dir) if data_dir else PrivateText()
    phones, names = office_allowances(data_dir)
    report = AuditReport(private_letters=private.letters)
    for problem in private.unreadable:
        report.findings.append(AuditFinding(str(data_dir), "unreadable-letter", problem))

    files = sorted(path for path in site_dir.rglob("*") if path.is_file())
    site_files = {path.relative_to(site_dir).as_posix() for path in files}
    context = AuditContext(allowlist, site_files, private, phones, names)
    for path in files:
        relative = path.relative_to(site_dir).as_posix()
        if _is_vendor_file(relative, path, vendor_hashes):
            continue
        content = read_output(path)
        if content is None:
            continue
        report.files_scanned += 1
        report.findings.extend(audit_file(relative, *content, context))
    report.seconds = time.perf_counter() - started
    logger.debug(report.summary())
    return report


def office_allowances(data_dir: Path | None) -> tuple[list[str], list[str]]:
    """Return every office phone number and staff name listed in DATA_DIR/departments.yaml.

    Validation allows a department's numbers only in its own replies. The
    output does not record which department wrote a line, so the audit allows
    every department's numbers and staff names everywhere.
    """
    path = Path(data_dir) / "departments.yaml" if data_dir else None
    if path is None or not path.is_file():
        return [], []
    phones, names = [], []
    departments = load_department_list(path)
    for department in departments:
        department_phones, department_names = department_allowances(departments, department.get("id"))
        phones.extend(department_phones)
        names.extend(department_names)
    return phones, names


@dataclass(slots=True)
class AuditContext:
    """Shared input of the per-file checks: the theme allowlist, the site's file list and the data."""

    allowlist: ThemeAllowlist
    site_files: set[str]
    private: PrivateText
    allowed_phones: list[str] = field(default_factory=list)
    allowed_names: list[str] = field(default_factory=list)


def audit_file(relative: str, kind: str, text: str, context: AuditContext) -> list[AuditFinding]:
    """Run the three checks on one decoded output file."""
    findings = []
    if kind == "markup":
        readable = [visible_text(text)]
        markup = [text]
    elif kind == "feed":
        fragments = feed_html_fragments(text)
        readable = [visible_text(text)] + [visible_text(fragment) for fragment in fragments]
        markup = [text] + fragments
    elif kind == "json":
        strings = json_strings(text)
        readable = [visible_text(string) for string in strings] if strings is not None else [text]
        markup = _search_index_html(relative, text)
    else:
        readable = [_decode_unicode_escapes(text)]
        markup = []

    for fragment in markup:
        for line, check, detail in scan_markup(relative, fragment, context.allowlist, context.site_files):
            findings.append(AuditFinding(relative, check, detail, line if fragment is text else 0))

    seen = set()
    for piece in readable:
        plain = _INVISIBLE_ZERO_WIDTH.sub("", piece)
        for finding in find_personal_data(plain, context.allowed_phones, context.allowed_names):
            key = (finding.kind, finding.masked)
            if key not in seen:
                seen.add(key)
                findings.append(AuditFinding(relative, "personal-data", f"{KIND_TEXT[finding.kind]} {finding.masked}"))
    leaked = context.private.find(_compact("\x00".join(readable)))
    for label in sorted(leaked):
        findings.append(AuditFinding(relative, "private-letter", f"text of private or hidden letter {label}"))
    return findings


_INVISIBLE_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def _search_index_html(relative: str, text: str) -> list[str]:
    """Return the HTML that Material's search shows from search/search_index.json."""
    if not relative.endswith("search_index.json"):
        return []
    try:
        documents = json.loads(text).get("docs") or []
    except (ValueError, AttributeError):
        return []
    return [document.get(name) or "" for document in documents for name in ("title", "text")
            if isinstance(document, dict)]
