"""Search over what a build publishes: one interface, with Whoosh behind it.

`documents_for` turns a target's rendered pages into documents, `write_index` builds (or updates) an index in
a new folder and swaps it in, `search` answers a query with ranked, highlighted hits (`SearchResults` of
`Hit`), a "did you mean" suggestion and counts per module and type. Callers never import whoosh themselves.

Sections as results: a long page (documents.SECTION_MIN_CHARS) is indexed as its page and one document per
section (level 2 and 3 headings), grouped by page at query time, so a page is one hit however many of its
parts match. When a section answers better than the page as a whole, the hit says so: `Hit.section_title`
and `Hit.anchor` name that heading and `Hit.url` ends in `#anchor`; `Hit.id` and `Hit.title` stay the
page's. `Hit.sections` lists the page's other matching sections (`Section`: title, anchor, url), best first.
`SearchResults.total` and the facet counts count pages.

The parts: `documents` (fields and documents), `index` (writing), `page_record` (the index's record of the pages
it was made from, so an update makes only changed pages' documents), `alongside` (the index written by a child
process while the site engine runs), `parsing` (query text to Whoosh queries),
`spelling`, `synonyms` (groups kept in the index folder, expanded at query time), `ranking` (matches scored,
a page of hits, facet counts), `snippets`, `query` (`search` and its fallbacks), `opened` (an index kept open
per version of its folder), and `fastpath`, the one package that reaches into whoosh-reloaded's private
internals (guarded by tests/test_search_exact.py and tests/test_search_writer.py)."""

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:  # the names, for readers and checkers; imported on first use (lazy.py)
    from .alongside import index_alongside
    from .documents import (
        SCHEMA,
        SEARCH_FIELDS,
        SearchDocument,
        TargetDocuments,
        document_for,
        documents_for,
        plain_text,
    )
    from .index import LOCK_WAIT_SECONDS, IndexStats, is_readable, write_index
    from .opened import field_values
    from .query import Hit, QueryError, SearchResults, Section, search
    from .spelling import suggest_spelling
    from .synonyms import synonym_groups

__all__ = [
    "LOCK_WAIT_SECONDS",
    "SCHEMA",
    "SEARCH_FIELDS",
    "Hit",
    "QueryError",
    "IndexStats",
    "SearchDocument",
    "SearchResults",
    "Section",
    "TargetDocuments",
    "document_for",
    "documents_for",
    "field_values",
    "is_readable",
    "plain_text",
    "search",
    "suggest_spelling",
    "synonym_groups",
    "index_alongside",
    "write_index",
]

__getattr__ = lazy_names(
    __name__,
    {
        "documents": (
            "SCHEMA",
            "SEARCH_FIELDS",
            "SearchDocument",
            "TargetDocuments",
            "document_for",
            "documents_for",
            "plain_text",
        ),
        "index": (
            "LOCK_WAIT_SECONDS",
            "IndexStats",
            "is_readable",
            "write_index",
        ),
        "alongside": ("index_alongside",),
        "opened": ("field_values",),
        "query": (
            "Hit",
            "QueryError",
            "SearchResults",
            "Section",
            "search",
        ),
        "spelling": ("suggest_spelling",),
        "synonyms": ("synonym_groups",),
    },
)
