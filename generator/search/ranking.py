"""Ranking: every match of a parsed query scored, the requested page of hits, and counts per module and type."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

from whoosh import searching

from .fastpath import Unsupported
from .opened import Opened

FACETS = ("module", "type")


@dataclass
class Found:
    total: int  # pages matched (a page and its sections count once)
    results: searching.Results  # holds the highlighter settings
    hits: list  # whoosh Hit objects of the requested page of results: each page's best document
    counts: dict[str, dict[str, int]]
    sections: dict[int, list[int]]  # a hit's document number -> its page's other matching sections, best first


def scores_by_whoosh(opened: Opened, parsed, restrict, snippets: bool) -> dict[int, float]:
    """Whoosh's collector: every match scored (what `Opened.matches` gives, for the queries it cannot)."""
    results = opened.searcher.search(parsed, limit=None, filter=restrict, terms=snippets)
    return {docnum: score for score, docnum in results.top_n}


def matches_any(opened: Opened, parsed, restrict) -> bool:
    """True when some document matches `parsed` and the filter: no ranking, no page of hits, no counts."""
    try:
        if restrict is None:
            return opened.any_match(parsed)
        return bool(opened.matches(parsed, restrict, needs_current=False))
    except Unsupported:
        return bool(scores_by_whoosh(opened, parsed, restrict, False))


def collect(opened: Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> Found:
    """Every match of `parsed` scored, grouped by page (a page ranks by its best document: itself or one of
    its sections), the requested page of results and the counts per module and type, counting pages.

    Scores come from `Opened.matches` (the fast path) or, for what it cannot answer, from Whoosh's collector:
    the same numbers either way. With snippets the old collector recorded the matched terms of every match
    (terms=True) only to find the words to highlight in the ten shown; the highlighter now takes them from
    the query, which marks the same words in those hits. That collector also asked for matchers that keep
    their current document (needs_current), which changes how Whoosh sums some scores in small segments:
    the same is asked here, so that scores stay exactly as they were."""
    if page < 1:
        raise ValueError("pagenum must be >= 1")  # as Searcher.search_page says it
    try:
        scores = opened.matches(parsed, restrict, needs_current=snippets)
    except Unsupported:
        scores = scores_by_whoosh(opened, parsed, restrict, snippets)
    page_of = opened.page_numbers()
    best: dict[int, int] = {}  # page -> its best-scoring document
    members: dict[int, list[int]] = {}
    for docnum in sorted(scores):
        owner = page_of[docnum]
        members.setdefault(owner, []).append(docnum)
        if owner not in best or scores[docnum] > scores[best[owner]]:
            best[owner] = docnum
    grouped = {docnum: scores[docnum] for docnum in best.values()}
    total = len(grouped)
    # Whoosh's ResultsPage: a page past the last shows the last; ranked by score, then document number.
    pagenum = min(-(-total // limit), page)
    offset = (pagenum - 1) * limit
    wanted = page * limit
    if total > wanted:  # only the documents scoring at least the wanted-th best score can make the cut
        threshold = heapq.nlargest(wanted, grouped.values())[-1]
        ranked = sorted((0 - score, docnum) for docnum, score in grouped.items() if score >= threshold)[:wanted]
    else:
        ranked = sorted((0 - score, docnum) for docnum, score in grouped.items())
    top_n = [(grouped[docnum], docnum) for _, docnum in ranked]
    results = searching.Results(opened.searcher, parsed, top_n, docset=set(grouped))
    hits = results[offset : min(offset + limit, total)] if total else []
    keys = {name: opened.facet_keys(name) for name in FACETS}
    in_order = sorted(best)  # facet groups appear in the order of their first page, as in Whoosh
    counts = {name: dict(Counter(map(keys[name].__getitem__, in_order))) for name in FACETS}
    sections = {}
    for hit in hits:
        others = [d for d in members[page_of[hit.docnum]] if d != hit.docnum and page_of[d] != d]
        sections[hit.docnum] = sorted(others, key=lambda d: (-scores[d], d))
    return Found(total, results, hits, counts, sections)
