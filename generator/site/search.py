"""Full-text search over letter pages with Pagefind's extended build, one or more bundles per year.

Pagefind's extended binary (shipped by the ``pagefind_bin_extended`` wheel)
segments Chinese text into words and writes a chunked index: a query
downloads the index chunks for its words plus the fragments of the pages it
shows, not the whole index. The indexer keeps every page it indexes in
memory, so the letters are indexed in bundles of at most ``MAX_PAGES``
pages: one per year, or a year split by the last digit of the letter id.
The search script in the page header loads the newest bundle and merges the
others into it at query time (``site_templates/assets/wenzheng.js``).

Only the ``data-pagefind-body`` element of letter pages is indexed: title,
text and replies; the facts around them are marked ``data-pagefind-ignore``.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from generator.errors import WenzhengError

log = logging.getLogger(__name__)

BUNDLE_FOLDER = "pagefind"

# Pagefind 1.5.2 (extended) peaked at 3.1 GB indexing 40,000 letter pages of `wenzheng demo` data on
# the 2-core development machine, so a bundle contains at most half that many pages.
MAX_PAGES = 20_000

# Groups of last digits of the letter id that split a year too large for one bundle, by number of parts.
DIGIT_GROUPS = {count: ["".join(str(digit) for digit in range(10) if digit % count == group)
                        for group in range(count)] for count in (2, 5, 10)}


def bundles(pages_per_year: dict[int, int]) -> list[tuple[str, str]]:
    """Return ``(bundle name, glob of its letter pages)``, newest year first."""
    result = []
    for year in sorted(pages_per_year, reverse=True):
        parts = next((count for count in (1, 2, 5, 10) if pages_per_year[year] <= MAX_PAGES * count), 10)
        if parts == 1:
            result.append((str(year), f"letters/{year}/*/index.html"))
            continue
        for group, digits in enumerate(DIGIT_GROUPS[parts]):
            result.append((f"{year}-{group + 1}", f"letters/{year}/*[{digits}]/index.html"))
    return result


def pagefind_binary() -> Path:
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise WenzhengError("the Pagefind binary was not found; install the package with: "
                            "pip install 'pagefind[extended]'")
    return binary


def index_bundle(site_dir: Path, name: str, pattern: str, binary: Path) -> None:
    """Index the letter pages matching ``pattern`` into ``site_dir/pagefind/<name>/``."""
    command = [str(binary), "--site", str(site_dir), "--glob", pattern, "--output-subdir", f"{BUNDLE_FOLDER}/{name}",
               "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise WenzhengError(f"Pagefind failed on the letters of bundle {name} (exit status {result.returncode}):\n"
                            f"{output}")
    for message in pagefind_messages(output):
        # Pagefind prints notes even with --quiet, for example that it has no stemming for Chinese.
        # They describe expected behaviour, so only its other messages count as warnings.
        level = logging.DEBUG if message.startswith("Note:") else logging.WARNING
        log.log(level, "Pagefind (%s): %s", name, message)


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


def index_letters(site_dir: Path, pages_per_year: dict[int, int]) -> list[str]:
    """Build the Pagefind bundles of the published letters; return their names."""
    binary = pagefind_binary()
    names = []
    for name, pattern in bundles(pages_per_year):
        index_bundle(site_dir, name, pattern, binary)
        log.debug("Indexed bundle %s (%s) for search", name, pattern)
        names.append(name)
    return names
