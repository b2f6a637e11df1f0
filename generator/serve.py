"""`kb serve`: build into a private folder, serve it, rebuild and reload on every change."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from .build import build_target
from .errors import KbError
from .model import Target
from .progress import Reporter

WATCHED = ("kb", "docs", "clients", "overrides", "demo", "product.yml", "contexts.yml", "mkdocs.yml")


def serve_preview(root: Path, target: Target, host: str, port: int, reporter: Reporter) -> None:
    """Serve `target` on host:port until interrupted; a broken source keeps the last good build up."""
    from mkdocs.livereload import LiveReloadServer

    site_dir = Path(tempfile.mkdtemp(prefix="kb-serve-")) / "site"

    def rebuild() -> None:
        try:
            build_target(root, target, site_dir, reporter=reporter)
        except KbError as exc:
            exc.show()
            click.echo("Keeping the last good build; fix the problem and save again.", err=True)

    rebuild()
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir), polling_interval=0.2)
    server.error_handler = lambda code: _error_page(site_dir, code)
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name))
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.shutdown()


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """The site's own 404.html for a missing page, as static hosts serve it: an unknown /context/<id>/ then
    lands on a search, as it will once published."""
    page = site_dir / "404.html"
    return page.read_bytes() if code == 404 and page.is_file() else None
