"""`kb serve`: build into a private folder, serve it, rebuild and reload on every change."""

from __future__ import annotations

import shutil
import signal
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from .build import build_target
from .errors import KbError
from .output import check_out_dir
from .ports import check_free
from .preview_handouts import Handouts, handout_server
from .preview_sources import PreviewSource, preview_source
from .progress import Reporter
from .serve_watch import ChangesObserver

PREVIEW_DIR = "preview"  # build/preview/<target>: kb serve's own builds, never published


def serve_preview(root: Path, source: PreviewSource, host: str, port: int, reporter: Reporter) -> None:
    """Serve `source`'s target (preview_sources.py: a client on an older version is built from that version's
    sources) on host:port until interrupted; a broken source keeps the last good build up.

    The preview is built into build/preview/<target>/site and kept, with its cache beside it, so the next
    `kb serve` starts as a rebuild after an edit does, not from nothing (at 10,000 articles: seconds instead
    of a minute and a half). Where build/ cannot be written, into a temporary folder removed at the end."""
    check_free(host, port)  # one line and exit 1 before any work, as `kb portal` does
    preview = root / "build" / PREVIEW_DIR / source.target.name
    try:
        preview.mkdir(parents=True, exist_ok=True)
    except OSError:
        scratch = Path(tempfile.mkdtemp(prefix="kb-serve-"))
        try:
            _serve(root, source, host, port, reporter, scratch / "site")
        finally:  # Ctrl+C, SIGTERM, a bug: the preview's build is never left behind in the temporary folder
            shutil.rmtree(scratch, ignore_errors=True)
        return
    _serve(root, source, host, port, reporter, check_out_dir(preview / "site", root))


def _serve(root: Path, source: PreviewSource, host: str, port: int, reporter: Reporter, site_dir: Path) -> None:
    from mkdocs.livereload import LiveReloadServer

    # A client's handouts: linked from its pages, printed when asked for (preview_handouts.py).
    client = source.target.is_client
    handouts = Handouts(source, site_dir.with_name("handouts"), reporter) if client else None
    watching = _Watching(root, source)

    def rebuild() -> None:
        try:
            if client and watching.server is not None:  # the first build is of what the command resolved
                watching.follow(preview_source(root, source.target))  # the profile's `version:` may have changed
            now = watching.source
            with handouts.rebuilding(now) if handouts else nullcontext():
                build_target(
                    now.root, now.target, site_dir, reporter=reporter, pdf_links=client, sources=now.sources,
                    preview=True,
                )  # fmt: skip
        except KbError as exc:
            exc.show()
            click.echo("Keeping the last good build; fix the problem and save again.", err=True)

    if source.message:
        click.echo(source.message, err=True)
    rebuild()
    server_class = handout_server(handouts) if handouts else LiveReloadServer
    server = server_class(builder=rebuild, host=host, port=port, root=str(site_dir), polling_interval=0.2)
    server.observer = ChangesObserver(polling_interval=0.2)  # told of changes, not polling 10,000 files
    server.error_handler = lambda code: _error_page(site_dir, code)
    watching.start(server)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl+C does, tidying up
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.shutdown()


class _Watching:
    """What the preview is built from now, and the project's paths the server watches for it."""

    def __init__(self, root: Path, source: PreviewSource):
        self.root, self.source = root, source
        self.server: Any = None
        self.names: set[str] = set()

    def start(self, server: Any) -> None:
        self.server = server
        self._watch(self.source.watched)

    def follow(self, new: PreviewSource) -> None:
        """Build from `new` from now on; when the client now runs another version, say so and watch what that
        version is built from instead. Runs in the server's build thread, between builds."""
        old, self.source = self.source, new
        if new.version == old.version:
            return
        if new.message:
            click.echo(new.message, err=True)
        for name in sorted(self.names - set(new.watched)):
            self.server.unwatch(str(self.root / name))
            self.names.discard(name)
        self._watch(new.watched)

    def _watch(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name not in self.names and (self.root / name).exists():
                self.server.watch(str(self.root / name))
                self.names.add(name)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """The site's own 404.html for a missing page, as static hosts serve it: an unknown /context/<id>/ then
    lands on a search, as it will once published."""
    page = site_dir / "404.html"
    return page.read_bytes() if code == 404 and page.is_file() else None
