"""`kb portal`'s web server: gunicorn, a pre-forking WSGI server, running `create_app` in `workers` processes
of `threads` threads each.

Why processes: Python runs one thread of a process at a time, and a case submission is mostly Python (the
form, CSRF, building SQL), so one process tops out near one core. Workers share nothing but the database and
the instance folder (its secret key, so any worker reads any worker's session cookie and CSRF token); SQLite
writers of all workers queue on the flock of `db.WriterQueue`. Each worker runs the timed rules and sends
mail on its own threads; both claim their work in the database, so no case is escalated or mailed twice.
Rate limits are counted where portal.yml's rate_limit_storage says: in each worker's memory by default (N
workers let a client through up to N times the rate, and `kb portal` warns), or in Redis, shared by all."""

from __future__ import annotations

import os
import queue
import signal
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker

from .app import create_app
from .config import PortalConfig

Wrap = Callable[[Callable], Callable]
NEWER_SETTINGS = {"control_socket_disable"}  # left out on a gunicorn older than the setting


class PortalServer(BaseApplication):
    """gunicorn's arbiter serving the portal; `run()` returns (by SystemExit) when it is stopped.

    wrap: applied to the app in each worker (the benchmark's profiler). hooks: more gunicorn server hooks
    (when_ready, worker_exit, ...) by name."""

    def __init__(
        self,
        config: PortalConfig,
        *,
        host: str,
        port: int,
        workers: int = 1,
        threads: int = 4,
        graceful_timeout: int = 10,
        wrap: Wrap | None = None,
        hooks: dict[str, Callable] | None = None,
    ):
        self.portal_config, self.wrap = config, wrap
        self.settings = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": PortalWorker,
            "proc_name": "kb-portal",
            # Browsers keep a connection open between pages; gunicorn's 2 s default closes it under them.
            "keepalive": 30,
            "loglevel": "warning",  # `kb portal` says where it serves; errors still show
            "accesslog": None,
            # Ctrl+C and SIGTERM let requests being answered finish, for this long at most.
            "graceful_timeout": graceful_timeout,
            # gunicorn >= 25.1 would otherwise make a control socket in $XDG_RUNTIME_DIR or $HOME.
            "control_socket_disable": True,
            "post_fork": _hand_over_early_signals,
            **(hooks or {}),
        }
        self.portal_app = None  # each worker's, once loaded
        super().__init__(prog="kb portal")

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)
            elif key not in NEWER_SETTINGS:  # a misspelt hook would otherwise be dropped without a word
                raise KeyError(f"gunicorn has no setting {key!r}")

    def load(self):
        self.portal_app = create_app(self.portal_config)  # in each worker, after the fork: its own threads and pool
        return self.wrap(self.portal_app) if self.wrap else self.portal_app


def _hand_over_early_signals(arbiter, worker: PortalWorker) -> None:
    """gunicorn's post_fork, in the new worker: it keeps its copy of the arbiter's signal queue."""
    worker.arbiter_signals = arbiter.SIG_QUEUE


class PortalWorker(ThreadWorker):
    """gunicorn's threaded worker, stopping cleanly on Ctrl+C, which reaches a worker twice: the terminal's
    SIGINT (to the whole process group) and the arbiter's SIGQUIT.

    - Serving: gunicorn's own handler shuts the thread pool down inside the signal handler. A signal that
      lands while the worker's loop holds the pool's lock (handing a connection to a thread), or inside the
      first signal's handler, then waits for that lock forever (CPython issue 121649): Ctrl+C hung for the
      graceful timeout, then the worker was killed. Here the first signal only raises SystemExit, which
      unwinds out of any lock, and the second is ignored.
    - Still loading the app: SystemExit raised into its start-up (a thread starting, a lock half-taken) could
      leave a lock broken, the worker then "failed to boot" and gunicorn stopped with exit code 3. Nothing is
      being answered yet, so the worker simply ends."""

    quitting = False
    arbiter_signals: queue.SimpleQueue | None = None  # see _hand_over_early_signals

    def init_signals(self) -> None:
        super().init_signals()
        # Ctrl+C (and the arbiter's SIGQUIT after it) that reached this process between its fork and here ran
        # the arbiter's handler, inherited with the fork: it only queued the signal in this process's copy of
        # the arbiter's queue, which nobody reads. The worker then served on until the graceful timeout
        # killed it. Such a signal is acted on now.
        while self.arbiter_signals is not None:
            try:
                sig = self.arbiter_signals.get_nowait()
            except queue.Empty:
                break
            if sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
                self.handle_quit(sig, None)

    def run(self) -> None:
        try:
            super().run()
        finally:
            # The app's mail thread is a daemon and dies with the process, maybe just before sending a new
            # case's acknowledgement: what is queued goes now (`self.app` is the PortalServer).
            sender = self.app.portal_app.extensions["kb_portal"].desk.sender
            if sender is not None:
                sender.flush()

    def handle_quit(self, sig, frame) -> None:
        if not self.booted:
            os._exit(0)
        if self.quitting:
            return
        self.quitting = True
        Worker.handle_quit(self, sig, frame)
