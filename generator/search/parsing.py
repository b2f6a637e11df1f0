"""Query parsing: the text a customer types into a Whoosh query over the text fields, all words or any word."""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh import query as whoosh_query

from .documents import SEARCH_FIELDS, STEM

# A query word found in a page's title or summary counts twice as much as in its body (BM25F field weights):
# the schema's field_boost values are not applied by Whoosh's BM25F scorer to the parsed queries.
FIELD_BOOSTS = {"id": 4.0, "title": 2.0, "summary": 2.0, "headings": 1.0, "tags": 1.0, "body": 1.0}


def make_parser(schema, group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group, fieldboosts=FIELD_BOOSTS)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # '*' and '?' in pasted errors are text, not patterns
    parser.remove_plugin_class(qparser.RangePlugin)  # "[a TO z]" in pasted text would expand to every word
    parser.add_plugin(qparser.PrefixPlugin())
    return parser


# The words of a question as customers type it ("what does ALAP mean", "how do I close the month"): not stop
# words to the index, so they were required words and a question missed the page its key word alone finds.
QUESTION_WORDS = frozenset(
    "what whats which who whom whose why how when where does do did doing done can could should would will shall "
    "must may might is are was were am be been being i me my mine we our ours us you your yours it its they "
    "their them there here please anyone someone somebody mean means meaning".split()
)


def without_stop_words(query: str) -> str:
    """Stop words ("the", "to") and question words ("what", "does", "how") out of the query outside quotes:
    the text fields drop stop words anyway, but the ID and tag fields do not, so "how to import" required an
    ID or tag "to" and never matched all words; a query of nothing else is left as it is."""
    parts = re.split(r'("[^"]*")', query)
    kept = []
    for part in parts:
        if part.startswith('"'):
            kept.append(part)
            continue
        words = [
            w
            for w in part.split(" ")
            if not w
            or not re.fullmatch(r"[A-Za-z']+", w)
            or (w.lower().replace("'", "") not in QUESTION_WORDS and list(STEM(w)))
        ]
        kept.append(" ".join(words))
    cleaned = " ".join(" ".join(kept).split())
    return cleaned or query


def with_prefix(query: str) -> str:
    """Type-ahead: the last, unfinished word matches as a prefix."""
    words = query.rstrip().split(" ")
    last = words[-1]
    if last and re.fullmatch(r"\w{2,}", last):
        words[-1] = last + "*"
    return " ".join(words)


GROUPS = {"all": lambda: qparser.AndGroup, "any": lambda: qparser.OrGroup.factory(0.9)}

# A word Whoosh's parser reads as a word and nothing else: no field (:), boost (^), quotes, groups or
# operators; a final * makes it a prefix, which is also a word of its own.
_PLAIN_WORD = re.compile(r"\w[\w.'/-]*\*?")
_OPERATORS = frozenset(("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"))
MAX_KEPT_WORDS = 50_000


class WordParser:
    """`make_parser`'s parser, with what it makes of each word kept: a query of plain words (most of them)
    is put together from its words' parts as the parser puts them together (its group over the words'
    queries, normalized), which gives the same query (tests/test_search_parsing.py) for a fraction of the
    parse, most of whose time went to tagging and filtering the same words again and again. Anything else
    (quotes, fields, operators, parentheses) is parsed whole."""

    def __init__(self, schema, group):
        self.parser = make_parser(schema, group)
        self._words: dict[str, list] = {}

    def parse(self, text: str):
        words = text.split()
        if not words or not all(_PLAIN_WORD.fullmatch(word) and word not in _OPERATORS for word in words):
            return self.parser.parse(text)
        subqueries = [sub for word in words for sub in self._word(word)]
        group = self.parser.group()
        query = group.qclass(subqueries, boost=group.boost, **group.kwargs)
        return (query if query else whoosh_query.NullQuery).normalize()

    def _word(self, word: str) -> list:
        """The queries the parser makes of `word` inside its group (before normalizing)."""
        parts = self._words.get(word)
        if parts is None:
            if len(self._words) >= MAX_KEPT_WORDS:
                self._words.clear()
            parsed = self.parser.parse(word, normalize=False)
            if parsed is whoosh_query.NullQuery:
                parts = []  # nothing of it is searched (the parser's group had no part for it)
            elif isinstance(parsed, whoosh_query.CompoundQuery):
                parts = list(parsed.subqueries)
            else:
                parts = [parsed]
            self._words[word] = parts
        return parts
