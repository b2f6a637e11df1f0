"""The query parser's shortcut for plain words (generator/search/parsing.py, `WordParser`) must give exactly the
query Whoosh's parser gives for the same text: compared on random queries mixing every kind of word a customer
types (stop words, question words, numbers, IDs, hyphens, apostrophes, a prefix), and on syntax it leaves to
Whoosh's parser."""

from __future__ import annotations

import random

import pytest

from generator.search.documents import SCHEMA
from generator.search.parsing import GROUPS, WordParser

WORDS = (
    "gantt chart budget lines import export the a to of and is how do I what why KB-0001 kb-12 2024 v2.1 "
    "don't can't e-mail user's /api/path a.b.c x y z 42 ALAP Gantt CHART timesheets running re* bud* gan* "
    "approvals approving approved cat's"
).split()


def _shape(q) -> tuple:
    """Everything a query is made of, as a tree of plain values (class, field, text, boost, scale, minmatch)."""
    children = tuple(_shape(child) for child in q.children()) if q.is_leaf() is False else ()
    return (
        type(q).__name__,
        getattr(q, "fieldname", None),
        getattr(q, "text", None),
        q.boost,
        getattr(q, "scale", None),
        getattr(q, "minmatch", None),
        children,
    )


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_plain_words_parse_as_whoosh_parses_them(group):
    rng = random.Random(17)
    parser = WordParser(SCHEMA, GROUPS[group]())
    queries = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    for text in queries + queries[:50]:  # and again, from the words it has kept
        fast, full = parser.parse(text), parser.parser.parse(text)
        assert fast == full, text
        assert _shape(fast) == _shape(full), text


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_syntax_goes_to_whoosh_parser(group):
    parser = WordParser(SCHEMA, GROUPS[group]())
    for text in (
        '"budget lines"',
        "gantt OR chart",
        "title:dashboard",
        "(formula OR expression) column",
        "gantt NOT chart",
        "gantt^2 chart",
        "'single quoted'",
        "AND",
        "",
    ):
        assert _shape(parser.parse(text)) == _shape(parser.parser.parse(text)), text
    assert "Phrase(" in repr(parser.parse('"budget lines"'))
