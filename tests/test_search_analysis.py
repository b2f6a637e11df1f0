"""The index's analyzer makes, for indexing, exactly the tokens Whoosh's StemmingAnalyzer makes."""

from __future__ import annotations

import pickle

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import TEXT

from generator.search.analysis import make_analyzer

TEXTS = [
    "The Gantt chart is empty after an import: check the filters, and the zoom level.",
    "a an the of to -- it's isn't 3.14 v2.0.1 e-mail foo_bar A B C x y",
    "Running runs ran; RUNNING! budgets budgeted budgeting; généralités über naïve",
    "",
    "   ",
    "the and of",  # stop words only
    "x " * 50 + "reviews approval",
]


def _indexed(analyzer, text: str) -> list[tuple]:
    return list(TEXT(analyzer=analyzer).index(text))


def test_indexing_tokens_are_whooshs_own():
    ours, whoosh = make_analyzer(), StemmingAnalyzer()
    for text in TEXTS:
        assert _indexed(ours, text) == _indexed(whoosh, text), text
        assert [(t.text, t.pos) for t in ours(text, positions=True, chars=True)] == [
            (t.text, t.pos) for t in whoosh(text, positions=True, chars=True)
        ]


def test_the_analyzer_pickles_into_the_schema_without_its_stem_cache():
    analyzer = make_analyzer()
    _indexed(analyzer, TEXTS[0])
    copy = pickle.loads(pickle.dumps(analyzer))
    assert "_stems" not in copy.__dict__
    assert _indexed(copy, TEXTS[2]) == _indexed(StemmingAnalyzer(), TEXTS[2])
