"""Archive years: letter pages and search bundles of a final year, built once and reused.

A year is final when it is over and every letter received in it is
completed (no open redo order). Its letter pages and its Pagefind bundles
then depend only on their inputs: the year's letter files, the departments,
policy and calendar files, the Git-recorded dates of backdated items, the
templates and the generator's own code and versions. The build hashes those
inputs. When the cache contains a folder for that hash, the year's pages are
copied from it instead of being rendered, built and indexed again, so the
daily build costs roughly the open years.

What changes every day lives outside the cached pages: ``data/build.json``
carries the moment the data is as of and the list of search bundles, and the
site's script reads it on every page.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.site import search

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = PROJECT_DIR / ".cache" / "archive"
FORMAT = "archive-v1"
PACKAGES = ("mkdocs", "mkdocs-material", "pagefind", "pagefind-bin-extended", "jinja2", "markdown")


@dataclass
class ArchivePlan:
    """Final years of this build: the cache key of each, and which ones the cache already holds."""

    cache: Path
    keys: dict[int, str] = field(default_factory=dict)
    hits: dict[int, Path] = field(default_factory=dict)
    pages: dict[int, int] = field(default_factory=dict)

    @property
    def misses(self) -> list[int]:
        return sorted(year for year in self.keys if year not in self.hits)


def cache_folder(cache_dir: Path | str | None = None) -> Path:
    return Path(cache_dir or os.environ.get("WENZHENG_CACHE_DIR") or DEFAULT_CACHE)


def final_years(rows, as_of_year: int) -> set[int]:
    """Return the years before ``as_of_year`` in which every letter received is completed."""
    years: dict[int, bool] = {}
    for row in rows:
        year = row.received_date.year
        if year >= as_of_year:
            continue
        years[year] = years.get(year, True) and row.completed
    return {year for year, final in years.items() if final}


def _code_digest() -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for package in PACKAGES:
        try:
            digest.update(f"{package}={importlib.metadata.version(package)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{package}=none\n".encode())
    folders = [PROJECT_DIR / "generator", PROJECT_DIR / "site_templates"]
    files = [PROJECT_DIR / "mkdocs.yml"]
    for folder in folders:
        files.extend(path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    for path in sorted(files):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _data_digest(root: Path) -> str:
    digest = hashlib.sha256()
    files = [root / "departments.yaml", root / "policy.yaml"]
    calendar = root / "calendar"
    if calendar.is_dir():
        files.extend(sorted(calendar.glob("*.yaml")))
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def plan(publication, root: Path | str, cache_dir: Path | str | None = None) -> ArchivePlan:
    """Work out the final years of this build and look each one up in the cache."""
    result = ArchivePlan(cache_folder(cache_dir))
    as_of_year = publication.site.as_of.astimezone(publication.site.policy.zone).year
    years = final_years(publication.rows, as_of_year)
    if not years:
        return result
    shared = hashlib.sha256((_code_digest() + _data_digest(Path(root))).encode()).hexdigest()
    letters_by_year: dict[int, list] = {year: [] for year in years}
    for letter in publication.letters:
        year = publication.stats.statuses[letter.id].received_date.year
        if year in letters_by_year:
            letters_by_year[year].append(letter)
    for year, letters in letters_by_year.items():
        digest = hashlib.sha256(f"{shared}\n{year}\n".encode())
        for letter in sorted(letters, key=lambda item: item.id):
            digest.update(letter.id.encode() + b"\0" + Path(letter.path).read_bytes())
            for item in publication.backdated.get(letter.id, []):
                digest.update(repr(item).encode())
        key = digest.hexdigest()[:32]
        result.keys[year] = key
        result.pages[year] = sum(1 for letter in letters if letter.id in publication.public)
        folder = result.cache / f"{year}-{key}"
        if (folder / "complete").is_file():
            result.hits[year] = folder
    return result


def _bundle_names(year: int, pages: int) -> list[str]:
    return [name for name, _ in search.bundles({year: pages})]


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a folder, hard-linking files where the file system allows it."""
    try:
        shutil.copytree(source, target, copy_function=os.link, dirs_exist_ok=True)
    except OSError:
        shutil.copytree(source, target, dirs_exist_ok=True)


def restore(archive: ArchivePlan, site: Path) -> int:
    """Copy the cached years' letter pages and search bundles into ``site``; return the page count."""
    pages = 0
    for year, folder in sorted(archive.hits.items()):
        if (folder / "letters").is_dir():
            _copy_tree(folder / "letters", site / "letters" / str(year))
        for name in _bundle_names(year, archive.pages[year]):
            if (folder / "pagefind" / name).is_dir():
                _copy_tree(folder / "pagefind" / name, site / search.BUNDLE_FOLDER / name)
        pages += archive.pages[year]
        log.info("Reused the archived letter pages of %d (%d pages)", year, archive.pages[year])
    return pages


def store(archive: ArchivePlan, site: Path, indexed: bool) -> None:
    """Save the freshly built pages of each final year that the cache did not hold.

    Nothing is stored without a search index, so a cached year always has both.
    """
    if not indexed:
        return
    for year in archive.misses:
        key = archive.keys[year]
        folder = archive.cache / f"{year}-{key}"
        partial = archive.cache / f".{year}-{key}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        if (site / "letters" / str(year)).is_dir():
            _copy_tree(site / "letters" / str(year), partial / "letters")
        for name in _bundle_names(year, archive.pages[year]):
            if (site / search.BUNDLE_FOLDER / name).is_dir():
                _copy_tree(site / search.BUNDLE_FOLDER / name, partial / "pagefind" / name)
        partial.mkdir(parents=True, exist_ok=True)
        (partial / "complete").write_text(f"{year} {key}\n", encoding="utf-8")
        for old in archive.cache.glob(f"{year}-*"):
            shutil.rmtree(old, ignore_errors=True)
        partial.rename(folder)
        log.info("Archived the letter pages of %d for later builds", year)
