"""The fast path: a query's matches and snippets computed as Whoosh's collector and highlighter give them, and a
full index written as Whoosh's writer writes it, but without their per-posting cost. It reaches into
whoosh-reloaded's private matcher, highlighter and writer internals, so it lives here alone; its guards on every
upgrade are tests/test_search_exact.py (each answer compared with Whoosh's own, fixed and random queries) and
tests/test_search_writer.py (every term, posting and length compared with what Whoosh's writer writes)."""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict, deque

import numpy as np
from whoosh import formats, highlight, searching, writing
from whoosh import query as whoosh_query
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import (
    FilterMatcher,
    NullMatcher,
    NullMatcherClass,
)
from whoosh.scoring import WeightLengthScorer

# Whoosh's own collector is exact but slow for this use: the facet counts (groupedby) make it score
# every matching document through its matcher tree, a few Python calls per posting per field, which took
# 100-300 ms a query at 10,000 articles; and a searcher opened per query rebuilt the facet arrays each time.
# So an index is opened once per version of its folder (`Opened`), and a query's matches are computed
# from the matcher tree Whoosh would build for it (`_build`: same shape, same choices, as plain nodes),
# added up a whole array of documents at a time (`_dense`, numpy), its leaves being each term's postings as
# scored by Whoosh once and then kept (`SegmentSearcher`). Each node adds its children's scores in the
# order Whoosh's matchers do, so scores, ranking, totals and facet counts come out the same (to the bit on
# one segment; see tests/test_search_exact.py for the last bit on several). A query holding anything else
# (phrases, NOT, wildcards, ...) goes through Whoosh's collector as before, on the kept searcher.

_USE_SCORED_POSTINGS = True  # False: always Whoosh's collector (the tests compare the two)
POSTINGS_BUDGET = 4_000_000  # scored postings kept per open index, 12 bytes each: at most ~50 MB
_KEPT_TERMS = 200_000  # terms and prefixes looked up, kept per segment
_REPLACE_EVERY = 10  # whoosh.collectors.ScoredCollector(replace=10): the collector prunes its tree that often
_PLAIN_QUERIES = {
    whoosh_query.Term,
    whoosh_query.And,
    whoosh_query.Or,
    whoosh_query.Prefix,
    type(whoosh_query.NullQuery),
}


class Unsupported(Exception):
    """A query or matcher tree that `_dense` does not reproduce: Whoosh's collector answers it."""


class _Postings:
    """One term's postings in one segment (a leaf of the tree): document numbers and Whoosh's scores for
    them, in arrays, and the segment's number of documents."""

    __slots__ = ("_term", "_ids", "_scores", "_size")

    def __init__(self, term, ids, scores, size):
        self._term, self._ids, self._scores, self._size = term, ids, scores, size


class PostingsCache:
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


class SegmentSearcher(searching.Searcher):
    """A segment's searcher whose postings are `_Postings`: a query's `matcher()` then builds the same tree
    Whoosh builds (same classes, same shape, same decisions), with leaves that cost nothing to walk."""

    def __init__(self, reader, parent, number: int, cache: PostingsCache):
        super().__init__(reader, weighting=parent.weighting, closereader=False, parent=parent)
        self._number = number
        self._cache = cache
        self._lengths: dict[str, list] = {}
        self._terms: dict = {}
        self._prefixes: dict = {}

    def lookup_term(self, fieldname: str, text) -> tuple[bytes | None, int]:
        """A term as Term.matcher and Term.estimate_size look it up: its bytes when the segment has it (None
        when the field or the term is not there), and its document frequency; kept, since a term is looked
        up for every query that holds its word, in each of the fields."""
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) >= _KEPT_TERMS:
                self._terms.clear()
            found = (None, 0)
            if fieldname in self.schema:
                try:
                    btext = self.schema[fieldname].to_bytes(text)
                except ValueError:
                    btext = None
                if btext is not None:
                    frequency = self.ixreader.doc_frequency(fieldname, btext)
                    found = (btext if (fieldname, btext) in self.ixreader else None, frequency)
            self._terms[key] = found
        return found

    def prefix_words(self, fieldname: str, prefix: str) -> tuple[bytes, ...]:
        """The segment's words of the field that start with `prefix` (Prefix._btexts), kept."""
        key = (fieldname, prefix)
        found = self._prefixes.get(key)
        if found is None:
            if len(self._prefixes) >= _KEPT_TERMS:
                self._prefixes.clear()
            found = self._prefixes[key] = tuple(self.ixreader.expand_prefix(fieldname, prefix))
        return found

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
        return _Postings((fieldname, text), *entry, self._doccount)


# The matcher tree Whoosh builds for a plain query (Term, Prefix, Or, And), as nodes that only say how scores
# add up: `_build` makes the tree Whoosh's `Query.matcher` would (same shape, same decisions, same leaves), but
# without Whoosh's matchers, whose construction (term look-ups, estimated sizes, an intersection finding its
# first match) had become most of a query's time once scores were added up as arrays.


class _Union:
    """UnionMatcher: a's score plus b's, where both match."""

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class _Intersection(_Union):
    """IntersectionMatcher: a's score plus b's, where both match."""

    __slots__ = ()


class _Wrapping:
    """WrappingMatcher: the child's scores times a boost."""

    __slots__ = ("child", "boost")

    def __init__(self, child, boost):
        self.child, self.boost = child, boost


class _Coord(_Wrapping):
    """CoordMatcher around the child (the any-word group's "coordination"); see `_coordinated`."""

    __slots__ = ("_scale",)

    def __init__(self, child, scale):
        super().__init__(child, 1.0)
        self._scale = scale


class _Preloaded:
    """The ArrayUnionMatcher that Whoosh's Or uses in small segments (PreloadedOr): its sub-matchers' scores
    summed into an array of zeros, times its boost; without weighting, 1.0 for every match."""

    __slots__ = ("_submatchers", "_boost", "_scored")

    def __init__(self, submatchers, boost, scored):
        self._submatchers, self._boost, self._scored = submatchers, boost, scored


_NULL = NullMatcher()


def _term_count(m) -> int:
    """len(list(m.term_matchers())) of the matcher `m` stands for."""
    kind = type(m)
    if kind is _Postings:
        return 1
    if kind is _Union or kind is _Intersection:
        return _term_count(m.a) + _term_count(m.b)
    if kind is _Wrapping or kind is _Coord:
        return _term_count(m.child)
    if kind is _Preloaded:
        return sum(map(_term_count, m._submatchers))
    return 0


def _weighted_tree(node, weighted: list):
    """whoosh.util.make_weighted_tree: its sort and insort compare (weight, matcher) pairs, and matchers never
    compare as less than one another, so pairs of equal weight keep their order: a stable sort by weight."""
    weighted.sort(key=lambda pair: pair[0])
    while len(weighted) > 1:
        (wa, a), (wb, b) = weighted.pop(0), weighted.pop(0)
        bisect.insort_right(weighted, (wa + wb, node(a, b)), key=lambda pair: pair[0])
    return weighted[0][1]


def _estimate(q, segment) -> int:
    """Query.estimate_size(segment reader) of a plain query."""
    kind = type(q)
    if kind is whoosh_query.Term:
        return segment.lookup_term(q.fieldname, q.text)[1]
    if kind is whoosh_query.Prefix:
        return sum(segment.lookup_term(q.fieldname, word)[1] for word in segment.prefix_words(q.fieldname, q.text))
    if kind is whoosh_query.Or:
        return min(sum(_estimate(sub, segment) for sub in q.subqueries), segment.doc_count())
    if kind is whoosh_query.And:
        return min(_estimate(sub, segment) for sub in q.subqueries)
    return 0  # NullQuery


def _build(q, segment, context):
    """What `q.matcher(segment, context)` builds, in nodes (see above)."""
    kind = type(q)
    if kind is whoosh_query.Term:
        if q.minquality:
            raise Unsupported("minimum quality")
        btext = segment.lookup_term(q.fieldname, q.text)[0]
        if btext is None:
            return _NULL
        leaf = segment.postings(q.fieldname, btext, weighting=context.weighting)
        return _Wrapping(leaf, q.boost) if q.boost != 1.0 else leaf
    if kind is whoosh_query.Prefix:  # MultiTerm.matcher
        if q.text == "":
            raise Unsupported("empty prefix")
        terms = [whoosh_query.Term(q.fieldname, word) for word in segment.prefix_words(q.fieldname, q.text) if word]
        if not terms:
            return _NULL
        if len(terms) == 1:
            return _build(terms[0], segment, context)
        if q.constantscore:
            context = context.set(weighting=None)
        return _build_or(terms, q.boost, None, segment, context)
    if kind is whoosh_query.Or or kind is whoosh_query.And:  # CompoundQuery.matcher
        subs = q.subqueries
        if not subs:
            return _NULL
        if len(subs) == 1:
            return _build(subs[0], segment, context)
        if kind is whoosh_query.Or:
            return _build_or(subs, q.boost, q.scale, segment, context)
        weighted = [(0 - _estimate(sub, segment), _build(sub, segment, context)) for sub in subs]
        m = _weighted_tree(_Intersection, weighted)
        return _Wrapping(m, q.boost) if q.boost != 1.0 else m
    if q is whoosh_query.NullQuery:
        return _NULL
    raise Unsupported(kind.__name__)


def _build_or(subs, boost, scale, segment, context):
    """Or._matcher with its automatic choice: an array of scores (PreloadedOr) for many clauses, or in a
    small segment when nothing needs the current match; else DefaultOr, a weighted tree of unions,
    coordinated when the Or has a scale."""
    if len(subs) >= whoosh_query.Or.TOO_MANY_CLAUSES or not (
        context.needs_current or scale or len(subs) == 2 or segment.doc_count_all() > 5000
    ):
        return _Preloaded([_build(sub, segment, context) for sub in subs], boost, context.weighting is not None)
    weighted = [(_estimate(sub, segment), _build(sub, segment, context)) for sub in subs]
    m = _weighted_tree(_Union, weighted)
    if boost != 1.0:
        m = _Wrapping(m, boost)
    if scale and _term_count(m):
        m = _Coord(m, scale)
    return m


class Dense:
    """A node's matches in one segment as two arrays over its documents: which match, and their scores (0.0
    where they do not, so that adding a node that does not match a document leaves the sum as it was)."""

    __slots__ = ("mask", "values")

    def __init__(self, mask, values):
        self.mask, self.values = mask, values


def _dense(m, size: int, memo: dict) -> Dense:
    """Every match of the matcher tree `m` (a segment of `size` documents) with the score Whoosh's collector
    gives it: each node adds its children's scores as that matcher class does (same operands, same order),
    a whole array at a time; IEEE additions and products of the same operands give the same floats, and
    adding 0.0 (no match) changes none. `memo` keeps each node's arrays for the query (by node)."""
    key = id(m)
    found = memo.get(key)
    if found is not None:
        return found[1]
    kind = type(m)
    if kind is _Postings:
        ids = np.frombuffer(m._ids, dtype=np.int32)
        mask, values = np.zeros(size, dtype=bool), np.zeros(size)
        mask[ids] = True
        values[ids] = np.frombuffer(m._scores, dtype=np.float64)
        found = Dense(mask, values)
    elif kind is _Union:
        a, b = _dense(m.a, size, memo), _dense(m.b, size, memo)
        found = Dense(a.mask | b.mask, a.values + b.values)
    elif kind is _Intersection:
        a, b = _dense(m.a, size, memo), _dense(m.b, size, memo)
        mask = a.mask & b.mask
        found = Dense(mask, np.where(mask, a.values + b.values, 0.0))
    elif kind is _Wrapping:
        child = _dense(m.child, size, memo)
        found = Dense(child.mask, child.values * m.boost)
    elif kind is _Preloaded:
        # Scores are summed into an array of zeros, sub-matcher by sub-matcher; only positive sums match.
        boost, mask, summed = m._boost, np.zeros(size, dtype=bool), np.zeros(size)
        for sub in m._submatchers:
            part = _dense(sub, size, memo)
            mask |= part.mask
            if m._scored:
                summed += part.values * boost
        if m._scored:
            mask &= summed > 0
            found = Dense(mask, np.where(mask, summed, 0.0))
        else:
            found = Dense(mask, mask.astype(np.float64))
    elif kind is NullMatcherClass:
        found = Dense(np.zeros(size, dtype=bool), np.zeros(size))
    else:
        raise Unsupported(kind.__name__)
    memo[key] = (m, found)  # the node too: its id stays its own while the query runs
    return found


def _coord_units(m, units: list, size: int, memo: dict) -> None:
    """The parts of an any-word tree that the collector's pruning keeps or drops whole: (last document,
    term matchers, documents it matches or None when it never reports matching terms)."""
    kind = type(m)
    if kind is _Union:
        _coord_units(m.a, units, size, memo)
        _coord_units(m.b, units, size, memo)
    elif kind is _Wrapping:
        _coord_units(m.child, units, size, memo)
    elif kind is _Postings:
        docs = _dense(m, size, memo).mask
        matched = np.flatnonzero(docs)
        if len(matched):
            units.append((int(matched[-1]), 1, docs))
    elif kind is _Preloaded:
        # It preloads its sub-matchers a block ahead, so they never sit on the current document: it adds
        # to the term count but never to a document's matching terms.
        matched = np.flatnonzero(_dense(m, size, memo).mask)
        if len(matched):
            units.append((int(matched[-1]), _term_count(m), None))
    elif kind is not NullMatcherClass:
        raise Unsupported(kind.__name__)


def _coordinated(m: _Coord, size: int) -> Dense:
    """Scores under Whoosh's CoordMatcher (the any-word fallback's "coordination"): each score is rescaled by
    how many term matchers match the document out of how many the tree holds. The collector prunes
    exhausted matchers every `_REPLACE_EVERY` matches and the CoordMatcher then recounts its terms, so the
    count shrinks along the scan: this replays that schedule to give the same numbers."""
    memo: dict = {}
    scores = _dense(m.child, size, memo)
    units: list = []
    _coord_units(m.child, units, size, memo)
    matching = np.zeros(size, dtype=np.int64)
    for _, _, docs in units:
        if docs is not None:
            matching += docs
    docs = np.flatnonzero(scores.mask)
    # The term count at each scan position: recounted at every _REPLACE_EVERY-th match.
    recounts = docs[::_REPLACE_EVERY]
    termcounts = np.zeros(len(recounts), dtype=np.int64)
    for last, count, _ in units:
        termcounts += (last >= recounts) * count
    termcount = np.repeat(termcounts, _REPLACE_EVERY)[: len(docs)]
    scale = m._scale
    # CoordMatcher._sqr, with its two factors of the term count computed in Python, as it does
    # (the square through float.__pow__): the few distinct counts, looked up.
    distinct = np.unique(termcount).tolist()
    divisor = np.array([(count - scale) ** 2 if count else 1.0 for count in distinct])
    factor = np.array([(count - 1) / count if count else 0.0 for count in distinct])
    where = np.searchsorted(distinct, termcount)
    coordinated = (scores.values[docs] + (matching[docs] - 1) / divisor[where]) * factor[where]
    coordinated[termcount == 0] = 0.0
    values = np.zeros(size)
    values[docs] = coordinated
    return Dense(scores.mask, values)


def _plain(q) -> bool:
    return type(q) in _PLAIN_QUERIES and all(_plain(child) for child in q.children())


def _term_ids(q, segment):
    """The documents of a segment holding the term of `q` (a Term), from the kept postings."""
    btext = segment.lookup_term(q.fieldname, q.text)[0]
    if btext is None:
        return None
    return np.frombuffer(segment.postings(q.fieldname, btext)._ids, dtype=np.int32)


def _matching(q, segment, size: int) -> np.ndarray:
    """Which documents of a segment match the plain query `q`, from the kept postings: a term's documents,
    or and and of them (every score is positive, so a sum that matches is one that Whoosh keeps)."""
    kind = type(q)
    if kind is whoosh_query.Prefix:
        q = whoosh_query.Or(
            [whoosh_query.Term(q.fieldname, word) for word in segment.prefix_words(q.fieldname, q.text) if word]
        )
        kind = whoosh_query.Or
    mask = np.zeros(size, dtype=bool)
    if kind is whoosh_query.Term:
        ids = _term_ids(q, segment)
        if ids is not None:
            mask[ids] = True
        return mask
    if kind is whoosh_query.Or:
        terms = [_term_ids(sub, segment) for sub in q.subqueries if type(sub) is whoosh_query.Term]
        terms = [ids for ids in terms if ids is not None]
        if terms:
            mask[np.concatenate(terms)] = True
        for sub in q.subqueries:
            if type(sub) is not whoosh_query.Term:
                mask |= _matching(sub, segment, size)
        return mask
    if kind is whoosh_query.And:
        mask[:] = bool(q.subqueries)
        for sub in q.subqueries:
            mask &= _matching(sub, segment, size)
        return mask
    if q is whoosh_query.NullQuery:
        return mask
    raise Unsupported(kind.__name__)


def fast_match_mask(segments, parsed) -> np.ndarray:
    """Which documents of the index (global numbers) match `parsed`, without scores: no matcher tree is
    built, each word's documents are read from the kept postings."""
    if not _USE_SCORED_POSTINGS or not _plain(parsed):
        raise Unsupported("query")
    return np.concatenate([_matching(parsed, segment, segment.doc_count_all()) for segment, _ in segments])


def fast_matches(searcher, segments, parsed, needs_current: bool) -> Dense:
    """Every document matching `parsed`, over the whole index (global document numbers), as Whoosh's
    collector scores them; raises Unsupported for what it does not reproduce (then the collector answers)."""
    if not _USE_SCORED_POSTINGS or searcher.weighting.use_final or not _plain(parsed):
        raise Unsupported("query")
    context = searcher.context(needs_current=needs_current)
    parts = []
    for segment, _ in segments:
        m = _build(parsed, segment, context)
        size = segment.doc_count_all()
        parts.append(_coordinated(m, size) if type(m) is _Coord else _dense(m, size, {}))
    if len(parts) == 1:
        return parts[0]
    return Dense(np.concatenate([p.mask for p in parts]), np.concatenate([p.values for p in parts]))


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
    with the default tokenizer (the index's own copy of `STEM`) and a plain ContextFragmenter."""
    items = getattr(analyzer, "items", None)
    return (
        type(fragmenter) is highlight.ContextFragmenter
        and [type(item) for item in items or ()] == [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter]
        and items[0].expression.pattern == default_pattern.pattern
        and not items[0].gaps
        and items[2].renumber
    )


def highlight_words(results, fieldname: str) -> frozenset[str]:
    """The words Highlighter.highlight_hit marks in a field: the matched terms, or the query's terms (its
    prefixes expanded), worked out once per page of results rather than once per hit as Whoosh does (the
    expansion copies the query tree)."""
    kept = results.__dict__.setdefault("_highlight_words", {})
    if fieldname not in kept:
        if results.has_matched_terms():
            bterms = (term for term in results.matched_terms() if term[0] == fieldname)
        else:
            bterms = results.query_terms(expand=True, fieldname=fieldname)
        from_bytes = results.searcher.schema[fieldname].from_bytes
        kept[fieldname] = frozenset(from_bytes(term[1]) for term in bterms)
    return kept[fieldname]


class Highlighter(highlight.Highlighter):
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
        words = highlight_words(results, fieldname)
        fragments = _context_fragments(analyzer.items, self.fragmenter, text, words)
        fragments = highlight.top_fragments(fragments, top, self.scorer, self.order, minscore=minscore)
        return self.formatter.format(fragments)


# Writing. Whoosh's segment writer, with the postings written at commit given each document's field lengths
# from lists read once, rather than from the lengths column again for every posting (FieldWriter.add_postings
# asks for the length of each posting's document; that look-up was a sixth of a full index's time). Same
# calls, same values, same files.


class _Lengths:
    """A per-document reader's doc_field_length, from lists read once per field."""

    def __init__(self, reader):
        self._reader, self._lists = reader, {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lists.get(fieldname)
        if lengths is None:
            length = self._reader.doc_field_length
            lengths = [length(number, fieldname, default) for number in range(self._reader.doc_count_all())]
            self._lists[fieldname] = lengths
        return lengths[docnum]


def _indexed(field, value):
    """field.index(value): (term bytes, frequency, weight, encoded positions) of each word. For a text field
    with positions whose analyzer gathers them itself (analysis.IndexingAnalyzer.positions), from those,
    as Positions.word_values makes them (weight: a boost of 1.0 per occurrence, times the field boost);
    else through the field."""
    positions = getattr(field.analyzer, "positions", None)
    if type(field.format) is not formats.Positions or positions is None or not isinstance(value, str):
        return field.index(value)
    found = positions(value)
    if found is None:
        return field.index(value)
    boost, encode = field.format.field_boost, field.format.encode
    return [(word.encode("utf-8"), len(at), float(len(at)) * boost, encode(at)) for word, at in found.items()]


def _pool_postings(pool, fieldname: str, postings: list) -> None:
    """PostingPool.add of each posting, at once: the same estimate of their size in memory, summed, and
    the same spill to a temporary file past the pool's limit (before these postings rather than amid them:
    the runs are merged in order either way)."""
    if not postings:
        return
    pool.fieldnames.add(fieldname)
    # PostingPool.add's estimate of a posting: tuple, field name, text, number, weight, encoded value.
    size = (28 + 20 + 21 + len(fieldname) + 26 + 18 + 16 + 21) * len(postings)
    size += sum(len(item[1]) * 2 + len(item[4] or "") for item in postings)
    if pool.currentsize + size > pool.limit and pool.current:
        pool.save()
    pool.currentsize += size
    pool.current.extend(postings)


class SegmentWriter(writing.SegmentWriter):
    """whoosh.writing.SegmentWriter whose add_document indexes text fields through `_indexed` and whose
    _flush_segment reads the field lengths as `_Lengths` (verbatim otherwise)."""

    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = list(_indexed(field, value))
                    postings = [
                        (fieldname, tbytes, docnum, weight * fieldboost, vbytes) for tbytes, _, weight, vbytes in items
                    ]
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    _pool_postings(pool, fieldname, postings)
                if field.separate_spelling() or field.vector:
                    raise Unsupported("spelling or vector fields")  # not in the index's schema
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()
