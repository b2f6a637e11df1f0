"""An index opened once per version of its folder, with what is worth keeping between queries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from whoosh import index

from ..errors import KbError
from .fastpath import POSTINGS_BUDGET, Dense, PostingsCache, SegmentSearcher, Unsupported, fast_match_mask, fast_matches
from .parsing import GROUPS, WordParser
from .spelling import Speller, load_words, suggest_spelling
from .synonyms import Synonyms, load_synonyms


class Opened:
    """One version of an index folder, open: its searcher, and what is worth keeping between queries (scored
    postings, the facet value of each document, filters, parsers, spelling suggestions). Whoosh's readers
    are not safe for concurrent use, so queries on one `Opened` take turns (`lock`)."""

    def __init__(self, inode: int, ix: index.Index, synonyms: Synonyms, speller: Speller):
        self.inode, self.ix, self.synonyms, self.speller = inode, ix, synonyms, speller
        self.searcher = ix.searcher()
        self.lock = threading.RLock()
        cache = PostingsCache(POSTINGS_BUDGET)
        self.segments = [
            (SegmentSearcher(leaf.reader(), self.searcher, number, cache), offset)
            for number, (leaf, offset) in enumerate(self.searcher.leaf_searchers())
        ]
        self._parsers: dict[str, WordParser] = {}
        self._facet_keys: dict[str, list] = {}
        self._allowed: dict[str, np.ndarray] = {}
        self._suggestions: dict[str, str | None] = {}
        self._page_of: list[int] | None = None
        self._page_array: np.ndarray | None = None
        self._facet_codes: dict[str, tuple[np.ndarray, list]] = {}
        self._sections: dict[int, list[int]] | None = None

    def parser(self, group: str) -> WordParser:
        if group not in self._parsers:
            self._parsers[group] = WordParser(self.searcher.schema, GROUPS[group]())
        return self._parsers[group]

    def suggestion(self, query: str) -> str | None:
        if query not in self._suggestions:
            if len(self._suggestions) >= 4096:
                self._suggestions.clear()
            self._suggestions[query] = suggest_spelling(self.searcher, self.speller, query, self.synonyms.words)
        return self._suggestions[query]

    def allowed(self, restrict) -> np.ndarray:
        """Which documents a module/type filter lets through (what Whoosh's FilterCollector computes)."""
        key = repr(restrict)
        if key not in self._allowed:
            mask = np.zeros(self.searcher.doc_count_all(), dtype=bool)
            mask[np.fromiter(self.searcher.docs_for_query(restrict), dtype=np.int64)] = True
            self._allowed[key] = mask
        return self._allowed[key]

    def facet_codes(self, name: str) -> tuple[np.ndarray, list]:
        """`facet_keys` as a number per document and the values the numbers stand for."""
        if name not in self._facet_codes:
            number: dict = {}
            codes = [number.setdefault(key, len(number)) for key in self.facet_keys(name)]
            self._facet_codes[name] = (np.array(codes, dtype=np.int64), list(number))
        return self._facet_codes[name]

    def facet_keys(self, name: str) -> list:
        """Each document's value of a facet field, None when it has none, as Whoosh's PostingCategorizer
        finds them (the last of the field's sorted terms that the document has)."""
        if name not in self._facet_keys:
            reader = self.searcher.reader()
            if reader.has_column(name):
                raise Unsupported(f"{name} has a column")  # Whoosh would use a ColumnCategorizer
            field_type = self.searcher.schema[name]
            keys = [None] * reader.doc_count_all()
            for btext in field_type.sortable_terms(reader, name):
                value = field_type.from_bytes(btext)
                for docnum in reader.postings(name, btext).all_ids():
                    keys[docnum] = value
            self._facet_keys[name] = keys
        return self._facet_keys[name]

    def page_numbers(self) -> list[int]:
        """Each document's page, as a document number: itself for a page, its page for a section."""
        if self._page_of is None:
            ids, parents = self.facet_keys("id"), self.facet_keys("parent")
            pages = {doc_id: docnum for docnum, doc_id in enumerate(ids) if doc_id is not None and not parents[docnum]}
            self._page_of = [pages.get(parent, docnum) if parent else docnum for docnum, parent in enumerate(parents)]
        return self._page_of

    def page_array(self) -> np.ndarray:
        """`page_numbers` as an array."""
        if self._page_array is None:
            self._page_array = np.array(self.page_numbers(), dtype=np.int64)
        return self._page_array

    def sections_of(self, page: int) -> list[int]:
        """The document numbers of a page's sections."""
        if self._sections is None:
            self._sections = {}
            for docnum, owner in enumerate(self.page_numbers()):
                if owner != docnum:
                    self._sections.setdefault(owner, []).append(docnum)
        return self._sections.get(page, [])

    def any_match(self, parsed, restrict) -> bool:
        """True when some document matches `parsed` and the filter."""
        found = fast_match_mask(self.segments, parsed)
        if restrict is not None:
            found &= self.allowed(restrict)
        return bool(found.any())

    def matches(self, parsed, restrict, needs_current: bool) -> Dense:
        """Every document matching `parsed` and the filter, with its score (global document numbers)."""
        found = fast_matches(self.searcher, self.segments, parsed, needs_current)
        if restrict is not None:
            found = Dense(found.mask & self.allowed(restrict), found.values)
        return found


_OPEN: dict[str, Opened] = {}


def open_index(index_dir: Path) -> Opened:
    """The index at `index_dir`, opened once per version of the folder: a build swaps in a new folder (a new
    inode), so a long-running portal picks up each new index on its next query. The previous version is
    left to the garbage collector rather than closed: another thread may still be answering from it."""
    for attempt in range(3):
        try:
            inode = index_dir.stat().st_ino
        except FileNotFoundError:
            raise KbError(f"{index_dir}: no search index here; run `kb build` first") from None
        cached = _OPEN.get(str(index_dir))
        if cached and cached.inode == inode:
            return cached
        try:
            opened = Opened(
                inode,
                index.open_dir(str(index_dir)),
                Synonyms(load_synonyms(index_dir)),
                Speller(load_words(index_dir)),
            )
        except Exception as exc:  # noqa: BLE001 - a swap under our feet, or a damaged index
            if attempt == 2:
                raise KbError(f"{index_dir}: the search index cannot be read ({exc}); run `kb build` again") from exc
            time.sleep(0.05)
            continue
        _OPEN[str(index_dir)] = opened
        return opened
    raise AssertionError("unreachable")


def field_values(index_dir: Path, name: str) -> list[str]:
    """The values a filter field (module, type) takes in the index, sorted."""
    opened = open_index(index_dir)
    with opened.lock:
        lexicon = opened.searcher.lexicon(name)
        return sorted(value.decode() if isinstance(value, bytes) else value for value in lexicon)
