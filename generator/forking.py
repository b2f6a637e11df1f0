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


def alone_in_process() -> bool:
    """`fork` is available and this process runs one thread, so nothing another thread holds is inherited."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def may_start_workers() -> bool:
    """As alone_in_process, and this is not itself one of kb's workers: a build in a worker of
    `--all-clients` renders its pages and writes its index in-process, the workers already using every core."""
    return alone_in_process() and multiprocessing.parent_process() is None
