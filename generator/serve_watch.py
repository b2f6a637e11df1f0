"""`kb serve`'s watching of the sources: the system's notices of changes (inotify on Linux) instead of MkDocs'
polling.

MkDocs' live-reload server polls: every 0.2 s it lists and stats every watched file. At 10,000 articles
one such pass took 0.2 s of a core, so the poller was busy half the time, whether anything changed or not,
and held the interpreter's lock beside the rebuild it had started. The system's notices cost nothing while
nothing changes and arrive at once.

What polling did for free is kept: reading a file is not a change (the build reads every source, and
inotify reports each open and close: only creations, writes, deletions, moves, attribute changes and lost
events count); a file watched alone (product.yml) stays watched when an editor saves it by renaming a new
file over it (watchdog follows it: tests/test_serve_watch.py holds it); and where the system refuses more
watches (fs.inotify.max_user_watches), the server polls as before."""

from __future__ import annotations

from typing import Any

import click
from watchdog import events
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

CHANGES = [
    events.FileCreatedEvent,
    events.FileModifiedEvent,
    events.FileDeletedEvent,
    events.FileMovedEvent,
    events.FileClosedEvent,  # closed after writing
    events.FileAttribEvent,  # `touch`: polling saw the new modification time
    events.DirCreatedEvent,
    events.DirDeletedEvent,
    events.DirMovedEvent,
    events.EventsLostEvent,  # the system's queue overflowed: something changed
]


class ChangesObserver(Observer):  # type: ignore[misc,valid-type]  # the platform's observer: inotify on Linux
    """The platform's observer, told of changes only (CHANGES); polls when the system refuses its watches."""

    def __init__(self, polling_interval: float):
        super().__init__()
        self.polling_interval = polling_interval
        self.scheduled: dict[Any, tuple[events.FileSystemEventHandler, str, bool]] = {}  # watch -> its arguments
        self.polling: PollingObserver | None = None
        self._polled: dict[Any, Any] = {}  # a watch made before the fallback -> the poller's for the same path

    def schedule(self, event_handler: Any, path: Any, *, recursive: bool = False, event_filter: Any = None) -> Any:
        if self.polling is not None:  # a watch added while serving (kb serve --client following a new version)
            return self.polling.schedule(event_handler, path, recursive=recursive)
        watch = super().schedule(event_handler, path, recursive=recursive, event_filter=CHANGES)
        self.scheduled[watch] = (event_handler, path, recursive)
        return watch

    def unschedule(self, watch: Any) -> None:
        if self.polling is not None:
            self.polling.unschedule(self._polled.pop(watch, watch))
        else:
            self.scheduled.pop(watch, None)
            super().unschedule(watch)

    def start(self) -> None:
        try:
            super().start()
        except OSError as exc:  # ENOSPC: past fs.inotify.max_user_watches; EMFILE: too many instances
            click.echo(f"The system's file notices are unavailable ({exc}); polling for changes instead.", err=True)
            # The inotify observer's own clean-up, as if it had run and stopped: its reader thread and
            # descriptor, made when the first watch was scheduled, would otherwise stay for the process's
            # life (and a process with a thread left may not fork: forking.py).
            super().on_thread_stop()
            self.polling = PollingObserver(timeout=self.polling_interval)
            for watch, (handler, path, recursive) in self.scheduled.items():
                self._polled[watch] = self.polling.schedule(handler, path, recursive=recursive)
            self.polling.start()

    def stop(self) -> None:
        if self.polling is not None:
            self.polling.stop()
        else:
            super().stop()

    def join(self, timeout: float | None = None) -> None:
        if self.polling is not None:
            self.polling.join(timeout)
        elif self.is_alive():
            super().join(timeout)
