"""A plain query's matches and scores, a whole array of documents at a time, added up in the order Whoosh's
matchers add them, so that scores, ranking, totals and facet counts come out as Whoosh's collector's."""

from __future__ import annotations

import bisect

import numpy as np
from whoosh import query as whoosh_query
from whoosh.matching import NullMatcher, NullMatcherClass

from .postings import Unsupported, _Postings

_USE_SCORED_POSTINGS = True  # False: always Whoosh's collector (the tests compare the two)
_REPLACE_EVERY = 10  # whoosh.collectors.ScoredCollector(replace=10): the collector prunes its tree that often
_PLAIN_QUERIES = {
    whoosh_query.Term,
    whoosh_query.And,
    whoosh_query.Or,
    whoosh_query.Prefix,
    type(whoosh_query.NullQuery),
}


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
