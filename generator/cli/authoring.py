"""`kb new`, `kb init` and `kb import`: new sources from templates, new projects, documentation from elsewhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..catalog import load_catalog
from ..errors import KbError
from ..model import BOOKS, PAGE_TYPES_FOR_NEW
from .common import project_root


@click.group()
def new() -> None:
    """Create a new source file from a template."""


@new.command("article")
@click.argument("title")
@click.option("--module", "-m", required=True, help="The product module (see product.yml).")
@click.option(
    "--type",
    "page_type",
    type=click.Choice(PAGE_TYPES_FOR_NEW),
    default="troubleshooting",
    show_default=True,
    help="The article template: troubleshooting follows the KCS sections.",
)
@click.pass_context
def new_article(ctx: click.Context, title: str, module: str, page_type: str) -> None:
    """Write kb/<module>/<slug>.md with a fresh ID and print its path."""
    from ..scaffold import write_article

    root = project_root(ctx)
    path = write_article(load_catalog(root), title, module, page_type, dt.date.today())
    click.echo(path.relative_to(root).as_posix())


@new.command("chapter")
@click.argument("title")
@click.option("--book", "-b", required=True, type=click.Choice(BOOKS), help="The book the chapter joins.")
@click.option("--section", "-s", metavar="NAME", help="Put it in this section (a sub-folder; made when new).")
@click.pass_context
def new_chapter(ctx: click.Context, title: str, book: str, section: str | None) -> None:
    """Write docs/<book>/[NN-<section>/]NN-<slug>.md with the next number and a fresh ID; print its path."""
    from ..scaffold import write_chapter

    root = project_root(ctx)
    for path in write_chapter(load_catalog(root), title, book, section):
        click.echo(path.relative_to(root).as_posix())


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Add the missing files to a folder that is not empty; none is replaced.")
def init_command(folder: Path, force: bool) -> None:
    """Make a new, empty project in FOLDER (default: here) that checks and builds: edit product.yml next."""
    from ..project_init import init_project

    written = init_project(folder, force)
    for name in written:
        click.echo(f"  {name}")
    click.echo(f"Wrote {len(written)} files into {folder}. Next: edit product.yml, then run kb check.")


@click.group("import")
def import_group() -> None:
    """Bring existing documentation into this project."""


@import_group.command("mkdocs")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="MKDOCS_YML")
@click.option("--book", "-b", type=click.Choice(BOOKS), default="user", show_default=True, help="The book it joins.")
@click.option("--as-articles", is_flag=True, help="Import the pages as knowledge base articles (with --module).")
@click.option("--module", "-m", help="The module the articles belong to (product.yml); with --as-articles.")
@click.pass_context
def import_mkdocs_command(ctx: click.Context, config: Path, book: str, as_articles: bool, module: str | None) -> None:
    """Import a MkDocs (or Material) project: its nav becomes the book's chapters and sections, in order.

    \b
    Front matter is written for every page, links between the pages are re-pointed to the new files,
    pictures are copied, links to pages left out point to the source's site_url. Importing again updates
    the pages it wrote (a page edited since is kept) and adds none twice (.kb-import.yml records them).
    Prints what it did, then what needs a person at file:line."""
    from ..importer.report import format_result
    from ..importer.run import Where, import_mkdocs

    if as_articles != bool(module):
        raise KbError("--as-articles and --module go together: articles belong to a module")
    root = project_root(ctx)
    where = Where(None, module) if as_articles else Where(book, None)
    for line in format_result(import_mkdocs(root, config.resolve(), where, dt.date.today())):
        click.echo(line)
