"""`search` answers most queries from scored postings it keeps (generator/search/fastpath.py, `fast_matches`)
and highlights with its own loop (`_context_fragments`): both must give exactly what Whoosh's own collector and
highlighter give. Compared here on an index of several segments with deleted documents."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from generator.search import SearchDocument, fastpath, search, write_index

WORDS = (
    "gantt chart budget lines import export schedule baseline forecast invoice approval workflow report "
    "dashboard calendar holiday resource permission role token gateway certificate tenant variance drawing"
).split()
MODULES = ["scheduling", "budgets", "reports", ""]  # "" : a page of no module, a facet key of None
TYPES = ["troubleshooting", "howto", "faq"]


def _document(number: int, rng: random.Random) -> SearchDocument:
    def words(count: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(count))

    body = ". ".join(words(rng.randint(5, 14)).capitalize() for _ in range(rng.randint(3, 30)))
    return SearchDocument(
        id=f"KB-{number:04d}",
        title=words(rng.randint(2, 6)).capitalize(),
        summary=words(8),
        headings=words(3),
        body=body + ".",
        tags=",".join(rng.sample(WORDS, 2)),
        module=rng.choice(MODULES),
        type=rng.choice(TYPES),
        url=f"kb/page-{number}/",
    )


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    """A full index, then three incremental updates: edits, deletions and additions, so several segments."""
    rng = random.Random(5)
    folder = tmp_path_factory.mktemp("exact") / "index"
    docs = [_document(number, rng) for number in range(1, 161)]
    write_index(docs, folder, full=True)
    for round_ in range(3):
        for position in rng.sample(range(len(docs)), 6):
            docs[position] = dataclasses.replace(docs[position], body=docs[position].body + f" revised {round_}")
        for position in sorted(rng.sample(range(len(docs)), 4), reverse=True):
            del docs[position]
        docs += [_document(1000 + 10 * round_ + extra, rng) for extra in range(5)]
        write_index(docs, folder)
    return folder


QUERIES = [
    "gantt",
    "budget lines",
    "import export schedule",
    "forecast invoice approval",
    "gantt chrat",  # misspelled: answered for its correction, "gantt chart"
    "gantt xqzvwk",  # any-word fallback: no word close to the second one
    "budgte",  # corrected
    "zzz qqq",
    "token OR gateway",
    '"budget lines"',  # a phrase: Whoosh's collector
    "gantt NOT chart",
    "title:dashboard",
    "the and of",
    "",
]
CASES = (
    [{"query": q} for q in QUERIES]
    + [{"query": q, "prefix": True} for q in ("gan", "budget li", "rep", "import exp")]
    + [{"query": q, "module": "budgets"} for q in ("gantt", "budget lines", "gantt chrat")]
    + [{"query": "report", "type": "faq", "module": "reports"}]
    + [{"query": "report", "page": page, "limit": 7} for page in (1, 2, 40)]
)


def _answer(index_dir: Path, case: dict, snippets: bool) -> tuple:
    results = search(index_dir, snippets=snippets, **case)
    return dataclasses.asdict(results), [list(counts.items()) for counts in results.facets.values()]


@pytest.mark.parametrize("snippets", [False, True])
def test_kept_postings_and_own_highlighting_answer_as_whoosh_does(index_dir: Path, snippets: bool, monkeypatch):
    ours = [_answer(index_dir, case, snippets) for case in CASES]
    monkeypatch.setattr(fastpath, "_USE_SCORED_POSTINGS", False)
    monkeypatch.setattr(fastpath, "_inlined", lambda analyzer, fragmenter: False)
    whoosh = [_answer(index_dir, case, snippets) for case in CASES]
    for case, mine, theirs in zip(CASES, ours, whoosh, strict=True):
        assert mine == theirs, case
    assert any(answer["total"] and not answer["matched_all_words"] for answer, _ in ours)  # the fallback ran
    assert any(answer["corrected"] for answer, _ in ours)
