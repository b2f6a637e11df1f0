"""One backend's submission phases: GET /api/ping as the baseline, then POST /cases/new, each loaded from
client processes; every acknowledged case looked up in the database afterwards."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

import click

from .clients import Tally, client_process, percentile
from .server import Server, prepare


@dataclass(frozen=True)
class Row:
    backend: str
    endpoint: str
    per_second: float
    p50_ms: float
    p99_ms: float
    acknowledged: int | None
    found: int | None
    errors: int
    client_cpu: float
    server_cpu: float
    seconds: float

    @property
    def lost(self) -> int | None:
        return None if self.acknowledged is None else self.acknowledged - self.found


def run_phase(
    server: Server, endpoint: str, clients: int, processes: int, warmup: float, seconds: float
) -> tuple[Tally, float, float]:
    """Load the server from `processes` processes with `clients` threads in all; the tally, its measured
    seconds and the server's CPU seconds in that time."""
    fork = multiprocessing.get_context("fork")  # the clients need nothing but the benchmark's functions
    processes = min(processes, clients)
    results = fork.Queue()
    start_at = time.time() + 1.5 + 0.05 * clients  # time for every client to connect (and GET the form) first
    times = (start_at, start_at + warmup, start_at + warmup + seconds)
    shares = [clients // processes + (1 if n < clients % processes else 0) for n in range(processes)]
    children = [
        fork.Process(target=client_process, args=(server.port, endpoint, share, n, times, results))
        for n, share in enumerate(shares)
    ]
    for child in children:
        child.start()
    time.sleep(max(0.0, times[1] - time.time()))
    cpu_before = server.cpu_seconds()
    time.sleep(max(0.0, times[2] - time.time()))
    cpu_used = server.cpu_seconds() - cpu_before
    total = Tally()
    for _ in children:
        total.add(results.get(timeout=300))
    for child in children:
        child.join(60)
    return total, seconds, cpu_used


def measure(backend: str, database_url: str, folder: Path, options: dict, profile: Path | None = None) -> list[Row]:
    instance = folder / f"instance-{backend.lower()}{'-profiled' if profile else ''}"
    config, engine = prepare(database_url, instance)
    server = Server(config, options["threads"], options["workers"], profile)
    rows: list[Row] = []
    acknowledged: list[str] = []
    try:
        endpoints = ("submit",) if profile else ("ping", "submit")
        for endpoint in endpoints:
            tally, seconds, server_cpu = run_phase(
                server, endpoint, options["clients"], options["processes"], options["warmup"], options["seconds"]
            )
            acknowledged += tally.acknowledged
            for error, count in tally.errors.most_common(5):
                click.echo(f"  {backend} {endpoint}: {count} x {error}", err=True)
            rows.append(
                Row(
                    backend,
                    endpoint,
                    len(tally.latencies) / seconds,
                    percentile(tally.latencies, 0.50) * 1000,
                    percentile(tally.latencies, 0.99) * 1000,
                    len(tally.acknowledged) if endpoint == "submit" else None,
                    None,
                    sum(tally.errors.values()),
                    tally.cpu_seconds,
                    server_cpu,
                    seconds,
                )
            )
            click.echo(
                f"{backend} {endpoint}: {rows[-1].per_second:.0f}/s, p50 {rows[-1].p50_ms:.1f} ms, "
                f"p99 {rows[-1].p99_ms:.1f} ms",
                err=True,
            )
    finally:
        server.stop()
    found = count_cases(engine, acknowledged)
    engine.dispose()
    if len(set(acknowledged)) != len(acknowledged):
        click.echo(f"  {backend}: the same case number was acknowledged twice for distinct cases!", err=True)
    return [
        Row(**{**r.__dict__, "found": found}) if r.endpoint == "submit" else r  # one submit phase per backend
        for r in rows
    ]


def count_cases(engine, numbers: list[str]) -> int:
    import sqlalchemy as sa

    from generator.portal.db import cases

    found = 0
    unique = sorted(set(numbers))
    with engine.connect() as conn:
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            found += conn.execute(sa.select(sa.func.count()).where(cases.c.number.in_(chunk))).scalar_one()
    return found + (len(numbers) - len(unique))  # a number acknowledged twice is found once: count it lost
