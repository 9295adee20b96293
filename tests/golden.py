"""Golden files: the Markdown the site build renders for tests/fixtures/site as of a fixed moment.

``python -m tests.golden regenerate`` (``make golden``) rewrites tests/golden/
from a fresh render; review the diff before committing it. The fixture is
copied outside the repository first, so the Git history never marks its dates
as backdated, and the process time zone is fixed, although the build reads
every date in the policy's time zone.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent
FIXTURE = ROOT / "fixtures" / "site"
GOLDEN_DIR = ROOT / "golden"
AS_OF = dt.datetime(2026, 3, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def render_markdown(work: Path) -> dict[str, str]:
    """Render the fixture's pages under ``work``; return relative path -> Markdown text."""
    from generator.dataset import load_dataset
    from generator.site.build import TEMPLATE_DIR
    from generator.site.content import Publication, render_site
    from generator.site.render import make_environment

    data = shutil.copytree(FIXTURE, work / "data")
    dataset = load_dataset(data, now=AS_OF)
    publication = Publication.prepare(dataset, AS_OF)
    docs = work / "docs"
    docs.mkdir()
    render_site(publication, make_environment(TEMPLATE_DIR, dataset.policy.zone), docs, TEMPLATE_DIR / "assets")
    return {path.relative_to(docs).as_posix(): path.read_text(encoding="utf-8") for path in docs.rglob("*.md")}


def golden_files() -> dict[str, str]:
    return {path.relative_to(GOLDEN_DIR).as_posix(): path.read_text(encoding="utf-8")
            for path in GOLDEN_DIR.rglob("*.md")}


def regenerate() -> int:
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    with tempfile.TemporaryDirectory(prefix="wenzheng-golden-") as work:
        pages = render_markdown(Path(work))
    if GOLDEN_DIR.exists():
        shutil.rmtree(GOLDEN_DIR)
    for name, text in pages.items():
        path = GOLDEN_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"Wrote {len(pages)} golden files to {GOLDEN_DIR}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["regenerate"]:
        sys.exit("usage: python -m tests.golden regenerate")
    sys.exit(regenerate())
