"""kb's link scanner on markdown as real manuals write it: footnotes, abbreviations, reference definitions
(also indented in admonitions) and link text that wraps onto the next line are found, checked and re-pointed."""

from __future__ import annotations

import pytest

from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.links import find_links
from generator.memo import remembering
from generator.model import SITE
from generator.render import _point_links, asset_dest, point_links, render_selection
from generator.select import select

ARTICLE = "---\nid: KB-0100\ntitle: Links\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n---\n\n"
BODY_LINE = 10  # the file line of the body's first line in ARTICLE


def _urls(markdown: str) -> list[tuple[int, str]]:
    return [(link.line, link.url) for link in find_links(markdown)]


def test_footnotes_and_abbreviations_are_not_links_but_links_in_a_footnote_are():
    markdown = (
        "Text[^1] and HTML[^note].\n\n[^1]: A plain footnote.\n[^note]: See [the chart](gantt-empty.md).\n\n"
        "*[HTML]: Hyper Text Markup Language\n"
    )
    assert _urls(markdown) == [(4, "gantt-empty.md")]


def test_a_link_whose_text_wraps_is_found_at_the_line_it_starts_on():
    markdown = "Intro line.\nSee [the long\nname of the page](one.md) and\n[another](two.md).\n\n[x](three.md)\n"
    assert _urls(markdown) == [(2, "one.md"), (4, "two.md"), (6, "three.md")]


def test_reference_definitions_indented_in_an_admonition_are_found():
    markdown = '!!! note\n\n    See [the chart][chart].\n\n    [chart]: gantt-empty.md "The chart"\n'
    assert _urls(markdown) == [(5, "gantt-empty.md")]


def test_kb_check_accepts_footnotes_and_abbreviations(make_project):
    body = "A page[^1] about HTML.\n\n[^1]: Written by hand, not a link.\n\n*[HTML]: Hyper Text Markup Language\n"
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    assert [p for p in check_catalog(catalog) if p.path == "kb/scheduling/notes.md"] == []


def test_kb_check_reports_a_broken_link_with_wrapped_text_and_in_a_footnote(make_project):
    body = "See [the\nmissing page](missing.md).\n\n[^1]: Or [this one](gone.md).\n"
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    found = [(p.line, p.message.split(";")[0]) for p in check_catalog(catalog) if p.path == "kb/scheduling/notes.md"]
    assert found == [(BODY_LINE, "broken link 'missing.md'"), (BODY_LINE + 3, "broken link 'gone.md'")]


def test_wrapped_and_reference_links_are_repointed_for_the_staged_layout(make_project):
    body = (
        "See [the Gantt\nchart](../../docs/user/01-gantt.md) or [the chart][gantt].\n\n"
        "!!! tip\n\n    [gantt]: ../../docs/user/01-gantt.md#edit-activity-dialog\n"
    )
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    rendered, problems = render_selection(catalog, select(catalog, SITE))
    assert problems == []
    page = rendered["kb/scheduling/notes.md"]
    assert "[the Gantt\nchart](../../user/gantt.md)" in page
    assert "    [gantt]: ../../user/gantt.md#edit-activity-dialog\n" in page


def test_a_wrapped_link_into_an_excluded_page_becomes_its_text(make_project):
    body = "See [the internal\nfix](internal-fix.md) for agents.\n"
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    rendered, _ = render_selection(catalog, select(catalog, SITE))
    assert rendered["kb/scheduling/notes.md"] == "\nSee the internal\nfix for agents.\n"


def test_a_reference_link_without_a_definition_is_a_warning_at_its_line(make_project):
    body = (
        "See [the chart][Chart], [the list][missing] and a note[^1].\n`[code][nope]` and [x][] stay.\n\n"
        "[chart]: gantt-empty.md\n[^1]: A note.\n"
    )
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    found = [(p.line, p.message, p.severity) for p in check_catalog(catalog) if p.path == "kb/scheduling/notes.md"]
    assert found == [
        (
            BODY_LINE,
            "reference link '[...][missing]': the page has no definition '[missing]: address'; it shows as text",
            "warning",
        )
    ]


@pytest.mark.parametrize(
    "body",
    [
        "See [the chart](gantt-empty.md) and [the lock](../budgets/budget-locked.md#why).\n",  # kept as written
        "See [the chart](./gantt-empty.md) and [again](../scheduling/gantt-empty.md).\n",  # spelt otherwise
        "See [it][chart].\n\n[chart]: ../scheduling/../scheduling/gantt-empty.md\n",
        'A picture <img src="../budgets/budget-locked.md"> in raw HTML, from the page\'s address.\n',
        "See [the agents' fix](internal-fix.md) and [the manual](../../docs/user/01-gantt.md).\n",
        "![The chart](../../docs/user/images/gantt.svg) and [nothing](missing.md).\n",
    ],
)
def test_an_articles_links_are_pointed_alike_with_and_without_the_memo(make_project, tmp_path, body):
    """point_links leaves an article's links as written, without the memo's entry for them, when its text says
    pointing changes nothing (render.links_as_written): the same markdown as pointing them would give."""
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/notes.md": ARTICLE + body}))
    selection = select(catalog, SITE)
    page = next(page for page in selection.pages if page.src_uri == "kb/scheduling/notes.md")
    dest_of = {page.src_uri: page.dest_uri for page in selection.pages}
    dest_of.update({asset: asset_dest(asset) for asset in selection.assets})
    pointed = _point_links(page.src_uri, page.dest_uri, page.url, page.body, selection.excluded, dest_of)
    assert point_links(page, page.body, selection, dest_of) == pointed
    (tmp_path / "cache").mkdir()
    for _ in range(2):  # computed, then from the memo (the page's text facts given to the build's calls)
        with remembering(tmp_path / "cache"):
            again = load_catalog(catalog.root)
            rendered, _ = render_selection(again, select(again, SITE))
        assert rendered["kb/scheduling/notes.md"] == pointed
