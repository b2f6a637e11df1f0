"""Who writes to SQLite next: the writers of every thread and process of one database, queued in turn."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


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

    def __init__(self, database: str | None, wait: float):
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
