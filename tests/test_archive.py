"""Final years' letter pages are built once, cached by a hash of their inputs, and reused."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import pytest

from generator import demo
from generator.dataset import load_calendar, load_departments, load_policy
from generator.lights import evaluate
from generator.model import Letter
from generator.site.build import build_site
from generator.writer import dump_letter, letter_path

REPO_DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = "2026-03-31T12:00"


@pytest.fixture(scope="module")
def archive_data(tmp_path_factory) -> Path:
    """Return a data folder with letters of 2025 (all completed) and of early 2026."""
    data = tmp_path_factory.mktemp("archive") / "data"
    (data / "letters").mkdir(parents=True)
    for name in ("policy.yaml", "departments.yaml"):
        shutil.copy(REPO_DATA / name, data / name)
    policy, _ = load_policy(data)
    calendar, _, _ = load_calendar(data, policy, dt.datetime(2026, 3, 31, tzinfo=policy.zone))
    _, departments, _ = load_departments(data, policy.time_zone)
    generated = demo.generate(160, 5, dt.date(2026, 2, 27), departments, policy, calendar, years=0.5)
    as_of = dt.datetime(2026, 3, 31, 12, tzinfo=policy.zone)
    kept = []
    for item in generated:
        letter = Letter.from_checked({"complexity": "general", "public": True, "hidden": False, **item})
        status = evaluate(letter, calendar, policy, as_of)
        # Keep only letters of 2025 that are final, so 2025 is an archive year, and all of 2026.
        if item["received"].astimezone(policy.zone).year == 2026 or status.completed:
            kept.append(item)
    ids = {item["id"] for item in kept}
    for item in kept:
        item["related"] = [other for other in item.get("related") or [] if other in ids]
        path = letter_path(data / "letters", item["id"], item["received"].astimezone(policy.zone))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_letter(item), encoding="utf-8")
    return data


def build(data: Path, work: Path, cache: Path, **options):
    return build_site(data, work / "site", as_of=AS_OF, strict=True, docs_dir=work / "docs",
                      archive_cache=cache, **options)


def letter_pages(site: Path, year: int) -> dict[str, bytes]:
    folder = site / "letters" / str(year)
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_final_year_reused_from_cache(archive_data, tmp_path, caplog):
    cache = tmp_path / "cache"
    first = build(archive_data, tmp_path / "first", cache)
    assert sorted(path.name.split("-")[0] for path in cache.iterdir()) == ["2025"]
    caplog.set_level(logging.INFO, logger="generator")
    logging.getLogger("generator").propagate = True
    second = build(archive_data, tmp_path / "second", cache)
    assert any("Reused the archived letter pages of 2025" in record.getMessage() for record in caplog.records)
    assert second.pages == first.pages
    assert letter_pages(tmp_path / "second" / "site", 2025) == letter_pages(tmp_path / "first" / "site", 2025)
    assert sorted(path.name for path in (tmp_path / "second" / "site" / "pagefind").iterdir()) == ["2025", "2026"]


def test_open_year_never_cached(archive_data, tmp_path):
    cache = tmp_path / "cache"
    build(archive_data, tmp_path / "work", cache)
    assert not any(path.name.startswith("2026") for path in cache.iterdir())


def test_changed_letter_rebuilds_its_year(archive_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(archive_data, data)
    cache = tmp_path / "cache"
    build(data, tmp_path / "first", cache)
    before = [path.name for path in cache.iterdir()]
    letter = sorted((data / "letters" / "2025").rglob("*.yaml"))[0]
    text = letter.read_text(encoding="utf-8")
    letter.write_text(text.replace("title: ", "title: 更正：", 1), encoding="utf-8")
    build(data, tmp_path / "second", cache)
    after = [path.name for path in cache.iterdir()]
    assert len(before) == len(after) == 1
    assert before != after
    page = (tmp_path / "second" / "site" / "letters" / "2025" / letter.stem / "index.html").read_text(encoding="utf-8")
    assert "更正：" in page


def test_build_info_carries_as_of_and_bundles(archive_data, tmp_path):
    build(archive_data, tmp_path / "work", tmp_path / "cache")
    info = json.loads((tmp_path / "work" / "site" / "data" / "build.json").read_text(encoding="utf-8"))
    assert info["as_of_iso"].startswith("2026-03-31T12:00")
    assert info["search_bundles"] == ["2026", "2025"]
    assert info["stale_after_hours"] == 36


def test_archive_disabled_stores_nothing(archive_data, tmp_path):
    build_site(archive_data, tmp_path / "site", as_of=AS_OF, strict=True, docs_dir=tmp_path / "docs",
               archive_cache=False)
    assert (tmp_path / "site" / "letters" / "2025").is_dir()
    assert not (tmp_path / "archive-cache").exists()


def test_default_cache_from_environment(archive_data, tmp_path):
    build_site(archive_data, tmp_path / "site", as_of=AS_OF, strict=True, docs_dir=tmp_path / "docs")
    assert [path.name.split("-")[0] for path in (tmp_path / "archive-cache").iterdir()] == ["2025"]
