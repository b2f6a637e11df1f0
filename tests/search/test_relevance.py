"""Search relevance on the real help centre: the judged queries of queries.yml, scored as MRR@10 over the site
index built from the repository's own sources, and those of client_queries.yml over each client's index.
Queries of kind "case" are also asked as the case form asks for suggestions (/api/suggest: prefix, no
snippets, 5 results): their article must be among the first three.

Each query names the one page that should come first. Its reciprocal rank is 1/rank of that page in the top
10, 0 when it is not there; MRR@10 is their mean. `pytest -s tests/search` prints every query's rank and the
figure per kind (not with -n: xdist keeps the workers' output)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from generator.build import index_target
from generator.catalog import load_catalog
from generator.model import SITE, client_target
from generator.search import field_values, search

REPO = Path(__file__).resolve().parents[2]
QUERIES = Path(__file__).with_name("queries.yml")
CLIENT_QUERIES = Path(__file__).with_name("client_queries.yml")
KINDS = (
    "customer",
    "error",
    "misspelling",
    "abbreviation",
    "screen",
    "question",
    "symptom",
    "one-word",
    "synonym",
    "case",
)
DEPTH = 10
MIN_MRR = 0.92
MIN_CLIENT_MRR = 0.8  # 12 queries: a floor against regressions; 0.861 when the set was written
MIN_QUERIES = 150
MIN_PER_KIND = 6
SUGGESTIONS = 5  # what the case form asks /api/suggest for
SUGGESTED_WITHIN = 3


@dataclass(frozen=True)
class Judged:
    query: str
    expect: str
    kind: str


@dataclass(frozen=True)
class Outcome:
    judged: Judged
    ids: tuple[str, ...]  # the top DEPTH hits
    corrected: str | None  # the spelling-corrected query the results are for, if any

    @property
    def rank(self) -> int | None:
        return self.ids.index(self.judged.expect) + 1 if self.judged.expect in self.ids else None

    @property
    def reciprocal_rank(self) -> float:
        return 1 / self.rank if self.rank else 0.0


def load_judged(path: Path = QUERIES) -> list[Judged]:
    """The judged queries; every malformed entry is reported at once, so a typo fails instead of scoring 0."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(entries, list) and entries, f"{path.name}: expected a list of queries"
    judged, problems, seen = [], [], set()
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}, entry {number}"
        if not isinstance(entry, dict) or set(entry) != {"query", "expect", "kind"}:
            problems.append(f"{where}: needs exactly the keys query, expect and kind: {entry!r}")
            continue
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in entry):
            problems.append(f"{where}: query, expect and kind must be non-empty text: {entry!r}")
            continue
        if entry["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind {entry['kind']!r} (known: {', '.join(KINDS)})")
        if entry["query"] in seen:
            problems.append(f"{where}: duplicate query {entry['query']!r}")
        seen.add(entry["query"])
        judged.append(Judged(entry["query"], entry["expect"], entry["kind"]))
    assert not problems, "\n".join(problems)
    return judged


def mrr(outcomes: list[Outcome]) -> float:
    return sum(o.reciprocal_rank for o in outcomes) / len(outcomes) if outcomes else 0.0


def report(outcomes: list[Outcome]) -> str:
    """One line per query (rank, kind, expected page, what came first when it was not that page), then MRR@10
    per kind and overall."""
    lines = [f"{'rank':>4}  {'kind':<12}  {'expect':<8}  {'first':<8}  query"]
    for o in outcomes:
        first = o.ids[0] if o.ids else "(none)"
        note = f"  [corrected to: {o.corrected}]" if o.corrected else ""
        lines.append(
            f"{o.rank or '-':>4}  {o.judged.kind:<12}  {o.judged.expect:<8}  "
            f"{'' if o.rank == 1 else first:<8}  {o.judged.query}{note}"
        )
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.judged.kind].append(o)
    lines.append("")
    for kind in KINDS:
        found = by_kind[kind]
        top = sum(o.rank == 1 for o in found)
        lines.append(f"MRR@{DEPTH} {kind:<12} {mrr(found):.3f}  ({top}/{len(found)} first)")
    top = sum(o.rank == 1 for o in outcomes)
    lines.append(f"MRR@{DEPTH} {'overall':<12} {mrr(outcomes):.3f}  ({top}/{len(outcomes)} first)")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def site_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search index of the public help centre, built once from the repository's sources."""
    index_dir = tmp_path_factory.mktemp("relevance") / "index"
    index_target(REPO, SITE, index_dir, full=True)
    return index_dir


def test_judged_queries_rank_their_page_first(site_index: Path):
    judged = load_judged()
    indexed = set(field_values(site_index, "id"))
    unknown = [f"{j.expect} ({j.query!r})" for j in judged if j.expect not in indexed]
    assert not unknown, "expected pages that are not in the site index:\n" + "\n".join(unknown)

    outcomes = []
    for j in judged:
        results = search(site_index, j.query, limit=DEPTH, snippets=False)
        ids = tuple(hit.id for hit in results.hits)
        outcomes.append(Outcome(j, ids, results.suggestion if results.corrected else None))
    table = report(outcomes)
    print(f"\n{table}")  # noqa: T201 - the figures are the point of running it with -s

    score = mrr(outcomes)
    misses = [
        f"  rank {o.rank or '-'}, first {o.ids[0] if o.ids else '(none)'}: [{o.judged.kind}] {o.judged.query!r} "
        f"-> {o.judged.expect}"
        for o in outcomes
        if o.rank != 1
    ]
    assert score >= MIN_MRR, (
        f"MRR@{DEPTH} {score:.3f} is below {MIN_MRR}; queries whose page is not first:\n"
        + "\n".join(misses)
        + "\n\n"
        + table.rsplit("\n\n", 1)[1]
    )


def test_a_known_problem_typed_as_a_case_subject_suggests_its_article_among_the_first_three(site_index: Path):
    misses = []
    for j in load_judged():
        if j.kind != "case":
            continue
        results = search(site_index, j.query, prefix=True, snippets=False, limit=SUGGESTIONS)
        ids = [hit.id for hit in results.hits]
        if j.expect not in ids[:SUGGESTED_WITHIN]:
            misses.append(f"  {j.query!r} -> {j.expect}, suggested {ids}")
    assert not misses, "case subjects whose article is not among the first three suggestions:\n" + "\n".join(misses)


def load_client_judged(path: Path = CLIENT_QUERIES) -> list[tuple[str, Judged]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert all(isinstance(e, dict) and set(e) == {"client", "query", "expect"} for e in entries), path.name
    return [(e["client"], Judged(e["query"], e["expect"], "client")) for e in entries]


def test_client_words_find_their_pages_in_the_clients_own_index(tmp_path_factory: pytest.TempPathFactory):
    judged = load_client_judged()
    catalog = load_catalog(REPO)
    indexes = {}
    for slug in sorted({client for client, _ in judged}):
        indexes[slug] = tmp_path_factory.mktemp(f"client-{slug}") / "index"
        index_target(REPO, client_target(catalog.clients[slug]), indexes[slug], full=True)
    outcomes = []
    for slug, j in judged:
        ids = tuple(hit.id for hit in search(indexes[slug], j.query, limit=DEPTH, snippets=False).hits)
        outcomes.append(Outcome(j, ids, None))
    lines = [
        f"{o.rank or '-':>4}  {slug:<10} {o.judged.expect:<8} {o.judged.query}"
        for (slug, _), o in zip(judged, outcomes, strict=True)
    ]
    table = "\n".join(lines) + f"\nMRR@{DEPTH} clients {mrr(outcomes):.3f}"
    print(f"\n{table}")  # noqa: T201 - the figures are the point of running it with -s
    assert mrr(outcomes) >= MIN_CLIENT_MRR, table


def test_query_set_is_large_enough_for_every_kind():
    judged = load_judged()
    counts = {kind: sum(j.kind == kind for j in judged) for kind in KINDS}
    assert len(judged) >= MIN_QUERIES, f"{len(judged)} queries, fewer than {MIN_QUERIES}"
    assert all(n >= MIN_PER_KIND for n in counts.values()), f"fewer than {MIN_PER_KIND} of a kind: {counts}"
