"""Build letter pages in several processes: MkDocs itself builds one page after another.

Letter pages sit outside the navigation and carry no Markdown links, so they
do not depend on each other. With ``jobs`` processes, the parent renders and
builds the shared pages plus every ``jobs``-th letter. Each forked child
renders and builds its own share of the letters into a docs folder and a site
folder of its own, with stubs of the navigation's pages. The children's
letter pages are then moved into the parent's site folder.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from generator.errors import WenzhengError

log = logging.getLogger(__name__)

# Below this many published letters, starting processes costs more than it saves.
PARALLEL_LETTERS = 2000

_STATE: dict = {}


@dataclass
class ShardOutcome:
    pages: int = 0
    warnings: int = 0
    seconds: float = 0.0
    error: str | None = None


def default_jobs(published: int) -> int:
    return max(1, os.cpu_count() or 1) if published >= PARALLEL_LETTERS else 1


def shard_docs(docs: Path, index: int) -> Path:
    return docs.with_name(f"{docs.name}-shard{index}")


def shard_site(site: Path, index: int) -> Path:
    return site.with_name(f"{site.name}-shard{index}")


class Children:
    """Forked processes building shards 1 to jobs - 1 while the parent builds shard 0."""

    def __init__(self, build_shard, jobs: int, docs: Path, site: Path):
        self.processes = []
        context = multiprocessing.get_context("fork")
        # fork shares the computed publication with the children without pickling it.
        _STATE["build_shard"] = build_shard
        for index in range(1, jobs):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_child_main, args=(sender, index, shard_docs(docs, index),
                                                                shard_site(site, index)), daemon=True)
            process.start()
            sender.close()
            self.processes.append((index, process, receiver))

    def wait(self) -> list[ShardOutcome]:
        outcomes = []
        for index, process, receiver in self.processes:
            try:
                outcome = receiver.recv()
            except EOFError:
                outcome = ShardOutcome(error=f"the process building shard {index} ended without a result")
            process.join()
            log.debug("Shard %d built %d letter pages in %.1f s", index, outcome.pages, outcome.seconds)
            outcomes.append(outcome)
        return outcomes

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _child_main(sender, index: int, docs: Path, site: Path) -> None:
    started = time.perf_counter()
    counter = _Counter()
    logging.getLogger("generator").addHandler(counter)
    try:
        pages = _STATE["build_shard"](index, docs, site)
        sender.send(ShardOutcome(pages, counter.count, time.perf_counter() - started))
    except BaseException as error:  # reported to the parent, which stops the build
        sender.send(ShardOutcome(0, counter.count, time.perf_counter() - started, f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def merge(shard: Path, site: Path) -> None:
    """Move a shard's letter pages and sitemap entries into ``site``, then delete the shard."""
    letters = shard / "letters"
    for year in sorted(letters.iterdir()) if letters.is_dir() else []:
        if not year.is_dir():
            continue
        target = site / "letters" / year.name
        target.mkdir(parents=True, exist_ok=True)
        for page in year.iterdir():
            page.rename(target / page.name)
    _merge_sitemap(shard / "sitemap.xml", site / "sitemap.xml")
    shutil.rmtree(shard)


def _merge_sitemap(shard_map: Path, site_map: Path) -> None:
    """Add the shard's letter URLs to the site's sitemap; both are empty unless site_url is set."""
    if not shard_map.is_file() or not site_map.is_file():
        return
    entries = [block + "</url>" for block in shard_map.read_text(encoding="utf-8").split("</url>")
               if "<url>" in block and "/letters/" in block]
    if not entries:
        return
    text = site_map.read_text(encoding="utf-8")
    text = text.replace("</urlset>", "".join(entry.strip() + "\n" for entry in entries) + "</urlset>")
    site_map.write_text(text, encoding="utf-8")
    import gzip

    with gzip.open(site_map.with_name("sitemap.xml.gz"), "wb") as stream:
        stream.write(text.encode("utf-8"))


def raise_on_errors(outcomes: list[ShardOutcome]) -> None:
    errors = [outcome.error for outcome in outcomes if outcome.error]
    if errors:
        raise WenzhengError("building letter pages in a parallel process failed:\n" + "\n".join(errors))
