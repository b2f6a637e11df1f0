"""kb serve's watching (generator/serve_watch.py), with the system's real notices: reading is not a change, a
file saved by renaming a new one over it is still watched, and polling takes over when notices fail."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from watchdog import events
from watchdog.observers import inotify

from generator.serve_watch import ChangesObserver


class Seen(events.FileSystemEventHandler):
    def __init__(self):
        super().__init__()
        self.events: list[events.FileSystemEvent] = []
        self.arrived = threading.Event()

    def on_any_event(self, event):
        self.events.append(event)
        self.arrived.set()


@pytest.fixture
def observed():
    started = []

    def start(path: Path) -> Seen:
        seen = Seen()
        observer = ChangesObserver(polling_interval=0.1)
        observer.schedule(seen, str(path), recursive=True)
        observer.start()
        started.append(observer)
        return seen

    yield start
    for observer in started:
        observer.stop()
        observer.join(10)


def written_to(seen: Seen, path: Path, text: str) -> list[events.FileSystemEvent]:
    """Write `path` and wait for its notice; the events seen up to it."""
    seen.arrived.clear()
    path.write_text(text, encoding="utf-8")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(os.fsdecode(e.src_path) == str(path) for e in seen.events):
        seen.arrived.wait(0.2)
    return list(seen.events)


def test_reading_the_sources_is_not_a_change(observed, tmp_path):
    (tmp_path / "kb").mkdir()
    article = tmp_path / "kb" / "article.md"
    article.write_text("before\n", encoding="utf-8")
    seen = observed(tmp_path / "kb")
    for _ in range(3):  # as a build reads every source: opened and closed without writing
        article.read_text(encoding="utf-8")
    found = written_to(seen, article, "after\n")
    assert found, "the write was never seen"
    kinds = {type(event) for event in found}
    assert not kinds & {events.FileOpenedEvent, events.FileClosedNoWriteEvent}, kinds
    assert kinds & {events.FileModifiedEvent, events.FileClosedEvent}


def test_a_file_saved_by_renaming_a_new_one_over_it_stays_watched(observed, tmp_path):
    product = tmp_path / "product.yml"
    product.write_text("name: one\n", encoding="utf-8")
    seen = observed(product)
    for number in range(2):  # an editor's safe save, twice: the second is seen only if the first left a watch
        seen.events.clear()
        saved = tmp_path / f".product.yml.{number}"
        saved.write_text(f"name: {number}\n", encoding="utf-8")
        os.replace(saved, product)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen.events:
            seen.arrived.wait(0.2)
        assert seen.events, f"save {number + 1} was not seen"
        names = {os.fsdecode(getattr(e, "dest_path", "") or e.src_path) for e in seen.events}
        assert names == {str(product)}, names  # the neighbours' events are not passed on


def test_polls_when_the_system_refuses_its_notices(observed, tmp_path, monkeypatch):
    def refused(self):
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(inotify.InotifyEmitter, "on_thread_start", refused)
    (tmp_path / "kb").mkdir()
    article = tmp_path / "kb" / "article.md"
    article.write_text("before\n", encoding="utf-8")
    seen = observed(tmp_path / "kb")
    assert any(os.fsdecode(e.src_path) == str(article) for e in written_to(seen, article, "after\n"))


def test_a_watch_added_and_removed_while_polling_is_the_pollers(tmp_path, monkeypatch):
    """kb serve --client changes its watches when the client moves to another version (preview_sources.py):
    after falling back to polling, those go to the poller, which is the one running."""

    def refused(self):
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(inotify.InotifyEmitter, "on_thread_start", refused)
    for name in ("kb", "docs"):
        (tmp_path / name).mkdir()
    threads = set(threading.enumerate())
    observer = ChangesObserver(polling_interval=0.1)
    first = observer.schedule(Seen(), str(tmp_path / "kb"), recursive=True)
    observer.start()
    try:
        assert observer.polling is not None
        observer.unschedule(first)
        seen = Seen()
        observer.schedule(seen, str(tmp_path / "docs"), recursive=True)
        chapter = tmp_path / "docs" / "01-chapter.md"
        assert any(os.fsdecode(e.src_path) == str(chapter) for e in written_to(seen, chapter, "a chapter\n"))
    finally:
        observer.stop()
        observer.join(10)
    # Nothing of the refused notices is left running (kb forks only from a process with one thread).
    assert set(threading.enumerate()) == threads
