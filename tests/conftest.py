"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
