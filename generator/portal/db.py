"""The case store: tables, the engine, and transactions that do not lose an acknowledged write.

SQLite runs in WAL mode with synchronous=FULL, and a write takes the database lock at BEGIN (BEGIN IMMEDIATE),
so two writers queue on the busy timeout instead of failing half-way. PostgreSQL gets ordinary transactions.
The schema itself is created and changed only by the Alembic migrations in `migrations/`."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import KbError

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator):
    """Datetimes stored as UTC and always read back timezone-aware (SQLite would drop the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the case store; expected an aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254)),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(20), unique=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
    sa.Column("link_salt", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("customer_name", sa.String(200), nullable=False),
    sa.Column("customer_email", sa.String(254), nullable=False),
    sa.Column("company", sa.String(200)),
    sa.Column("phone", sa.String(50)),
    sa.Column("module", sa.String(64)),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("page_id", sa.String(20)),
    sa.Column("context_id", sa.String(120)),
    sa.Column("last_search", sa.String(200)),
    sa.Column("client", sa.String(64)),  # the client build the case was logged from (migration 0002)
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("first_response_due", UtcDateTime, nullable=False),
    sa.Column("first_responded_at", UtcDateTime),
    sa.Column("next_update_due", UtcDateTime),
    sa.Column("resolution_due", UtcDateTime),
    sa.Column("paused_at", UtcDateTime),
    sa.Column("resolved_at", UtcDateTime),
    sa.Column("resolution", sa.Text),
    sa.Index("ix_cases_status_level", "status", "level"),
    sa.Index("ix_cases_customer_email_created_at", "customer_email", "created_at"),  # acknowledgements an hour (0004)
    # The resolved view, newest first (0008). The queue's own order has indexes on expressions, below.
    sa.Index("ix_cases_status_resolved_at", "status", "resolved_at", "id", "level"),
)

# The queue's order (migration 0008), computed from the case's own columns in every query, so it cannot go
# stale whoever writes the case: catastrophic and Level 3 first (0), the rest that runs (1), waiting on the
# customer (2), resolved (3); `due_at` the next deadline (first response until given, customer update,
# Level 1 resolution; NULL once resolved). Expressions, not stored or generated columns: SQLite's generated
# columns break Alembic's batch mode (it copies them into the rebuilt table), and triggers on `cases` are
# dropped when a migration rebuilds it. Migration 0008 indexes the same SQL (ix_cases_queue,
# ix_cases_assignee_queue); both databases match an indexed expression in a query.
QUEUE_PRIORITY_SQL = (
    "CASE WHEN {t}status = 'resolved' THEN 3 WHEN {t}status = 'waiting' THEN 2 "
    "WHEN {t}severity = 'catastrophic' OR {t}level >= 3 THEN 0 ELSE 1 END"
)
_FIRST = "CASE WHEN {t}first_responded_at IS NULL THEN {t}first_response_due END"
_UPDATE = "COALESCE({t}next_update_due, {t}first_response_due)"
_RESOLVE = "CASE WHEN {t}level = 1 THEN {t}resolution_due END"
_SOONER = f"CASE WHEN {_FIRST} < {_UPDATE} THEN {_FIRST} ELSE {_UPDATE} END"
DUE_AT_SQL = (
    f"CASE WHEN {{t}}status = 'resolved' THEN NULL WHEN {_RESOLVE} < {_SOONER} THEN {_RESOLVE} ELSE {_SOONER} END"
)
queue_priority = sa.type_coerce(sa.literal_column(QUEUE_PRIORITY_SQL.format(t="cases.")), sa.Integer)
due_at = sa.type_coerce(sa.literal_column(DUE_AT_SQL.format(t="cases.")), UtcDateTime)
QUEUE_INDEXES = ("ix_cases_queue", "ix_cases_assignee_queue")  # on expressions: made by 0008, not declared here

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),  # web, phone, email, system
    sa.Column("visibility", sa.String(10), nullable=False),  # customer or internal
    sa.Column("actor", sa.String(200), nullable=False),  # customer, system, or an agent's username
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("body", sa.Text, nullable=False, default=""),
)

# Files on a case's history events (migration 0006). The bytes live in the attachments folder under
# `storage_name`, a random name: nothing the sender chose reaches the file system. `name` is the sanitised
# name shown and offered for download, `content_type` what the bytes sniffed as (never what was declared).
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("storage_name", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

mail_queue = sa.Table(
    "mail_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("to_addr", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("claimed_by", sa.String(300)),  # host, pid and start time of the claiming process (0004)
    sa.Column("sent_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UtcDateTime),  # after a failure: not before then (0004)
    sa.Column("given_up_at", UtcDateTime),  # never sent; the case's history says why (0004)
    sa.Column("message_id", sa.String(255)),  # our Message-ID, so a reply can be matched to its case (0007)
    sa.Index("ix_mail_queue_sent_at", "sent_at"),
    sa.Index("ix_mail_queue_message_id", "message_id"),  # the mail worker looks for unsent mail every quarter second
)

# Mail that came in (migration 0007): one row per message, claimed by its key (the Message-ID, or a hash of the
# raw message when it has none) in the transaction that stores its case event, so two workers or a restart
# after a crash never handle one twice. `state` says what became of it; `raw` keeps the untrimmed original.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_key", sa.String(255), nullable=False, unique=True),
    sa.Column("message_id", sa.String(255)),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(10), nullable=False),  # imap, lmtp
    sa.Column("state", sa.String(20), nullable=False),  # new_case, reply, unverified, accepted, rejected, dropped...
    sa.Column("sender", sa.String(254)),
    sa.Column("subject", sa.String(300)),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
    sa.Column("reason", sa.Text),
    sa.Column("raw", sa.LargeBinary),
    sa.Index("ix_inbound_messages_message_id", "message_id"),
    sa.Index("ix_inbound_messages_case_id", "case_id"),
    sa.Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),
)

deflections = sa.Table(
    "deflections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("query", sa.String(200)),
    sa.Column("page_id", sa.String(20)),
    sa.Column("context_id", sa.String(120)),
)


# The knowledge loop (Knowledge-Centered Service): reuse, improve, capture.
article_links = sa.Table(
    "article_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300)),  # as the agent saw it when linking, for the customer's page
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("case_id", "article_id", name="uq_article_links_case_article"),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("module", sa.String(64), nullable=False),
    sa.Column("issue", sa.Text, nullable=False),
    sa.Column("environment", sa.Text, nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("context_id", sa.String(120)),
    sa.Column("pulled_at", UtcDateTime),  # written into kb/ by `kb cases pull-drafts`
    sa.Column("article_id", sa.String(20)),
    sa.Column("path", sa.String(300)),
)

article_flags = sa.Table(
    "article_flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # wrong, incomplete
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("pulled_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text),
)

# Server-side sessions (migration 0003): the cookie holds a random token, the row only its SHA-256, so a copy
# of the table signs nobody in, and ending a session is deleting its row. `kind` says whose (agent now,
# customers later), `subject_id` whom: the agents' or the customers' id.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_sessions_expires_at", "expires_at"),
)

searches = sa.Table(
    "searches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("results", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # search page, api, case form
)

search_clicks = sa.Table(
    "search_clicks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("page_id", sa.String(200), nullable=False),  # an article ID (KB-0042) or a manual page's ID
    sa.Column("position", sa.Integer),  # 1 for the first result of the first page; None when not known
    sa.Column("source", sa.String(20), nullable=False),  # search page, suggestions
)


class DatabaseBusy(Exception):
    """SQLite stayed locked by another writer for longer than the busy timeout: try again shortly."""


BUSY_SECONDS = 30.0


def connect(database_url: str, busy_seconds: float = BUSY_SECONDS) -> Engine:
    """An engine for `database_url` (sqlite:///path or postgresql+psycopg://...), SQLite tuned for safety;
    `busy_seconds`: how long an SQLite writer waits for another one's lock before giving up."""
    try:
        url = sa.engine.make_url(database_url)
    except sa.exc.ArgumentError:
        raise KbError(f"--database-url {database_url!r}: expected sqlite:///PATH or postgresql+psycopg://...") from None
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": busy_seconds}, pool_size=20, max_overflow=20)
        sa.event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=int(busy_seconds * 1000)))
        sa.event.listen(engine, "begin", _sqlite_begin)
        _WRITER_QUEUES[engine] = WriterQueue(url.database, busy_seconds)
        return engine
    if url.get_backend_name() == "postgresql":
        return sa.create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    raise KbError(f"--database-url: {url.get_backend_name()} is not supported; expected SQLite or PostgreSQL")


def _sqlite_connect(dbapi_connection, _record, busy_ms: int) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={busy_ms}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front: upgrading a read lock later can fail with SQLITE_BUSY.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("kb_write") else "BEGIN")


class WriterQueue:
    """Performance, not safety: SQLite's writers, handed the database one after another without naps.

    SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's busy handler
    (1, 2, 5 ... up to 100 ms a nap), so under load the lock sits idle while writers nap: 32 threads
    submitting cases got ~80/s with multi-second p99s, and two server processes on one database file did
    barely better than one (p99 near a second). So writers queue here first: the threads of a process on a
    lock, the processes on an flock() of a file beside the database (released by the kernel if its holder
    dies). BEGIN IMMEDIATE, WAL and synchronous=FULL are unchanged; the queue only decides who asks SQLite
    next. A writer that cannot get its turn in time (a write nested in a write, a stuck process) goes on
    without it and meets SQLite's own lock, so nothing hangs that did not hang before."""

    def __init__(self, database: str | None, wait: float = BUSY_SECONDS):
        self.wait = wait  # seconds, as the busy timeout
        self.threads = threading.Lock()
        # An in-memory database belongs to one process: the thread lock is all it needs.
        self.path = f"{database}-writers" if database and database != ":memory:" else None

    @contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + self.wait
        if not self.threads.acquire(timeout=self.wait):
            yield
            return
        try:
            fd = self._open()
            try:
                if fd is not None:
                    _flock(fd, deadline)
                yield
            finally:
                if fd is not None:
                    os.close(fd)  # releases the flock
        finally:
            self.threads.release()

    def _open(self) -> int | None:
        """The lock file, opened for this turn. Not once: a forked worker shares its parent's open files, and
        flock() locks belong to the open file, so a shared one would let parent and child in together. None
        for an in-memory database, or when it cannot be opened (say `kb cases sweep` run by another user, who
        may not create it there): SQLite's own lock still keeps writers apart."""
        if self.path is None:
            return None
        try:
            # flock() needs no write access: anyone who may read the database may queue. It stays empty.
            return os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None


def _flock(fd: int, deadline: float) -> None:
    """Take an exclusive flock on `fd`, trying until `deadline`, then go on without it. Linux has no timed
    flock(); a waiter polls, but it is one thread a process (the others wait on the thread lock) and its
    naps (0.1 to 1 ms) are a fraction of the time a write holds the lock, so a turn passes on almost at once."""
    nap = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return
            time.sleep(nap)
            nap = min(nap * 2, 0.001)


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed whole when the block ends, rolled back whole on any error.
    DatabaseBusy when SQLite stayed locked past the busy timeout (nothing was written)."""
    queue = _WRITER_QUEUES.get(engine)
    try:
        with queue.turn() if queue else nullcontext():
            with engine.connect().execution_options(kb_write=True) as conn, conn.begin():
                yield conn
    except sa.exc.OperationalError as exc:
        if _is_busy(exc):
            raise DatabaseBusy(str(exc.orig)) from exc
        raise


def _is_busy(exc: sa.exc.OperationalError) -> bool:
    """SQLite's SQLITE_BUSY ("database is locked"): another writer held the lock past the busy timeout."""
    orig = exc.orig
    return isinstance(orig, sqlite3.OperationalError) and getattr(orig, "sqlite_errorname", "").startswith(
        ("SQLITE_BUSY", "SQLITE_LOCKED")
    )


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
