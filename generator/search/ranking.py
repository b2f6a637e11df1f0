"""Ranking: every match of a parsed query scored, the requested page of hits, and counts per module and type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import searching

from .fastpath import Dense, Unsupported
from .opened import Opened

FACETS = ("module", "type")


@dataclass
class Found:
    total: int  # pages matched (a page and its sections count once)
    results: searching.Results  # holds the highlighter settings
    hits: list  # whoosh Hit objects of the requested page of results: each page's best document
    counts: dict[str, dict[str, int]]
    sections: dict[int, list[int]]  # a hit's document number -> its page's other matching sections, best first


def scores_by_whoosh(opened: Opened, parsed, restrict, snippets: bool) -> Dense:
    """Whoosh's collector: every match scored (what `Opened.matches` gives, for the queries it cannot)."""
    results = opened.searcher.search(parsed, limit=None, filter=restrict, terms=snippets)
    size = opened.searcher.doc_count_all()
    mask, values = np.zeros(size, dtype=bool), np.zeros(size)
    for score, docnum in results.top_n:
        mask[docnum], values[docnum] = True, score
    return Dense(mask, values)


def matches_any(opened: Opened, parsed, restrict) -> bool:
    """True when some document matches `parsed` and the filter: no ranking, no page of hits, no counts."""
    try:
        return opened.any_match(parsed, restrict)
    except Unsupported:
        return bool(scores_by_whoosh(opened, parsed, restrict, False).mask.any())


def collect(opened: Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> Found:
    """Every match of `parsed` scored, grouped by page (a page ranks by its best document: itself or one of
    its sections), the requested page of results and the counts per module and type, counting pages.

    Scores come from `Opened.matches` (the fast path) or, for what it cannot answer, from Whoosh's collector:
    the same numbers either way. With snippets the old collector recorded the matched terms of every match
    (terms=True) only to find the words to highlight in the ten shown; the highlighter now takes them from
    the query, which marks the same words in those hits. That collector also asked for matchers that keep
    their current document (needs_current), which changes how Whoosh sums some scores in small segments:
    the same is asked here, so that scores stay exactly as they were.

    Grouping, ranking and counting are array operations over the matches: a page's best document is its
    highest score, the lowest document number among equal ones; pages rank by score, then by the document
    number of their best document (as Whoosh's collector orders equal scores)."""
    if page < 1:
        raise ValueError("pagenum must be >= 1")  # as Searcher.search_page says it
    try:
        found = opened.matches(parsed, restrict, needs_current=snippets)
    except Unsupported:
        found = scores_by_whoosh(opened, parsed, restrict, snippets)
    page_of = opened.page_array()
    docs = np.flatnonzero(found.mask)
    scores = found.values[docs]
    order = np.lexsort((docs, -scores))  # best first; equal scores by document number
    ranked_docs = docs[order]
    pages_in_order = page_of[ranked_docs]
    _, first = np.unique(pages_in_order, return_index=True)
    first.sort()  # each page's best document, in rank order
    best_docs, best_scores = ranked_docs[first], scores[order][first]
    total = len(best_docs)
    # Whoosh's ResultsPage: a page past the last shows the last.
    pagenum = min(-(-total // limit), page)
    offset = (pagenum - 1) * limit
    wanted = page * limit
    top_n = list(zip(best_scores[:wanted].tolist(), best_docs[:wanted].tolist(), strict=True))
    results = searching.Results(opened.searcher, parsed, top_n, docset=set(best_docs.tolist()))
    hits = results[offset : min(offset + limit, total)] if total else []
    counts = {}
    pages = np.sort(pages_in_order[first])
    for name in FACETS:
        # Facet groups appear in the order of their first page, as in Whoosh.
        codes, values = opened.facet_codes(name)
        of_pages = codes[pages]
        present, firsts = np.unique(of_pages, return_index=True)
        tally = np.bincount(of_pages, minlength=len(values))
        counts[name] = {values[code]: int(tally[code]) for code in present[np.argsort(firsts)].tolist()}
    sections = {}
    for hit in hits:
        others = [d for d in opened.sections_of(int(page_of[hit.docnum])) if d != hit.docnum and found.mask[d]]
        sections[hit.docnum] = sorted(others, key=lambda d: (-found.values[d], d))
    return Found(total, results, hits, counts, sections)
