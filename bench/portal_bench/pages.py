"""The agent console at scale (--pages): cases bulk-inserted with their history, then the queue's pages and
case pages asked for one at a time by a signed-in agent, against GET /api/ping."""

from __future__ import annotations

import re
import time
import urllib.parse
from pathlib import Path

import click

from .clients import CSRF, Client, percentile
from .server import Server, prepare

WORDS = (
    "gantt schedule import baseline budget forecast resource calendar export report chart activity portfolio "
    "approval workflow currency rounding licence login password printer dashboard filter timeline milestone"
).split()
PAGES = {
    "GET /api/ping": "/api/ping",
    "queue: all open": "/agent/",
    "queue: breaching within 2 h": "/agent/?view=breaching",
    "queue: search": "/agent/?q={word}",
    "queue: resolved": "/agent/?view=resolved",
    "queue: second page": "/agent/?after={after}",
    "queue: live, unchanged (304)": "/agent/queue/live?view=open&since={latest}",
    "case page": "/agent/cases/{number}",
}


def fill_cases(engine, count: int, seed: int = 16) -> list[str]:
    """`count` cases with their history, bulk-inserted (executemany, 5,000 rows a statement); the numbers of
    a sample of them for the case pages."""
    import datetime as dt
    import random

    import sqlalchemy as sa

    from generator.portal.accounts import add_agent
    from generator.portal.db import agents, cases, events, writing
    from generator.portal.desk import case_number

    rng = random.Random(seed)
    for n, level in enumerate((1, 1, 1, 2, 2, 3), start=1):
        add_agent(engine, f"agent{n}", f"Agent {n}", f"agent{n}@example.com", level, False, "bench-password-1")
    add_agent(engine, "bench", "Bench Agent", "bench@example.com", 3, True, "bench-password-1")
    with engine.connect() as conn:
        staff = conn.execute(sa.select(agents.c.id, agents.c.level)).all()
    now = dt.datetime.now(dt.UTC)
    sample: list[str] = []
    for start in range(1, count + 1, 5000):
        batch, history = [], []
        for case_id in range(start, min(count, start + 4999) + 1):
            created = now - dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            resolved = rng.random() < 0.85
            severity = rng.choices(("minor", "major", "catastrophic"), (70, 28, 2))[0]
            level = 3 if severity == "catastrophic" else rng.choices((1, 2, 3), (70, 25, 5))[0]
            status = "resolved" if resolved else rng.choices(("new", "open", "waiting"), (30, 55, 15))[0]
            people = [a.id for a in staff if a.level >= level]
            words = rng.sample(WORDS, 4)
            soon = now + dt.timedelta(minutes=rng.randrange(-600, 3000))
            batch.append(
                {
                    "id": case_id,
                    "number": case_number(case_id),
                    "idempotency_key": f"bench-{case_id}",
                    "link_salt": f"{rng.getrandbits(64):016x}",
                    "subject": f"{words[0].capitalize()} {words[1]} fails after {words[2]}",
                    "description": f"The {words[0]} {words[3]} stopped working this morning. " * 3,
                    "customer_name": f"Customer {rng.randrange(20000)}",
                    "customer_email": f"user{rng.randrange(20000)}@client{rng.randrange(300)}.example",
                    "company": f"Company {rng.randrange(300)}",
                    "module": rng.choice(("scheduling", "budgets", None)),
                    "client": rng.choice(("acme", "globex", None, None)),
                    "severity": severity,
                    "status": status,
                    "level": level,
                    "assignee_id": rng.choice(people) if rng.random() < 0.6 else None,
                    "created_at": created,
                    "updated_at": created,
                    "first_response_due": soon if status == "new" else created + dt.timedelta(hours=8),
                    "first_responded_at": None if status == "new" else created + dt.timedelta(hours=1),
                    "next_update_due": soon,
                    "resolution_due": soon + dt.timedelta(hours=12) if level == 1 else None,
                    "paused_at": now if status == "waiting" else None,
                    "resolved_at": created + dt.timedelta(days=2) if resolved else None,
                    "resolution": "Fixed by a setting." if resolved else None,
                }
            )
            for n in range(rng.randrange(1, 6)):
                history.append(
                    {
                        "case_id": case_id,
                        "at": created + dt.timedelta(hours=n),
                        "kind": ("created", "reply", "customer_reply", "note", "status")[n],
                        "channel": "web",
                        "visibility": "customer",
                        "actor": "customer",
                        "agent_id": None,
                        "body": f"About the {rng.choice(WORDS)} and the {rng.choice(WORDS)}, message {n}.",
                    }
                )
            if rng.random() < 0.01:
                sample.append(case_number(case_id))
        with writing(engine) as conn:
            conn.execute(cases.insert(), batch)
            conn.execute(events.insert(), history)
        click.echo(f"  {min(count, start + 4999):,} cases", err=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum leaves a table after a bulk load
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return sample


def sign_in_agent(client: Client) -> None:
    """Sign the benchmark's agent in on `client`'s connection; its cookies (session and agent) in client.cookie."""
    from http.cookies import SimpleCookie

    jar: dict[str, str] = {}

    def send(method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        client.connection.request(method, path, body=body, headers=headers)
        response = client.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            jar.update({name: morsel.value for name, morsel in cookie.items()})
        return response.status, data

    _, page = send("GET", "/agent/sign-in")
    token = CSRF.search(page.decode()).group(1)
    status, _ = send(
        "POST",
        "/agent/sign-in",
        urllib.parse.urlencode({"csrf_token": token, "username": "bench", "password": "bench-password-1"}),
    )
    if status != 303:
        raise click.ClickException(f"the benchmark's agent could not sign in: HTTP {status}")
    client.cookie = "; ".join(f"{k}={v}" for k, v in jar.items())


def measure_pages(backend: str, database_url: str, folder: Path, count: int, requests: int) -> list[tuple]:
    """(backend, page, p50 ms, p95 ms) for each of PAGES, at `count` cases."""
    import random

    config, engine = prepare(database_url, folder / f"pages-{backend.lower()}")
    started = time.time()
    sample = fill_cases(engine, count)
    click.echo(f"{backend}: {count:,} cases inserted in {time.time() - started:.0f} s", err=True)
    engine.dispose()
    server = Server(config, threads=4, workers=1)
    rng = random.Random(7)
    results = []
    try:
        client = Client(server.port, "pages")
        sign_in_agent(client)
        cookies = client.cookie
        _, _, first = client.request("GET", "/agent/")
        client.cookie = cookies  # Client keeps one cookie from a response; the agent's must stay
        after = re.search(rb'href="\?[^"]*after=(\d+)', first).group(1).decode()
        latest = re.search(rb'data-since="(\d+)"', first).group(1).decode()
        for name, template in PAGES.items():
            timings = []
            etag = None
            for n in range(requests + 10):  # the first ten warm the caches, unmeasured
                path = template.format(word=rng.choice(WORDS), after=after, latest=latest, number=rng.choice(sample))
                headers = {"Cookie": client.cookie}
                if etag:
                    headers["If-None-Match"] = etag
                begun = time.perf_counter()
                client.connection.request("GET", path, headers=headers)
                response = client.connection.getresponse()
                response.read()
                took = time.perf_counter() - begun
                if response.status not in (200, 304):
                    raise click.ClickException(f"GET {path}: HTTP {response.status}")
                etag = response.getheader("ETag") if "live" in name else None
                if n >= 10:
                    timings.append(took)
            results.append((backend, name, percentile(timings, 0.50) * 1000, percentile(timings, 0.95) * 1000))
            click.echo(f"  {backend} {name}: p50 {results[-1][2]:.1f} ms, p95 {results[-1][3]:.1f} ms", err=True)
        client.connection.close()
    finally:
        server.stop()
    return results


def print_pages(rows: list[tuple], count: int, requests: int) -> None:
    click.echo(
        f"\nThe agent console at {count:,} cases: {requests} requests a page, one at a time, after 10 unmeasured\n"
    )
    click.echo("| backend | page | p50 ms | p95 ms | p95 / ping's p95 |")
    click.echo("|---|---|---:|---:|---:|")
    ping = {backend: p95 for backend, name, _, p95 in rows if name == "GET /api/ping"}
    for backend, name, p50, p95 in rows:
        click.echo(f"| {backend} | {name} | {p50:.1f} | {p95:.1f} | {p95 / ping[backend]:.1f} |")
