"""A page's text, parsed and scanned once per text: the Page, and what its text alone decides (its links,
links to anchors, the vendored libraries it needs, whether pointing its links changes them, the problems
in its own text: HTML, shortcodes, undefined references, KCS sections), kept in a build's memo as ONE
entry per page.

The checks, the selection, the render and the staging ask each of these of the memo by the page's text; as
entries of their own that was some ten digests and lookups a page (100,000 a one-edit build at 10,000
articles), for results that change only together, when the text does. Taken from this entry, each is given
to the later calls of the build by its arguments (memo.seed): a call with other arguments (a body a
template changed) is remembered on its own, as before. Outside a build a page is only parsed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from .anchors import anchor_links
from .checks import page_text_problems
from .errors import Problem
from .links import internal_links
from .markdown_features import vendored_needs
from .memo import active, apart, remembered, seed, seed_for
from .model import Page
from .page_parse import parse_page_text
from .render import links_as_written
from .stage import STAGED_FRONT_MATTER, staged_front_matter


def _text_facts(page: Page) -> tuple[tuple[Callable[..., Any], tuple], ...]:
    """The remembered functions of a page's text, with their arguments, in the order the entry keeps them
    (and _seeds gives them)."""
    return (
        (internal_links, (page.src_uri, page.body)),
        (anchor_links, (page.src_uri, page.body)),
        (vendored_needs, (page.body,)),
        (links_as_written, (page.src_uri, page.body)),
        (page_text_problems, (page,)),
    )


def parse_page(src_uri: str, source: str, entry: tuple | None = None) -> tuple[Page | None, tuple[Problem, ...]]:
    """A page's text (at `src_uri`) as a Page, with the problems in its front matter (page_parse.py); in a
    build, from the memo for a text seen before, with the facts of its text given to the build's calls.
    `entry`: the entry page_source gave with `source`, when the caller has it (kept with it, catalog.py)."""
    if not active():
        return parse_page_text(src_uri, source)
    page, body_at, problems, facts, front_matter, *staged = entry or _page_entry(src_uri, source)
    if page is None:
        return None, problems
    # The end of the text just read (the memo need not hold it; a body kept by page_source is its text, a slice
    # from 0 being that string). A new Page each build, not the one unpickled with its body: those lie among
    # the memo's other objects, and the build's later passes over every page (the checks, the selection, the
    # landing pages, the navigation) were slower over them than a copy is.
    page = page.with_body(source[body_at:])
    seed(_seeds(page, facts))
    seed_for(STAGED_FRONT_MATTER, page, (front_matter, staged[0] if staged else None))
    return page, problems


# What each of _text_facts' functions is found by in a build (memo.remembered: its kind, then its arguments
# or its key's strings), spelt out in _seeds: a loop over the functions was 9 microseconds a page.
_LINKS, _ANCHORS, _VENDORED, _AS_WRITTEN, _TEXT_PROBLEMS = (
    function.memo_kind  # type: ignore[attr-defined]
    for function in (
        internal_links,
        anchor_links,
        vendored_needs,
        links_as_written,
        page_text_problems,
    )
)


def _seeds(page: Page, facts: tuple) -> tuple[tuple[tuple, Any], ...]:
    """(what each call is found by, its result) for the results of _text_facts, in its order."""
    src_uri, body = page.src_uri, page.body
    links, anchors, vendored, as_written, problems = facts
    return (
        ((_LINKS, src_uri, body), links),
        ((_ANCHORS, src_uri, body), anchors),
        ((_VENDORED, body), vendored),
        ((_AS_WRITTEN, src_uri, body), as_written),
        ((_TEXT_PROBLEMS, *page_text_problems.memo_key(page)), problems),  # type: ignore[attr-defined]
    )


def page_source(src_uri: str, source: str) -> tuple[str, tuple | None]:
    """What parse_page needs of a page's text (at `src_uri`), to be kept with it by its file's state
    (catalog.py): in a build, its body and its memo entry (from the memo for a text seen before), the body
    standing for the text (a slice of it from 0 is the body itself: the Page holds that string, not a copy
    of its end), and the digest of the page as staged when the target leaves it as written (its staged
    front matter, then its body: stage.py takes it instead of hashing that text again); outside a build, the
    text and None (parse_page parses it)."""
    if not active():
        return source, None
    page, body_at, problems, facts, front_matter = _page_entry(src_uri, source)
    body = source[body_at:]
    if page is None:
        return body, (None, 0, problems, facts, front_matter)
    staged = hashlib.sha256((front_matter + body).encode("utf-8")).hexdigest()
    return body, (page, 0, problems, facts, front_matter, staged)


@remembered("page_facts")
def _page_entry(src_uri: str, source: str) -> tuple[Page | None, int, tuple[Problem, ...], tuple, str]:
    """The page without its body (the bodies were 40 MB of the memo at 10,000 articles, read and checked
    each build only to equal the text just read), where the body starts in `source`, the problems, the
    results of _text_facts, worked out here and not asked of the memo one by one, and the page's staged
    front matter without a chapter number (stage.py; given to the build for this very page object, as a
    target that renames its title or numbers it as a chapter stages another)."""
    page, problems = parse_page_text(src_uri, source)
    if page is None:
        return None, len(source), problems, (), ""
    with apart():
        facts = tuple(function(*args) for function, args in _text_facts(page))
        front_matter = staged_front_matter(page, None)
    for place in ("book", "dest_uri", "section", "url"):  # worked out now, kept with the page (model.Page)
        getattr(page, place)
    return page.with_body(""), len(source) - len(page.body), problems, facts, front_matter
