"""The site build: validate, compute, render Markdown, run MkDocs, write open data, index for search.

Each phase finishes before the next starts. Everything is built into a
temporary folder beside the target, and the target is replaced only when
every phase succeeded, so a failed build never leaves a partial site.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.commands.common import parse_moment
from generator.dataset import load_dataset, load_policy
from generator.errors import DataError, WenzhengError
from generator.site import archive, opendata, search, shards
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
               search_index: bool = True, jobs: int | None = None,
               archive_cache: Path | str | bool | None = None) -> BuildResult:
    """Build the public site from ``dataset_root`` into ``site_dir`` as of ``as_of`` (default: now).

    ``jobs`` is the number of processes that render and build letter pages
    (default: one per CPU from 2,000 published letters on, else one).
    ``archive_cache`` is the folder where final years' pages are kept between
    builds (default: ``$WENZHENG_CACHE_DIR`` or ``.cache/archive``); False
    builds every year afresh and stores nothing.
    """
    started = time.perf_counter()
    root, target = Path(dataset_root), Path(site_dir).resolve()
    docs = Path(docs_dir) if docs_dir else GENERATED_DOCS
    counter = WarningCounter()
    package_log = logging.getLogger("generator")
    package_log.addHandler(counter)
    lock = None
    try:
        moment = _as_of_moment(root, as_of)
        result = BuildResult(target, moment)
        phases = Phases(result, counter, strict)
        mark = time.perf_counter()

        log.info("Validating %s", root)
        dataset = load_dataset(root, now=moment)
        for problem in dataset.warnings:
            if problem.code == "calendar-next-year":
                # A reminder to the office, not a fault in the data: the site marks those dates
                # provisional, so a strict build goes on.
                log.info("Notice: %s", problem.format().replace(": warning: ", ": ", 1))
            else:
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

        lock = lock_docs(docs)
        if archive_cache is False:
            archived = archive.ArchivePlan(archive.cache_folder())
        else:
            archived = archive.plan(publication, root, archive_cache or None)
        job_count = jobs or shards.default_jobs(result.published - sum(
            archived.pages[year] for year in archived.hits))
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))
        # mkdtemp creates the folder for its owner only; the site must be readable by a web server.
        temporary.chmod(0o777 & ~_umask())
        try:
            mark, years = _build_pages(publication, Path(config_file), docs, temporary, strict, job_count, result,
                                       phases, mark, set(archived.hits))
            if search_index:
                fresh = {year: count for year, count in years.items() if year not in archived.hits}
                search.index_letters(temporary, fresh)
                log.info("Indexed %d published letters for search", sum(fresh.values()))
            result.pages += archive.restore(archived, temporary)
            archive.store(archived, temporary, search_index)
            mark = phases.done("search", mark)
            _swap(temporary, target)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
    finally:
        package_log.removeHandler(counter)
        if lock is not None:
            os.close(lock)
    result.warnings = counter.count
    result.seconds = round(time.perf_counter() - started, 3)
    log.info("%s", result.summary())
    return result


def lock_docs(docs: Path) -> int:
    """Lock the ``docs`` folder against other builds, waiting while one holds it.

    Return the locked file descriptor of the folder. Two builds writing the
    same folder at once mix their pages, so one site would be published with
    the other's figures. The lock is on the folder itself, which builds reuse
    and never delete. Closing the descriptor releases it, and so does the end
    of the process, even when it is killed.
    """
    docs.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(docs, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.info("Waiting for another build that writes %s", _shown(docs))
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _build_pages(publication: Publication, config_file: Path, docs: Path, site: Path, strict: bool, jobs: int,
                 result: BuildResult, phases: Phases, mark: float,
                 archived_years: set[int]) -> tuple[float, dict[int, int]]:
    """Render the Markdown, write the open data and run MkDocs in ``jobs`` processes.

    Letter pages of ``archived_years`` are skipped: they come from the archive
    cache. Return the time mark and the number of letter pages per year, which
    the search index needs.
    """
    environment = make_environment(TEMPLATE_DIR, publication.site.policy.zone)
    letter_ids = [row.id for row in reversed(publication.rows)
                  if row.published and row.received_date.year not in archived_years]
    years = publication.pages_per_year()
    children = None
    staging = Path(tempfile.mkdtemp(prefix=f".{site.name}-data-", dir=site.parent))
    if jobs > 1:
        def build_shard(index: int, shard_docs: Path, shard_site: Path) -> int:
            writer = render_site(publication, make_environment(TEMPLATE_DIR, publication.site.policy.zone),
                                 _folder(shard_docs), TEMPLATE_DIR / "assets", letter_ids[index::jobs], shared=False)
            publication.release_letters()
            _run_mkdocs(config_file, shard_docs, shard_site, strict, publication)
            return writer.pages

        children = shards.Children(build_shard, jobs, docs, site)
    try:
        writer = render_site(publication, environment, _folder(docs), TEMPLATE_DIR / "assets",
                             letter_ids[0::jobs])
        log.info("Rendered %d pages into %s%s", writer.pages, _shown(docs),
                 f" (and {jobs - 1} more folders beside it)" if jobs > 1 else "")
        _write_open_data(staging, publication)
        publication.release_letters()
        mark = phases.done("render", mark)

        _run_mkdocs(config_file, docs, site, strict, publication)
        for path in sorted(staging.iterdir()):
            path.rename(site / "data" / path.name)
        result.pages = writer.pages
        if children is not None:
            outcomes = children.wait()
            phases.counter.count += sum(outcome.warnings for outcome in outcomes)
            shards.raise_on_errors(outcomes)
            for index in range(1, jobs):
                shards.merge(shards.shard_site(site, index), site)
            result.pages += sum(outcome.pages for outcome in outcomes)
            children = None
    finally:
        if children is not None:
            children.stop()
        shutil.rmtree(staging, ignore_errors=True)
        for index in range(1, jobs):
            shutil.rmtree(shards.shard_site(site, index), ignore_errors=True)
    log.info("MkDocs built %d pages%s", result.pages, f" in {jobs} processes" if jobs > 1 else "")
    return phases.done("mkdocs", mark), years


def _write_open_data(folder: Path, publication: Publication) -> None:
    opendata.write_build_info(folder, publication.theme_extra()["wenzheng"])
    opendata.write_letters(folder, publication.letter_records(), publication.site.as_of.isoformat())
    opendata.write_figures(folder, publication.stats, publication.site.departments)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _as_of_moment(root: Path, as_of) -> dt.datetime:
    if isinstance(as_of, dt.datetime):
        if as_of.tzinfo is None:
            raise WenzhengError("as_of must carry a time zone")
        return as_of
    policy, problems = load_policy(root)
    if policy is None:
        raise DataError(problems, f"{root}/policy.yaml must be valid before anything else can be checked")
    return parse_moment(as_of, policy.zone)


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
    """Put the built folder in the target's place, then delete the previous site in the background."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        target.rename(old)
    built.rename(target)
    if old is not None:
        # Deleting tens of thousands of files takes seconds and the new site is already in place. The
        # thread is not a daemon, so the command still finishes the deletion before it exits.
        threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True},
                         name="remove-previous-site").start()
