"""Benchmark: the Whoosh search of generator/search/ against SQLite FTS5, over the same documents.

For each size (default 1000 and 10000 articles) it generates the synthetic knowledge base of
bench/synthetic.py (the articles bench/build.py builds), turns each article into a `SearchDocument` the way
a build does (`page_documents` on the article's markdown), and then, in the same run:

- indexing: a full index with `write_index(documents, dir, full=True)` against an SQLite FTS5 table with the
  same fields (porter tokenizer; module, type, url and digest stored, not indexed), filled in one transaction
  and then merged with FTS5's 'optimize' (a full Whoosh build is optimized to one segment too); documents/s;
- queries: a fixed mix of realistic queries (`make_queries`: 1-3 words of the synthetic vocabulary, typing
  slips to correct, natural questions, long sentences); per query, `search(dir, q, snippets=False)` and
  `snippets=True` against FTS5's `MATCH` ordered by `bm25()` with the same field weights (title 2, ...)
  LIMIT 10, plain and with
  `snippet()` of the body. Like `search`, the FTS5 query wants all words and falls back to any word when
  nothing has them all. Each engine runs the whole set twice: the first pass warms up (files, caches) and
  is reported apart, the second gives p50 and p95 latency in ms. (`search` does more per query than the
  FTS5 statement: it also counts all the matches, counts them per module and type, and looks for
  misspellings);
- incremental update: one article's body changed, `write_index(documents, dir)` (not full), timed, several
  times in a row; FTS5's equivalent (compare digests, rewrite the changed rows) beside it; then the
  queries again (no snippets), on the index the updates left (several segments for kb).

- type-ahead: each query cut inside a word, `search(dir, q, prefix=True, snippets=False, limit=5)` as the
  case form asks, against FTS5 with the last word as a prefix;

Each latency and the full index are also given in the process's CPU time: on a shared machine under load,
wall-clock figures include the time spent waiting for a core, which has nothing to do with either engine.

Prints a markdown table with kb, FTS5 and the ratio kb/FTS5 of each figure, then the targets at 10,000
articles with pass/fail: p95 <= 30 ms with snippets and corrections, type-ahead p95 <= 15 ms, full index
<= 20 s, update < 2 s.

    .venv/bin/python bench/search.py [--sizes 1000,10000] [--queries 300] [--seed 42] [--updates 3]
                                     [--profile PREFIX] [--keep]

--profile PREFIX also profiles (cProfile, not timed) the kb query passes and one incremental update at the
largest size, saves PREFIX-query.prof and PREFIX-update.prof and prints the top functions of each.
"""

from __future__ import annotations

import cProfile
import dataclasses
import datetime as dt
import hashlib
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from generator.model import Page
from generator.search import SearchDocument, search, write_index
from generator.search.documents import page_documents
from generator.search.parsing import FIELD_BOOSTS

from synthetic import NOUNS, OBJECTS, SYMPTOMS, TRIGGERS, VERBS, WORDS, Generated, generate, screens_and_contexts

TARGET_P95_MS = 30.0  # with snippets and corrections, as a library call
TARGET_TYPEAHEAD_P95_MS = 15.0
TARGET_INDEX_S = 20.0
TARGET_UPDATE_S = 2.0
SUGGESTIONS = 5  # type-ahead asks for this many (the case form's /api/suggest)
TARGET_SIZE = 10000

FIELDS = ("id", "title", "summary", "headings", "body", "tags", "module", "type", "url", "digest")
# The field weights `search` parses queries with (generator/search/parsing.py) as bm25() weights, in FIELDS order.
WEIGHTS = tuple(FIELD_BOOSTS[name] for name in FIELDS[:6])
BODY_COLUMN = FIELDS.index("body")
STOP = {"the", "a", "an", "is", "to", "for", "with", "on", "in", "of", "at", "and", "no", "one", "does", "not"}


# --- documents and queries -------------------------------------------------------------------------------


def page_for(item: Generated) -> Page:
    meta = item.meta
    return Page(
        src_uri=item.article.src_uri,
        id=meta["id"],
        title=meta["title"],
        summary=meta["summary"],
        type=meta["type"],
        module=meta["module"],
        audience=meta["audience"],
        confidence=meta["confidence"],
        clients=(),
        contexts=(),
        tags=tuple(meta["tags"]),
        updated=meta["updated"] if isinstance(meta["updated"], dt.date) else None,
        source_cases=tuple(meta["source_cases"]),
        body=item.body,
        body_line=1,
    )


def documents(count: int, seed: int) -> list[SearchDocument]:
    """The synthetic articles as a build indexes them (their markdown has no templates to evaluate): a
    document per article (articles are not split into sections; manual chapters are)."""
    return [doc for item in generate(count, seed) for doc in page_documents(page_for(item), item.body)]


def _content_words(phrases: list[str]) -> list[str]:
    return [w for phrase in phrases for w in phrase.lower().replace("?", "").split() if w not in STOP]


def _misspell(word: str, rng: random.Random) -> str:
    """A typing slip: two letters swapped, one dropped or one doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def make_queries(count: int, seed: int) -> list[str]:
    """What people type, a realistic mix: 1-3 words of the knowledge base's vocabulary (screen and object
    names and their pairs, "gantt chart", "budget lines", some with a symptom word), words with a typing slip
    that needs correcting, natural questions ("how do I export budget lines") that fall back to any word, and
    long sentences describing a problem, as typed into a case subject."""
    rng = random.Random(seed * 7919 + 1)
    screens, _ = screens_and_contexts()
    titles = [title.lower() for names in screens.values() for title in names]
    pairs = [n.removeprefix("the ") for n in NOUNS if len(n.split()) == 3] + [o for o in OBJECTS if " " in o]
    pairs += [" ".join(_content_words([t])[:2]) for t in titles if len(_content_words([t])) >= 2]
    singles = sorted(set(_content_words(titles + NOUNS + OBJECTS + VERBS) + WORDS))
    symptoms = sorted(set(_content_words(SYMPTOMS)))
    queries = []
    while len(queries) < count:
        roll = rng.random()
        if roll < 0.20:
            words = [rng.choice(singles)]
        elif roll < 0.35:
            words = rng.choice(pairs).split()
        elif roll < 0.45:
            words = [*rng.choice(pairs).split()[:2], rng.choice(symptoms + WORDS)]
        elif roll < 0.65:  # a typing slip to correct
            words = rng.choice(pairs).split()[:2] if rng.random() < 0.7 else [rng.choice(singles)]
            candidates = [i for i, w in enumerate(words) if len(w) >= 5]
            if candidates:
                i = rng.choice(candidates)
                words[i] = _misspell(words[i], rng)
        elif roll < 0.85:  # a natural question
            words = rng.choice(
                (
                    f"how do I {rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                    f"why does {rng.choice(NOUNS)} {rng.choice(SYMPTOMS)}",
                    f"what is the {rng.choice(WORDS)} on {rng.choice(NOUNS)}",
                    f"can I {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TRIGGERS)}",
                )
            ).split()
        else:  # a long sentence, as typed into a case subject
            words = (
                f"{rng.choice(NOUNS)} {rng.choice(SYMPTOMS)} {rng.choice(TRIGGERS)} and we cannot "
                f"{rng.choice(VERBS)} the {rng.choice(OBJECTS)} any more, what should we do"
            ).split()
        queries.append(" ".join(words))
    return queries


def typeahead_queries(queries: list[str], seed: int) -> list[str]:
    """What the search box sends while a query is typed: each query cut inside a word (two letters at least)."""
    rng = random.Random(seed * 31 + 7)
    cut = []
    for query in queries:
        words = query.split()[:4]
        last = words[-1]
        keep = rng.randint(2, len(last)) if len(last) > 2 else len(last)
        cut.append(" ".join([*words[:-1], last[:keep]]))
    return cut


# --- the two engines --------------------------------------------------------------------------------------


def digest_of(doc: SearchDocument) -> str:
    parts = (doc.title, doc.summary, doc.headings, doc.body, doc.tags, doc.module, doc.type, doc.url)
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def fts_create(path: Path, docs: list[SearchDocument]) -> sqlite3.Connection:
    """An FTS5 table with the index's fields, filled in one transaction, then merged to one b-tree."""
    db = sqlite3.connect(path, isolation_level=None)
    unindexed = ("module", "type", "url", "digest")
    columns = ", ".join(f"{name} UNINDEXED" if name in unindexed else name for name in FIELDS)
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, tokenize = 'porter unicode61')")
    db.execute("BEGIN")
    db.executemany(
        f"INSERT INTO docs ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})",
        ((*(getattr(doc, name) for name in FIELDS[:-1]), digest_of(doc)) for doc in docs),
    )
    db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
    db.execute("COMMIT")
    return db


def fts_update(db: sqlite3.Connection, docs: list[SearchDocument]) -> None:
    """What `write_index` does incrementally, in FTS5: rewrite the rows whose digest changed."""
    existing = dict(db.execute("SELECT id, digest FROM docs"))
    db.execute("BEGIN")
    for doc in docs:
        if doc.parent:
            continue
        digest = digest_of(doc)
        if existing.get(doc.id) == digest:
            continue
        db.execute("DELETE FROM docs WHERE id = ?", (doc.id,))
        db.execute(
            f"INSERT INTO docs ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})",
            (*(getattr(doc, name) for name in FIELDS[:-1]), digest),
        )
    db.execute("COMMIT")


def _fts_expression(words: list[str], join: str) -> str:
    return join.join('"' + w.replace('"', '""') + '"' for w in words)


def fts_search(db: sqlite3.Connection, query: str, snippets: bool) -> list[str]:
    """Top 10 by bm25 with the field weights: all words, else any word (as `search` does)."""
    words = [w for w in query.split() if w]
    snippet = f", snippet(docs, {BODY_COLUMN}, '<mark>', '</mark>', '…', 24)" if snippets else ""
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        f"SELECT id, title, url, module, type, summary{snippet} FROM docs WHERE docs MATCH ? "
        f"ORDER BY bm25(docs, {weights}) LIMIT 10"
    )
    rows = db.execute(sql, (_fts_expression(words, " "),)).fetchall()
    if not rows and len(words) > 1:
        rows = db.execute(sql, (_fts_expression(words, " OR "),)).fetchall()
    return [row[0] for row in rows]


def kb_search(index_dir: Path, query: str, snippets: bool) -> list[str]:
    return [hit.id for hit in search(index_dir, query, snippets=snippets).hits]


def kb_typeahead(index_dir: Path, query: str) -> list[str]:
    """As the case form's /api/suggest asks."""
    return [hit.id for hit in search(index_dir, query, prefix=True, snippets=False, limit=SUGGESTIONS).hits]


def fts_typeahead(db: sqlite3.Connection, query: str) -> list[str]:
    """FTS5's type-ahead: the last word as a prefix, all words, else any word."""
    words = [w for w in query.split() if w]
    expression = " ".join('"' + w.replace('"', '""') + '"' for w in words[:-1])
    last = '"' + words[-1].replace('"', '""') + '"*'
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = f"SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, {weights}) LIMIT {SUGGESTIONS}"
    rows = db.execute(sql, (f"{expression} {last}".strip(),)).fetchall()
    if not rows and len(words) > 1:
        rows = db.execute(sql, (" OR ".join([*expression.split(" "), last]),)).fetchall()
    return [row[0] for row in rows]


# --- measuring --------------------------------------------------------------------------------------------


@dataclass
class Latency:
    p50: float
    p95: float
    cpu_p50: float = 0.0  # the same from the process's CPU time: on a shared, busy machine, wall-clock
    cpu_p95: float = 0.0  # figures include waiting for a core; CPU time is the engine's own work


@dataclass
class Figures:
    size: int
    kb_index_s: float
    fts_index_s: float
    latency: dict[tuple[str, bool], Latency]  # (engine, snippets) -> the timed pass, after the warm-up pass
    first: dict[tuple[str, bool], Latency]  # (engine, snippets) -> the warm-up pass itself
    after: dict[str, Latency]  # engine -> no snippets, after the incremental updates
    kb_updates: list[float]
    fts_updates: list[float]
    top_overlap: float  # mean share of FTS5's top-10 ids that kb's top 10 also has
    kb_segments: int
    typeahead: dict[str, Latency]  # engine -> type-ahead (prefix, 5 results, no snippets), timed pass
    kb_index_cpu_s: float = 0.0
    fts_index_cpu_s: float = 0.0


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _percentiles(times: list[float], cpu: list[float]) -> Latency:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    cpu_cuts = statistics.quantiles(cpu, n=100, method="inclusive")
    return Latency(cuts[49], cuts[94], cpu_cuts[49], cpu_cuts[94])


def latencies(run: Callable[[str], list[str]], queries: list[str]) -> tuple[Latency, Latency, list[list[str]]]:
    """Two passes over the queries: the first warms up (caches, files) and is reported apart; the second is
    the figure. Returns (second pass, first pass, the second pass's answers)."""
    passes = []
    for _ in range(2):
        times, cpu, answers = [], [], []
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            answers.append(run(query))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        passes.append((times, cpu, answers))
    (first, first_cpu, _), (second, second_cpu, answers) = passes
    return _percentiles(second, second_cpu), _percentiles(first, first_cpu), answers


def changed(docs: list[SearchDocument], position: int, round_: int) -> list[SearchDocument]:
    """The documents with one article's body edited."""
    doc = docs[position]
    edit = f" Update {round_}: the gateway token now expires after {30 + round_} days, so renew the certificate."
    return [*docs[:position], dataclasses.replace(doc, body=doc.body + edit), *docs[position + 1 :]]


def segment_count(index_dir: Path) -> int:
    from whoosh import index

    ix = index.open_dir(str(index_dir))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def measure(size: int, queries: list[str], seed: int, updates: int, folder: Path, log: Callable[[str], None]):
    started = time.perf_counter()
    docs = documents(size, seed)
    log(f"[{size}] {len(docs)} documents in {time.perf_counter() - started:.1f}s")
    index_dir = folder / f"kb-{size}"
    started_cpu = time.process_time()
    kb_index_s = timed(lambda: write_index(docs, index_dir, full=True))
    kb_index_cpu_s = time.process_time() - started_cpu
    log(f"[{size}] kb full index: {kb_index_s:.1f}s ({kb_index_cpu_s:.1f}s CPU time)")
    db_path = folder / f"fts-{size}.sqlite"
    fts_started, fts_started_cpu = time.perf_counter(), time.process_time()
    db = fts_create(db_path, [doc for doc in docs if not doc.parent])  # the plain engine: one row per article
    fts_index_s = time.perf_counter() - fts_started
    fts_index_cpu_s = time.process_time() - fts_started_cpu
    log(f"[{size}] FTS5 full index: {fts_index_s:.1f}s")

    latency, first, answers = {}, {}, {}
    for snippets in (False, True):
        for engine, run in (
            ("kb", lambda q, s=snippets: kb_search(index_dir, q, s)),
            ("fts", lambda q, s=snippets: fts_search(db, q, s)),
        ):
            latency[engine, snippets], first[engine, snippets], answers[engine, snippets] = latencies(run, queries)
        log(
            f"[{size}] queries{' with snippets' if snippets else ''}: kb p95 {latency['kb', snippets].p95:.1f} ms, "
            f"FTS5 p95 {latency['fts', snippets].p95:.1f} ms"
        )
    typed = typeahead_queries(queries, seed)
    typeahead = {
        "kb": latencies(lambda q: kb_typeahead(index_dir, q), typed)[0],
        "fts": latencies(lambda q: fts_typeahead(db, q), typed)[0],
    }
    log(f"[{size}] type-ahead: kb p95 {typeahead['kb'].p95:.1f} ms, FTS5 p95 {typeahead['fts'].p95:.1f} ms")
    pairs = zip(answers["kb", False], answers["fts", False], strict=True)
    overlaps = [len(set(kb) & set(fts)) / len(fts) for kb, fts in pairs if fts]
    top_overlap = statistics.mean(overlaps) if overlaps else 0.0

    rng = random.Random(seed + size)
    kb_updates, fts_updates = [], []
    current = docs
    for round_, position in enumerate(rng.sample(range(size), updates), start=1):
        current = changed(current, position, round_)
        stats = None

        def update(current=current):
            nonlocal stats
            stats = write_index(current, index_dir)

        kb_updates.append(timed(update))
        assert stats.updated >= 1 and stats.added + stats.deleted + stats.updated <= 40, stats
        fts_updates.append(timed(lambda current=current: fts_update(db, current)))
    log(f"[{size}] incremental updates: kb {', '.join(f'{s:.2f}s' for s in kb_updates)}")
    after = search(index_dir, "renew certificate gateway expires", snippets=False)
    assert after.total >= 1, "the updated article is not found"
    after_latency = {
        "kb": latencies(lambda q: kb_search(index_dir, q, False), queries)[0],
        "fts": latencies(lambda q: fts_search(db, q, False), queries)[0],
    }
    db.close()
    figures = Figures(
        size,
        kb_index_s,
        fts_index_s,
        latency,
        first,
        after_latency,
        kb_updates,
        fts_updates,
        top_overlap,
        segment_count(index_dir),
        typeahead,
        kb_index_cpu_s,
        fts_index_cpu_s,
    )
    return figures, (index_dir, current)


def profile(index_dir: Path, docs: list[SearchDocument], queries: list[str], prefix: str) -> None:
    query_profile = cProfile.Profile()
    query_profile.enable()
    for snippets in (False, True):
        for query in queries:
            search(index_dir, query, snippets=snippets)
    query_profile.disable()
    update_profile = cProfile.Profile()
    docs = changed(docs, len(docs) // 2, 99)
    update_profile.enable()
    write_index(docs, index_dir)
    update_profile.disable()
    for name, prof in (("query", query_profile), ("update", update_profile)):
        path = f"{prefix}-{name}.prof"
        prof.dump_stats(path)
        click.echo(f"\nProfile of the kb {name} saved to {path}; top 30 by cumulative time:")
        pstats.Stats(path, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(30)


# --- reporting --------------------------------------------------------------------------------------------


def table(results: list[Figures], queries: int, updates: int) -> list[str]:
    lines = [
        "| articles | figure | kb (Whoosh) | SQLite FTS5 | kb/FTS5 |",
        "|---:|---|---:|---:|---:|",
    ]
    for f in results:
        kb_rate, fts_rate = f.size / f.kb_index_s, f.size / f.fts_index_s
        lines.append(
            f"| {f.size} | full index, documents/s | {kb_rate:.0f} | {fts_rate:.0f} | {kb_rate / fts_rate:.3f} |"
        )
        lines.append(
            f"| {f.size} | full index, s | {f.kb_index_s:.2f} | {f.fts_index_s:.2f} "
            f"| {f.kb_index_s / f.fts_index_s:.0f} |"
        )
        lines.append(
            f"| {f.size} | full index, s CPU time | {f.kb_index_cpu_s:.2f} | {f.fts_index_cpu_s:.2f} "
            f"| {f.kb_index_cpu_s / f.fts_index_cpu_s:.0f} |"
        )
        rows = [
            (f"query {name} ms, {'with' if snippets else 'no'} snippets", f.latency, (snippets,), name)
            for snippets in (False, True)
            for name in ("p50", "p95")
        ]
        rows.append(("query p95 ms, no snippets, first pass (warm-up)", f.first, (False,), "p95"))
        rows.append(("query p95 ms, with snippets, first pass (warm-up)", f.first, (True,), "p95"))
        for label, figures, key, name in rows:
            a, b = getattr(figures[("kb", *key)], name), getattr(figures[("fts", *key)], name)
            lines.append(f"| {f.size} | {label} | {a:.2f} | {b:.2f} | {a / b:.1f} |")
        for name in ("cpu_p50", "cpu_p95"):
            a, b = getattr(f.latency["kb", True], name), getattr(f.latency["fts", True], name)
            label = f"query {name[4:]} ms CPU time, with snippets"
            lines.append(f"| {f.size} | {label} | {a:.2f} | {b:.2f} | {a / b:.1f} |")
        for name in ("p50", "p95", "cpu_p50", "cpu_p95"):
            a, b = getattr(f.typeahead["kb"], name), getattr(f.typeahead["fts"], name)
            name = name.replace("cpu_", "") + " CPU time" if name.startswith("cpu_") else name
            lines.append(
                f"| {f.size} | type-ahead {name} ms (prefix, {SUGGESTIONS} results) | {a:.2f} | {b:.2f} | {a / b:.1f} |"
            )
        a, b = f.after["kb"].p95, f.after["fts"].p95
        lines.append(
            f"| {f.size} | query p95 ms, no snippets, after the {updates} updates ({f.kb_segments} kb segments) "
            f"| {a:.2f} | {b:.2f} | {a / b:.1f} |"
        )
        kb_median, fts_median = statistics.median(f.kb_updates), statistics.median(f.fts_updates)
        lines.append(
            f"| {f.size} | update one article, s (median of {len(f.kb_updates)}) | {kb_median:.3f} "
            f"| {fts_median:.3f} | {kb_median / fts_median:.0f} |"
        )
        lines.append(
            f"| {f.size} | update one article, s (worst) | {max(f.kb_updates):.3f} | {max(f.fts_updates):.3f} "
            f"| {max(f.kb_updates) / max(f.fts_updates):.0f} |"
        )
        lines.append(f"| {f.size} | top-10 overlap kb vs FTS5 ({queries} queries) | {f.top_overlap:.0%} | | |")
    return lines


def verdicts(results: list[Figures]) -> list[str]:
    at = {f.size: f for f in results}.get(TARGET_SIZE)
    if at is None:
        return [f"Targets are set at {TARGET_SIZE:,} articles, which this run did not measure."]
    checks = [
        ("query p95, with snippets and corrections", at.latency["kb", True].p95, TARGET_P95_MS, "ms"),
        ("type-ahead p95", at.typeahead["kb"].p95, TARGET_TYPEAHEAD_P95_MS, "ms"),
        ("full index", at.kb_index_s, TARGET_INDEX_S, "s"),
        ("incremental update (worst)", max(at.kb_updates), TARGET_UPDATE_S, "s"),
    ]
    return [
        f"- {name} at {TARGET_SIZE:,} articles: {value:.2f} {unit} (target <= {target:g} {unit}): "
        f"{'PASS' if value <= target else 'FAIL'}"
        for name, value, target, unit in checks
    ]


def _machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


def _sizes(ctx, param, value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter("expected numbers separated by commas, e.g. 1000,10000") from None
    if not sizes or any(size < 10 for size in sizes):
        raise click.BadParameter("each size must be at least 10 articles")
    return sizes


@click.command()
@click.option("--sizes", default="1000,10000", show_default=True, callback=_sizes, help="Article counts.")
@click.option("--queries", default=300, show_default=True, type=click.IntRange(20, 10000), help="Queries timed.")
@click.option("--seed", default=42, show_default=True, help="Seed of the articles and the queries.")
@click.option("--updates", default=3, show_default=True, type=click.IntRange(1, 50), help="Incremental updates.")
@click.option("--profile", "profile_prefix", default=None, help="Also profile kb at the largest size into PREFIX-*.")
@click.option("--keep", is_flag=True, help="Keep the indexes; print where they are.")
def main(sizes: list[int], queries: int, seed: int, updates: int, profile_prefix: str | None, keep: bool) -> None:
    """Time the kb search index (Whoosh) against SQLite FTS5 over the same synthetic articles."""
    query_list = make_queries(queries, seed)
    folder = Path(tempfile.mkdtemp(prefix="kb-search-bench-"))
    results, last = [], None
    machine_before = _machine()
    try:
        for size in sizes:
            figures, last = measure(size, query_list, seed, updates, folder, lambda line: click.echo(line, err=True))
            results.append(figures)
        click.echo("")
        click.echo("\n".join(table(results, queries, updates)))
        click.echo("")
        click.echo(
            f"Latencies are wall-clock ms per query over {queries} queries, after one untimed pass over them; "
            f"machine: {machine_before} before, {_machine()} after (a busy machine slows both engines)."
        )
        click.echo("")
        click.echo("Targets:")
        click.echo("\n".join(verdicts(results)))
        if profile_prefix and last:
            profile(*last, query_list, profile_prefix)
    finally:
        if keep:
            click.echo(f"Kept {folder}", err=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
