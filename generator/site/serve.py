"""``wenzheng serve``: build the site, serve it on 127.0.0.1 and rebuild when its sources change."""

from __future__ import annotations

import functools
import http.server
import logging
import os
import threading
import time
from pathlib import Path

from generator.errors import WenzhengError
from generator.site.build import CONFIG_FILE, TEMPLATE_DIR, build_site

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without a log line per request."""

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass


def snapshot(paths: list[Path]) -> tuple:
    """Return a value that changes when any file under ``paths`` is added, removed or modified."""
    count, latest = 0, 0.0
    for path in paths:
        if path.is_file():
            count, latest = count + 1, max(latest, path.stat().st_mtime)
            continue
        for folder, _, files in os.walk(path):
            for name in files:
                count += 1
                latest = max(latest, os.stat(os.path.join(folder, name)).st_mtime)
    return count, latest


def rebuild(data_dir: str, site_dir: str, as_of: str | None) -> bool:
    try:
        build_site(data_dir, site_dir, as_of=as_of)
    except WenzhengError as error:
        log.error("The build failed, so the previous site is still served:\n%s", error)
        return False
    return True


def serve(data_dir: str, site_dir: str, as_of: str | None = None, port: int = 8000) -> None:
    """Build, then serve ``site_dir`` on 127.0.0.1:``port`` until interrupted, rebuilding on change."""
    watched = [Path(data_dir), TEMPLATE_DIR, CONFIG_FILE]
    state = snapshot(watched)
    if not rebuild(data_dir, site_dir, as_of) and not Path(site_dir).is_dir():
        raise WenzhengError("the first build failed and there is no earlier site to serve")
    handler = functools.partial(QuietHandler, directory=str(Path(site_dir).resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log.info("Serving %s on http://127.0.0.1:%d/ (Ctrl-C stops); watching %s", site_dir, port,
             ", ".join(str(path) for path in watched))
    try:
        while True:
            time.sleep(POLL_SECONDS)
            current = snapshot(watched)
            if current != state:
                state = current
                log.info("Sources changed; rebuilding")
                rebuild(data_dir, site_dir, as_of)
    except KeyboardInterrupt:
        log.info("Stopped serving")
    finally:
        server.shutdown()
