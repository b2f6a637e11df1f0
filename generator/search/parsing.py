"""Query parsing: the text a customer types into a Whoosh query over the text fields, all words or any word."""

from __future__ import annotations

import re

from whoosh import qparser

from .documents import SEARCH_FIELDS, STEM


def make_parser(schema, group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # '*' and '?' in pasted errors are text, not patterns
    parser.add_plugin(qparser.PrefixPlugin())
    return parser


def without_stop_words(query: str) -> str:
    """Stop words ("the", "to", "how") out of the query outside quotes: the text fields drop them anyway,
    but the ID and tag fields do not, so "how to import" required an ID or tag "to" and never matched all
    words."""
    parts = re.split(r'("[^"]*")', query)
    kept = []
    for part in parts:
        if part.startswith('"'):
            kept.append(part)
            continue
        words = [w for w in part.split(" ") if not w or not re.fullmatch(r"[A-Za-z']+", w) or list(STEM(w))]
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
