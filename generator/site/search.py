"""Full-text search over letter pages with Pagefind's extended build, one index per year.

Pagefind's extended binary (shipped by the ``pagefind_bin_extended`` wheel)
segments Chinese text into words and writes a chunked index: a query
downloads the index chunks for its words plus the fragments of the pages it
shows, not the whole index. One index per year of letters keeps the indexer's
memory bounded by a year's pages; the search script in the page header loads
the newest year's bundle and merges the others into it at query time
(``site_templates/assets/wenzheng.js``).

Only the ``data-pagefind-body`` element of letter pages is indexed: title,
text, replies and the facts around them.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from generator.errors import WenzhengError

log = logging.getLogger(__name__)

BUNDLE_FOLDER = "pagefind"


def pagefind_binary() -> Path:
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise WenzhengError("the Pagefind binary was not found; install the package with: "
                            "pip install 'pagefind[extended]'")
    return binary


def bundle_path(year: int) -> str:
    return f"{BUNDLE_FOLDER}/{year}"


def index_year(site_dir: Path, year: int, binary: Path) -> None:
    """Index the letter pages of ``year`` into ``site_dir/pagefind/<year>/``."""
    command = [str(binary), "--site", str(site_dir), "--glob", f"letters/{year}/*/index.html",
               "--output-subdir", bundle_path(year), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise WenzhengError(f"Pagefind failed on the letters of {year} (exit status {result.returncode}):\n{output}")
    for message in pagefind_messages(output):
        # Pagefind prints notes (for example that it has no stemming for Chinese) even with --quiet;
        # they describe expected behaviour, so only its other messages count as warnings.
        level = logging.DEBUG if message.startswith("Note:") else logging.WARNING
        log.log(level, "Pagefind (%d): %s", year, message)


def pagefind_messages(output: str) -> list[str]:
    """Split Pagefind's output into messages; a line starting ``Note:``, ``Warning:`` or ``Error:`` opens one."""
    messages: list[str] = []
    for line in output.splitlines():
        text = line.strip()
        if not text:
            continue
        if messages and not text.startswith(("Note:", "Warning:", "Error:")):
            messages[-1] += " " + text
        else:
            messages.append(text)
    return messages


def index_letters(site_dir: Path, years: list[int]) -> None:
    """Build one Pagefind bundle per year of published letters."""
    binary = pagefind_binary()
    for year in sorted(years):
        index_year(site_dir, year, binary)
        log.debug("Indexed the letters of %d for search", year)
