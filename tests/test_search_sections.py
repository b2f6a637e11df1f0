"""Sections as results: a long chapter's section that answers a query is a hit of its own, linking to its
heading's anchor, grouped under its page."""

from __future__ import annotations

from pathlib import Path

import markdown

from generator.model import Page
from generator.search import SearchDocument, search, write_index
from generator.search.documents import SECTION_MIN_CHARS, page_documents, plain_text, sections_for

FILLER = "The screen lists every project you can open, with its dates, its manager and its status. " * 12
CHAPTER = f"""# The Gantt chart

{FILLER}

## Columns

{FILLER}

### Commands

Press Ctrl+I to indent the selected activity under the one above it.

```bash
# Not a heading: a comment in a shell example
meridian-admin reindex
```

## Bars

{FILLER}

### Commands

Drag a bar's end to change the activity's duration; drag its middle to move it.
"""


def chapter_doc(rendered: str = CHAPTER) -> SearchDocument:
    return SearchDocument(
        "USR-004",
        "The Gantt chart",
        "Build a schedule.",
        "",
        plain_text(rendered),
        "",
        "scheduling",
        "reference",
        "docs/user/gantt/",
    )


def test_a_long_page_is_its_page_and_one_document_per_section_with_mkdocs_anchors():
    docs = sections_for(chapter_doc(), CHAPTER)
    assert len(chapter_doc().body) >= SECTION_MIN_CHARS
    assert [d.id for d in docs] == [
        "USR-004",
        "USR-004#columns",
        "USR-004#commands",
        "USR-004#bars",
        "USR-004#commands_1",
    ]
    assert [d.title for d in docs[1:]] == ["Columns", "Commands", "Bars", "Commands"]
    assert all(d.parent == "USR-004" and d.page_title == "The Gantt chart" for d in docs[1:])
    assert docs[2].url == "docs/user/gantt/#commands" and "indent" in docs[2].body and "reindex" in docs[2].body
    html = markdown.markdown(CHAPTER, extensions=["toc", "fenced_code"])  # the anchors MkDocs' toc makes
    assert all(f'id="{d.id.partition("#")[2]}"' in html for d in docs[1:])
    assert docs[0].body == chapter_doc().body  # the page keeps its whole text


def test_a_short_page_stays_whole():
    short = "# Title\n\n## One\n\nText.\n\n## Two\n\nMore text.\n"
    assert sections_for(chapter_doc(short), short) == [chapter_doc(short)]


def test_the_section_that_answers_is_the_hit_grouped_under_its_page(tmp_path: Path):
    neighbour = SearchDocument(
        "KB-0001",
        "Edit on the Gantt chart",
        "",
        "",
        "Select an activity on the Gantt chart to edit it.",
        "",
        "scheduling",
        "howto",
        "kb/scheduling/activities/",
    )
    write_index([neighbour, *sections_for(chapter_doc(), CHAPTER)], tmp_path / "index")
    results = search(tmp_path / "index", "indent activity")
    first = results.hits[0]
    assert (first.id, first.title, first.section_title, first.anchor) == (
        "USR-004",
        "The Gantt chart",
        "Commands",
        "commands",
    )
    assert first.url == "docs/user/gantt/#commands" and "<mark>indent</mark>" in first.snippet
    assert [hit.id for hit in results.hits].count("USR-004") == 1  # its page and other sections are one hit
    assert results.total == 2 and results.facets["type"] == {"reference": 1, "howto": 1}
    move = search(tmp_path / "index", "drag bar duration").hits[0]
    assert (move.id, move.anchor) == ("USR-004", "commands_1")


def test_a_hit_lists_its_pages_other_matching_sections(tmp_path: Path):
    write_index(sections_for(chapter_doc(), CHAPTER), tmp_path / "index")
    hit = search(tmp_path / "index", "activity").hits[0]
    assert hit.id == "USR-004"
    shown = [section.anchor for section in hit.sections] + ([hit.anchor] if hit.anchor else [])
    assert sorted(shown) == ["commands", "commands_1"]  # the page itself or one section is the hit, once
    assert all(section.url == f"docs/user/gantt/#{section.anchor}" for section in hit.sections)


def _page(src_uri: str) -> Page:
    return Page(
        src_uri,
        "USR-004",
        "The Gantt chart",
        None,
        "reference",
        "scheduling",
        "public",
        "validated",
        (),
        (),
        (),
        None,
        (),
        CHAPTER,
        1,
    )


def test_a_manual_chapter_is_split_into_sections_and_a_knowledge_base_article_is_not():
    chapter = page_documents(_page("docs/user/04-gantt-chart.md"), CHAPTER)
    article = page_documents(_page("kb/scheduling/gantt.md"), CHAPTER)
    assert len(chapter) == 5 and chapter[1].url == "user/gantt-chart/#columns"
    assert [doc.id for doc in article] == ["USR-004"]  # an article answers one problem: it stays whole


def test_kb_search_shows_the_section_that_answers(run_kb, make_project):
    chapter = (
        "---\nid: USR-004\ntitle: The Gantt chart\ntype: reference\nmodule: scheduling\nconfidence: validated\n---\n\n"
    )
    root = make_project("basic", files={"docs/user/04-gantt-chart.md": chapter + CHAPTER.split("\n", 2)[2]})
    result = run_kb(root, "search", "indent activity")
    assert result.exit_code == 0, result.output
    assert "The Gantt chart > Commands  [USR-004]" in result.output and "/user/gantt-chart/#commands" in result.output
