"""The site build: validate, compute, render Markdown, run MkDocs, write open data, index for search.

Each phase finishes before the next starts, and everything is built into a
temporary folder beside the target; the target is replaced only when every
phase succeeded, so a failed build never leaves a partial site.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.commands.common import parse_moment
from generator.dataset import load_dataset, load_policy
from generator.errors import DataError, WenzhengError
from generator.site import charts, opendata, search
from generator.site.content import Publication, render_site
from generator.site.render import make_environment

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2]
CONFIG_FILE = PROJECT_DIR / "mkdocs.yml"
TEMPLATE_DIR = PROJECT_DIR / "site_templates"
GENERATED_DOCS = PROJECT_DIR / ".generated" / "docs"


@dataclass
class BuildResult:
    """Counts and timings of one site build."""

    site_dir: Path
    as_of: dt.datetime
    letters: int = 0
    published: int = 0
    pages: int = 0
    departments: int = 0
    masked: int = 0
    warnings: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"Built {self.site_dir}: {self.letters} letters ({self.published} published), {self.pages} pages, "
                f"{self.departments} departments, {self.masked} masked findings in {self.seconds:.1f} s")


class WarningCounter(logging.Handler):
    """Count the warnings logged under ``generator`` while a build runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class MkDocsForwarder(logging.Handler):
    """Pass MkDocs' log records on to our logger: warnings as warnings, the rest at DEBUG."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            log.log(record.levelno, "MkDocs: %s", message)
        else:
            log.debug("MkDocs: %s", message)


class Phases:
    """Time each phase and stop a strict build at the end of a phase that logged warnings."""

    def __init__(self, result: BuildResult, counter: WarningCounter, strict: bool):
        self.result, self.counter, self.strict = result, counter, strict
        self.started = time.perf_counter()

    def done(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.result.timings[name] = round(now - started, 3)
        if self.strict and self.counter.count:
            raise WenzhengError(f"{self.counter.count} warning(s) in strict mode during the {name} phase; "
                                f"the site was not replaced")
        return now


def build_site(dataset_root: Path | str = "data", site_dir: Path | str = "site",
               as_of: dt.datetime | str | None = None, strict: bool = False, *,
               config_file: Path | str = CONFIG_FILE, docs_dir: Path | str | None = None,
               search_index: bool = True) -> BuildResult:
    """Build the public site from ``dataset_root`` into ``site_dir`` as of ``as_of`` (default: now)."""
    started = time.perf_counter()
    root, target = Path(dataset_root), Path(site_dir).resolve()
    docs = Path(docs_dir) if docs_dir else GENERATED_DOCS
    counter = WarningCounter()
    package_log = logging.getLogger("generator")
    package_log.addHandler(counter)
    try:
        moment = _as_of_moment(root, as_of)
        result = BuildResult(target, moment)
        phases = Phases(result, counter, strict)
        mark = time.perf_counter()

        log.info("Validating %s", root)
        dataset = load_dataset(root, now=moment)
        for problem in dataset.warnings:
            log.warning("%s", problem.format())
        mark = phases.done("validate", mark)

        publication = Publication.prepare(dataset, moment)
        result.letters, result.published = publication.counts()
        result.departments, result.masked = len(dataset.departments), publication.masked
        if publication.masked:
            log.warning("Masked %d piece(s) of personal data that validation did not stop; run "
                        "'wenzheng audit' and 'wenzheng redact' on the data", publication.masked)
        log.info("Computed lights and figures for %d letters as of %s", result.letters,
                 moment.strftime("%Y-%m-%d %H:%M %z"))
        mark = phases.done("compute", mark)

        environment = make_environment(TEMPLATE_DIR, dataset.policy.zone)
        result.pages = render_site(publication, environment, _fresh_folder(docs), TEMPLATE_DIR / "assets")
        log.info("Rendered %d pages into %s", result.pages, _shown(docs))
        mark = phases.done("render", mark)

        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))
        try:
            _run_mkdocs(Path(config_file), docs, temporary, strict, publication)
            log.info("MkDocs built the HTML pages")
            opendata.write_letters(temporary / "data", publication.letter_records(), moment.isoformat())
            opendata.write_figures(temporary / "data", publication.stats, dataset.departments)
            mark = phases.done("mkdocs", mark)

            if search_index:
                search.index_letters(temporary, publication.search_years())
                log.info("Indexed %d published letters for search", result.published)
            mark = phases.done("search", mark)
            _swap(temporary, target)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
    finally:
        package_log.removeHandler(counter)
    result.warnings = counter.count
    result.seconds = round(time.perf_counter() - started, 3)
    log.info("%s", result.summary())
    return result


def _as_of_moment(root: Path, as_of) -> dt.datetime:
    if isinstance(as_of, dt.datetime):
        if as_of.tzinfo is None:
            raise WenzhengError("as_of must carry a time zone")
        return as_of
    policy, problems = load_policy(root)
    if policy is None:
        raise DataError(problems, f"{root}/policy.yaml must be valid before anything else can be checked")
    return parse_moment(as_of, policy.zone)


def _fresh_folder(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _run_mkdocs(config_file: Path, docs: Path, site: Path, strict: bool, publication: Publication) -> None:
    """Run MkDocs' own build with our docs_dir and site_dir, its log passed on to ours."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    mkdocs_log = logging.getLogger("mkdocs")
    forwarder = MkDocsForwarder()
    saved = (mkdocs_log.level, mkdocs_log.propagate)
    mkdocs_log.addHandler(forwarder)
    mkdocs_log.setLevel(logging.INFO)
    mkdocs_log.propagate = False
    try:
        config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(site), strict=strict)
        config.extra.update(publication.theme_extra())
        build(config)
    except MkDocsException as error:
        raise WenzhengError(f"MkDocs failed: {error.format_message()}") from None
    finally:
        mkdocs_log.removeHandler(forwarder)
        mkdocs_log.setLevel(saved[0])
        mkdocs_log.propagate = saved[1]


def _swap(built: Path, target: Path) -> None:
    """Put the built folder in the target's place; the old site is removed only afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    built.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
