"""What a target publishes (select.py): selected_for, which asks once per kind of page, publishes for each
target exactly the pages is_selected admits one by one, in the catalog's order."""

from __future__ import annotations

from conftest import copy_root

from generator.catalog import load_catalog
from generator.contexts import every_target
from generator.model import Target
from generator.select import is_selected, selected_for

ARTICLE = """\
---
id: {id}
title: {title}
summary: A page of its own kind.
type: howto
module: {module}
audience: {audience}
confidence: {confidence}
{extra}---

Text.
"""


def test_selected_for_publishes_what_is_selected_page_by_page(tmp_path):
    kinds = [
        ("KB-0901", "scheduling", "internal", "validated", ""),
        ("KB-0902", "scheduling", "public", "wip", ""),
        ("KB-0903", "budgets", "public", "validated", "clients: [acme]\n"),
        ("KB-0904", "budgets", "public", "validated", "clients: [acme, harbor]\n"),
        ("KB-0905", "documents", "public", "validated", 'versions: "<=2.3"\n'),
        ("KB-0906", "documents", "public", "validated", 'versions: ">=2.4"\n'),
        ("KB-0907", "scheduling", "public", "not_validated", "clients: [harbor]\n"),
    ]
    files = {
        f"kb/{module}/kind-{page_id.lower()}.md": ARTICLE.format(
            id=page_id, title=f"Kind {page_id}", module=module, audience=audience, confidence=confidence, extra=extra
        )
        for page_id, module, audience, confidence, extra in kinds
    }
    catalog = load_catalog(copy_root("clients", tmp_path / "project", files))
    assert {page.id for page in catalog.pages} >= {page_id for page_id, *_ in kinds}
    books = Target("manuals", frozenset({"public"}), frozenset({"validated"}), books=frozenset({"user", "admin"}))
    targets = [*every_target(catalog), books]
    selected = selected_for(catalog, targets)
    version = catalog.product.version or None
    for target in targets:
        expected = tuple(page for page in catalog.pages if is_selected(page, target, version))
        assert selected[target.name] == expected, target.name
    assert len({selected[target.name] for target in targets}) == len(targets)  # each target publishes its own
    assert "kb/documents/kind-kb-0905.md" not in {page.src_uri for page in selected["site"]}
    assert "kb/documents/kind-kb-0906.md" in {page.src_uri for page in selected["site"]}
