"""A time budget per page for the markdown renderer (MkDocs' for the site, Python-Markdown's for the PDFs): a
page it is still converting after ENGINE_PAGE_SECONDS stops the build, named, instead of keeping it busy for
minutes.

Python-Markdown's own patterns are not all linear: a line of 20,000 characters of `[a](` (within the limits
of generator/catalog.py) takes it some 5 s, a page of them minutes. kb cannot rewrite them, so it stops
them: a timer signal, armed when MkDocs starts a page's markdown and disarmed when the HTML is done.
Signals reach only the main thread; elsewhere (`kb serve`'s rebuilds) pages have no time budget."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# The largest page allowed (1 MB) with a link in every sentence renders in some 25 s on a busy machine.
ENGINE_PAGE_SECONDS = 120.0


class EngineTooSlow(Exception):
    """The engine spent more than ENGINE_PAGE_SECONDS on one page; `dest_uri` is the staged page."""

    def __init__(self, dest_uri: str):
        super().__init__(dest_uri)
        self.dest_uri = dest_uri


def _page_timer() -> Any:
    """An MkDocs plugin that arms the timer for each page's markdown (MkDocs is imported only to build)."""
    from mkdocs.plugins import BasePlugin

    class PageTimer(BasePlugin):
        page = ""

        def on_page_markdown(self, markdown: str, page: Any, **kwargs: Any) -> str:
            self.page = page.file.src_uri
            signal.setitimer(signal.ITIMER_REAL, ENGINE_PAGE_SECONDS)
            return markdown

        def on_page_content(self, html: str, **kwargs: Any) -> str:
            signal.setitimer(signal.ITIMER_REAL, 0)
            return html

    return PageTimer()


@contextmanager
def page_time_budget(config: Any) -> Iterator[None]:
    """Within: each page of the loaded MkDocs `config` is converted within ENGINE_PAGE_SECONDS, else
    EngineTooSlow is raised from inside the conversion."""
    timer = _page_timer()
    with _alarm(lambda: timer.page) as armed:
        if armed:
            config.plugins["kb-page-time-budget"] = timer
        yield


@contextmanager
def time_limit(dest_uri: str) -> Iterator[None]:
    """Within: EngineTooSlow(dest_uri) after ENGINE_PAGE_SECONDS (one page's conversion for a PDF)."""
    with _alarm(lambda: dest_uri) as armed:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, ENGINE_PAGE_SECONDS)
        yield


@contextmanager
def _alarm(page: Callable[[], str]) -> Iterator[bool]:
    """SIGALRM raises EngineTooSlow(page()) while within; yields False (and does nothing) off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return

    def stop(signum: int, frame: Any) -> None:
        raise EngineTooSlow(page())

    previous = signal.signal(signal.SIGALRM, stop)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
