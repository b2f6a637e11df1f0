"""`kb release notes VERSION` and `kb release publish VERSION`: a version's release notes for the writers,
and the release published to the customers waiting on its fixes (the case database: --database-url like
the other portal commands)."""

from __future__ import annotations

import getpass

import click

from ..errors import KbError
from ..portal.cli import _desk, database_option, load_catalog_checked


@click.group()
def release() -> None:
    """A product version's release: its notes, and publishing it."""


@release.command("notes")
@click.argument("version")
@click.option("--force", is_flag=True, help="Write the version's notes again over an existing file (keeps its ID).")
@database_option
@click.pass_context
def release_notes(ctx: click.Context, version: str, force: bool, database_url: str | None) -> None:
    """Write docs/releases/VERSION.md, the user manual's "What's new" for VERSION, as a draft to edit: the
    fixes (customer-facing summaries of the defects shipped in it or planned for it), the public articles and
    chapters added or changed since the previous version's ref in product.yml (git), the screens added to
    contexts.yml. Nothing private to a client or internal is written: no defect references, case numbers or
    customers' names (a summary that names one is left out, and said so)."""
    from ..cli import project_root
    from .notes import collect_notes, write_notes

    root = project_root(ctx)
    catalog = load_catalog_checked(root)
    fixes = _fixes(_desk(ctx, database_url), version)
    notes = collect_notes(catalog, version, fixes)
    for path in write_notes(catalog, notes, force):
        click.echo(path.relative_to(root).as_posix())
    for line in notes.left_out:
        click.echo(f"warning: {line}", err=True)
    click.echo(
        f"{len(notes.fixes)} fixes, {len(notes.pages)} pages, {len(notes.screens)} screens since {notes.previous}. "
        "A draft: read it, edit it, then `kb check`."
    )


def _fixes(desk, version: str):
    """The release's defects as the notes take them, each with its customers' words the notes must not hold."""
    from ..portal.db import reading
    from ..portal.defects.store import release_defects
    from .notes import Fix

    with reading(desk.engine) as conn:
        found = release_defects(conn, version)
    return [
        Fix(defect.reference, defect.summary, tuple(w for c in cases for w in (c.customer_name, c.company) if w))
        for defect, cases in found
    ]


@release.command("publish")
@click.argument("version")
@click.option("--by", default=None, help="Who publishes, for the record. [default: your user name]")
@database_option
@click.pass_context
def release_publish(ctx: click.Context, version: str, by: str | None, database_url: str | None) -> None:
    """Mark VERSION released: every case waiting on a fix planned for it is resolved with the release as its
    resolution (reopenable) and its customer mailed the release notes' link. Run again, it says when the
    version was published and changes nothing."""
    from ..portal.defects import Defects, publish_release
    from ..portal.desk import InvalidAction

    desk = _desk(ctx, database_url)
    try:
        published = publish_release(Defects(desk), version, by or f"{getpass.getuser()} (kb release publish)")
    except InvalidAction as exc:
        raise KbError(str(exc)) from None
    release = published.release
    if published.already:
        click.echo(
            f"{version} was published on {release.published_at:%Y-%m-%d %H:%M UTC} by {release.published_by}; "
            "nothing changed."
        )
        return
    for shipped in published.shipped:
        click.echo(f"{shipped.reference}: {len(shipped.resolved)} case(s) resolved: {', '.join(shipped.resolved)}")
    if published.contract_ended:
        click.echo(
            "Their client's support contract had ended (told like everyone, a note for the account team): "
            + ", ".join(published.contract_ended)
        )
    click.echo(f"{version} published: {len(published.resolved)} case(s) resolved; release notes {release.notes_url}")
    planned = desk.config.product_versions
    if any(v.name == version and not v.is_built for v in planned):
        click.echo(f"product.yml still lists {version} as planned: give it its ref and released date once tagged.")
