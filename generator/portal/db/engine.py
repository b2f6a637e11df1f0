"""The engine and its transactions: SQLite tuned so an acknowledged write is never lost, PostgreSQL as it is.

SQLite runs in WAL mode with synchronous=FULL, and a write takes the database lock at BEGIN (BEGIN IMMEDIATE),
so two writers queue on the busy timeout instead of failing half-way. PostgreSQL gets ordinary transactions."""

from __future__ import annotations

import functools
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ...errors import KbError
from .writer_queue import WriterQueue


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


# Each SQLite engine's queue, held weakly: an engine that is disposed of takes its queue with it.
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
