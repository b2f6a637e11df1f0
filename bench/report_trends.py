"""Benchmark: the report's weekly trends (generator.portal.trends) over 100,000 cases, against a plain scan.

Fills a migrated database with --cases cases spread over a year (a third of them one client's), each with
its history: created, an agent's reply (most in time, some late), an automatic status update for some,
an escalation for some; about four events a case. Then times, in the same run and on the same data:

- plain: `SELECT * FROM cases` fetched whole, what any per-case loop would at least cost (the baseline);
- trends: build_trends for all time (52 weeks), all clients;
- trends, one client: the same for the client's cases;
- trends, 90 days.

Each is run --repeat times after one warm-up; the median in ms and its ratio to the plain scan are printed as
a markdown table. SQLite (a real file: WAL, synchronous=FULL) always; PostgreSQL too with --postgres URL or
KB_BENCH_POSTGRES_URL (the URL's user needs CREATEDB; the benchmark's database is dropped at the end).

    .venv/bin/python bench/report_trends.py [--cases 100000] [--repeat 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa

from generator.portal.db import cases, connect, events, writing
from generator.portal.migrate import upgrade
from generator.portal.trends import build_trends

END = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
BATCH = 5000


def fill(engine: sa.Engine, count: int) -> None:
    """`count` cases over the year before END, with their events, in batches."""
    rng = random.Random(16)
    year = 365 * 24 * 3600
    for first in range(1, count + 1, BATCH):
        case_rows, event_rows = [], []
        for case_id in range(first, min(first + BATCH, count + 1)):
            created = END - dt.timedelta(seconds=rng.randrange(year))
            due = created + dt.timedelta(hours=8)
            answered = created + dt.timedelta(hours=rng.choice((1, 2, 4, 6, 10, 30)))
            resolved = answered + dt.timedelta(hours=rng.randrange(1, 200)) if rng.random() < 0.9 else None
            severity = "catastrophic" if rng.random() < 0.01 else rng.choice(("minor", "major"))
            case_rows.append(
                {
                    "id": case_id,
                    "number": f"CASE-{case_id:06d}",
                    "idempotency_key": f"{case_id:032x}",
                    "link_salt": "salt",
                    "subject": f"Case {case_id}",
                    "description": "Bench",
                    "customer_name": "Zoe",
                    "customer_email": f"c{case_id % 5000}@example.com",
                    "severity": severity,
                    "client": "acme" if case_id % 3 == 0 else None,
                    "status": "resolved" if resolved and resolved < END else "open",
                    "level": 1,
                    "created_at": created,
                    "updated_at": created,
                    "first_response_due": due,
                    "first_responded_at": answered if answered < END else None,
                    "next_update_due": answered + dt.timedelta(hours=24),
                    "resolved_at": resolved if resolved and resolved < END else None,
                }
            )
            history = [("created", created), ("reply", answered)]
            if rng.random() < 0.3:
                history.append(("status_update", answered + dt.timedelta(hours=24)))
            if rng.random() < 0.1:
                history.append(("escalated", answered + dt.timedelta(hours=2)))
            for kind, at in history:
                if at < END:
                    event_rows.append(
                        {"case_id": case_id, "at": at, "kind": kind, "channel": "web", "visibility": "customer",
                         "actor": "system", "body": "Now at Level 2." if kind == "escalated" else ""}
                    )  # fmt: skip
        with writing(engine) as conn:
            conn.execute(cases.insert(), case_rows)
            conn.execute(events.insert(), event_rows)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(name: str, url: str, count: int, repeat: int) -> None:
    engine = connect(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        fill(engine, count)
        click.echo(f"{name}: {count} cases filled in {time.perf_counter() - started:.0f} s", err=True)

        def plain() -> None:
            with engine.connect() as conn:
                conn.execute(sa.select(cases)).all()

        weeks = build_trends(engine, END).weeks
        assert sum(week.cases for week in weeks) == count, "every case counted once"
        rows = [
            ("plain: every case row fetched", plain),
            ("trends, all time, all clients", lambda: build_trends(engine, END)),
            ("trends, all time, one client", lambda: build_trends(engine, END, client="acme")),
            ("trends, 90 days", lambda: build_trends(engine, END, days=90)),
        ]
        results = [(label, median_ms(run, repeat)) for label, run in rows]
        baseline = results[0][1]
        for label, ms in results:
            click.echo(f"| {name} | {label} | {len(weeks)} | {ms:.0f} | {ms / baseline:.2f}x |")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("KB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    click.echo(f"load average: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    click.echo("| database | what | weeks (all time) | median ms | vs plain |")
    click.echo("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="kb-bench-trends-") as tmp:
        measure("SQLite", f"sqlite:///{Path(tmp) / 'portal.sqlite3'}", args.cases, args.repeat)
    if args.postgres:
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        name = f"kb_bench_trends_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            measure("PostgreSQL", url, args.cases, args.repeat)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
