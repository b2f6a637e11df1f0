"""Search over what a build publishes: one interface, with Whoosh behind it.

`documents_for` turns a target's rendered pages into documents, `write_index` builds (or updates) an
index in a new folder and swaps it in, `search` answers a query with ranked, highlighted hits, a
"did you mean" suggestion and counts per module and type. Callers never import whoosh themselves."""

from __future__ import annotations

import bisect
import dataclasses
import fcntl
import hashlib
import heapq
import html
import re
import shutil
import threading
import time
from array import array
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import highlight, index, qparser, searching, sorting
from whoosh import query as whoosh_query
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StemmingAnalyzer, StopFilter, Token
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.matching import (
    ArrayUnionMatcher,
    CoordMatcher,
    FilterMatcher,
    IntersectionMatcher,
    Matcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.scoring import WeightLengthScorer

from .errors import KbError
from .headings import atx_headings
from .model import Page, Selection
from .output import mark_output, new_folder_beside, swap_into_place

LOCK_WAIT_SECONDS = 10.0
_STEM = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True, field_boost=4.0),
    title=TEXT(stored=True, analyzer=_STEM, field_boost=3.0, spelling=True),
    summary=TEXT(stored=True, analyzer=_STEM, field_boost=1.5),
    headings=TEXT(analyzer=_STEM, field_boost=1.5),
    body=TEXT(stored=True, analyzer=_STEM, spelling=True),
    tags=KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=2.0),
    module=ID(stored=True),
    type=ID(stored=True),
    url=STORED,
    digest=STORED,
)
SEARCH_FIELDS = ("id", "title", "summary", "headings", "body", "tags")


@dataclass(frozen=True)
class SearchDocument:
    id: str
    title: str
    summary: str
    headings: str
    body: str
    tags: str
    module: str
    type: str
    url: str

    @property
    def digest(self) -> str:
        parts = (self.title, self.summary, self.headings, self.body, self.tags, self.module, self.type, self.url)
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


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


@dataclass(frozen=True)
class IndexStats:
    added: int
    updated: int
    deleted: int
    unchanged: int


# Writers' text: no pattern may scan past where its next match could start, or backtrack over a run it
# cannot match (`^\s*` crossed blank lines, `[^)]*` ran to the end of the text from every unclosed link,
# `_+(?!\w)` retried every underscore of a run): each took minutes on long pages (tests/test_links.py).
_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\[\]]*+)\]\((?:[^)\]]|\](?!\())*+\)")
_TAG = re.compile(r"<[^<>]++>")
_BLOCK_MARKUP = re.compile(r"^[ \t]*(#{1,6}|!!!|\?\?\?\+?|///|===|[-*+]|\d+\.)\s*|[|>{}]+|\+\+", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"\*+|`+|(?<!\w)_+|(?<!_)_+(?!\w)")  # emphasis and code: dropped without a gap


def plain_text(markdown: str) -> str:
    """Markdown to the words a reader sees: markup, link targets and tags dropped."""
    text = _FENCE.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _BLOCK_MARKUP.sub(" ", text)
    text = _INLINE_MARKUP.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def document_for(page: Page, rendered: str) -> SearchDocument:
    return SearchDocument(
        id=page.id,
        title=page.title,
        summary=page.summary or "",
        headings=" ".join(text for _, text in atx_headings(rendered)),
        body=plain_text(rendered),
        tags=",".join(page.tags),
        module=page.module or "",
        type=page.type,
        url=page.url,
    )


def documents_for(selection: Selection, rendered: dict[str, str]) -> list[SearchDocument]:
    """One document per published page, from its rendered markdown."""
    return [document_for(page, rendered[page.src_uri]) for page in selection.pages]


@contextmanager
def _writing(index_dir: Path, wait: float) -> Iterator[None]:
    """One writer per index: a second build waits up to `wait` seconds, then says the index is busy."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.with_name(f".{index_dir.name}.lock")
    with lock_path.open("w") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise KbError(
                        f"{index_dir}: the search index is busy, another build is writing it; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_readable(index_dir: Path) -> bool:
    """True when a usable index is at `index_dir`."""
    if not index_dir.is_dir():
        return False
    try:
        with index.open_dir(str(index_dir)).searcher() as searcher:
            searcher.doc_count()
        return True
    except Exception:  # noqa: BLE001 - any damage to derived data means "rebuild it"
        return False


def write_index(
    documents: list[SearchDocument], index_dir: Path, full: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> IndexStats:
    """Bring the index at `index_dir` up to date with `documents`: only changed documents are rewritten
    unless `full`, a missing or damaged index is rebuilt; the result is swapped in whole."""
    with _writing(index_dir, wait), new_folder_beside(index_dir) as scratch:
        work = scratch / "index"
        incremental = not full and is_readable(index_dir)
        if incremental:
            shutil.copytree(index_dir, work)
            ix = index.open_dir(str(work))
        else:
            work.mkdir()
            ix = index.create_in(str(work), SCHEMA)
        with ix.searcher() as searcher:
            existing = {fields["id"]: fields["digest"] for fields in searcher.all_stored_fields()}
        wanted = {doc.id: doc for doc in documents}
        added = updated = unchanged = 0
        writer = ix.writer(limitmb=256)
        try:
            for doc_id in existing.keys() - wanted.keys():
                writer.delete_by_term("id", doc_id)
            for doc in documents:
                digest = doc.digest
                if existing.get(doc.id) == digest:
                    unchanged += 1
                    continue
                fields = {name: getattr(doc, name) for name in SearchDocument.__dataclass_fields__}
                if doc.id in existing:
                    writer.update_document(digest=digest, **fields)
                    updated += 1
                else:
                    writer.add_document(digest=digest, **fields)
                    added += 1
            writer.commit(optimize=not incremental)
        except BaseException:
            writer.cancel()
            raise
        ix.close()
        mark_output(work)
        swap_into_place(work, index_dir)
    return IndexStats(added, updated, len(existing.keys() - wanted.keys()), unchanged)


# Reading. Whoosh's own collector is exact but slow for this use: the facet counts (groupedby) make it score
# every matching document through its matcher tree, a few Python calls per posting per field, which took
# 100-300 ms a query at 10,000 articles; and a searcher opened per query rebuilt the facet arrays each time.
# So an index is opened once per version of its folder (`_Opened`), and a query's matches are computed
# from the very matcher tree Whoosh builds for it, walked once with dictionaries (`_scores`), its leaves
# being each term's postings as scored by Whoosh once and then kept (`_SegmentSearcher`). Each node adds
# its children's scores in the order Whoosh's matchers do, so scores, ranking, totals and facet counts come
# out bit for bit the same. A query holding anything else (phrases, NOT, wildcards, ...) goes through
# Whoosh's collector as before, on the kept searcher.

_USE_SCORED_POSTINGS = True  # False: always Whoosh's collector (the tests compare the two)
_POSTINGS_BUDGET = 4_000_000  # scored postings kept per open index, 12 bytes each: at most ~50 MB
_REPLACE_EVERY = 10  # whoosh.collectors.ScoredCollector(replace=10): the collector prunes its tree that often
_PLAIN_QUERIES = {
    whoosh_query.Term,
    whoosh_query.And,
    whoosh_query.Or,
    whoosh_query.Prefix,
    type(whoosh_query.NullQuery),
}
_FACETS = ("module", "type")


class _Unsupported(Exception):
    """A query or matcher tree that `_scores` does not reproduce: Whoosh's collector answers it."""


class _Postings(Matcher):
    """One term's postings in one segment: document numbers and Whoosh's scores for them, in arrays."""

    def __init__(self, term, ids, scores, position=0):
        self._term, self._ids, self._scores, self._i = term, ids, scores, position

    def term(self):
        return self._term

    def is_active(self):
        return self._i < len(self._ids)

    def id(self):
        return self._ids[self._i]

    def next(self):
        self._i += 1
        return False

    def skip_to(self, id):
        if self._i < len(self._ids) and self._ids[self._i] < id:
            self._i = bisect.bisect_left(self._ids, id, self._i)

    def score(self):
        return self._scores[self._i]

    def all_ids(self):
        return iter(self._ids[self._i :])

    def reset(self):
        self._i = 0

    def copy(self):
        return _Postings(self._term, self._ids, self._scores, self._i)

    def supports(self, astype):
        return False

    def value(self):
        raise _Unsupported("posting values")

    def value_as(self, astype):
        raise _Unsupported("posting values")


class _PostingsCache:
    """Scored postings by (segment, field, term, query frequency), least recently used out first."""

    def __init__(self, budget: int):
        self._entries: OrderedDict = OrderedDict()
        self._size = 0
        self._budget = budget

    def get(self, key):
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key, entry):
        self._entries[key] = entry
        self._size += len(entry[0])
        while self._size > self._budget and len(self._entries) > 1:
            _, (ids, _) = self._entries.popitem(last=False)
            self._size -= len(ids)
        return entry


class _SegmentSearcher(searching.Searcher):
    """A segment's searcher whose postings are `_Postings`: a query's `matcher()` then builds the same tree
    Whoosh builds (same classes, same shape, same decisions), with leaves that cost nothing to walk."""

    def __init__(self, reader, parent, number: int, cache: _PostingsCache):
        super().__init__(reader, weighting=parent.weighting, closereader=False, parent=parent)
        self._number = number
        self._cache = cache
        self._lengths: dict[str, list] = {}

    def _field_lengths(self, fieldname: str) -> list:
        """Each document's length in a field, as the scorers read it (doc_field_length(docnum, field, 1)):
        read once, as a list, since looking it up in the lengths column is most of the cost of a score."""
        if fieldname not in self._lengths:
            length = self.ixreader.doc_field_length
            self._lengths[fieldname] = [length(docnum, fieldname, 1) for docnum in range(self._doccount)]
        return self._lengths[fieldname]

    def postings(self, fieldname, text, weighting=None, qf=1):
        key = (self._number, fieldname, text, qf)
        entry = self._cache.get(key)
        if entry is None:
            # Scored as Searcher.postings does it: the scorer takes idf and lengths from the top searcher.
            scorer = (weighting or self.weighting).scorer(self, fieldname, text, qf=qf)
            leaf = self.ixreader.postings(fieldname, text, scorer=scorer)
            if isinstance(leaf, FilterMatcher):
                leaf = leaf.child  # deleted documents: left out below
            ids, scores = array("i"), array("d")
            if isinstance(scorer, WeightLengthScorer) and type(scorer).score is WeightLengthScorer.score:
                # WeightLengthScorer.score(matcher) is _score(weight, dfl(docnum)): the same call, lengths kept.
                weigh, lengths = scorer._score, self._field_lengths(fieldname)
                if type(leaf) is W3LeafMatcher:
                    # A block at a time: id() and weight() read these same block arrays one call at a time.
                    while leaf.is_active():
                        leaf._read_ids()
                        leaf._read_weights()
                        ids.extend(leaf._ids)
                        scores.extend(
                            [
                                weigh(weight, lengths[docnum])
                                for docnum, weight in zip(leaf._ids, leaf._weights, strict=True)
                            ]
                        )
                        leaf._next_block()
                else:
                    while leaf.is_active():
                        docnum = leaf.id()
                        ids.append(docnum)
                        scores.append(weigh(leaf.weight(), lengths[docnum]))
                        leaf.next()
            else:
                while leaf.is_active():
                    ids.append(leaf.id())
                    scores.append(leaf.score())
                    leaf.next()
            deleted = getattr(self.ixreader, "deleted_docs_set", None)
            if deleted:
                kept = [i for i, docnum in enumerate(ids) if docnum not in deleted]
                ids, scores = array("i", [ids[i] for i in kept]), array("d", [scores[i] for i in kept])
            entry = self._cache.put(key, (ids, scores))
        # Without its deleted documents already, rather than in the FilterMatcher the segment reader would
        # wrap it in (which would filter them again on every query): a leaf either way, with the same scores
        # (FilterMatcher multiplies by its boost, 1.0), and the tree built around it is the same.
        return _Postings((fieldname, text), *entry)


class _Preloaded(Matcher):
    """Stands for the ArrayUnionMatcher that Whoosh's Or uses in small segments: same sub-matchers, same
    scores (see `_scores`), but without building it, since an ArrayUnionMatcher reads its sub-matchers 2,048
    documents ahead into an array of zeros it makes one by one: most of the time of a query once
    incremental builds have added small segments. Only walked at construction (by an IntersectionMatcher
    finding its first match), so it finds its documents then."""

    def __init__(self, submatchers, boost=1.0, scored=True):
        self._submatchers, self._boost, self._scored = submatchers, boost, scored
        self._ids: list | None = None
        self._i = 0

    def _docs(self) -> list:
        if self._ids is None:
            self._ids = sorted(_scores(self))
        return self._ids

    def children(self):
        return list(self._submatchers)

    def is_active(self):
        return self._i < len(self._docs())

    def id(self):
        return self._docs()[self._i]

    def next(self):
        self._i += 1
        return False

    def skip_to(self, id):
        docs = self._docs()
        if self._i < len(docs) and docs[self._i] < id:
            self._i = bisect.bisect_left(docs, id, self._i)

    def score(self):
        raise _Unsupported("score of a stand-in")

    def reset(self):
        self._i = 0

    def copy(self):
        return _Preloaded(self._submatchers, self._boost, self._scored)

    def supports(self, astype):
        return False

    def value(self):
        raise _Unsupported("posting values")

    def value_as(self, astype):
        raise _Unsupported("posting values")


class _Or(whoosh_query.Or):
    """An Or that builds a `_Preloaded` where Or builds an ArrayUnionMatcher (PreloadedOr), and otherwise
    exactly what Or builds: Or._matcher's own choice, verbatim."""

    def _matcher(self, subs, searcher, context):
        needs_current = context.needs_current if context else True
        if self.matcher_type == self.AUTO_MATCHER:
            dc = searcher.doc_count_all()
            if len(subs) >= self.TOO_MANY_CLAUSES or not (needs_current or self.scale or len(subs) == 2 or dc > 5000):
                scored = context.weighting is not None if context else True
                return _Preloaded([sub.matcher(searcher, context) for sub in subs], boost=self.boost, scored=scored)
        return super()._matcher(subs, searcher, context)


def _standing_in(q):
    """`q` with each Or an `_Or` (the same query otherwise)."""
    if type(q) is whoosh_query.Or:
        return _Or([_standing_in(sub) for sub in q.subqueries], boost=q.boost, minmatch=q.minmatch, scale=q.scale)
    if type(q) is whoosh_query.And:
        return whoosh_query.And([_standing_in(sub) for sub in q.subqueries], boost=q.boost)
    return q


def _scores(m) -> dict[int, float]:
    """Every match of the matcher tree `m` with the score Whoosh's collector gives it: each node adds its
    children's scores as that matcher class does (same operands, same order), so the floats are equal."""
    kind = type(m)
    if kind is _Postings:
        return dict(zip(m._ids, m._scores, strict=True))
    if kind is UnionMatcher:
        a, b = _scores(m.a), _scores(m.b)
        union = {**a, **b}
        for docnum in a.keys() & b.keys():
            union[docnum] = a[docnum] + b[docnum]
        return union
    if kind is IntersectionMatcher:
        a, b = _scores(m.a), _scores(m.b)
        return {docnum: a[docnum] + b[docnum] for docnum in a.keys() & b.keys()}
    if kind is FilterMatcher:
        child, boost = _scores(m.child), m.boost
        kept = child.keys() - m._ids if m._exclude else child.keys() & m._ids
        return {docnum: child[docnum] * boost for docnum in kept}
    if kind is WrappingMatcher:
        boost = m.boost
        return {docnum: score * boost for docnum, score in _scores(m.child).items()}
    if kind is ArrayUnionMatcher or kind is _Preloaded:
        # Scores are summed into an array of zeros, sub-matcher by sub-matcher; only positive sums match.
        boost, summed = m._boost, {}
        for sub in m._submatchers:
            if m._scored:
                for docnum, score in _scores(sub).items():
                    summed[docnum] = summed.get(docnum, 0.0) + score * boost
            else:
                summed.update(dict.fromkeys(_scores(sub), 1.0))
        return {docnum: score for docnum, score in summed.items() if score > 0}
    if kind is NullMatcherClass:
        return {}
    raise _Unsupported(kind.__name__)


def _coord_units(m, units: list) -> None:
    """The parts of an any-word tree that the collector's pruning keeps or drops whole: (last document,
    term matchers, documents it matches or None when it never reports matching terms)."""
    kind = type(m)
    if kind is UnionMatcher:
        _coord_units(m.a, units)
        _coord_units(m.b, units)
    elif kind is WrappingMatcher:
        _coord_units(m.child, units)
    elif kind is _Postings or (kind is FilterMatcher and type(m.child) is _Postings):
        docs = _scores(m)
        if docs:
            units.append((max(docs), 1, docs))
    elif kind is ArrayUnionMatcher or kind is _Preloaded:
        # It preloads its sub-matchers a block ahead, so they never sit on the current document: it adds
        # to the term count but never to a document's matching terms.
        docs = _scores(m)
        if docs:
            units.append((max(docs), len(list(m.term_matchers())), None))
    elif kind is not NullMatcherClass:
        raise _Unsupported(kind.__name__)


def _coordinated(m: CoordMatcher) -> dict[int, float]:
    """Scores under Whoosh's CoordMatcher (the any-word fallback's "coordination"): each score is rescaled by
    how many term matchers match the document out of how many the tree holds. The collector prunes
    exhausted matchers every `_REPLACE_EVERY` matches and the CoordMatcher then recounts its terms, so the
    count shrinks along the scan: this replays that schedule to give the same numbers."""
    scores = _scores(m.child)
    units: list = []
    _coord_units(m.child, units)
    matching: Counter = Counter()
    for _, _, docs in units:
        if docs is not None:
            matching.update(docs.keys())
    termcount, scale, coordinated = 0, m._scale, {}
    for position, docnum in enumerate(sorted(scores)):
        if position % _REPLACE_EVERY == 0:
            termcount = sum(count for last, count, _ in units if last >= docnum)
        if termcount == 0 or termcount == scale:  # CoordMatcher._sqr, verbatim
            coordinated[docnum] = 0
        else:
            coordinated[docnum] = (scores[docnum] + ((matching[docnum] - 1) / (termcount - scale) ** 2)) * (
                (termcount - 1) / termcount
            )
    return coordinated


def _plain(q) -> bool:
    return type(q) in _PLAIN_QUERIES and all(_plain(child) for child in q.children())


class _Opened:
    """One version of an index folder, open: its searcher, and what is worth keeping between queries (scored
    postings, the facet value of each document, filters, parsers, spelling suggestions). Whoosh's readers
    are not safe for concurrent use, so queries on one `_Opened` take turns (`lock`)."""

    def __init__(self, inode: int, ix: index.Index):
        self.inode, self.ix = inode, ix
        self.searcher = ix.searcher()
        self.lock = threading.RLock()
        cache = _PostingsCache(_POSTINGS_BUDGET)
        self.segments = [
            (_SegmentSearcher(leaf.reader(), self.searcher, number, cache), offset)
            for number, (leaf, offset) in enumerate(self.searcher.leaf_searchers())
        ]
        self._parsers: dict[str, qparser.QueryParser] = {}
        self._facet_keys: dict[str, list] = {}
        self._allowed: dict[str, frozenset[int]] = {}
        self._suggestions: dict[str, str | None] = {}

    def parser(self, group: str) -> qparser.QueryParser:
        if group not in self._parsers:
            self._parsers[group] = _parser(self.ix.schema, _GROUPS[group]())
        return self._parsers[group]

    def suggestion(self, query: str) -> str | None:
        if query not in self._suggestions:
            if len(self._suggestions) >= 4096:
                self._suggestions.clear()
            self._suggestions[query] = suggest_spelling(self.searcher, query)
        return self._suggestions[query]

    def allowed(self, restrict) -> frozenset[int]:
        """The documents a module/type filter lets through (what Whoosh's FilterCollector computes)."""
        key = repr(restrict)
        if key not in self._allowed:
            self._allowed[key] = frozenset(self.searcher.docs_for_query(restrict))
        return self._allowed[key]

    def facet_keys(self, name: str) -> list:
        """Each document's value of a facet field, None when it has none, as Whoosh's PostingCategorizer
        finds them (the last of the field's sorted terms that the document has)."""
        if name not in self._facet_keys:
            reader = self.searcher.reader()
            if reader.has_column(name):
                raise _Unsupported(f"{name} has a column")  # Whoosh would use a ColumnCategorizer
            field_type = self.searcher.schema[name]
            keys = [None] * reader.doc_count_all()
            for btext in field_type.sortable_terms(reader, name):
                value = field_type.from_bytes(btext)
                for docnum in reader.postings(name, btext).all_ids():
                    keys[docnum] = value
            self._facet_keys[name] = keys
        return self._facet_keys[name]

    def matches(self, parsed, restrict, needs_current: bool) -> dict[int, float]:
        """Global document number -> score for every document matching `parsed` and the filter."""
        if not _USE_SCORED_POSTINGS or self.searcher.weighting.use_final or not _plain(parsed):
            raise _Unsupported("query")
        context = self.searcher.context(needs_current=needs_current)
        standing_in = _standing_in(parsed)
        found: dict[int, float] = {}
        for segment, offset in self.segments:
            m = standing_in.matcher(segment, context)
            scores = _coordinated(m) if type(m) is CoordMatcher else _scores(m)
            found.update(((docnum + offset, score) for docnum, score in scores.items()) if offset else scores)
        if restrict is not None:
            allowed = self.allowed(restrict)
            found = {docnum: found[docnum] for docnum in found.keys() & allowed}
        return found


_GROUPS = {"all": lambda: qparser.AndGroup, "any": lambda: qparser.OrGroup.factory(0.9)}
_OPEN: dict[str, _Opened] = {}


def _open(index_dir: Path) -> _Opened:
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
            opened = _Opened(inode, index.open_dir(str(index_dir)))
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
    opened = _open(index_dir)
    with opened.lock:
        lexicon = opened.searcher.lexicon(name)
        return sorted(value.decode() if isinstance(value, bytes) else value for value in lexicon)


class _Snippet(highlight.Formatter):
    """Matches in <mark>, everything else escaped: snippets are shown as HTML."""

    def format_token(self, text, token, replace=False):
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace=False):
        output, index_ = [], fragment.startchar
        for token in fragment.matches:
            if token.startchar > index_:
                output.append(html.escape(fragment.text[index_ : token.startchar]))
            output.append(self.format_token(fragment.text, token, replace))
            index_ = token.endchar
        output.append(html.escape(fragment.text[index_ : fragment.endchar]))
        return "".join(output)


def _context_fragments(items: list, fragmenter: highlight.ContextFragmenter, text: str, words: frozenset):
    """`fragmenter.fragment_tokens(text, tokens)` where `tokens` is what Whoosh's highlighter feeds it: the
    analyzer made of `items` run on `text` (positions, chars, mode="index", removestops=False), tokens marked
    matched when their text is in `words`, consecutive matches merged. Why: re-tokenizing each hit's body
    through that chain of six generators was most of the time of a query with snippets. Here it is one loop:
    ContextFragmenter's own, verbatim, with each token made in place (StemmingAnalyzer's steps inlined, stems
    looked up in a dict); the default tokenizer never makes touching tokens, so merging changes nothing."""
    tokenizer, _, stop, stem = items
    stops, minsize, maxsize, ignore = stop.stops, stop.min, stop.max, stem.ignore
    memo = _STEMS.get(id(stem))
    if memo is None or memo[0] is not stem or len(memo[1]) >= 100_000:
        memo = _STEMS[id(stem)] = (stem, {})
    stems = memo[1]
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    first = None
    firsts: deque = deque()
    countdown = -1
    tks: list = []
    endchar = None
    currentlen = 0
    renumbered = None
    for position, match in enumerate(tokenizer.expression.finditer(text)):
        word = match.group(0).lower()
        startchar, endchar = match.span()
        if len(word) >= minsize and (maxsize is None or len(word) <= maxsize) and word not in stops:
            renumbered = position if renumbered is None else renumbered + 1
            pos, stopped = renumbered, False
            if word not in ignore:
                stemmed = stems.get(word)
                if stemmed is None:
                    stemmed = stems[word] = stem._stem(word)
                word = stemmed
        else:
            pos, stopped = position, True
        matched = word in words
        # ContextFragmenter.fragment_tokens from here on.
        tlength = endchar - startchar
        if charlimit and endchar > charlimit:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append(
                Token(
                    positions=True,
                    chars=True,
                    removestops=False,
                    mode="index",
                    stopped=stopped,
                    boost=1.0,
                    text=word,
                    pos=pos,
                    startchar=startchar,
                    endchar=endchar,
                    matched=True,
                )
            )
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)
                tks = []
                firsts = deque()
                first = None
                currentlen = 0
    if tks:
        yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)


_STEMS: dict[int, tuple[StemFilter, dict[str, str]]] = {}  # a stem filter's id -> (it, word -> stem)


def _inlined(analyzer, fragmenter) -> bool:
    """True when `_context_fragments` stands for `fragmenter` on what `analyzer` makes: a StemmingAnalyzer
    with the default tokenizer (the index's own copy of `_STEM`) and a plain ContextFragmenter."""
    items = getattr(analyzer, "items", None)
    return (
        type(fragmenter) is highlight.ContextFragmenter
        and [type(item) for item in items or ()] == [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter]
        and items[0].expression.pattern == default_pattern.pattern
        and not items[0].gaps
        and items[2].renumber
    )


class _Highlighter(highlight.Highlighter):
    """Whoosh's Highlighter, with `_context_fragments` making the fragments when it can (same output)."""

    def highlight_hit(self, hitobj, fieldname, text=None, top=3, minscore=1, strict_phrase=False):
        results = hitobj.results
        field_type = results.searcher.schema[fieldname]
        analyzer = field_type.analyzer
        if strict_phrase or not _inlined(analyzer, self.fragmenter) or self.can_load_chars(results, fieldname):
            return super().highlight_hit(hitobj, fieldname, text, top, minscore, strict_phrase)
        # From here on as Highlighter.highlight_hit's re-tokenizing branch.
        if text is None:
            if fieldname not in hitobj:
                raise KeyError(f"Field {fieldname!r} is not stored.")
            text = hitobj[fieldname]
        if results.has_matched_terms():
            bterms = (term for term in results.matched_terms() if term[0] == fieldname)
        else:
            bterms = results.query_terms(expand=True, fieldname=fieldname)
        words = frozenset(field_type.from_bytes(term[1]) for term in bterms)
        fragments = _context_fragments(analyzer.items, self.fragmenter, text, words)
        fragments = highlight.top_fragments(fragments, top, self.scorer, self.order, minscore=minscore)
        return self.formatter.format(fragments)


def _parser(schema, group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # '*' and '?' in pasted errors are text, not patterns
    parser.add_plugin(qparser.PrefixPlugin())
    return parser


def _without_stop_words(query: str) -> str:
    """Stop words ("the", "to", "how") out of the query outside quotes: the text fields drop them anyway,
    but the ID and tag fields do not, so "how to import" required an ID or tag "to" and never matched all
    words."""
    parts = re.split(r'("[^"]*")', query)
    kept = []
    for part in parts:
        if part.startswith('"'):
            kept.append(part)
            continue
        words = [w for w in part.split(" ") if not w or not re.fullmatch(r"[A-Za-z']+", w) or list(_STEM(w))]
        kept.append(" ".join(words))
    cleaned = " ".join(" ".join(kept).split())
    return cleaned or query


def _with_prefix(query: str) -> str:
    """Type-ahead: the last, unfinished word matches as a prefix."""
    words = query.rstrip().split(" ")
    last = words[-1]
    if last and re.fullmatch(r"\w{2,}", last):
        words[-1] = last + "*"
    return " ".join(words)


_CONTRACTIONS = frozenset(
    "dont doesnt didnt cant cannot wont isnt arent wasnt werent hasnt havent hadnt shouldnt couldnt wouldnt "
    "im ive id youre theyre thats whats wheres theres lets".split()
)


def suggest_spelling(searcher, query: str) -> str | None:
    """'Did you mean': each word the index does not know, replaced by the closest word it does."""
    changed = query
    for word in re.findall(r"[A-Za-z]{3,}", query):
        if word.lower() in _CONTRACTIONS:
            continue  # "dont" is "don't", a stop word, not a misspelling of "done"
        tokens = [token.text for token in _STEM(word.lower())]
        if not tokens or any(searcher.reader().frequency(name, t) for name in ("title", "body") for t in tokens):
            continue  # a stop word, or a word the index knows
        # Short words get one edit, else "big" becomes "sign"; among the candidates, a swapped pair of
        # letters counts as one edit ("chrat" is "chart", not "what") and the more frequent word wins ties.
        candidates = searcher.corrector("body").suggest(word.lower(), limit=5, maxdist=1 if len(word) <= 4 else 2)
        if candidates:
            body = searcher.reader()
            best = min(candidates, key=lambda c: (_edits(word.lower(), c), -body.frequency("body", c), c))
            changed = re.sub(rf"\b{re.escape(word)}\b", best, changed, count=1)
    return changed if changed != query else None


def _edits(a: str, b: str) -> int:
    """Edit distance where swapping two neighbouring letters is one edit (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@dataclass
class _Found:
    total: int
    results: searching.Results  # holds the highlighter settings
    hits: list  # whoosh Hit objects of the requested page
    counts: dict[str, dict[str, int]]


def _found_by_whoosh(opened: _Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> _Found:
    """Whoosh's collector: every match scored, grouped by module and type."""
    facets = sorting.Facets().add_field("module").add_field("type")
    results = opened.searcher.search_page(
        parsed, page, pagelen=limit, filter=restrict, groupedby=facets, terms=snippets
    )
    counts = {name: {key: len(ids) for key, ids in results.results.groups(name).items()} for name in _FACETS}
    return _Found(results.total, results.results, list(results), counts)


def _found(opened: _Opened, parsed, restrict, page: int, limit: int, snippets: bool) -> _Found:
    """What `_found_by_whoosh` returns, from `_Opened.matches`. With snippets the old collector recorded the
    matched terms of every match (terms=True) only to find the words to highlight in the ten shown; the
    highlighter now takes them from the query, which marks the same words in those hits. That collector also
    asked for matchers that keep their current document (needs_current), which changes how Whoosh sums some
    scores in small segments: the same is asked here, so that scores stay exactly as they were."""
    if page < 1:
        raise ValueError("pagenum must be >= 1")  # as Searcher.search_page says it
    try:
        scores = opened.matches(parsed, restrict, needs_current=snippets)
        keys = {name: opened.facet_keys(name) for name in _FACETS}
    except _Unsupported:
        return _found_by_whoosh(opened, parsed, restrict, page, limit, snippets)
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
    counts = {name: dict(Counter(map(keys[name].__getitem__, in_order))) for name in _FACETS}
    return _Found(total, results, hits, counts)


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
    opened = _open(index_dir)
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
        text = _with_prefix(query) if prefix else query
        text = _without_stop_words(text)
        matched_all = True
        parsed = opened.parser("all").parse(text)
        found = _found(opened, parsed, restrict, page, limit, snippets)
        if found.total == 0:
            matched_all = False
            parsed = opened.parser("any").parse(text)
            found = _found(opened, parsed, restrict, page, limit, snippets)
        suggestion = opened.suggestion(query)
        if snippets:
            found.results.highlighter = _Highlighter(
                fragmenter=highlight.ContextFragmenter(maxchars=200, surround=40), formatter=_Snippet()
            )
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
