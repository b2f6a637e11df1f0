"""How long builds show progress: a Reporter the pipeline calls, silent in tests, live in a terminal.

A build of 10,000 articles runs for minutes; its phases (steps) say what it is doing, and each counted
phase (pages rendered, pages written) says how far it is and how long is left: the rate so far in that
phase, and what it leaves at that rate. No estimate is shown before there is a rate to make it from. In a
terminal the count is redrawn in place; in a log (CI, a pipe) a line is written every LOG_EVERY seconds, so
a long phase is never silent and a log is not flooded."""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import click

LOG_EVERY = 10.0  # seconds between count lines when the output is not a terminal
REDRAW_EVERY = 0.2  # seconds between redraws in a terminal: drawing every page cost more than the page
ESTIMATE_AFTER = 1.0  # seconds of a phase before its rate is trusted for an estimate


class Reporter(Protocol):
    def step(self, message: str) -> None: ...

    def advance(self, total: int) -> Callable[[Any], None]: ...


class SilentReporter:
    """Reports nothing: for tests and library callers."""

    def step(self, message: str) -> None:
        pass

    def advance(self, total: int) -> Callable[[Any], None]:
        return lambda item: None


class Progress:
    """One counted phase: `done` of `total` since `started`, the rate so far, and the time it leaves."""

    def __init__(self, total: int, clock: Callable[[], float], what: str = ""):
        self.total, self.clock, self.what = max(total, 0), clock, what
        self.started = clock()
        self.done = 0

    def seconds_left(self) -> float | None:
        """At the rate so far; None while there is no rate to go by (nothing done yet, or too soon)."""
        elapsed = self.clock() - self.started
        if self.done <= 0 or elapsed < ESTIMATE_AFTER:
            return None
        return max(self.total - self.done, 0) * elapsed / self.done

    def line(self) -> str:
        """`  250/1,000 pages written (25%), 41.7 a second, about 18 s left`"""
        done, total = min(self.done, self.total), self.total
        percent = f" ({100 * done // total}%)" if total else ""
        text = f"  {done:,}/{total:,}{' ' + self.what if self.what else ''}{percent}"
        elapsed = self.clock() - self.started
        left = self.seconds_left()
        if left is not None and done < total:
            rate = self.done / elapsed
            pace = f"{rate:,.1f} a second" if rate >= 1 else f"one every {format_duration(1 / rate)}"
            text += f", {pace}, about {format_duration(left)} left"
        return text


def format_duration(seconds: float) -> str:
    """12 s, 3 min 05 s, 1 h 02 min: rounded up, so that an estimate is not shorter than it means."""
    whole = math.ceil(round(seconds, 2))  # 90.0000001 s (a float's noise) is 90 s, not 91
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


class ConsoleReporter:
    """Steps with elapsed time on stderr; each counted phase with its ETA, redrawn in place when stderr is a
    terminal and written every LOG_EVERY seconds when it is not."""

    def __init__(self, stream=None, clock: Callable[[], float] = time.monotonic, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.clock = clock
        self.live = self.stream.isatty() if live is None else live
        self.started = clock()
        self._lock = threading.Lock()  # kb serve's rebuilds and handout printing may both write

    def _line(self, message: str, end: str = "\n") -> None:
        elapsed = self.clock() - self.started
        with self._lock:
            click.echo(
                f"\r[{elapsed:6.1f}s] {message}\033[K" if self.live else f"[{elapsed:6.1f}s] {message}",
                file=self.stream,
                nl=False,
            )
            if end or not self.live:
                click.echo("", file=self.stream)

    def step(self, message: str) -> None:
        self._line(message)

    def _shower(self, progress: Progress) -> Callable[[bool], None]:
        """Show `progress` now if it is time to (always when `final`)."""
        shown = [progress.started]

        def show(final: bool = False) -> None:
            now = self.clock()
            if final or now - shown[0] >= (REDRAW_EVERY if self.live else LOG_EVERY):
                shown[0] = now
                self._line(progress.line(), end="\n" if final or not self.live else "")

        return show

    def advance(self, total: int, what: str = "pages") -> Callable[[Any], None]:
        progress = Progress(total, self.clock, what)
        show = self._shower(progress)

        def tick(item: Any) -> None:
            progress.done += 1
            show(final=progress.done == total and self.live)

        return tick
