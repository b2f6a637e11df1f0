"""Benchmark: case submissions per second through the case portal, against a trivial endpoint of the same app.

The portal is served as `kb portal --workers W --threads T` serves it (generator.portal.server: gunicorn, W
processes of T threads), in a child process on a free loopback port, with rate limits off, no background
sweep and mail written to the outbox of a temporary instance folder. Several client processes, each with
threads holding one keep-alive HTTP connection apiece (--clients in all), then load it, in the same run and
against the same server:

- ping: GET /api/ping, a view that returns {"ok": true}: the cost of gunicorn, Flask and the app's
  per-request machinery (CSRF, security headers), the baseline;
- submit: what a browser does: GET /cases/new once per client (the session cookie and the CSRF token in
  the form), then POST /cases/new over and over, each a distinct case with a fresh idempotency key (32 hex
  digits). A 303 is an acknowledged case; its number comes from the Location header.

Each phase runs --warmup seconds unmeasured, then --seconds measured: requests/s is the requests completed in
the measured window over its length; p50 and p99 are their latencies. Every acknowledged case of the run
(warm-up included) is then looked up in the `cases` table: lost = acknowledged - found must be 0.

Backends: SQLite (a real file in the temporary folder: WAL, synchronous=FULL, BEGIN IMMEDIATE, as deployed)
and PostgreSQL when --postgres URL or env KB_BENCH_POSTGRES_URL gives a server; the benchmark creates a
database of its own there (the URL's user needs CREATEDB) and drops it at the end.

Prints a markdown table (backend, endpoint, requests/s, p50 ms, p99 ms, ratio vs ping, acknowledged, found in
DB, lost, errors), the CPU seconds the server and the clients used (the clients must not be the bottleneck),
and the target: at least 200 submissions/s on SQLite with none lost.

    .venv/bin/python bench/portal.py [--clients 32] [--seconds 10] [--postgres URL] [--workers CPUS]
                                     [--threads 4] [--processes 4] [--warmup 2] [--profile FILE] [--keep]

--workers and --threads are `kb portal`'s (the server processes, default one per CPU, and the threads of
each), --processes the number of client processes the --clients threads are spread over. --profile FILE also
runs one more SQLite submission phase (not in the table) with cProfile measuring CPU time (time.thread_time:
waiting on a lock or a disk is not work) in every server thread, saves the workers' merged profile to FILE
and prints the functions with the most time.
Figures from a machine that is busy with other work are not worth much: the load average is printed first.

--pages instead measures the agent console at scale: --cases cases (100,000 by default; 85 % resolved, the
rest spread over levels, severities, statuses, assignees, clients and modules, each with its history) are
bulk-inserted with executemany (the search index's triggers run as for any write), then one signed-in agent
(Level 3, admin) asks, one request at a time, for the queue page (the default view "all open", the
"breaching within 2 hours" view, a full-text search, the resolved view, the second page), the live endpoint
unchanged (a 304), and case pages of random cases, --requests times each, with GET /api/ping as the
baseline in the same run. Prints p50 and p95 per page and the p95's ratio to ping's:

    .venv/bin/python bench/portal.py --pages [--cases 100000] [--requests 200] [--postgres URL]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

# The benchmark's modules, in bench/portal_bench/ beside this script
from portal_bench.pages import measure_pages, print_pages
from portal_bench.profiling import print_profile
from portal_bench.server import PostgresDatabase
from portal_bench.submissions import measure

TARGET_SUBMITS = 200.0  # per second, on SQLite, with none lost


def _cell(value, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


@click.command()
@click.option("--clients", default=32, show_default=True, type=click.IntRange(1, 512), help="Concurrent clients.")
@click.option("--seconds", default=10.0, show_default=True, type=click.FloatRange(1, 600), help="Measured time.")
@click.option(
    "--postgres",
    envvar="KB_BENCH_POSTGRES_URL",
    default=None,
    help="postgresql+psycopg://USER:PASSWORD@HOST/DB of a server to also measure (env KB_BENCH_POSTGRES_URL).",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option(
    "--processes", default=4, show_default=True, type=click.IntRange(1, 64), help="Client processes (threads split)."
)
@click.option(
    "--warmup", default=2.0, show_default=True, type=click.FloatRange(0, 60), help="Unmeasured seconds per phase."
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also profile one more SQLite submit phase (cProfile in the server) into this file; print the top.",
)
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default="one per CPU",
    type=click.IntRange(1, 64),
    help="Server processes (`kb portal --workers`).",
)
@click.option("--keep", is_flag=True, help="Keep the temporary folder (SQLite database, outbox); print where.")
@click.option("--pages", is_flag=True, help="Measure the console's pages at --cases cases instead of submissions.")
@click.option("--cases", "case_count", default=100_000, show_default=True, type=click.IntRange(100, 10_000_000))
@click.option("--requests", default=200, show_default=True, type=click.IntRange(10, 100_000), help="Per page.")
def main(
    clients: int,
    seconds: float,
    postgres: str | None,
    threads: int,
    processes: int,
    warmup: float,
    workers: int,
    profile: Path | None,
    keep: bool,
    pages: bool,
    case_count: int,
    requests: int,
) -> None:
    """Case submissions per second and their latency, against GET /api/ping, on SQLite and PostgreSQL; with
    --pages, the console's pages at scale."""
    options = {
        "clients": clients,
        "seconds": seconds,
        "threads": threads,
        "processes": processes,
        "warmup": warmup,
        "workers": workers,
    }
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-portal-"))
    load = os.getloadavg()[0]
    busy = "; other work on this machine skews the figures" if load > 0.5 else ""
    click.echo(f"Load average before the run: {load:.2f}{busy}")
    try:
        if pages:
            found = measure_pages("SQLite", f"sqlite:///{folder / 'pages.sqlite3'}", folder, case_count, requests)
            if postgres:
                with PostgresDatabase(postgres) as url:
                    found += measure_pages("PostgreSQL", url, folder, case_count, requests)
            print_pages(found, case_count, requests)
            return
        rows = measure("SQLite", f"sqlite:///{folder / 'portal.sqlite3'}", folder, options)
        if postgres:
            with PostgresDatabase(postgres) as url:
                rows += measure("PostgreSQL", url, folder, options)
        click.echo(
            f"\n{clients} clients ({min(processes, clients)} processes), "
            f"served as `kb portal --workers {workers} --threads {threads}`, "
            f"{seconds:g} s measured after {warmup:g} s warm-up, {os.cpu_count()} CPUs\n"
        )
        click.echo(
            "| backend | endpoint | requests/s | p50 ms | p99 ms | ratio vs ping | acknowledged | found in DB "
            "| lost | errors |"
        )
        click.echo("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        pings = {r.backend: r.per_second for r in rows if r.endpoint == "ping"}
        for r in rows:
            ratio = r.per_second / pings[r.backend] if pings.get(r.backend) else None
            click.echo(
                f"| {r.backend} | {'GET /api/ping' if r.endpoint == 'ping' else 'POST /cases/new'} "
                f"| {r.per_second:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {_cell(ratio, '.3f')} "
                f"| {_cell(r.acknowledged)} | {_cell(r.found)} | {_cell(r.lost)} | {r.errors} |"
            )
        click.echo("\nCPU seconds used in the measured window (the clients must not be the bottleneck):")
        for r in rows:
            click.echo(
                f"  {r.backend} {r.endpoint}: server {r.server_cpu:.1f} s, clients {r.client_cpu:.1f} s "
                f"over {r.seconds:g} s"
            )
        sqlite = next(r for r in rows if r.backend == "SQLite" and r.endpoint == "submit")
        met = sqlite.per_second >= TARGET_SUBMITS and sqlite.lost == 0 and sqlite.errors == 0
        click.echo(
            f"\n==> SQLite: {sqlite.per_second:.0f} submissions/s, {sqlite.lost} lost, {sqlite.errors} errors "
            f"(target >= {TARGET_SUBMITS:.0f}/s with none lost: {'met' if met else 'NOT met'})"
        )
        if profile:
            measure("SQLite", f"sqlite:///{folder / 'profiled.sqlite3'}", folder, options, profile)
            print_profile(profile)
        if any(r.lost for r in rows):
            sys.exit(1)
    finally:
        if keep:
            click.echo(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
