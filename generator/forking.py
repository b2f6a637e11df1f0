"""When kb may fork processes of its own: the page workers, the search index's writer, the handouts'
printers and `--all-clients`' builds all share the loaded project by `fork`, and all follow one rule.

The rule: fork only from a process running one thread. A child gets a copy of every lock as it was at the
fork, and one held by another thread at that moment (a stream's, the logging module's, a server's) stays
held in the child for ever. `kb build` and `kb check` run one thread; `kb serve` forks for its first build,
before its server and watcher start, and renders its rebuilds in-process (at one edit that is a handful of
pages, below the engine's pool size anyway)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any


def alone_in_process() -> bool:
    """`fork` is available and this process runs one thread, so nothing another thread holds is inherited."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def may_start_workers() -> bool:
    """As alone_in_process, and this is not itself one of kb's workers: a build in a worker of
    `--all-clients` renders its pages and writes its index in-process, the workers already using every core."""
    return alone_in_process() and multiprocessing.parent_process() is None


class ForkedCall:
    """`function(*args)` called in a child forked now (the caller has asked may_start_workers), its result
    fetched later: the child shares this process's memory without a copy and gives back only its result."""

    def __init__(self, function: Callable[..., Any], *args: Any):
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._child = context.Process(target=_call_in_child, args=(send, function, args))
        self._child.start()
        send.close()

    def result(self) -> Any:
        """What the function returned; None when it failed, whatever the reason (it raised, or the child died):
        the caller does the work itself, where an error is raised for real."""
        try:
            return self._receive.recv()
        except EOFError:  # the child died without a word
            return None
        finally:
            self._child.join()

    def stop(self) -> None:
        """Stop the child if it still runs (the caller no longer wants its result), and reap it."""
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._receive.close()


@contextmanager
def forked(function: Callable[..., Any], *args: Any) -> Iterator[ForkedCall]:
    """A ForkedCall of `function(*args)` for the block, stopped at its end, however it ends."""
    call = ForkedCall(function, *args)
    try:
        yield call
    finally:
        call.stop()


def _call_in_child(send: Connection, function: Callable[..., Any], args: tuple) -> None:
    try:
        send.send(function(*args))
    except BaseException:  # noqa: BLE001 - told as "failed": the parent does the work and raises the error
        send.send(None)
    finally:
        send.close()
