"""`search`: a query to ranked, highlighted hits, with its fallbacks (any word, corrected spelling)."""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import qparser
from whoosh import query as whoosh_query

from ..errors import KbError
from .opened import open_index
from .parsing import with_prefix, without_stop_words
from .ranking import collect, matches_any
from .snippets import highlight_words, make_highlighter, snippet_text


@dataclass(frozen=True)
class Section:
    """A section of a long page that also matches the query."""

    title: str
    anchor: str
    url: str  # the page's URL with #anchor


@dataclass(frozen=True)
class Hit:
    id: str  # the page's ID, also when a section of it answers
    title: str  # the page's title
    url: str  # the page, or its answering section's heading (#anchor)
    module: str
    type: str
    summary: str
    snippet: str  # HTML: the text is escaped, matches are wrapped in <mark>
    score: float
    section_title: str = ""  # the heading of the section that answers, when one answers better than the page
    anchor: str = ""  # that heading's anchor on the page
    sections: tuple[Section, ...] = ()  # the page's other matching sections, best first


def _section(fields: dict) -> Section:
    return Section(fields["title"], fields["id"].partition("#")[2], fields["url"])


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[Hit, ...]
    total: int
    page: int
    pages: int
    matched_all_words: bool  # some page holds every word of the query
    suggestion: str | None  # "did you mean"
    corrected: bool  # nothing matched the query as typed, so these are the results for `suggestion`
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


MAX_QUERY_CHARS = 500  # a case subject or a pasted error fits; a pasted log file is not a query
MAX_QUERY_WORDS = 60
MAX_PREFIXES = 3  # words ending in *: each expands to every word of the index that it starts
MIN_PREFIX_LETTERS = 2
PREFIX_WORD = re.compile(r"[^\s*]+\*")
MAX_SECTIONS = 3  # other matching sections listed under a hit


class QueryError(KbError):
    """A query the engine will not run (too long, prefixes that would expand to most of the index); the
    message is for the reader."""


def check_query(query: str) -> str:
    """The query, stripped; a KbError when it is too long to be a search or asks for words by prefix in a way
    that would expand to most of the index (the callers show the message)."""
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS or len(query.split()) > MAX_QUERY_WORDS:
        raise QueryError(
            f"the query is too long ({len(query):,} characters, {len(query.split()):,} words); "
            f"search with at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words, "
            "e.g. the error message's first line"
        )
    prefixes = PREFIX_WORD.findall(query)
    if len(prefixes) > MAX_PREFIXES:
        raise QueryError(f"the query has {len(prefixes)} words ending in *; use at most {MAX_PREFIXES}")
    short = [word for word in prefixes if len(word) < MIN_PREFIX_LETTERS + 1]
    if short:
        raise QueryError(f"'{short[0]}': a word ending in * needs at least {MIN_PREFIX_LETTERS} letters before the *")
    return query


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
    """Ranked hits for `query`: pages holding any of its words, ranked by BM25F with coordination (the more of
    the words a page holds, the higher), so that a page holding every word thanks to a filler word does not
    win alone; filters by module and type. When a word is misspelled and the corrected query matches every
    word, the results are those of the corrected query."""
    query = check_query(query)
    opened = open_index(index_dir)
    with opened.lock:
        # The open reader's schema: FileIndex.schema reads the folder's table of contents again, and a build
        # may have swapped that folder away since it was opened (EmptyIndexError, now and then).
        schema = opened.searcher.schema
        filters = [
            qparser.QueryParser(name, schema).parse(f'"{value}"')
            for name, value in (("module", module), ("type", type))
            if value
        ]
        restrict = None
        if filters:
            restrict = whoosh_query.And(filters) if len(filters) > 1 else filters[0]
        text = with_prefix(query) if prefix else query
        text = opened.synonyms.expand(without_stop_words(text))
        found = collect(opened, opened.parser("any").parse(text), restrict, page, limit, snippets)
        matched_all = found.total > 0
        if len(text.split()) > 1 and found.total:
            matched_all = matches_any(opened, opened.parser("all").parse(text), restrict)
        suggestion = opened.suggestion(query)
        if prefix:
            # The last word is being typed: it is a prefix, not a misspelling ("revie" is not "review" yet).
            head, _, last = query.rpartition(" ")
            corrected_head = opened.suggestion(head) if head else None
            suggestion = f"{corrected_head} {last}" if corrected_head else None
        if snippets:
            found.results.highlighter = make_highlighter()
            words = highlight_words(found.results, "body") if found.hits else frozenset()
        hits = []
        stored = opened.searcher.stored_fields
        for hit in found.hits:
            snippet = hit.highlights("body", text=snippet_text(hit["body"], words), top=2) if snippets else ""
            snippet = snippet or html.escape(hit.get("summary", ""))
            parent = hit.get("parent")
            hits.append(
                Hit(
                    parent or hit["id"],
                    hit["page_title"] if parent else hit["title"],
                    hit["url"],
                    hit["module"],
                    hit["type"],
                    hit.get("summary", ""),
                    snippet,
                    float(hit.score or 0.0),
                    section_title=hit["title"] if parent else "",
                    anchor=hit["id"].partition("#")[2],
                    sections=tuple(_section(stored(docnum)) for docnum in found.sections[hit.docnum][:MAX_SECTIONS]),
                )
            )
        total = found.total
        pages = max(1, -(-total // limit))
    if suggestion and not _corrected:
        # A word is neither in the index as written nor a real English word: what the query as typed finds
        # comes from its other words, or from a stem it shares by chance ("submital" is "submit"). Answer
        # the corrected query when it does better (a hit at all, or every word matched), else suggest.
        corrected = search(index_dir, suggestion, module, type, limit, page, snippets, prefix, _corrected=True)
        if corrected.total and (total == 0 or corrected.matched_all_words):
            return dataclasses.replace(corrected, query=query, suggestion=suggestion, corrected=True)
    return SearchResults(query, tuple(hits), total, page, pages, matched_all, suggestion, False, found.counts)
