"""Synonyms: product.yml's groups and abbreviations, validated by `kb check`, and a client's own words for product
terms, which are synonyms in that client's index only."""

from __future__ import annotations

import json
from pathlib import Path

from generator.build import index_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.model import SITE, client_target
from generator.search import SearchDocument, search, synonym_groups, write_index
from generator.search.synonyms import SYNONYMS_FILE

MOVE = """---
id: KB-0100
title: Move an activity to another phase
summary: Activities keep their links.
type: howto
module: scheduling
confidence: validated
---

Open the project, then drag the activity onto the phase. The project keeps every link.
"""


def doc(id_: str, title: str, body: str) -> SearchDocument:
    return SearchDocument(id_, title, "", "", body, "", "reports", "howto", f"kb/{id_.lower()}/")


DOCS = [
    doc("KB-0001", "Keyboard shortcuts of the Gantt chart", "Press Ctrl+I to indent an activity."),
    doc("KB-0002", "Add a calculated column", "Write an expression that adds two columns."),
    doc("KB-0003", "Forecast at completion", "The estimate at completion of each budget line."),
]
GROUPS = (("shortcut", "hotkey", "keyboard shortcut"), ("formula", "expression"), ("EAC", "estimate at completion"))


def test_a_word_of_a_synonym_group_finds_the_pages_of_the_others(tmp_path: Path):
    plain, with_synonyms = tmp_path / "plain", tmp_path / "synonyms"
    write_index(DOCS, plain)
    write_index(DOCS, with_synonyms, synonyms=GROUPS)
    assert search(plain, "hotkey indent", snippets=False).total == 1  # "indent" alone
    assert search(plain, "formula", snippets=False).total == 0
    assert search(with_synonyms, "hotkey", snippets=False).hits[0].id == "KB-0001"
    assert search(with_synonyms, "formula", snippets=False).hits[0].id == "KB-0002"
    assert search(with_synonyms, "EAC", snippets=False).hits[0].id == "KB-0003"  # an abbreviation's long form
    assert "<mark>" in search(with_synonyms, "formula").hits[0].snippet


def test_a_synonym_the_pages_never_use_is_not_corrected_as_a_typo(tmp_path: Path):
    write_index(DOCS, tmp_path / "index", synonyms=GROUPS)
    results = search(tmp_path / "index", "hotkey", snippets=False)
    assert results.suggestion is None and not results.corrected


def test_synonyms_in_quotes_stay_as_typed(tmp_path: Path):
    write_index(DOCS, tmp_path / "index", synonyms=GROUPS)
    assert search(tmp_path / "index", '"an expression that"', snippets=False).hits[0].id == "KB-0002"
    assert search(tmp_path / "index", '"a formula that"', snippets=False).total == 0


def test_synonym_mistakes_in_product_yml_are_reported_at_their_line(make_project):
    root = make_project("basic")
    product = (root / "product.yml").read_text(encoding="utf-8")
    product += "synonyms:\n  - [formula, expression]\n  - [hotkey]\n  - [gantt, Gantt]\nabbreviations: [EAC]\n"
    (root / "product.yml").write_text(product, encoding="utf-8")
    lines = product.splitlines()
    problems = [str(p) for p in check_catalog(load_catalog(root)) if p.path == "product.yml"]
    assert problems == [
        f"product.yml:{lines.index('synonyms:') + 1}: 'synonyms': item 2: expected a list of two or more words "
        "that mean the same, got ['hotkey']",
        f"product.yml:{lines.index('abbreviations: [EAC]') + 1}: 'abbreviations': expected a mapping of names to "
        "values",
    ]


def test_product_synonyms_reach_the_index_of_every_build(make_project, tmp_path: Path):
    root = make_project("basic")
    with (root / "product.yml").open("a", encoding="utf-8") as product:
        product.write("synonyms: [[gantt, bar chart]]\n")
    index_target(root, SITE, tmp_path / "site-search", full=True)
    assert json.loads((tmp_path / "site-search" / SYNONYMS_FILE).read_text()) == [["gantt", "bar chart"]]
    assert search(tmp_path / "site-search", "bar chart", snippets=False).hits[0].id == "KB-0001"


def test_a_clients_terms_are_synonyms_in_its_own_index_and_nowhere_else(make_project, tmp_path: Path):
    root = make_project("basic", files={"kb/scheduling/move-activity.md": MOVE})
    catalog = load_catalog(root)
    indexes = {}
    for name, target in (
        ("acme", client_target(catalog.clients["acme"])),
        ("harbor", client_target(catalog.clients["harbor"])),
        ("site", SITE),
    ):
        indexes[name] = tmp_path / f"{name}-search"
        index_target(root, target, indexes[name], full=True)
    acme = search(indexes["acme"], "capital job", snippets=False)
    assert "KB-0100" in [hit.id for hit in acme.hits]  # the page says "project"; Acme says "capital job"
    assert "KB-0100" in [hit.id for hit in search(indexes["acme"], "project", snippets=False).hits]
    for other in ("harbor", "site"):
        results = search(indexes[other], "capital job", snippets=False)
        assert results.total == 0 and not (results.suggestion or "").count("capital")
        assert "capital" not in (indexes[other] / SYNONYMS_FILE).read_text()


def test_synonym_groups_of_a_client_add_only_the_terms_it_renames(make_project):
    catalog = load_catalog(make_project("basic"))
    assert synonym_groups(catalog.product) == ()
    assert synonym_groups(catalog.product, catalog.clients["acme"]) == (("project", "capital job"),)
    assert synonym_groups(catalog.product, catalog.clients["harbor"]) == ()


def test_kb_search_searches_a_clients_index_and_the_internal_index(run_kb, make_project):
    root = make_project("basic", files={"kb/scheduling/move-activity.md": MOVE})
    acme = run_kb(root, "search", "capital job", "--client", "acme")
    assert acme.exit_code == 0, acme.output
    assert "[KB-0100]" in acme.output and (root / "build/client-acme-search").is_dir()
    public = run_kb(root, "search", "MARKER-INTERNAL-7f3a")
    assert public.exit_code == 0 and "[KB-0002]" not in public.output
    internal = run_kb(root, "search", "MARKER-INTERNAL-7f3a", "--target", "internal")
    assert "[KB-0002]" in internal.output and (root / "build/internal-search").is_dir()
    unknown = run_kb(root, "search", "gantt", "--client", "nobody")
    assert unknown.exit_code == 1 and "no such client profile" in unknown.output


def test_kb_search_shows_a_too_long_query_as_a_message(run_kb, make_project):
    result = run_kb(make_project("basic"), "search", "gantt " * 2_000)
    assert result.exit_code == 1 and "the query is too long" in result.output
