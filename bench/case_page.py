"""Benchmark: the agent's case page with 100,000 cases in the database, against /api/ping of the same app.

Seeds --cases cases (default 100,000; one "created" event and two sent mails each, customers with about
ten cases apiece, so the side panel's "other cases" has something to find) straight into a migrated
database, signs an agent in, then asks the app (through Flask's test client: the app's own cost, no HTTP
server) in the same run:

- ping: GET /api/ping, the app's per-request machinery alone (the baseline);
- case page: GET /agent/cases/<number> of random cases (thread, side panel, origins, other cases, presence);
- presence: POST /agent/cases/<number>/presence, the heartbeat every open case page sends.

Prints p50 and p95 in ms and the ratio of each p95 to ping's, per backend: SQLite (a file in a temporary
folder) and PostgreSQL with --postgres URL or KB_BENCH_POSTGRES_URL (a database of its own, dropped after).

    .venv/bin/python bench/case_page.py [--cases 100000] [--requests 300] [--postgres URL]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import click
import sqlalchemy as sa

CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
PASSWORD = "bench-password-long-enough"


def seed(url: str, count: int) -> None:
    """A migrated database holding `count` cases and an agent."""
    from generator.portal.accounts import add_agent
    from generator.portal.db import cases, connect, events, mail_queue
    from generator.portal.migrate import upgrade

    engine = connect(url)
    upgrade(engine)
    add_agent(engine, "bench", "Bench Agent", "bench@example.com", 3, False, PASSWORD)
    now = dt.datetime.now(dt.UTC)
    chunk = 5000
    with engine.begin() as conn:
        for start in range(1, count + 1, chunk):
            ids = range(start, min(start + chunk, count + 1))
            conn.execute(
                cases.insert(),
                [
                    {
                        "id": i,
                        "number": f"CASE-{i:06d}",
                        "idempotency_key": f"{i:032x}",
                        "link_salt": "salt",
                        "subject": f"Gantt chart is empty after import {i}",
                        "description": "I imported a P6 file.\nThe Gantt chart shows no bars.",
                        "customer_name": "Customer",
                        "customer_email": f"customer{i % (count // 10 or 1)}@example.com",
                        "severity": ("minor", "major", "catastrophic")[i % 3],
                        "page_id": "KB-0001",
                        "context_id": "schedule.gantt",
                        "last_search": "gantt empty",
                        "status": ("new", "open", "waiting", "resolved")[i % 4],
                        "level": 1 + i % 3,
                        "created_at": now,
                        "updated_at": now,
                        "first_response_due": now + dt.timedelta(hours=8),
                        "next_update_due": now + dt.timedelta(hours=24),
                        "paused_at": now if i % 4 == 2 else None,
                        "resolved_at": now if i % 4 == 3 else None,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                events.insert(),
                [
                    {
                        "case_id": i,
                        "at": now,
                        "kind": "created",
                        "channel": "web",
                        "visibility": "customer",
                        "actor": "customer",
                        "body": "I imported a P6 file.",
                    }
                    for i in ids
                ],
            )
            conn.execute(
                mail_queue.insert(),
                [
                    {
                        "case_id": i,
                        "created_at": now,
                        "to_addr": "customer@example.com",
                        "subject": f"[CASE-{i:06d}] {what}",
                        "body": "Hello,\n\nWe have logged your case.",
                        "sent_at": now,
                        "attempts": 1,
                    }
                    for i in ids
                    for what in ("We have your case", "Update")
                ],
            )
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            conn.exec_driver_sql("SELECT setval('events_id_seq', (SELECT max(id) FROM events))")
    with engine.connect() as conn:
        # The statistics a live database has (autovacuum, or SQLite's optimize): plans as in production.
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def measure(url: str, count: int, requests: int, instance: Path) -> dict[str, list[float]]:
    from generator.portal.app import create_app
    from generator.portal.config import PortalConfig

    app = create_app(
        PortalConfig(
            database_url=url,
            instance_dir=instance,
            secret_key=secrets.token_hex(16),
            rate_limits_enabled=False,
            sweep_every_seconds=0,
        )
    )
    client = app.test_client()
    token = CSRF.search(client.get("/agent/sign-in").text).group(1)
    signed = client.post("/agent/sign-in", data={"csrf_token": token, "username": "bench", "password": PASSWORD})
    assert signed.status_code == 303, signed.text
    csrf = CSRF.search(client.get("/agent/cases/CASE-000001").text).group(1)
    rng = random.Random(16)
    timings: dict[str, list[float]] = {"ping": [], "case page": [], "presence": []}
    for _ in range(requests):
        number = f"CASE-{rng.randint(1, count):06d}"
        for name, method, path in (
            ("ping", "GET", "/api/ping"),
            ("case page", "GET", f"/agent/cases/{number}"),
            ("presence", "POST", f"/agent/cases/{number}/presence"),
        ):
            started = time.perf_counter()
            response = client.open(path, method=method, headers={"X-CSRFToken": csrf})
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, number, response.status_code)
    app.extensions["kb_portal"].desk.engine.dispose()
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@click.command()
@click.option("--cases", "count", default=100_000, show_default=True)
@click.option("--requests", default=300, show_default=True, help="Requests of each kind.")
@click.option("--postgres", default=lambda: os.environ.get("KB_BENCH_POSTGRES_URL"), help="A server URL (CREATEDB).")
@click.option("--no-sqlite", is_flag=True, help="PostgreSQL only.")
def main(count: int, requests: int, postgres: str | None, no_sqlite: bool) -> None:
    click.echo(f"load average: {os.getloadavg()}")
    click.echo("| backend | endpoint | p50 ms | p95 ms | p95 / ping p95 |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        backends = [] if no_sqlite else [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", None)]
        if postgres:
            name = f"kbbench_case_{secrets.token_hex(4)}"
            admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            backends.append(("PostgreSQL", sa.engine.make_url(postgres).set(database=name), (admin, name)))
        try:
            for label, url, _ in backends:
                url = url if isinstance(url, str) else url.render_as_string(hide_password=False)
                started = time.perf_counter()
                seed(url, count)
                click.echo(f"<!-- {label}: {count:,} cases seeded in {time.perf_counter() - started:.0f} s -->")
                timings = measure(url, count, requests, Path(folder) / label)
                base = p95(timings["ping"])
                for endpoint, values in timings.items():
                    click.echo(
                        f"| {label} | {endpoint} | {statistics.median(values):.1f} | {p95(values):.1f} | "
                        f"{p95(values) / base:.1f} |"
                    )
        finally:
            for _, _, dropping in backends:
                if dropping:
                    admin, name = dropping
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    admin.dispose()


if __name__ == "__main__":
    main()
