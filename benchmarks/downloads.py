"""What a reader downloads: a page with its assets, and one search in a real browser."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

ASSET_PATTERN = re.compile(r"""(?:<link[^>]+href|<script[^>]+src|<img[^>]+src)=["']([^"'#?]+)""")


def page_download(site: Path, page: str) -> dict:
    """Return the bytes of one page's HTML and of the local files it references (uncompressed)."""
    html_path = site / page
    html = html_path.read_text(encoding="utf-8")
    assets = 0
    seen = set()
    for reference in ASSET_PATTERN.findall(html):
        if urlparse(reference).scheme or reference.startswith("//"):
            continue
        target = (html_path.parent / reference).resolve()
        if target in seen or not target.is_file():
            continue
        seen.add(target)
        assets += target.stat().st_size
    return {"html_bytes": len(html.encode("utf-8")), "asset_bytes": assets,
            "total_bytes": len(html.encode("utf-8")) + assets}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging, recording the path and size of every file sent."""

    served: list[tuple[str, int]] = []

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass

    def send_head(self):
        stream = super().send_head()
        if stream is not None and hasattr(stream, "fileno"):
            import os

            self.served.append((self.path, os.fstat(stream.fileno()).st_size))
        return stream


def search_download(site: Path, query: str) -> dict:
    """Type ``query`` into the site's search box in headless Chromium and sum what the search fetched."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    import tempfile

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        driver.get(urljoin(base, "index.html"))
        _QuietHandler.served.clear()
        box = driver.find_element(By.CSS_SELECTOR, "input.wz-search__input")
        box.click()
        box.send_keys(query)
        # Pagefind fetches in a web worker, out of the page's resource timeline, so the server counts.
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "a.wz-search__hit"))
        entries = list(_QuietHandler.served)
    finally:
        driver.quit()
        server.shutdown()
    total = sum(size for _, size in entries)
    return {"requests": len(entries), "bytes": total}
