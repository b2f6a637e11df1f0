"""The markdown renderer's time budget per page: a page the site engine or the PDF printer renders too slowly
stops the build with a problem naming the page's source, instead of keeping `kb build` busy for minutes."""

from __future__ import annotations

import pytest

import generator.engine_budget
from generator.source_files import MAX_LINE_CHARS

PATH = "docs/user/09-slow.md"
# Python-Markdown's link pattern is quadratic on a line of unclosed links: some 5 s for one such line.
SLOW = "---\nid: USR-009\ntitle: Slow\n---\n\n" + "[a](" * ((MAX_LINE_CHARS - 10) // 4) + "\n"


@pytest.mark.parametrize("output", ["site", "pdf"])
def test_a_page_rendered_too_slowly_stops_the_build_with_its_name(make_project, run_kb, monkeypatch, tmp_path, output):
    monkeypatch.setattr(generator.engine_budget, "ENGINE_PAGE_SECONDS", 0.5)  # less waiting in tests
    root = make_project("basic", files={PATH: SLOW})
    result = run_kb(root, "build", "--format", output, "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert f"{PATH}: the markdown renderer ran for more than 0.5 s on this page" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_pages_within_the_engine_budget_build(make_project, run_kb, monkeypatch, tmp_path):
    monkeypatch.setattr(generator.engine_budget, "ENGINE_PAGE_SECONDS", 60.0)
    result = run_kb(make_project("basic"), "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
