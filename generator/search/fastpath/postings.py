"""Each term's postings in a segment, scored by Whoosh once and then kept: the leaves of the fast path's
matcher trees, and the searcher that hands them to Whoosh's query objects."""

from __future__ import annotations

from array import array
from collections import OrderedDict

from whoosh import searching
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher
from whoosh.scoring import WeightLengthScorer

POSTINGS_BUDGET = 4_000_000  # scored postings kept per open index, 12 bytes each: at most ~50 MB
_KEPT_TERMS = 200_000  # terms and prefixes looked up, kept per segment


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
