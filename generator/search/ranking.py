"""Ranking: every match of a parsed query scored, the requested page of hits, and counts per module and type."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

from whoosh import searching, sorting

from .fastpath import Unsupported
from .opened import Opened

FACETS = ("module", "type")


@dataclass
class Found:
    total: int
    results: searching.Results  # holds the highlighter settings
    hits: list  # whoosh Hit objects of the requested page
    counts: dict[str, dict[str, int]]


def found_by_whoosh(opened: Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> Found:
    """Whoosh's collector: every match scored, grouped by module and type."""
    facets = sorting.Facets().add_field("module").add_field("type")
    results = opened.searcher.search_page(
        parsed, page, pagelen=limit, filter=restrict, groupedby=facets, terms=snippets
    )
    counts = {name: {key: len(ids) for key, ids in results.results.groups(name).items()} for name in FACETS}
    return Found(results.total, results.results, list(results), counts)


def collect(opened: Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> Found:
    """What `found_by_whoosh` returns, from `Opened.matches`. With snippets the old collector recorded the
    matched terms of every match (terms=True) only to find the words to highlight in the ten shown; the
    highlighter now takes them from the query, which marks the same words in those hits. That collector also
    asked for matchers that keep their current document (needs_current), which changes how Whoosh sums some
    scores in small segments: the same is asked here, so that scores stay exactly as they were."""
    if page < 1:
        raise ValueError("pagenum must be >= 1")  # as Searcher.search_page says it
    try:
        scores = opened.matches(parsed, restrict, needs_current=snippets)
        keys = {name: opened.facet_keys(name) for name in FACETS}
    except Unsupported:
        return found_by_whoosh(opened, parsed, restrict, page, limit, snippets)
    total = len(scores)
    # Whoosh's ResultsPage: a page past the last shows the last; ranked by score, then document number.
    pagenum = min(-(-total // limit), page)
    offset = (pagenum - 1) * limit
    wanted = page * limit
    if total > wanted:  # only the documents scoring at least the wanted-th best score can make the cut
        threshold = heapq.nlargest(wanted, scores.values())[-1]
        ranked = sorted((0 - score, docnum) for docnum, score in scores.items() if score >= threshold)[:wanted]
    else:
        ranked = sorted((0 - score, docnum) for docnum, score in scores.items())
    top_n = [(scores[docnum], docnum) for _, docnum in ranked]
    results = searching.Results(opened.searcher, parsed, top_n, docset=set(scores))
    hits = results[offset : min(offset + limit, total)] if total else []
    in_order = sorted(scores)  # facet groups appear in the order of their first document, as in Whoosh
    counts = {name: dict(Counter(map(keys[name].__getitem__, in_order))) for name in FACETS}
    return Found(total, results, hits, counts)
