"""Several server processes on one SQLite file: writers queue on an flock of `<database>-writers`
(generator.portal.db.WriterQueue), and `kb portal --workers N` runs gunicorn's workers over the real network.

SQLite only: the queue is SQLite's (PostgreSQL has row locks of its own)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import fcntl
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from generator.portal.config import PortalConfig
from generator.portal.db import connect, searches, writing
from generator.portal.desk import Desk, NewCase

from .portal_helpers import CUSTOMER_EMAIL, HttpVisitor, Store, case_fields, case_link, find_form
from .test_portal_cli import error_line

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def wait_for(condition: Callable[[], object], seconds: float, interval: float = 0.05) -> bool:
    """True as soon as `condition()` is true; False if it is still false after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def sqlite_path(database_url: str) -> Path:
    return Path(sa.engine.make_url(database_url).database)


# -- the writers' queue ---------------------------------------------------------------------------------

# Another process, as another `kb portal` worker would be: one write through `writing`, a marker row.
WRITE_A_MARKER = """
import datetime as dt, sys
from generator.portal.db import connect, reading, searches, writing
engine = connect(sys.argv[1])
with reading(engine) as conn:  # connected and ready: only the write is left
    conn.execute(searches.select().limit(1)).all()
print("writing", flush=True)
with writing(engine) as conn:
    conn.execute(searches.insert().values(at=dt.datetime.now(dt.UTC), query=sys.argv[2], results=0, source="test"))
print("written", flush=True)
"""


@sqlite_only
def test_a_write_in_another_process_waits_for_the_writers_flock_and_goes_on_when_it_is_released(
    database_url, store: Store
):
    marker = f"marker-{uuid.uuid4().hex}"

    def marker_rows() -> int:
        with store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).where(searches.c.query == marker)).scalar_one()

    fd = os.open(f"{sqlite_path(database_url)}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # the test's process has the turn
    child = subprocess.Popen(
        [sys.executable, "-c", WRITE_A_MARKER, database_url, marker],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "writing\n", child.stderr.read()
        # A bounded negative check: a second is many times what the write takes when nothing holds it up.
        time.sleep(1)
        assert child.poll() is None, child.stderr.read()
        assert marker_rows() == 0

        fcntl.flock(fd, fcntl.LOCK_UN)
        released = time.monotonic()
        out, err = child.communicate(timeout=10)
        took = time.monotonic() - released
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        os.close(fd)

    assert child.returncode == 0, err
    assert out == "written\n" and "Traceback" not in err
    assert took < 3, f"the write finished {took:.1f} s after the flock was released"
    assert marker_rows() == 1


@sqlite_only
def test_a_writer_that_cannot_open_the_queues_file_still_writes(database_url, store: Store):
    # As for a cron job of another user who may not create the file: a folder in its place cannot be opened.
    Path(f"{sqlite_path(database_url)}-writers").mkdir()
    engine = connect(database_url)
    try:
        with writing(engine) as conn:
            conn.execute(searches.insert().values(at=dt.datetime.now(dt.UTC), query="q", results=0, source="test"))
    finally:
        engine.dispose()
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(searches)).scalar_one() == 1


def _no_busy_handler(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=0")


_start_line = None  # submit_cases' barrier, handed to each process as it starts


def _wait_at(start_line) -> None:
    global _start_line
    _start_line = start_line


def submit_cases(database_url: str, config: PortalConfig, count: int, threads: int) -> list[str]:
    """In a process of its own: `count` cases through Desk.submit from `threads` threads at once, once every
    process is ready; their numbers.

    SQLite's busy handler is off here, so a write that met another writer's lock would fail with 'database
    is locked' at once instead of napping until it is free: the queue must mean none ever meets one."""
    engine = connect(database_url)
    sa.event.listen(engine, "connect", _no_busy_handler)
    desk = Desk(engine, config)
    with engine.connect() as conn:  # open the database before the start, not during it
        conn.exec_driver_sql("SELECT 1")
    _start_line.wait(timeout=60)

    def submit(n: int) -> str:
        new = NewCase(f"Case {n} from process {os.getpid()}", "Nothing shows.", "Zoe", CUSTOMER_EMAIL, "major")
        return desk.submit(new, uuid.uuid4().hex).number

    try:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(submit, range(count)))
    finally:
        engine.dispose()


@sqlite_only
def test_three_processes_submitting_cases_at_once_on_one_sqlite_file_store_every_case_with_its_own_number(
    database_url, portal_config, store: Store
):
    processes, threads, each = 3, 4, 15
    assert store.count_cases() == 0  # and the test's own connection keeps the database open throughout
    spawn = multiprocessing.get_context("spawn")
    start_line = spawn.Barrier(processes)

    with ProcessPoolExecutor(processes, mp_context=spawn, initializer=_wait_at, initargs=(start_line,)) as pool:
        futures = [pool.submit(submit_cases, database_url, portal_config, each, threads) for _ in range(processes)]
        numbers = [number for future in futures for number in future.result(timeout=60)]  # raises a child's error

    assert len(numbers) == processes * each
    assert len(set(numbers)) == len(numbers), "a case number was handed out twice"
    stored = store.cases()
    assert sorted(row.number for row in stored) == sorted(numbers)
    assert len({row.subject.rsplit(" ", 1)[1] for row in stored}) == processes  # from every process


# -- kb portal ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes `pid` started that are still running (Linux)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def idle(worker: int) -> bool:
    """Whether gunicorn worker `worker` waits in its loop with no connection open (Linux): its one socket is
    the one it accepts on, and its poller (epoll) watches it. A worker still booting has no such poller."""
    try:
        files = {fd: os.readlink(f"/proc/{worker}/fd/{fd}") for fd in os.listdir(f"/proc/{worker}/fd")}
        watched = {
            int(fd)
            for info in files
            for fd in re.findall(r"^tfd:\s*(\d+)", Path(f"/proc/{worker}/fdinfo/{info}").read_text(), re.MULTILINE)
        }
    except FileNotFoundError:  # the process, or one of its files, has just gone
        return False
    sockets = {int(fd) for fd, target in files.items() if target.startswith("socket:")}
    return len(sockets) == 1 and sockets <= watched


def two_idle_workers(server: int) -> bool:
    workers = children(server)
    return len(workers) == 2 and all(map(idle, workers))


def answers(visitor: HttpVisitor, path: str) -> bool:
    try:
        return visitor.get(path).status == 200
    except OSError:
        return False


@pytest.fixture
def kb_portal(make_project, built_basic, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """kb_portal(*args) -> `kb portal ARGS` running in a project in tmp_path (its instance folder there too),
    serving the built basic site, in a session of its own as a shell would start it; stopped after the test."""
    project = make_project("basic")
    site = built_basic("site")
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        env = os.environ | {"KB_PORTAL_SECRET_KEY": f"server-test-{uuid.uuid4().hex}"}
        env.pop("KB_DATABASE_URL", None)
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("kb")), "portal", "--site", str(site), *args],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        return process

    start.outbox = project / "instance" / "outbox"  # where its mail goes (no SMTP server in the basic project)
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


# Two workers whose graceful timeout (how long a stopping worker may take before it is killed) is longer than
# the tests wait for `kb portal` to stop: a worker that hangs on Ctrl+C instead of stopping shows as a timeout,
# however slow the machine, rather than as a few seconds too many.
STOP_TIMEOUT = 60
STOPS_WITHOUT_WAITING = ("--workers", "2", "--graceful-timeout", str(3 * STOP_TIMEOUT))


def test_kb_portal_with_two_workers_takes_a_case_from_a_browser_and_stops_cleanly_on_ctrl_c(kb_portal, tmp_path):
    port = free_port()
    database = tmp_path / "cases.db"
    server = kb_portal(*STOPS_WITHOUT_WAITING, "--port", str(port), "--database-url", f"sqlite:///{database}")
    customer = HttpVisitor(f"http://127.0.0.1:{port}")

    started = wait_for(lambda: server.poll() is not None or answers(customer, "/"), 30, interval=0.1)
    assert started and server.poll() is None, server.communicate()[1]
    # Two processes serve, each in its loop.
    assert wait_for(lambda: two_idle_workers(server.pid), 10), f"workers: {children(server.pid)}"
    workers = children(server.pid)
    # The workers are forked from this process: an SQLite connection it left open would be theirs too, and
    # SQLite's locks do not survive that (writes were lost once another process wrote as well).
    opened = [os.readlink(f"/proc/{server.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{server.pid}/fd")]
    assert not [path for path in opened if path.startswith(str(database))]

    home = customer.get("/")
    assert home.status == 200 and "Sample Planner" in home.text

    form = customer.get("/cases/new")
    assert form.status == 200
    fields = find_form(form.text, "/cases/new").fields
    assert fields["csrf_token"] and fields["idempotency_key"]
    sent = customer.post("/cases/new", fields | case_fields())
    assert sent.status == 303, sent.text
    assert sent.headers["Location"].endswith("?new=1")
    number, path = case_link(sent.headers["Location"])
    assert number == "CASE-000001"
    page = customer.get(f"{path}?new=1")
    assert page.status == 200
    assert number in page.text and case_fields()["subject"] in page.text

    # Ctrl+C right after answering, the customer's connection still open: gunicorn's own gthread worker could
    # deadlock here (its quit handler takes the thread pool's lock) until the graceful timeout ran out, which
    # STOPS_WITHOUT_WAITING sets past communicate()'s timeout: a deadlock fails the test, a slow machine does not.
    os.killpg(server.pid, signal.SIGINT)  # as the terminal does: the whole process group
    _, err = server.communicate(timeout=STOP_TIMEOUT)

    assert server.returncode == 0, err
    assert "Traceback" not in err, err
    assert f"on http://127.0.0.1:{port}/" in err and "2 processes of 4 threads" in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived the server"
    # Acknowledged a moment before Ctrl+C, inside the mail thread's quarter-second gathering: the worker sent
    # it on its way out (its mail thread, a daemon, died with it).
    (mail,) = kb_portal.outbox.glob("*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith(f"[{number}] We have your case")
    text = message.get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:{port}{path}" in text  # no public_url in portal.yml: where it served


# Where Ctrl+C can land in a worker is too narrow a window to hit from outside on purpose, so each place is set
# up here, in a process of its own, with a worker holding only what a quit handler touches.
A_WORKER = """
import signal
from concurrent.futures import ThreadPoolExecutor
from gunicorn.config import Config
from generator.portal.server import PortalWorker
worker = PortalWorker.__new__(PortalWorker)
worker.cfg, worker.tpool, worker.alive, worker.booted = Config(), ThreadPoolExecutor(2), True, {booted}
"""


def quit_worker(booted: bool, code: str) -> subprocess.CompletedProcess:
    program = A_WORKER.format(booted=booted) + code
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=30)


def test_a_worker_told_to_quit_while_it_holds_its_thread_pools_lock_stops_instead_of_hanging():
    # Inside ThreadPoolExecutor.submit(), as the worker's loop hands a connection to a thread, or inside the
    # first signal's handler when the arbiter's SIGQUIT follows the terminal's SIGINT. gunicorn's gthread
    # worker, whose handler shuts the pool down, waits there for the lock forever.
    done = quit_worker(
        True,
        """
with worker.tpool._shutdown_lock:
    try:
        worker.handle_quit(signal.SIGINT, None)
    except SystemExit as stop:
        print("stopped", stop.code)
    worker.handle_quit(signal.SIGQUIT, None)  # the second signal: already on its way out
    print("second ignored")
""",
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "stopped 0\nsecond ignored\n", "")


def test_a_worker_told_to_quit_while_loading_the_app_ends_without_raising_into_it():
    # SystemExit raised into the app's start-up could break a lock there: "Worker failed to boot", exit 3.
    done = quit_worker(
        False,
        """
try:
    worker.handle_quit(signal.SIGINT, None)
except SystemExit:
    print("raised into the app's start-up")
""",
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_worker_that_got_ctrl_c_before_its_own_handlers_were_set_stops_when_they_are():
    # Between the fork and the worker's init_signals, the arbiter's inherited handler runs instead of the
    # worker's and only queues the signal in the worker's copy of the arbiter's queue.
    done = quit_worker(
        False,
        """
import os, queue
worker.PIPE = os.pipe()
os.set_blocking(worker.PIPE[1], False)  # as gunicorn makes it, for signal.set_wakeup_fd
worker.arbiter_signals = queue.SimpleQueue()
worker.arbiter_signals.put_nowait(signal.SIGCHLD)  # what the arbiter had queued for itself: not a reason to stop
worker.init_signals()
print("still here")
worker.arbiter_signals.put_nowait(signal.SIGINT)
worker.init_signals()
print("served on after Ctrl+C")
""",
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "still here\n", "")


@pytest.mark.parametrize("after", [0.0, 0.4, 0.8])
def test_ctrl_c_while_the_workers_are_starting_stops_kb_portal_at_once(kb_portal, tmp_path, after):
    server = kb_portal(
        *STOPS_WITHOUT_WAITING, "--port", str(free_port()), "--database-url", f"sqlite:///{tmp_path}/c.db"
    )
    assert wait_for(lambda: server.poll() is not None or len(children(server.pid)) == 2, 30), server.communicate()
    time.sleep(after)  # somewhere in the workers' start: forked, loading the app, or about to serve

    os.killpg(server.pid, signal.SIGINT)
    _, err = server.communicate(timeout=STOP_TIMEOUT)  # a hang waits out the graceful timeout: TimeoutExpired

    assert server.returncode == 0, err
    assert "Traceback" not in err and "Error" not in err, err


def test_kb_portal_on_a_port_in_use_says_so_in_one_line(run_kb, make_project, built_basic, tmp_path):
    project = make_project("basic")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_kb(
            project,
            "portal",
            "--port",
            str(port),
            "--site",
            str(built_basic("site")),
            "--database-url",
            f"sqlite:///{tmp_path / 'cases.db'}",
        )

    assert result.exit_code == 1
    assert error_line(result) == (
        f"Error: cannot serve on 127.0.0.1:{port}: Address already in use; pass another --port (or --host)"
    )
