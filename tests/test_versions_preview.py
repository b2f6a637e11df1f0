"""`kb serve --client` and `kb search --client` for a client on an older product version: what they show is
that version's help centre, built from its git ref as `kb build --client` builds it, never the working tree's;
both say which version it is. Real git repository with tagged releases (tests/versioned_project.py), the
real command in a subprocess for the preview, real HTTP requests, a real Whoosh index."""

from __future__ import annotations

import json

import pytest
from test_serve import fetch, free_port, kb_serve, wait_for
from test_serve_client import get, pdf_words

from generator.model import client_target
from generator.preview_sources import WATCHED, preview_source
from tests.versioned_project import MARKER_2026_2, MARKER_2026_3, make_versioned_project

GANTT = "kb/scheduling/gantt-empty/"
NEW_IN_2026_3 = "New in 2026.3: the Gantt chart zooms with the mouse wheel."  # the user manual's, 2026.3 only


def search(run_kb, root, *args):
    result = run_kb(root, "search", *args, "--json")
    assert result.exit_code == 0, result.output
    return result.stderr, json.loads(result.stdout)


def test_search_client_on_an_older_version_searches_that_versions_help_centre(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    said, found = search(run_kb, root, "recalculate", "--client", "acme")
    assert "Acme Water runs version 2026.2: searching its help centre built from v2026.2" in said
    assert [hit["id"] for hit in found["hits"]] == ["KB-0001"]
    assert "Recalculate</mark> all" in found["hits"][0]["snippet"]  # 2026.2's resolution, not Ctrl+R
    assert search(run_kb, root, "baseline", "--client", "acme")[1]["total"] == 1  # KB-0101 came in 2026.2
    assert search(run_kb, root, "critical path", "--client", "acme")[1]["total"] == 0  # KB-0102: 2026.3 only
    # Harbor runs the current version: the working tree's pages, and it says so
    said, found = search(run_kb, root, "critical path", "--client", "harbor")
    assert "Harbor Transit runs version 2026.3, the current one: searching its help centre built from the" in said
    assert [hit["id"] for hit in found["hits"]] == ["KB-0102"]


def test_search_client_refuses_a_build_of_another_version_than_the_client_runs(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    assert run_kb(root, "build", "--client", "acme", "--format", "site").exit_code == 0
    assert search(run_kb, root, "recalculate", "--client", "acme")[1]["total"] == 1
    profile = root / "clients/acme.yml"
    profile.write_text(profile.read_text(encoding="utf-8").replace('version: "2026.2"\n', ""), encoding="utf-8")
    result = run_kb(root, "search", "recalculate", "--client", "acme")
    assert result.exit_code == 1
    assert (
        "Error: build/client-acme and its search index are of version 2026.2, and Acme Water runs 2026.3 "
        "(clients/acme.yml); expected a build of 2026.3: run kb build --client acme first"
    ) in result.output
    assert "Traceback" not in result.output
    assert run_kb(root, "build", "--client", "acme", "--format", "site").exit_code == 0
    said, found = search(run_kb, root, "critical path", "--client", "acme")
    assert "runs version 2026.3, the current one" in said and found["total"] == 1


def test_preview_of_an_older_version_watches_only_what_the_working_tree_decides_for_it(tmp_path):
    from generator.catalog import load_catalog

    root = make_versioned_project(tmp_path / "project")
    clients = load_catalog(root).clients
    acme = preview_source(root, client_target(clients["acme"]))
    assert acme.version == "2026.2" and acme.root != root  # the ref's sources, extracted beside the build
    assert acme.watched == ("overrides", "product.yml", "clients/acme.yml")
    assert "kb" not in acme.watched and "docs" not in acme.watched
    harbor = preview_source(root, client_target(clients["harbor"]))
    assert (harbor.version, harbor.root, harbor.watched) == (None, root, WATCHED)


def test_serve_and_search_say_where_a_missing_ref_is_and_exit_1(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    product = root / "product.yml"
    product.write_text(product.read_text(encoding="utf-8").replace("{ref: v2026.2,", "{ref: v2025.9,"))
    line = next(n for n, row in enumerate(product.read_text(encoding="utf-8").splitlines(), 1) if "v2025.9" in row)
    for command in (("serve", "--client", "acme", "--port", str(free_port())), ("search", "gantt", "--client", "acme")):
        result = run_kb(root, *command)
        assert result.exit_code == 1, command
        assert f"product.yml:{line}: version 2026.2: ref 'v2025.9' is not a commit of this repository" in result.output
        assert "Traceback" not in result.output
    assert not (root / "build/preview").exists()


@pytest.fixture
def served_acme_on_2026_2(tmp_path):
    root = make_versioned_project(tmp_path / "project")
    with (
        (tmp_path / "serve.log").open("w", encoding="utf-8") as log,
        kb_serve(root, "--client", "acme", output=log) as base,
    ):
        yield root, base, tmp_path / "serve.log"


def test_serve_client_on_an_older_version_previews_that_version_and_its_handouts(served_acme_on_2026_2):
    root, base, log = served_acme_on_2026_2
    assert wait_for(lambda: MARKER_2026_2 in (fetch(f"{base}/{GANTT}") or ""), 180), log.read_text()
    said = log.read_text(encoding="utf-8")
    assert "Acme Water runs version 2026.2: previewed from v2026.2. Edits to kb/, docs/" in said
    assert "overrides/ (today's theme), product.yml and clients/acme.yml are" in said
    assert MARKER_2026_3 not in fetch(f"{base}/{GANTT}")
    assert fetch(f"{base}/kb/scheduling/baseline-compare/")  # came in 2026.2
    assert get(f"{base}/kb/scheduling/critical-path/")[0] == 404  # came in 2026.3
    status, kind, data = get(f"{base}/pdf/acme-user.pdf")  # the handout is 2026.2's manual too
    assert (status, kind) == (200, "application/pdf")
    words = pdf_words(data)
    assert "Acme Water" in words and "zooms with the mouse wheel" not in words

    # An edit of the working tree's article is not 2026.2's: it never shows, even after a rebuild that a
    # watched file (today's theme) causes.
    gantt = root / "kb/scheduling/gantt-empty.md"
    gantt.write_text(gantt.read_text(encoding="utf-8") + "\nWORKING-TREE-ONLY\n", encoding="utf-8")
    css = root / "overrides/assets/kb.css"
    assert css.is_file(), "the theme has no overrides/assets/kb.css any more"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* THEME-EDIT */\n", encoding="utf-8")
    assert wait_for(lambda: "THEME-EDIT" in (fetch(f"{base}/assets/kb.css") or ""), 180)
    assert "WORKING-TREE-ONLY" not in fetch(f"{base}/{GANTT}") and MARKER_2026_2 in fetch(f"{base}/{GANTT}")

    # The client moves to the current version: the preview follows, says so, and watches the working tree.
    profile = root / "clients/acme.yml"
    profile.write_text(profile.read_text(encoding="utf-8").replace('version: "2026.2"\n', ""), encoding="utf-8")
    assert wait_for(lambda: "WORKING-TREE-ONLY" in (fetch(f"{base}/{GANTT}") or ""), 180), log.read_text()
    assert MARKER_2026_3 in fetch(f"{base}/{GANTT}")
    assert "Acme Water runs version 2026.3, the current one: previewed from the working tree" in log.read_text()
    gantt.write_text(gantt.read_text(encoding="utf-8") + "\nSECOND-EDIT\n", encoding="utf-8")
    assert wait_for(lambda: "SECOND-EDIT" in (fetch(f"{base}/{GANTT}") or ""), 180), "kb/ is watched now"
    status, _, data = get(f"{base}/pdf/acme-user.pdf")
    assert status == 200 and NEW_IN_2026_3 in pdf_words(data)
