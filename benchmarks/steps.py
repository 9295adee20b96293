"""One benchmark step per invocation, run in a fresh process so its peak memory is its own.

Usage: python benchmarks/steps.py STEP ARGS... ; prints one JSON object on the
last line of standard output with ``seconds`` and ``peak_mb`` (this process and
its children, from getrusage) plus step-specific figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def step_parse_floor(data_dir: str) -> dict:
    """Bare PyYAML C-loader parse of every letter file on one core: the floor for reading."""
    import yaml

    files = sorted(Path(data_dir, "letters").rglob("*.yaml"))
    started = time.perf_counter()
    for path in files:
        with open(path, "rb") as stream:
            yaml.load(stream, Loader=yaml.CSafeLoader)
    return {"seconds": time.perf_counter() - started, "files": len(files)}


def step_load(data_dir: str, as_of: str) -> dict:
    """Load and validate every file, then evaluate every letter and compute every figure."""
    from generator.commands.common import parse_moment
    from generator.dataset import load_dataset
    from generator import stats

    started = time.perf_counter()
    dataset = load_dataset(data_dir)
    loaded = time.perf_counter()
    moment = parse_moment(as_of, dataset.policy.zone)
    result = stats.compute(dataset, moment)
    computed = time.perf_counter()
    return {
        "seconds": computed - started,
        "validate_seconds": loaded - started,
        "compute_seconds": computed - loaded,
        "letters": len(dataset.letters),
        "figures": len(result.figures),
    }


def step_site(data_dir: str, site_dir: str, as_of: str) -> dict:
    """Build the whole site: validate, compute, render, MkDocs and the search index."""
    from generator.site.build import build_site

    started = time.perf_counter()
    result = build_site(data_dir, site_dir, as_of=as_of, strict=False)
    timings = dict(getattr(result, "timings", {}) or {})
    return {"seconds": time.perf_counter() - started, "phases": timings,
            "pages": getattr(result, "pages", None)}


def step_mkdocs_floor(pages: str, work_dir: str) -> dict:
    """A plain MkDocs Material build of the same number of bare pages, kept out of the nav."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    count = int(pages)
    work = Path(work_dir)
    docs = work / "docs"
    body = "这是一封示例信件的正文，用来衡量空白页面的构建时间。" * 30
    if not docs.exists():
        (docs / "letters").mkdir(parents=True)
        (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
        for index in range(count):
            (docs / "letters" / f"{index:07d}.md").write_text(f"# 信件 {index}\n\n{body}\n", encoding="utf-8")
    config_file = work / "mkdocs.yml"
    config_file.write_text(
        "site_name: floor\nnav:\n  - 首页: index.md\ntheme:\n  name: material\n  language: zh\n"
        "plugins: []\n", encoding="utf-8")
    config = load_config(str(config_file), site_dir=str(work / "site"))
    started = time.perf_counter()
    build(config)
    return {"seconds": time.perf_counter() - started, "pages": count + 1}


STEPS = {
    "parse-floor": step_parse_floor,
    "load": step_load,
    "site": step_site,
    "mkdocs-floor": step_mkdocs_floor,
}

if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    figures = STEPS[sys.argv[1]](*sys.argv[2:])
    figures["peak_mb"] = peak_mb()
    print(json.dumps(figures))
