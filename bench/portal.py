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

import http.client
import multiprocessing
import os
import pstats
import re
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
TARGET_SUBMITS = 200.0  # per second, on SQLite, with none lost
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
LOCATION = re.compile(r"/cases/(CASE-\d+)/")
DESCRIPTION = (
    "I imported the P6 schedule from last week's export and the Gantt chart stays empty.\r\n"
    "Steps: File > Import > Primavera P6 XML, chose the project, accepted the defaults.\r\n"
    "Expected: the activities on the timeline as in P6. Got: the activity table is filled, the chart is blank.\r\n"
    "It worked last month with the same kind of file. Our planners cannot send the baseline until it is fixed."
)


# -- the server (a child process) ----------------------------------------------------------------------


def serve(config, workers: int, threads: int, pipe, profile: str | None) -> None:
    """Run the portal as `kb portal` does (generator.portal.server: gunicorn, `workers` processes of `threads`
    threads) on a free loopback port; send the port back once it listens; stop on SIGTERM. With `profile`,
    each worker saves its profile to PROFILE.<pid> as it exits."""
    from generator.portal.server import PortalServer

    hooks = {"when_ready": lambda arbiter: pipe.send(arbiter.LISTENERS[0].sock.getsockname()[1])}
    wrap = None
    if profile:
        profiles: list = []
        wrap = lambda app: _profiled(app, profiles)  # noqa: E731
        hooks["worker_exit"] = lambda _arbiter, _worker: _save_profiles(profiles, f"{profile}.{os.getpid()}")
    PortalServer(config, host="127.0.0.1", port=0, workers=workers, threads=threads, wrap=wrap, hooks=hooks).run()


def _profiled(app, profiles: list):
    """The app with a cProfile profiler per server thread (cProfile sees only the thread that enabled it)."""
    import cProfile

    local = threading.local()
    lock = threading.Lock()

    def wsgi(environ, start_response):
        prof = getattr(local, "prof", None)
        if prof is None:
            prof = local.prof = cProfile.Profile(time.thread_time)  # CPU time: waits are not work
            with lock:
                profiles.append(prof)
        prof.enable()
        try:
            return app(environ, start_response)
        finally:
            prof.disable()

    return wsgi


def _save_profiles(profiles: list, path: str) -> None:
    stats = None
    for prof in list(profiles):
        prof.disable()
        stats = pstats.Stats(prof) if stats is None else stats.add(prof)
    if stats is not None:
        stats.dump_stats(path)


class Server:
    """The portal as `kb portal --workers W --threads T` serves it, in a child process."""

    def __init__(self, config, threads: int, workers: int = 1, profile: Path | None = None):
        spawn = multiprocessing.get_context("spawn")  # a clean process, as `kb portal` would be
        receive, send = spawn.Pipe(duplex=False)
        profile_path = str(profile) if profile else None
        self.process = spawn.Process(target=serve, args=(config, workers, threads, send, profile_path))
        self.process.start()
        if not receive.poll(120):
            self.stop()
            raise click.ClickException("the portal did not start within 120 s")
        self.port = receive.recv()

    def cpu_seconds(self) -> float:
        """CPU time of gunicorn's arbiter and its workers."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids += [int(pid) for pid in children.read_text().split()]
        total = 0.0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return total

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # gunicorn stops its workers gracefully on SIGTERM
        self.process.join(60)


# -- the clients (child processes with threads) ----------------------------------------------------------


@dataclass
class Tally:
    """What clients saw in one phase; added up over threads and processes."""

    latencies: list[float] = field(default_factory=list)  # seconds, requests completed in the measured window
    acknowledged: list[str] = field(default_factory=list)  # case numbers of every 303, warm-up included
    errors: Counter = field(default_factory=Counter)
    cpu_seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.acknowledged += other.acknowledged
        self.errors += other.errors
        self.cpu_seconds += other.cpu_seconds


class Client:
    """One browser-like visitor on one keep-alive connection."""

    def __init__(self, port: int, name: str):
        self.port, self.name = port, name
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""
        self.token = ""
        self.sent = 0

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str | None, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def open_session(self) -> None:
        """GET the case form once: the session cookie and the CSRF token, as a browser gets them."""
        status, _, page = self.request("GET", "/cases/new?page=KB-0010&context=schedule.gantt&q=gantt+empty")
        found = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or not found or not self.cookie:
            raise RuntimeError(f"GET /cases/new: {status}, no session cookie or CSRF token")
        self.token = found.group(1)

    def case_form(self) -> str:
        self.sent += 1
        return urllib.parse.urlencode(
            {
                "csrf_token": self.token,
                "idempotency_key": uuid.uuid4().hex,
                "subject": f"Gantt chart empty after P6 import ({self.name}-{self.sent})",
                "description": DESCRIPTION,
                "severity": "minor" if self.sent % 3 == 0 else "major",
                "module": "",
                "customer_name": "Zoe Planner",
                "customer_email": f"zoe.{self.name}@example.com",
                "company": "Acme Build Ltd",
                "phone": "+44 20 7946 0000",
                "page": "KB-0010",
                "context": "schedule.gantt",
                "last_search": "gantt empty",
            }
        )


def client_thread(port: int, endpoint: str, name: str, start_at: float, measure_from: float, until: float, out: Tally):
    client = Client(port, name)
    try:
        if endpoint == "submit":
            client.open_session()
    except (OSError, http.client.HTTPException, RuntimeError) as exc:
        out.errors[f"session: {exc}"[:120]] += 1
        return
    time.sleep(max(0.0, start_at - time.time()))
    while True:
        started = time.time()
        if started >= until:
            break
        try:
            if endpoint == "submit":
                status, location, _ = client.request("POST", "/cases/new", client.case_form())
                found = LOCATION.search(location or "") if status == 303 else None
                if found:
                    out.acknowledged.append(found.group(1))
                ok = bool(found)
            else:
                status, _, _ = client.request("GET", "/api/ping")
                ok = status == 200
        except (OSError, http.client.HTTPException) as exc:
            out.errors[type(exc).__name__] += 1
            continue
        ended = time.time()
        if not ok:
            out.errors[f"HTTP {status}"] += 1
        elif measure_from <= ended <= until:
            out.latencies.append(ended - started)
    client.connection.close()


def client_process(port: int, endpoint: str, threads: int, index: int, times: tuple[float, float, float], results):
    _, measure_from, until = times
    tallies = [Tally() for _ in range(threads)]
    workers = [
        threading.Thread(target=client_thread, args=(port, endpoint, f"p{index}t{n}", *times, tallies[n]))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, measure_from - time.time()))
    before = _cpu_seconds()
    time.sleep(max(0.0, until - time.time()))
    cpu_used = _cpu_seconds() - before  # this process's threads, in the measured window
    for worker in workers:
        worker.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    total.cpu_seconds = cpu_used
    results.put(total)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- one phase, one backend -------------------------------------------------------------------------------


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_phase(
    server: Server, endpoint: str, clients: int, processes: int, warmup: float, seconds: float
) -> tuple[Tally, float, float]:
    """Load the server from `processes` processes with `clients` threads in all; the tally, its measured
    seconds and the server's CPU seconds in that time."""
    fork = multiprocessing.get_context("fork")  # the clients need nothing but this module's functions
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
    from generator.portal.config import MailSettings, load_portal_config
    from generator.portal.db import connect
    from generator.portal.migrate import upgrade

    instance = folder / f"instance-{backend.lower()}{'-profiled' if profile else ''}"
    config = load_portal_config(
        REPO,
        database_url,
        instance_dir=instance,
        site_dir=None,
        index_dir=None,
        sweep_every_seconds=0,
        rate_limits_enabled=False,
        mail=MailSettings(),  # no SMTP: mail goes to the outbox in the temporary folder
        base_url="http://127.0.0.1",
        mail_in_background=True,  # as `kb portal` runs: requests queue mail, a thread sends it
    )
    engine = connect(database_url)
    upgrade(engine)
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


class PostgresDatabase:
    """A database of the benchmark's own on the server at `url`: created on entry, dropped on exit."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.name = f"kb_bench_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = sa.engine.make_url(url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


# -- the console at scale (--pages) -------------------------------------------------------------------------

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

    from generator.portal.config import MailSettings, load_portal_config
    from generator.portal.db import connect
    from generator.portal.migrate import upgrade

    config = load_portal_config(
        REPO,
        database_url,
        instance_dir=folder / f"pages-{backend.lower()}",
        site_dir=None,
        index_dir=None,
        sweep_every_seconds=0,
        rate_limits_enabled=False,
        mail=MailSettings(),
        base_url="http://127.0.0.1",
        mail_in_background=True,
    )
    engine = connect(database_url)
    upgrade(engine)
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


def print_profile(profile: Path, top: int = 30) -> None:
    """Merge the workers' profiles (PROFILE.<pid>) into PROFILE and print the top."""
    parts = sorted(profile.parent.glob(f"{profile.name}.*"))
    if not parts:
        raise click.ClickException(f"no worker saved a profile beside {profile}")
    stats = pstats.Stats(*map(str, parts), stream=sys.stdout)
    stats.dump_stats(profile)
    for part in parts:
        part.unlink()
    stats.strip_dirs()
    click.echo(f"\nProfile of the server's threads saved to {profile}; top {top} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)
    click.echo(f"Top {top} by own time:")
    stats.sort_stats("tottime").print_stats(top)


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
