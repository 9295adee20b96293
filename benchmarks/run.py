"""``make bench``: build synthetic data sets and print every figure of the scale targets.

For each size it generates demo letters, then measures in separate processes:
the parse floor (bare C-loader parse on one core), loading with validation,
computing lights and figures, the site build by phase, and the plain MkDocs
floor for the same number of bare pages; it prints each step as a ratio to
its floor, the output size and what a reader downloads. Nothing here passes
or fails: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from downloads import page_download, search_download  # noqa: E402

AS_OF = "2026-12-03T23:00"


def run_step(*arguments: str) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / "steps.py"), *arguments]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"step {arguments[0]} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def generate(size: int, years: int, work: Path) -> Path:
    data = work / "data"
    stamp = work / "generated.json"
    if stamp.exists() and json.loads(stamp.read_text()) == {"size": size, "years": years}:
        return data
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "-q", "demo", "--letters", str(size), "--seed", "7",
                    "--out", str(data), "--end", AS_OF[:10], "--years", str(years)], cwd=ROOT, check=True)
    print(f"  generated {size} letters over {years} year(s) in {time.perf_counter() - started:.1f} s")
    stamp.write_text(json.dumps({"size": size, "years": years}))
    return data


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def first_letter_page(site: Path) -> str | None:
    for path in sorted((site / "letters").glob("*/*/index.html")):
        return str(path.relative_to(site))
    return None


def measure(size: int, years: int, scratch: Path, search: bool) -> dict:
    work = scratch / f"{size}-{years}y"
    print(f"\n== {size:,} letters, {years} year(s) ==")
    data = generate(size, years, work)
    results: dict = {"size": size, "years": years}
    results["parse_floor"] = run_step("parse-floor", str(data))
    results["load"] = run_step("load", str(data), AS_OF)
    site = work / "site"
    results["site"] = run_step("site", str(data), str(site), AS_OF)
    results["site_again"] = run_step("site", str(data), str(site), AS_OF)
    results["mkdocs_floor"] = run_step("mkdocs-floor", str(size), str(work / "floor"))
    results["output_bytes"] = folder_size(site)
    results["home"] = page_download(site, "index.html")
    letter = first_letter_page(site)
    results["letter"] = page_download(site, letter) if letter else None
    if search:
        try:
            results["search"] = search_download(site, "道路")
        except Exception as error:  # noqa: BLE001 - a missing browser must not lose the other figures
            results["search"] = {"error": str(error).splitlines()[0]}
    report(results)
    return results


def report(results: dict) -> None:
    parse = results["parse_floor"]["seconds"]
    load = results["load"]
    site = results["site"]
    phases = site.get("phases", {})
    floor = results["mkdocs_floor"]["seconds"]
    search_seconds = phases.get("search", 0.0)
    print(f"  parse floor (1 core, bare C loader): {parse:8.1f} s  {results['parse_floor']['peak_mb']:7.0f} MB")
    print(f"  validate (all cores):                {load['validate_seconds']:8.1f} s")
    print(f"  compute lights and figures:          {load['compute_seconds']:8.1f} s")
    print(f"  load + validate + compute:           {load['seconds']:8.1f} s  {load['peak_mb']:7.0f} MB"
          f"  ratio to parse floor {load['seconds'] / parse:5.2f} (target <= 1.5)")
    for name, seconds in phases.items():
        print(f"    site phase {name:<24}  {seconds:8.1f} s")
    print(f"  whole site build:                    {site['seconds']:8.1f} s  {site['peak_mb']:7.0f} MB")
    again = results["site_again"]
    print(f"  whole site build, second run:        {again['seconds']:8.1f} s  {again['peak_mb']:7.0f} MB")
    print(f"  plain MkDocs floor ({results['mkdocs_floor']['pages']} pages):     {floor:8.1f} s"
          f"  {results['mkdocs_floor']['peak_mb']:7.0f} MB")
    target = floor + search_seconds
    print(f"  ratio of site to (MkDocs floor + search {search_seconds:.1f} s): {site['seconds'] / target:5.2f}"
          f" (target <= 1.3; and < 240 s in all)")
    print(f"  output size:                         {results['output_bytes'] / 1e6:8.1f} MB")
    home = results["home"]
    print(f"  home page download:                  {home['total_bytes'] / 1e3:8.1f} KB"
          f" (HTML {home['html_bytes'] / 1e3:.1f} KB)")
    if results.get("letter"):
        letter = results["letter"]
        print(f"  letter page download:                {letter['total_bytes'] / 1e3:8.1f} KB"
              f" (HTML {letter['html_bytes'] / 1e3:.1f} KB; target < 40 KB)")
    if "search" in results:
        search = results["search"]
        if "error" in search:
            print(f"  one search: not measured ({search['error']})")
        else:
            print(f"  one search download:                 {search['bytes'] / 1e3:8.1f} KB in"
                  f" {search['requests']} requests (target < 1 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="Comma-separated letter counts.")
    parser.add_argument("--years", type=int, default=1, help="Years the letters span.")
    parser.add_argument("--scratch", default=str(ROOT / ".bench"), help="Folder for generated data.")
    parser.add_argument("--no-search", action="store_true", help="Skip the browser search measurement.")
    parser.add_argument("--json", help="Also write all figures to this file.")
    arguments = parser.parse_args()
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    everything = [measure(int(size), arguments.years, Path(arguments.scratch), not arguments.no_search)
                  for size in arguments.sizes.split(",")]
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
