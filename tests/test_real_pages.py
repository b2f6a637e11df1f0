"""Pages copied from a real MkDocs + Material project (HTTPX's documentation, tests/roots/httpx-pages) check
clean and build with no edits: code with braces, anchors into other pages, pictures, extensions kb does not
run. HTTPX's own two broken anchors are found."""

from __future__ import annotations

import re

from generator.build import build_target
from generator.model import SITE

CLIENTS = "docs/user/advanced/clients.md"  # HTTPX's page with two links to headings that are gone


def test_real_pages_check_clean_with_strict(make_project, run_kb):
    result = run_kb(make_project("httpx-pages", remove=[CLIENTS]), "check", "--strict")
    assert result.exit_code == 0, result.output
    assert "No problems in 8 pages." in result.output


def test_the_real_pages_broken_anchors_are_found_and_nothing_else(make_project, run_kb):
    result = run_kb(make_project("httpx-pages"), "check")
    problems = [line for line in result.output.splitlines() if line.startswith("docs/")]
    assert problems == [
        f"{CLIENTS}:159: broken anchor '#client-instances': this page has no heading or id 'client-instances'; "
        "did you mean '#request-instances'? (building site, internal)",
        f"{CLIENTS}:167: broken anchor '#merging-of-parameters': this page has no heading or id "
        "'merging-of-parameters'; did you mean '#merging-of-configuration'? (building site, internal)",
    ]


def test_real_pages_build_with_their_code_braces_and_links(make_project, tmp_path):
    out = build_target(make_project("httpx-pages", remove=[CLIENTS]), SITE, tmp_path / "out").out
    quickstart = (out / "user/quickstart/index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]*>", "", quickstart).replace("&#39;", "'")
    assert "params = {'key1': 'value1', 'key2': 'value2'}" in text
    assert 'href="../advanced/timeouts/#fine-tuning-the-configuration"' in quickstart
    timeouts = (out / "user/advanced/timeouts/index.html").read_text(encoding="utf-8")
    assert 'id="fine-tuning-the-configuration"' in timeouts


def test_materials_footnote_and_tooltip_pages_check_clean_and_build(make_project, run_kb, tmp_path):
    root = make_project("material-pages")
    result = run_kb(root, "check", "--strict")
    assert result.exit_code == 0, result.output
    out = build_target(root, SITE, tmp_path / "out").out
    footnotes = (out / "user/reference/footnotes/index.html").read_text(encoding="utf-8")
    assert 'id="fn:1"' in footnotes and 'href="../../setup/extensions/python-markdown/#footnotes"' in footnotes
    tooltips = (out / "user/reference/tooltips/index.html").read_text(encoding="utf-8")
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr>' in tooltips
    assert 'href="../footnotes/"' in tooltips
