"""The index's analyzer: Whoosh's StemmingAnalyzer, with the tokens of indexing made in one loop."""

from __future__ import annotations

from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StemmingAnalyzer, StopFilter
from whoosh.analysis.acore import Token

# What Whoosh's field formats ask of the analyzer when they index a value (Positions.word_values).
_INDEXING = {"positions": True, "boosts": True, "mode": "index"}


class IndexingAnalyzer(CompositeAnalyzer):
    """StemmingAnalyzer's steps (tokenize, lowercase, drop stop words renumbering the rest, stem), the same
    tokens; for indexing, in one loop with stems kept in a dict: the chain of four generators and the stem
    filter's LRU cache were most of the time of a full index. Anything else (queries, highlighting) goes
    through the chain as before."""

    def __call__(self, value, **kwargs):
        if kwargs != _INDEXING or [type(item) for item in self.items] != _STEPS or self.items[0].gaps:
            return super().__call__(value, **kwargs)
        return self._indexing_tokens(value)

    def _indexing_tokens(self, value):
        token = Token(positions=True, removestops=True, mode="index", boosts=True)
        token.boost, token.stopped = 1.0, False
        for token.text, token.pos in self._stemmed_words(value):
            yield token

    def positions(self, value: str) -> dict[str, list[int]] | None:
        """Each word of `value` as indexed (its stem) -> its positions, in the order words first occur: what
        Whoosh's Positions format gathers from the tokens; None when this analyzer is not the plain chain."""
        if [type(item) for item in self.items] != _STEPS or self.items[0].gaps:
            return None
        found: dict[str, list[int]] = {}
        for word, position in self._stemmed_words(value):
            at = found.get(word)
            if at is None:
                found[word] = [position]
            else:
                at.append(position)
        return found

    def _stemmed_words(self, value):
        """(stem, position) of each word of `value` that is not a stop word: the tokens of indexing."""
        tokenizer, _, stop, stem = self.items
        stops, minsize, maxsize, ignore = stop.stops, stop.min, stop.max, stem.ignore
        stems = self.__dict__.setdefault("_stems", {})
        if len(stems) > 200_000:
            stems.clear()
        renumbered = None
        for position, match in enumerate(tokenizer.expression.finditer(value)):
            word = match.group(0).lower()
            if len(word) < minsize or (maxsize is not None and len(word) > maxsize) or word in stops:
                continue  # a stop word: removed
            renumbered = position if renumbered is None else renumbered + 1  # StopFilter's renumbering
            if word not in ignore:
                stemmed = stems.get(word)
                if stemmed is None:
                    stemmed = stems[word] = stem._stem(word)
                word = stemmed
            yield word, renumbered

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_stems", None)  # a cache, not part of the schema written into the index
        return state


_STEPS = [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter]


def make_analyzer() -> IndexingAnalyzer:
    return IndexingAnalyzer(*StemmingAnalyzer().items)
