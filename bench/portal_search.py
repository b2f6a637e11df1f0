"""Benchmark: the portal's search endpoints against the plain library call, in the same run.

Builds the repository's sample help centre (60 pages) with its search index into a temporary folder, opens
the portal on it (create_app on an SQLite file, rate limits off) and asks, through Flask's test client (in
the same process: no network in the figures), for each of a set of customer queries (questions, typos,
symptoms in their words, long sentences):

- ping: GET /api/ping, the app's per-request machinery alone (the baseline of every endpoint);
- library: `generator.search.search(index, q)` with snippets, what the results page asks of the engine;
- library prefix: `search(index, q, limit=5, snippets=False, prefix=True)`, what the suggestions ask;
- /search: the results page (engine, counts per module and type, links through /search/go, the log row);
- /api/suggest: the type-ahead (engine with prefix, JSON);
- /search/go: opening a result (the click's row and the redirect);
- /search 10,000 chars: a pasted log of 10,000 characters, shortened to 200 and searched.

Each runs the whole set twice: the first pass warms up and is not reported; p50 and p95 in ms come from the
second. Prints a markdown table with the ratio of each p50 to the library call it wraps (page to library,
suggest to library prefix) and to ping.

    .venv/bin/python bench/portal_search.py [--repeat 3]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from generator.build import build_target, index_beside
from generator.model import TARGETS
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import connect
from generator.portal.migrate import upgrade
from generator.search import search

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    "gantt chrt",
    "gantt chart has no bars after import",
    "what does ALAP mean",
    "how do i close out the month in the forecast",
    "budget locked",
    "bugdet approval",
    "verison",
    "baseline",
    "why is my schedule late",
    "colleague added to the team still can't open the project",
    "formula column in a custom report",
    "ERR-SCH-0412",
    "circular dependency",
    "export to excel",
    "how to import a primavera p6 xer file",
    "sheduling baseline",
    "permission denied when approving a change order",
    "cash flow",
    "documents",
    "xyzzy frobnicate",
]


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94]


def measure(run: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    """(p50, p95) in ms of the second of two passes over `queries`."""
    times: list[float] = []
    for _ in range(2):
        times = []
        for query in queries:
            started = time.perf_counter()
            run(query)
            times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def expect(status: int) -> Callable:
    def check(response) -> None:
        if response.status_code != status:
            raise SystemExit(f"{response.request.url}: {response.status_code}, expected {status}")

    return check


@click.command()
@click.option("--repeat", default=3, show_default=True, help="How many times the query set runs in each pass.")
def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-bench-portal-search-") as tmp:
        folder = Path(tmp)
        click.echo("Building the sample help centre ...", err=True)
        site = build_target(REPO, TARGETS["site"], folder / "site").out
        index = index_beside(site)
        config = PortalConfig(
            database_url=f"sqlite:///{folder / 'portal.sqlite3'}",
            site_dir=site,
            index_dir=index,
            instance_dir=folder / "instance",
            secret_key="bench",
            rate_limits_enabled=False,
            sweep_every_seconds=0,
        )
        upgrade(connect(config.database_url))
        client = create_app(config).test_client()
        queries = QUERIES * repeat
        long_queries = [(q + " ") * (10_000 // (len(q) + 1) + 1) for q in QUERIES][: len(QUERIES)] * repeat
        ok, redirect = expect(200), expect(303)
        go = "/search/go?to=/user/gantt-chart/&id=USR-004&pos=1&q="
        rows = [
            ("ping (baseline)", lambda q: ok(client.get("/api/ping")), queries),
            ("library: search()", lambda q: search(index, q), queries),
            ("library: search(prefix)", lambda q: search(index, q, limit=5, snippets=False, prefix=True), queries),
            ("/search", lambda q: ok(client.get("/search", query_string={"q": q})), queries),
            ("/api/suggest", lambda q: ok(client.get("/api/suggest", query_string={"q": q})), queries),
            ("/search/go", lambda q: redirect(client.get(go + q)), queries),
            ("/search 10,000 chars", lambda q: ok(client.get("/search", query_string={"q": q})), long_queries),
        ]
        figures = {name: measure(run, qs) for name, run, qs in rows}
    wraps = {"/search": "library: search()", "/search 10,000 chars": "library: search()"}
    wraps["/api/suggest"] = "library: search(prefix)"
    ping = figures["ping (baseline)"][0]
    click.echo(f"{len(QUERIES)} customer queries x {repeat}, sample help centre (60 pages), second of two passes\n")
    click.echo("| what | p50 ms | p95 ms | p50 / library call | p50 / ping |")
    click.echo("|---|---:|---:|---:|---:|")
    for name, (p50, p95) in figures.items():
        library = f"{p50 / figures[wraps[name]][0]:.2f}" if name in wraps else ""
        click.echo(f"| {name} | {p50:.2f} | {p95:.2f} | {library} | {p50 / ping:.1f} |")


if __name__ == "__main__":
    main()
