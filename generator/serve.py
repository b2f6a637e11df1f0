"""`kb serve`: build into a private folder, serve it, rebuild and reload on every change."""

from __future__ import annotations

import shutil
import signal
import tempfile
from contextlib import nullcontext
from pathlib import Path

import click

from .build import build_target
from .errors import KbError
from .model import Target
from .output import check_out_dir
from .ports import check_free
from .preview_handouts import Handouts, handout_server
from .progress import Reporter
from .serve_watch import ChangesObserver

PREVIEW_DIR = "preview"  # build/preview/<target>: kb serve's own builds, never published
WATCHED = ("kb", "docs", "clients", "overrides", "demo", "product.yml", "contexts.yml", "mkdocs.yml")


def serve_preview(root: Path, target: Target, host: str, port: int, reporter: Reporter) -> None:
    """Serve `target` on host:port until interrupted; a broken source keeps the last good build up.

    The preview is built into build/preview/<target>/site and kept, with its cache beside it, so the next
    `kb serve` starts as a rebuild after an edit does, not from nothing (at 10,000 articles: seconds instead
    of a minute and a half). Where build/ cannot be written, into a temporary folder removed at the end."""
    check_free(host, port)  # one line and exit 1 before any work, as `kb portal` does
    preview = root / "build" / PREVIEW_DIR / target.name
    try:
        preview.mkdir(parents=True, exist_ok=True)
    except OSError:
        scratch = Path(tempfile.mkdtemp(prefix="kb-serve-"))
        try:
            _serve(root, target, host, port, reporter, scratch / "site")
        finally:  # Ctrl+C, SIGTERM, a bug: the preview's build is never left behind in the temporary folder
            shutil.rmtree(scratch, ignore_errors=True)
        return
    _serve(root, target, host, port, reporter, check_out_dir(preview / "site", root))


def _serve(root: Path, target: Target, host: str, port: int, reporter: Reporter, site_dir: Path) -> None:
    from mkdocs.livereload import LiveReloadServer

    # A client's handouts: linked from its pages, printed when asked for (preview_handouts.py).
    handouts = Handouts(root, target, site_dir.with_name("handouts"), reporter) if target.is_client else None

    def rebuild() -> None:
        try:
            with handouts.rebuilding() if handouts else nullcontext():
                build_target(root, target, site_dir, reporter=reporter, pdf_links=handouts is not None)
        except KbError as exc:
            exc.show()
            click.echo("Keeping the last good build; fix the problem and save again.", err=True)

    rebuild()
    server_class = handout_server(handouts) if handouts else LiveReloadServer
    server = server_class(builder=rebuild, host=host, port=port, root=str(site_dir), polling_interval=0.2)
    server.observer = ChangesObserver(polling_interval=0.2)  # told of changes, not polling 10,000 files
    server.error_handler = lambda code: _error_page(site_dir, code)
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name))
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl+C does, tidying up
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.shutdown()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """The site's own 404.html for a missing page, as static hosts serve it: an unknown /context/<id>/ then
    lands on a search, as it will once published."""
    page = site_dir / "404.html"
    return page.read_bytes() if code == 404 and page.is_file() else None
