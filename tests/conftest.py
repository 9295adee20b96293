"""Shared test helpers."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data(path: str) -> Path:
    """Return a file under ../shared/data, skipping the test when it is missing.

    On CI (``CI=true``) a missing file fails the test instead, so a broken
    checkout cannot turn the real-data tests into silent skips.
    """
    full = SHARED_DATA / path
    if full.exists():
        return full
    message = f"real data file not found: {full}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def restore_generator_logging():
    """Undo the handlers and level that a CLI run installs on the ``generator`` logger.

    ``configure_logging`` points the logger at the ``sys.stderr`` of the moment,
    which under click's CliRunner is a buffer that is closed after the run.
    """
    logger = logging.getLogger("generator")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


@pytest.fixture
def scratch_data(tmp_path, monkeypatch) -> Path:
    """Return ``data``, a data folder in a temporary working directory.

    It contains a copy of the repository's policy and departments, an empty
    calendar/ and no letters, and the working directory is its parent, so
    problems name files as ``data/letters/...`` like in a real checkout.
    """
    data = tmp_path / "data"
    (data / "calendar").mkdir(parents=True)
    (data / "letters").mkdir()
    shutil.copy(REPO_ROOT / "data" / "policy.yaml", data)
    shutil.copy(REPO_ROOT / "data" / "departments.yaml", data)
    monkeypatch.chdir(tmp_path)
    return Path("data")


@pytest.fixture(autouse=True)
def separate_archive_cache(tmp_path, monkeypatch):
    """Keep each test's archived site years in its own folder, never in the project's .cache."""
    monkeypatch.setenv("WENZHENG_CACHE_DIR", str(tmp_path / "archive-cache"))
