"""`search`: a query to ranked, highlighted hits, with its fallbacks (any word, corrected spelling)."""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import qparser
from whoosh import query as whoosh_query

from .opened import open_index
from .parsing import with_prefix, without_stop_words
from .ranking import collect
from .snippets import make_highlighter


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    url: str
    module: str
    type: str
    summary: str
    snippet: str  # HTML: the text is escaped, matches are wrapped in <mark>
    score: float


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[Hit, ...]
    total: int
    page: int
    pages: int
    matched_all_words: bool
    suggestion: str | None  # "did you mean"
    corrected: bool  # nothing matched the query as typed, so these are the results for `suggestion`
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def search(
    index_dir: Path,
    query: str,
    module: str | None = None,
    type: str | None = None,
    limit: int = 10,
    page: int = 1,
    snippets: bool = True,
    prefix: bool = False,
    _corrected: bool = False,
) -> SearchResults:
    """Ranked hits for `query`: all words must match, else any word; filters by module and type. When nothing
    matches and the spelling can be corrected, the results are those of the corrected query."""
    query = query.strip()
    opened = open_index(index_dir)
    with opened.lock:
        schema = opened.ix.schema
        filters = [
            qparser.QueryParser(name, schema).parse(f'"{value}"')
            for name, value in (("module", module), ("type", type))
            if value
        ]
        restrict = None
        if filters:
            restrict = whoosh_query.And(filters) if len(filters) > 1 else filters[0]
        text = with_prefix(query) if prefix else query
        text = without_stop_words(text)
        matched_all = True
        parsed = opened.parser("all").parse(text)
        found = collect(opened, parsed, restrict, page, limit, snippets)
        if found.total == 0:
            matched_all = False
            parsed = opened.parser("any").parse(text)
            found = collect(opened, parsed, restrict, page, limit, snippets)
        suggestion = opened.suggestion(query)
        if snippets:
            found.results.highlighter = make_highlighter()
        hits = []
        for hit in found.hits:
            snippet = (hit.highlights("body", top=2) if snippets else "") or html.escape(hit.get("summary", ""))
            hits.append(
                Hit(
                    hit["id"],
                    hit["title"],
                    hit["url"],
                    hit["module"],
                    hit["type"],
                    hit.get("summary", ""),
                    snippet,
                    float(hit.score or 0.0),
                )
            )
        total = found.total
        pages = max(1, -(-total // limit))
    if (total == 0 or not matched_all) and suggestion and not _corrected:
        # Nothing had every word as typed, and a word looks misspelled: answer the corrected query when it
        # does better (a hit at all, or every word matched), else keep the any-word results and suggest.
        corrected = search(index_dir, suggestion, module, type, limit, page, snippets, prefix, _corrected=True)
        if corrected.total and (total == 0 or corrected.matched_all_words):
            return dataclasses.replace(corrected, query=query, suggestion=suggestion, corrected=True)
    return SearchResults(query, tuple(hits), total, page, pages, matched_all, suggestion, False, found.counts)
