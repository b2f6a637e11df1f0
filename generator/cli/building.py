"""`kb build`: one target, every client, or the product's versions."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import click

from ..build import FORMATS, BuildResult, build_target, index_beside
from ..catalog import load_catalog
from ..errors import KbError
from ..model import BOOKS, TARGETS, client_target
from ..output import check_out_dir
from ..progress import ConsoleReporter
from .common import project_root, target_option


def _formats(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"{value!r}: expected a comma-separated list of {', '.join(FORMATS)}")
    return formats


@click.command()
@target_option("site")
@click.option("--client", metavar="SLUG", help="Build this client's help centre and manuals (clients/SLUG.yml).")
@click.option("--all-clients", is_flag=True, help="Build every client, in parallel processes.")
@click.option(
    "--book",
    "books",
    multiple=True,
    type=click.Choice(BOOKS),
    help="Only this book (repeat for several); the knowledge base is left out. [default: everything]",
)
@click.option(
    "--format",
    "formats",
    callback=_formats,
    metavar="site,pdf",
    help="What to make: the site, a PDF per book, or both. [default: site; site,pdf for clients]",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the output goes (replaced whole when the build succeeds). [default: build/<target>]",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too, the engine's included.")
@click.option(
    "--full-index",
    is_flag=True,
    help="Re-index every page instead of only the pages that changed since the last build.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Render every page and re-index, ignoring what the last build of this output left to reuse.",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Processes for --all-clients.")
@click.option(
    "--version",
    "version_name",
    metavar="NAME",
    help="Build this product version (product.yml `versions:`) from its git ref into build/site/v/NAME/.",
)
@click.option(
    "--all-versions",
    is_flag=True,
    help="Build the current version at build/site and every released one under build/site/v/ (unchanged ones kept).",
)
@click.pass_context
def build(
    ctx: click.Context,
    target: str,
    client: str | None,
    all_clients: bool,
    books: tuple[str, ...],
    formats: tuple[str, ...] | None,
    out: Path | None,
    strict: bool,
    full_index: bool,
    full: bool,
    jobs: int | None,
    version_name: str | None,
    all_versions: bool,
) -> None:
    """Build a target: load, validate, select, render, stage, MkDocs, PDFs, search index, swap into place.

    \b
    kb build                               the public help centre into build/site
    kb build --target internal             the agents' help centre, drafts included
    kb build --client acme                 Acme's help centre and manuals, site and PDFs
    kb build --client acme --book training --format pdf
    kb build --all-clients                 every client, in parallel
    kb build --version 2026.2              that version, from its git ref, into build/site/v/2026.2/
    kb build --all-versions                the current version and every released one beside it

    The search index goes beside the site (build/site-search for build/site), outside the public folder;
    PDFs go into the site's pdf/ folder. A client's output is searched for every other client's private
    content before it is published. A failed or interrupted build leaves the previous output as it was.
    After an edit, only the pages the edit affects are rendered again (the rest comes from build/site-cache);
    the site is byte for byte the one a full build makes. --full renders everything."""
    root = project_root(ctx)
    # `is not None`, not truthiness: `--client ""` built the public site instead of failing.
    if client is not None and all_clients:
        raise KbError("--client and --all-clients: choose one")
    if version_name is not None or all_versions:
        if client is not None or all_clients or books or out or formats or target != "site":
            raise KbError(
                "--version and --all-versions build the public help centre whole: without --client, "
                "--all-clients, --book, --format, --out or --target"
            )
        _build_versions(root, version_name, all_versions, strict, full_index, full)
        return
    if all_clients:
        if out:
            raise KbError("--out cannot be used with --all-clients; each client goes to build/client-<slug>")
        _build_all_clients(root, frozenset(books) or None, formats or ("site", "pdf"), full_index, jobs, full)
        return
    build_for, build_root, sources = TARGETS[target], root, None
    if client is not None:
        from ..client_builds import resolve_client
        from ..versions.builds import client_sources

        # A client on an older version is built from that version's ref (its pages, PDFs and screens).
        on = client_sources(root, resolve_client(load_catalog(root), client))
        build_for, build_root, sources = client_target(on.profile, frozenset(books) or None), on.root, on.sources
        if on.version:
            click.echo(on.describe("built"), err=True)
    elif books:
        build_for = dataclasses.replace(build_for, books=frozenset(books))
    out = check_out_dir(out or root / "build" / build_for.name, root)
    check_out_dir(index_beside(out), root)
    result = build_target(
        build_root,
        build_for,
        out,
        strict=strict,
        reporter=ConsoleReporter(),
        full_index=full_index,
        formats=formats or (("site", "pdf") if client is not None else ("site",)),
        full=full,
        sources=sources,
    )
    _report(root, result)


def _report(root: Path, result: BuildResult) -> None:
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for pdf in result.pdfs:
        click.echo(
            f"{pdf.path.relative_to(root) if pdf.path.is_relative_to(root) else pdf.path}: "
            f"{pdf.pages} pages, {pdf.chapters} chapters",
            err=True,
        )


def _build_versions(
    root: Path, name: str | None, all_versions: bool, strict: bool, full_index: bool, full: bool
) -> None:
    """--version NAME (the current one builds as `kb build` does) or --all-versions: the current version at
    build/site, then each older one from its ref under build/site/v/, those unchanged since kept."""
    from ..versions.builds import build_version, find_built_version, load_current_product, older_versions

    product = load_current_product(root)
    wanted = older_versions(product) if all_versions else [find_built_version(product, name or "")]
    reporter = ConsoleReporter()
    if all_versions or wanted[0].is_current:
        reporter.step(f"[{product.version}] Building the current version at build/site")
        out = check_out_dir(root / "build" / "site", root)
        check_out_dir(index_beside(out), root)
        _report(root, build_target(root, TARGETS["site"], out, strict, reporter, full_index, full=full))
    for version in wanted:
        if not version.is_current:
            build_version(root, product, version, reporter, strict=strict, full=full, reuse=all_versions)


def _build_all_clients(
    root: Path,
    books: frozenset[str] | None,
    formats: tuple[str, ...],
    full_index: bool,
    jobs: int | None,
    full: bool = False,
) -> None:
    from ..client_builds import build_all_clients
    from ..engine_cache import cache_beside

    slugs = sorted(load_catalog(root).clients)
    if not slugs:
        raise KbError("no client profiles: add clients/<slug>.yml")
    if full:  # a build without its engine cache renders every page (slugs are the profiles' file names)
        for slug in slugs:
            shutil.rmtree(cache_beside(root / "build" / f"client-{slug}"), ignore_errors=True)
    jobs = jobs or min(len(slugs), os.cpu_count() or 1)
    click.echo(f"Building {len(slugs)} clients ({', '.join(slugs)}) in {jobs} processes", err=True)
    outcomes = build_all_clients(
        root, slugs, jobs, lambda line: click.echo(line, err=True), books, formats, full_index or full
    )
    from ..pdf_cache import prune_gone_clients

    gone = prune_gone_clients(root)  # every client was just built: the handouts kept for no client can go
    if gone:
        click.echo(f"Removed the handouts kept for clients with no profile any more: {', '.join(gone)}", err=True)
    failed = [o for o in outcomes if o.error]
    for outcome in outcomes:
        status = f"failed: {outcome.error}" if outcome.error else f"{outcome.pages} pages, {len(outcome.pdfs)} PDF(s)"
        click.echo(f"  {outcome.slug}: {status} ({outcome.seconds:.1f}s)", err=True)
    if failed:
        raise KbError(f"{len(failed)} of {len(outcomes)} client builds failed: {', '.join(o.slug for o in failed)}")
