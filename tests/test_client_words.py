"""A client's words: word forms of a term, the labels kb writes in a client's build (module titles, screens'
titles), and the list of places a page still writes the product's word."""

from __future__ import annotations

import pytest

from generator.catalog import load_catalog
from generator.client_words import forms, in_client_words, literal_terms, plural, renamed, target_catalog
from generator.render import make_environment

PAGE = """---
id: KB-0900
title: Close a project
summary: Close it at the data date.
type: howto
module: scheduling
confidence: validated
---

# Close a project

Every {{ term("project") }} ends. A project that ends is closed; `project` in code is not a word to change.

```
project close --all
```

{{ term("project", plural=True, capital=True) }} close at the data date. Projectiles are not projects.
"""


@pytest.mark.parametrize(
    ("word", "many"),
    [
        ("project", "projects"),
        ("capital job", "capital jobs"),
        ("box", "boxes"),
        ("company", "companies"),
        ("day", "days"),
        ("change order", "change orders"),
    ],
)
def test_plural(word, many):
    assert plural(word) == many


def test_forms_keep_a_capital():
    assert forms("capital job") == ("capital job", "capital jobs", "Capital job", "Capital jobs")


@pytest.fixture
def clients(make_project):
    return make_project("clients", files={"kb/scheduling/close.md": PAGE})


def test_labels_kb_writes_are_in_the_clients_words_and_only_that_clients(clients):
    root = clients
    contexts = (root / "contexts.yml").read_text(encoding="utf-8")
    (root / "contexts.yml").write_text(contexts + "  projects.list: {title: Project list, module: scheduling}\n")
    product = (root / "product.yml").read_text(encoding="utf-8")
    (root / "product.yml").write_text(
        product.replace(
            "{title: Scheduling, description: Plan activities.}",
            "{title: Project scheduling, description: Plan a project.}",
        )
    )
    catalog = load_catalog(root)
    assert not [p for p in catalog.problems if p.is_error], catalog.problems
    acme, harbor, public = (target_catalog(catalog, client) for client in ("acme", "harbor", None))
    assert acme.product.modules["scheduling"].title == "Capital job scheduling"
    assert acme.product.modules["scheduling"].description == "Plan a capital job."
    assert acme.contexts["projects.list"].title == "Capital job list"
    assert harbor.contexts["projects.list"].title == "Program element list"
    assert public is catalog and public.contexts["projects.list"].title == "Project list"
    assert "capital job" not in repr(harbor.product) + repr(harbor.contexts)


def test_in_client_words_replaces_whole_words_and_keeps_a_capital():
    pairs = dict(zip(forms("project"), forms("capital job"), strict=True))
    assert in_client_words("New project dialog", pairs) == "New capital job dialog"
    assert in_client_words("Projects and projectiles", pairs) == "Capital jobs and projectiles"


def test_term_has_plural_and_capital_forms(clients):
    catalog = load_catalog(clients)
    text = '{{ term("project", plural=True, capital=True) }} / {{ term("change order", plural=True) }}'
    assert make_environment(catalog, "acme").from_string(text).render() == "Capital jobs / change orders"
    assert make_environment(catalog, "harbor").from_string(text).render() == "Program elements / contract variations"
    assert make_environment(catalog, None).from_string(text).render() == "Projects / change orders"


def test_literal_terms_skip_code_and_templates_and_give_the_line(clients):
    catalog = load_catalog(clients)
    page = next(page for page in catalog.pages if page.id == "KB-0900")
    found = [(place.line, place.written, place.theirs) for place in literal_terms((page,), renamed(catalog, "acme"))]
    title_line = page.line_of("title")
    heading = page.body_line + page.body.splitlines().index("# Close a project")
    prose = page.body_line + next(i for i, line in enumerate(page.body.splitlines()) if line.startswith("Every"))
    last = page.body_line + next(i for i, line in enumerate(page.body.splitlines()) if "Projectiles" in line)
    assert found == [
        (title_line, "project", "capital job"),
        (heading, "project", "capital job"),
        (prose, "project", "capital job"),
        (last, "projects", "capital jobs"),
    ]


def test_check_client_lists_the_places_and_is_not_a_problem(clients, run_kb):
    result = run_kb(clients, "check", "--client", "acme")
    assert result.exit_code == 0, result.output
    assert "write a product term Acme Water Authority renames as the product's word:" in result.output
    assert "  kb/scheduling/close.md:3: 'project' is 'capital job' in this client's words" in result.output
    assert "program element" not in result.output  # Harbor's words are not Acme's trainer's business
    unknown = run_kb(clients, "check", "--client", "acmee")
    assert unknown.exit_code == 1 and "no such client profile; expected one of acme, harbor" in unknown.output
