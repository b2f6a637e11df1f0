"""The fast path: a query's matches and snippets computed as Whoosh's collector and highlighter give them, and a
full index written as Whoosh's writer writes it, but without their per-posting cost. It reaches into
whoosh-reloaded's private matcher, highlighter and writer internals, so it lives here alone; its guards on every
upgrade are tests/test_search_exact.py (each answer compared with Whoosh's own, fixed and random queries) and
tests/test_search_writer.py (every term, posting and length compared with what Whoosh's writer writes).

Whoosh's own collector is exact but slow for this use: the facet counts (groupedby) make it score every matching
document through its matcher tree, a few Python calls per posting per field, which took 100-300 ms a query at
10,000 articles; and a searcher opened per query rebuilt the facet arrays each time. So an index is opened once per
version of its folder (`Opened`), and a query's matches are computed from the matcher tree Whoosh would build for
it (`_build`: same shape, same choices, as plain nodes), added up a whole array of documents at a time (`_dense`,
numpy), its leaves being each term's postings as scored by Whoosh once and then kept (`SegmentSearcher`). Each node
adds its children's scores in the order Whoosh's matchers do, so scores, ranking, totals and facet counts come out
the same (to the bit on one segment; see tests/test_search_exact.py for the last bit on several). A query holding
anything else (phrases, NOT, wildcards, ...) goes through Whoosh's collector as before, on the kept searcher.

The parts: `postings` (the kept scored postings and the searcher that hands them out), `scoring` (the trees
and their arrays), `highlighting`, `writer`."""

from typing import TYPE_CHECKING

from ...lazy import lazy_names

if TYPE_CHECKING:  # the names, for readers and checkers; imported on first use (lazy.py)
    from .highlighting import Highlighter, highlight_words
    from .postings import POSTINGS_BUDGET, PostingsCache, SegmentSearcher, Unsupported
    from .scoring import Dense, fast_match_mask, fast_matches
    from .writer import SegmentWriter

__all__ = [
    "POSTINGS_BUDGET",
    "Dense",
    "Highlighter",
    "PostingsCache",
    "SegmentSearcher",
    "SegmentWriter",
    "Unsupported",
    "fast_match_mask",
    "fast_matches",
    "highlight_words",
]

__getattr__ = lazy_names(
    __name__,
    {
        "highlighting": (
            "Highlighter",
            "highlight_words",
        ),
        "postings": (
            "POSTINGS_BUDGET",
            "PostingsCache",
            "SegmentSearcher",
            "Unsupported",
        ),
        "scoring": (
            "Dense",
            "fast_match_mask",
            "fast_matches",
        ),
        "writer": ("SegmentWriter",),
    },
)
