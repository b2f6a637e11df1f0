"""Snippets as Whoosh's highlighter makes them, from the analysed words kept in the index rather than by
re-analysing each result's text."""

from __future__ import annotations

from collections import deque

from whoosh import highlight
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.analysis.tokenizers import default_pattern


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
