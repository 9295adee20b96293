"""The Markdown rendered for the fixture equals the committed golden files (``make golden`` rewrites them)."""

from __future__ import annotations

import pytest

from tests.golden import golden_files, render_markdown

GOLDEN = golden_files()
HINT = "if the change is intended, run 'make golden' and review the diff"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_markdown(tmp_path_factory.mktemp("golden"))


def test_golden_files_exist():
    assert len(GOLDEN) > 40


def test_rendered_pages_match_golden_set(rendered):
    assert sorted(rendered) == sorted(GOLDEN), HINT


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_rendered_page_matches_golden(rendered, name):
    assert rendered.get(name) == GOLDEN[name], f"{name} differs from tests/golden/{name}; {HINT}"
