"""How long builds show progress: a Reporter the pipeline calls, silent in tests, live in a terminal."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import click


class Reporter(Protocol):
    def step(self, message: str) -> None: ...

    def advance(self, total: int) -> Callable[[Any], None]: ...

    def watch(self, site_dir: Path, expected: int): ...


class SilentReporter:
    """Reports nothing: for tests and library callers."""

    def step(self, message: str) -> None:
        pass

    def advance(self, total: int) -> Callable[[Any], None]:
        return lambda item: None

    @contextmanager
    def watch(self, site_dir: Path, expected: int) -> Iterator[None]:
        yield


class ConsoleReporter:
    """Steps with elapsed time on stderr; counters redrawn in place when stderr is a terminal."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.started = time.monotonic()

    def _line(self, message: str, end: str = "\n") -> None:
        elapsed = time.monotonic() - self.started
        click.echo(
            f"\r[{elapsed:6.1f}s] {message}\033[K" if self.live else f"[{elapsed:6.1f}s] {message}",
            file=self.stream,
            nl=False,
        )
        if end:
            click.echo("", file=self.stream)

    def step(self, message: str) -> None:
        self._line(message)

    def advance(self, total: int) -> Callable[[Any], None]:
        done = [0]

        def tick(item: Any) -> None:
            done[0] += 1
            if self.live and (done[0] == total or done[0] % 25 == 0):
                self._line(f"  {done[0]}/{total}", end="" if done[0] < total else "\n")

        return tick

    @contextmanager
    def watch(self, site_dir: Path, expected: int) -> Iterator[None]:
        """The engine gives no progress of its own: count the pages it has written so far."""
        stop = threading.Event()

        def poll() -> None:
            seen: list[tuple[float, int]] = []  # (time, pages written) over the last ten seconds
            while not stop.wait(0.5):
                written = min(sum(1 for _ in site_dir.rglob("index.html")) if site_dir.exists() else 0, expected)
                now = time.monotonic()
                seen = [(t, n) for t, n in seen if now - t <= 10] + [(now, written)]
                self._line(f"  {written}/{expected} pages written{_time_left(seen, expected)}", end="")

        thread = threading.Thread(target=poll, daemon=True)
        if self.live:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if self.live:
                thread.join()
                click.echo("\r\033[K", file=self.stream, nl=False)


def _time_left(seen: list[tuple[float, int]], expected: int) -> str:
    """ ", about N s left" from the pace of the last seconds (pages taken from the cache come first and fast,
    so a pace over the whole build would promise too little); nothing until there is a pace to go by."""
    (first, done_then), (last, done) = seen[0], seen[-1]
    if last - first < 2 or done <= done_then or done >= expected:
        return ""
    left = (expected - done) * (last - first) / (done - done_then)
    return f", about {left:.0f} s left"
