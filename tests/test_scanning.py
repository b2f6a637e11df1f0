"""kb's own scanning of writers' markdown (and of customers' text in the portal): the links, code spans and
headings it finds, and proof on long lines that every pattern takes linear time (the old ones took minutes:
cubic on backticks, quadratic on spaces and unclosed link titles). The long inputs run in a child process
that is killed after a minute (`finishes`): linear code needs well under a second, quadratic code hours."""

from __future__ import annotations

import dataclasses

import pytest

from generator import context_files, leaks, pdf
from generator.catalog import load_catalog
from generator.checks import check_catalog, check_templates
from generator.headings import atx_headings
from generator.html_safety import check_page_html
from generator.links import find_links, rewrite_links, undefined_references
from generator.model import Page
from generator.portal.drafts import as_text
from generator.search import plain_text
from generator.source_files import MAX_LINE_CHARS
from generator.template_source import set_code_aside

LONG = 1_000_000  # characters: a second or two when linear, hours when quadratic


def urls(markdown: str) -> list[str]:
    return [link.url for link in find_links(markdown)]


def test_links_with_titles_nested_brackets_and_angle_brackets_are_found():
    markdown = "[a](one.md \"Title\") [b [c]](two.md) ![i](<three.png>) [d](four.md 't') [e]( five.md )"
    assert urls(markdown) == ["one.md", "two.md", "three.png", "four.md", "five.md"]
    assert [link.text for link in find_links(markdown)] == ["a", "b [c]", "i", "d", "e"]


def test_a_link_title_may_hold_a_closing_parenthesis():
    assert urls('[a](one.md "see (b)") [c](two.md)') == ["one.md", "two.md"]


def test_links_inside_code_spans_are_skipped():
    assert urls("`[a](one.md)` [b](two.md) ``x ` [c](three.md) `` [d](four.md)") == ["two.md", "four.md"]


def test_a_backtick_run_without_its_partner_is_plain_text():
    # CommonMark: a run of two backticks closes only at the next run of exactly two.
    assert urls("``no partner ` [a](one.md) `") == []
    assert urls("``no partner [a](one.md)") == ["one.md"]


def test_rewriting_links_keeps_everything_else():
    markdown = 'Text `[x](y.md)` and [a](one.md "T") then [b](two.md).\n'
    rewritten = rewrite_links(markdown, lambda link, original: original.replace(link.url, link.url.upper()))
    assert rewritten == 'Text `[x](y.md)` and [a](ONE.MD "T") then [b](TWO.MD).\n'


def test_headings_are_found_with_their_level_and_without_closing_hashes():
    markdown = "# Title\n## Issue ##\n###Not a heading\n####### Seven\n##\nResolution\n  ## Indented\n## C# \n"
    assert atx_headings(markdown) == [(1, "Title"), (2, "Issue"), (2, "C")]


LONG_LINES = {
    "backticks": "`" * LONG,
    "backticks then a letter": "`" * LONG + "a",
    "backticks and letters": "`a" * (LONG // 2),
    "unclosed link titles": '[a](b "' * (LONG // 7),
    "unclosed single-quoted titles": "[a](b '" * (LONG // 7),
    "unclosed link destinations": "[a](x" * (LONG // 5),
    "spaces in a link": "[a](b" + " " * LONG + "x",
    "spaces before a destination": "[a](" + " " * LONG + "x",
    "opening brackets": "[" * LONG,
    "spaces in a heading": "## Issue" + " " * LONG + "x",
    "blank lines": "\n" * (LONG // 5) + "x",  # a line each: slower per character; quadratic before
    "underscores in a word": "a" + "_" * LONG + "b",
    "unclosed tags": "<" * LONG,
    "code spans and links": "`a` [b](c.md) " * (LONG // 14),
    "unclosed tags with attributes": "<a b " * (LONG // 5),
    "unclosed quoted attributes": "<a b='<a c=\"" * (LONG // 12),
    "unclosed comments": "<!--" * (LONG // 4),
    "unclosed attribute lists": "{#" * (LONG // 2),
    "a tag on every line": "<b>x</b>\n" * (LONG // 9),
}


LONG_PAGE = Page(
    src_uri="kb/scheduling/long.md",
    id="KB-0100",
    title="Long",
    summary=None,
    type="howto",
    module="scheduling",
    audience="public",
    confidence="validated",
    clients=(),
    contexts=(),
    tags=(),
    updated=None,
    source_cases=(),
    body="",
    body_line=1,
)


def scan(text: str) -> None:
    find_links(text)
    plain_text(text)
    atx_headings(text)
    check_page_html(dataclasses.replace(LONG_PAGE, body=text))


@pytest.mark.parametrize("text", LONG_LINES.values(), ids=LONG_LINES.keys())
def test_scanning_a_long_line_takes_linear_time(finishes, text):
    assert finishes(scan, text)


# kb's own scanners on long paragraphs (links are looked for per paragraph, so that their text may wrap).
# Not check_page_html: Python-Markdown itself slows down on many unclosed brackets, as many lines.
LONG_PARAGRAPHS = {
    "unclosed link texts": "[a\n" * (LONG // 3),
    "one link text wrapping": "[" + "a b\n" * (LONG // 4) + "](x.md)",
    "code fences and spans around braces": "```\n{{ x }}\n```\n`{{ y }}` {#z}\n" * (LONG // 30),
    "unclosed reference links": "[a][b" * (LONG // 5),
    "reference links and brackets": "[a][b][" * (LONG // 7),
}


def scan_paragraphs(text: str) -> None:
    find_links(text)
    undefined_references(text)
    set_code_aside(text)


@pytest.mark.parametrize("text", LONG_PARAGRAPHS.values(), ids=LONG_PARAGRAPHS.keys())
def test_scanning_a_long_paragraph_takes_linear_time(finishes, text):
    assert finishes(scan_paragraphs, text)


TROUBLESHOOTING = """---
id: KB-0100
title: A test article
summary: One sentence.
type: troubleshooting
module: scheduling
confidence: validated
---

{issue}

## Environment

## Resolution

## Cause
"""


@pytest.mark.parametrize(
    ("issue", "found"),
    [
        ("## Issue" + " " * (MAX_LINE_CHARS - 20) + "x", "Environment, Resolution, Cause"),  # "Issue   x"
        ("## Issue\n\nText " + "`" * (MAX_LINE_CHARS - 10) + " x", None),
    ],
    ids=["spaces in a heading", "a line of backticks"],
)
def test_kb_check_reads_long_lines_in_linear_time(make_project, finishes, issue, found):
    root = make_project("basic", files={"kb/scheduling/slow.md": TROUBLESHOOTING.format(issue=issue)})
    assert finishes(lambda: check_catalog(load_catalog(root)))
    problems = [p.message for p in check_catalog(load_catalog(root)) if p.path == "kb/scheduling/slow.md"]
    assert problems == (
        [
            f"troubleshooting article: expected the sections Issue, Environment, Resolution, Cause in "
            f"that order, found {found}"
        ]
        if found
        else []
    )


def test_an_only_block_opener_with_a_long_line_of_spaces_is_read_in_linear_time(make_project, finishes):
    opener = "/// only | module=budgets" + " " * (MAX_LINE_CHARS - 40) + "x"
    source = TROUBLESHOOTING.format(issue=f"## Issue\n\n{opener}\nText.\n///")
    root = make_project("basic", files={"kb/scheduling/slow.md": source})
    assert finishes(lambda: check_templates(load_catalog(root)))
    messages = [p.message for p in check_templates(load_catalog(root)) if p.path == "kb/scheduling/slow.md"]
    assert messages and all(m.startswith("'/// only': client.licenses('budgets ") for m in messages)


def test_customer_text_with_many_blank_lines_is_escaped_in_linear_time(finishes):
    assert finishes(as_text, "\n" * LONG + "# not a heading")
    assert as_text("\n\n  # not a heading\n---") == "\n\n  \\# not a heading\n\\---"


# The patterns that read built HTML, which holds a writer's raw HTML as it was typed.
HTML_PATTERNS = {
    "PDF links": (pdf._HREF, '<a href="x">' * (LONG // 12)),
    "PDF pictures": (pdf._SRC, "<img " * (LONG // 5)),
    "PDF tags": (pdf._TAGS, "<" * LONG),
    "context help headings": (context_files._HEADING, '<h2 id="a">' * (LONG // 11)),
    "context help tags": (context_files._TAG, "<" * LONG),
    "leak check tags": (leaks._TAGS, "<" * LONG),
}


@pytest.mark.parametrize(("pattern", "text"), HTML_PATTERNS.values(), ids=HTML_PATTERNS.keys())
def test_patterns_on_built_html_take_linear_time(finishes, pattern, text):
    assert finishes(pattern.sub, "", text)


def test_patterns_on_built_html_still_find_links_headings_and_pictures():
    html = '<p><a class="x" href="a.html#b">A <em>b</em></a> <img alt="" src="i.png"></p><h2 id="c">C <a>¶</a></h2>'
    assert [m.groups() for m in pdf._HREF.finditer(html)] == [(' class="x" ', "a.html#b", "", "A <em>b</em>")]
    assert [m.group(2) for m in pdf._SRC.finditer(html)] == ["i.png"]
    assert [m.group(2) for m in context_files._HEADING.finditer(html)] == ["c"]
