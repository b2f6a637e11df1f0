"""`title:` may use `{{ term(...) }}`: each target's nav, page title, heading, search and PDF show its words."""

from __future__ import annotations

import json

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_templates
from generator.model import SITE, client_target
from generator.render import render_titles
from generator.select import select
from tests.test_clients import outline, pdf_text

CHAPTER = (
    '---\nid: USR-002\ntitle: Create a {{ term("project") }}\nmodule: scheduling\n---\n\n'
    '# Create a {{ term("project") }}\n\nMARKER-TITLE-3f1c\n'
)


def test_titles_are_rendered_in_each_targets_words(make_project):
    catalog = load_catalog(make_project("basic", files={"docs/user/02-create.md": CHAPTER}))
    titles = {}
    for target in (SITE, client_target(catalog.clients["acme"])):
        selection, problems = render_titles(catalog, select(catalog, target))
        assert problems == []
        titles[target.name] = next(p.title for p in selection.pages if p.src_uri == "docs/user/02-create.md")
    assert titles == {"site": "Create a project", "client-acme": "Create a capital job"}


def test_a_title_template_mistake_is_reported_at_the_title_line(make_project):
    page = CHAPTER.replace('term("project")', 'term("projekt")', 1)
    catalog = load_catalog(make_project("basic", files={"docs/user/02-create.md": page}))
    messages = [f"{p.path}:{p.line}: {p.message}" for p in check_templates(catalog)]
    assert any(
        m.startswith("docs/user/02-create.md:3: 'title': term('projekt'): not a product term") for m in messages
    ), messages


def test_a_client_build_shows_the_clients_word_in_nav_title_search_and_pdf(make_project, tmp_path):
    root = make_project("basic", files={"docs/user/02-create.md": CHAPTER})
    acme = client_target(load_catalog(root).clients["acme"])
    out = build_target(root, acme, tmp_path / "out", formats=("site", "pdf")).out
    page = (out / "user/create/index.html").read_text(encoding="utf-8")
    assert "<title>Create a capital job" in page
    home = (out / "user/index.html").read_text(encoding="utf-8")
    assert "Create a capital job" in home  # the nav
    assert "term(" not in page and "term(" not in home
    search = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))
    assert any(doc["title"] == "Create a capital job" for doc in search["docs"])
    pdf = out / "pdf" / "acme-user.pdf"
    assert any("Create a capital job" in title for title, _ in outline(pdf)), outline(pdf)
    assert "term(" not in pdf_text(pdf, with_outline=True)


def test_a_title_is_not_a_template_only_terms_are_replaced(make_project):
    title = "title: Gantt {{ 7*7 }} {% if x %} {{ term('project') }}"
    page = CHAPTER.replace('title: Create a {{ term("project") }}', title)
    catalog = load_catalog(make_project("basic", files={"docs/user/02-create.md": page}))
    selection, problems = render_titles(catalog, select(catalog, client_target(catalog.clients["acme"])))
    assert problems == []
    rendered = next(p.title for p in selection.pages if p.src_uri == "docs/user/02-create.md")
    assert rendered == "Gantt {{ 7*7 }} {% if x %} capital job"
