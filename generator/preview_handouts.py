"""`kb serve --client`: a client's handouts in the live preview, printed when a reader asks for one.

The preview builds the client's site alone (its pages link to the handouts, as the published site's do),
so a trainer sees a change in seconds. A request for /pdf/<client>-<book>.pdf prints the target's books,
with their leak check, as `kb build --client` does (one book alone would print differently: links into the
rest of the build would become plain text), keeps them until the next change and serves the one asked for.

Builds never overlap: a rebuild after a change waits for a handout being printed and the other way round,
and a rebuild forgets the handouts, so a handout is never older than the site beside it."""

from __future__ import annotations

import shutil
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import KbError
from .model import BOOKS
from .preview_sources import PreviewSource
from .progress import Reporter

PREFIX = "/pdf/"


class Handouts:
    """A target's handouts, printed into `folder` on the first request after each change, from the sources the
    site beside them was built from (preview_sources.py: a client's version's)."""

    def __init__(self, source: PreviewSource, folder: Path, reporter: Reporter):
        self.source, self.folder, self.reporter = source, folder, reporter
        self.target = source.target
        self._lock = threading.Lock()
        # The only names served: made from the registered profile's slug, never from the request.
        self._names = {self.target.pdf_name(book) for book in BOOKS}

    @contextmanager
    def rebuilding(self, source: PreviewSource) -> Iterator[None]:
        """Around a rebuild of the site from `source`: no handout is printed meanwhile, the printed ones are
        dropped, and the next ones are printed from `source` too."""
        with self._lock:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.source = source
            yield

    def name_in(self, path: str) -> str | None:
        """The handout a request path asks for (`/pdf/acme-user.pdf`), or None."""
        if not path.startswith(PREFIX):
            return None
        name = urllib.parse.unquote(path[len(PREFIX) :])
        return name if name in self._names else None

    def get(self, name: str) -> Path | None:
        """The handout `name`, printed first when it is not yet; None when the target has no such book."""
        from .build import build_target

        with self._lock:
            path = self.folder / "pdf" / name
            if not path.is_file():
                self.reporter.step(f"Printing the handouts, asked for {name}")
                source = self.source
                build_target(
                    source.root,
                    source.target,
                    self.folder,
                    reporter=self.reporter,
                    formats=("pdf",),
                    sources=source.sources,
                )
            return path if path.is_file() else None

    def respond(self, name: str, start_response) -> Iterable[bytes]:
        try:
            path = self.get(name)
        except KbError as exc:
            exc.show()
            message = f"The handout could not be printed:\n\n{exc.format_message()}\n"
            start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")])
            return [message.encode("utf-8")]
        if path is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"{self.target.name} has no book printed as {name}\n".encode()]
        data = path.read_bytes()
        headers = [("Content-Type", "application/pdf"), ("Content-Length", str(len(data)))]
        start_response("200 OK", headers)
        return [data]


def handout_server(handouts: Handouts) -> type:
    """MkDocs' live-reload server, answering requests for handouts from `handouts` first."""
    from mkdocs.livereload import LiveReloadServer

    class HandoutServer(LiveReloadServer):
        def _serve_request(self, environ: dict[str, Any], start_response) -> Iterable[bytes] | None:
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")  # as the server does
            name = handouts.name_in(path)
            if name is not None:
                return handouts.respond(name, start_response)
            return super()._serve_request(environ, start_response)

    return HandoutServer
