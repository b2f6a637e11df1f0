"""When kb may fork processes of its own: the page workers, the search index's writer, the handouts'
printers and `--all-clients`' builds all share the loaded project by `fork`, and each must know when not to."""

from __future__ import annotations

import multiprocessing
import threading


def alone_in_process() -> bool:
    """`fork` is available and this process runs one thread: a child of a threaded process (`kb serve`
    printing a handout) could inherit a lock another thread held, and wait on it for ever."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def may_start_workers() -> bool:
    """This is the main thread of a process that is not itself a worker: `kb serve`'s rebuilds in a thread
    stay in-process, and so does a build in a worker of `--all-clients`, which already uses every core."""
    return threading.current_thread() is threading.main_thread() and multiprocessing.parent_process() is None
