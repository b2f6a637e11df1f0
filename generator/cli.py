"""The `kb` command line: thin adapters that parse input, call the pipeline's stages and report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import click

from .build import FORMATS, BuildResult, build_target, index_beside
from .catalog import load_catalog
from .checks import check_catalog, check_templates
from .client_words import literal_terms, renamed
from .errors import KbError, SourceError
from .model import BOOKS, PAGE_TYPES_FOR_NEW, TARGETS, Catalog, ClientProfile, client_target
from .output import check_out_dir
from .portal.cli import register as register_portal_commands
from .progress import ConsoleReporter
from .releases.cli import release
from .select import selected_pages


class KbGroup(click.Group):
    """Every mistake on the command line exits with 1 and one clear line, like mistakes in the sources."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def project_root(ctx: click.Context) -> Path:
    root: Path = ctx.obj["root"]
    if (root / "product.yml").is_dir():
        raise KbError("product.yml: is a folder; expected a YAML file")
    if not (root / "product.yml").is_file():
        raise KbError(
            f"{root}: no product.yml here; expected to run in a knowledge base project (or pass --root PROJECT)"
        )
    return root


def target_option(default: str):
    """--target, shared by the commands that build: which audience's site."""
    return click.option(
        "--target",
        type=click.Choice(sorted(TARGETS)),
        default=default,
        show_default=True,
        help="site: the public help centre. internal: for agents, with internal pages and drafts.",
    )


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holding product.yml, kb/ and docs/).",
)
@click.version_option(package_name="meridian-kb")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Write, check, build and serve the Meridian help centre from markdown sources.

    \b
    Typical use:
      kb new article "Gantt chart is empty after import" --module scheduling
      kb check                      validate every source, print every problem
      kb serve                      live preview while you write
      kb build                      build the public help centre into build/site
    """
    ctx.obj = {"root": root.resolve()}


@cli.group()
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
    from .scaffold import write_article

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
    from .scaffold import write_chapter

    root = project_root(ctx)
    for path in write_chapter(load_catalog(root), title, book, section):
        click.echo(path.relative_to(root).as_posix())


@cli.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Add the missing files to a folder that is not empty; none is replaced.")
def init_command(folder: Path, force: bool) -> None:
    """Make a new, empty project in FOLDER (default: here) that checks and builds: edit product.yml next."""
    from .project_init import init_project

    written = init_project(folder, force)
    for name in written:
        click.echo(f"  {name}")
    click.echo(f"Wrote {len(written)} files into {folder}. Next: edit product.yml, then run kb check.")


@cli.group("import")
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
    from .importer.report import format_result
    from .importer.run import Where, import_mkdocs

    if as_articles != bool(module):
        raise KbError("--as-articles and --module go together: articles belong to a module")
    root = project_root(ctx)
    where = Where(None, module) if as_articles else Where(book, None)
    for line in format_result(import_mkdocs(root, config.resolve(), where, dt.date.today())):
        click.echo(line)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--client",
    metavar="SLUG",
    help="Also list, page by page, where a product term this client renames is still written as the "
    "product's word (for the trainer to decide; not a problem).",
)
@click.pass_context
def check(ctx: click.Context, strict: bool, client: str | None) -> None:
    """Validate every source and print every problem as path:line: message.

    Also checks context help in every target: screens of contexts.yml no page claims, screens claimed by
    several pages without exactly one primary claim, and topics a target leaves out (with where that
    screen's help falls back to). Exits with 1 when there are errors (or, with --strict, warnings).

    \b
    kb check --client acme    ... and where its pages say "project" for its "capital job".
    """
    from .client_builds import resolve_client

    catalog = load_catalog(project_root(ctx))
    profile = resolve_client(catalog, client) if client else None
    problems = check_catalog(catalog)
    problems += check_templates(catalog)  # of every page that loaded: all mistakes in one run
    for problem in problems:
        click.echo(str(problem))
    if profile:
        _list_literal_terms(catalog, profile)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors or (strict and warnings):
        files = len({p.path for p in problems})
        raise KbError(
            f"{errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)}"
        )
    click.echo(f"No problems in {len(catalog.pages)} pages." if not problems else f"{warnings} warnings.")


def _list_literal_terms(catalog: Catalog, profile: ClientProfile) -> None:
    pairs = renamed(catalog, profile.slug)
    if not pairs:
        click.echo(f"{profile.name} renames no product term.")
        return
    literal = list(literal_terms(selected_pages(catalog, client_target(profile)), pairs))
    click.echo(
        f"{len(literal)} place{'s' * (len(literal) != 1)} in {profile.name}'s pages write a product term "
        f"{profile.name} renames as the product's word" + (":" if literal else ".")
    )
    for place in literal:
        click.echo(f"  {place}")


@cli.command("contexts")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="Only this target (site, internal, client-<slug>); repeat for several. [default: every target]",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit with 1 when a target covers less than PERCENT of the screens (for CI).",
)
@click.pass_context
def contexts_command(ctx: click.Context, targets: tuple[str, ...], fail_under: float | None) -> None:
    """Print where each screen of contexts.yml opens its help, per target, and the share of screens
    that have a topic.

    \b
    Per target, a screen's help is one of:
      USR-004             its topic: the page that claims it as primary (or the only one that claims it)
      KB-0012 (fallback)  the target leaves the topic out; another page of the target claims the screen
      module page         no page of the target claims it: the module's list of articles
      search              no page claims it: a search for the screen's title
      -                   a client build whose licence leaves the screen's module out
    `kb check` reports the same gaps as problems, at their file and line."""
    from .contexts import coverage, every_target, format_coverage, format_percent

    catalog = load_catalog(project_root(ctx))
    unreadable = [p for p in catalog.problems if p.is_error]
    if unreadable:
        raise SourceError(unreadable)
    available = {target.name: target for target in every_target(catalog)}
    unknown = [name for name in targets if name not in available]
    if unknown:
        raise KbError(f"--target {unknown[0][:60]!r}: no such target; expected one of {', '.join(available)}")
    maps = coverage(catalog, [available[name] for name in targets] if targets else available.values())
    for line in format_coverage(maps):
        click.echo(line)
    short = [m for m in maps if fail_under is not None and m.percent < fail_under]
    if short:
        raise KbError(
            ", ".join(f"target '{m.target.name}' covers {format_percent(m.percent)} of the screens" for m in short)
            + f"; --fail-under {fail_under:g} requires {fail_under:g}%"
        )


def _formats(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"{value!r}: expected a comma-separated list of {', '.join(FORMATS)}")
    return formats


@cli.command()
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
        from .client_builds import resolve_client
        from .versions.builds import client_sources

        # A client on an older version is built from that version's ref (its pages, PDFs and screens).
        on = client_sources(root, resolve_client(load_catalog(root), client))
        build_for, build_root, sources = client_target(on.profile, frozenset(books) or None), on.root, on.sources
        if on.version:
            click.echo(f"{on.profile.name} runs version {on.version.name}: built from {on.version.ref}", err=True)
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
    from .versions.builds import build_version, find_built_version, load_current_product, older_versions

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
    from .client_builds import build_all_clients
    from .engine_cache import cache_beside

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
    failed = [o for o in outcomes if o.error]
    for outcome in outcomes:
        status = f"failed: {outcome.error}" if outcome.error else f"{outcome.pages} pages, {len(outcome.pdfs)} PDF(s)"
        click.echo(f"  {outcome.slug}: {status} ({outcome.seconds:.1f}s)", err=True)
    if failed:
        raise KbError(f"{len(failed)} of {len(outcomes)} client builds failed: {', '.join(o.slug for o in failed)}")


@cli.command()
@target_option("internal")
@click.option(
    "--client",
    metavar="SLUG",
    help="Preview this client's help centre (clients/SLUG.yml); its handouts are printed when opened.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, target: str, client: str | None, host: str, port: int) -> None:
    """Live preview for writers: rebuilds on every change under kb/, docs/ and the project files,
    and reloads the open page.

    \b
    kb serve                     the agents' help centre (every page, drafts with their badge)
    kb serve --client acme       Acme's help centre as Acme sees it; a book's "Download the handout"
                                 link prints that client's PDFs when clicked"""
    from .serve import serve_preview

    root = project_root(ctx)
    preview = TARGETS[target]
    if client is not None:
        from .client_builds import resolve_client

        if ctx.get_parameter_source("target") is not click.core.ParameterSource.DEFAULT:
            raise KbError("--client and --target: choose one")
        preview = client_target(resolve_client(load_catalog(root), client))
    serve_preview(root, preview, host, port, ConsoleReporter())


@cli.command("search")
@click.argument("query")
@target_option("site")
@click.option("--client", default=None, help="Search this client's help centre (build/client-<slug>-search).")
@click.option("--module", "-m", help="Only this module's pages.")
@click.option("--type", "page_type", help="Only pages of this type (troubleshooting, howto, faq, reference, ...).")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 100), help="Results per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Which page of results.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def search_command(
    ctx: click.Context,
    query: str,
    target: str,
    client: str | None,
    module: str | None,
    page_type: str | None,
    limit: int,
    page: int,
    as_json: bool,
) -> None:
    """Search what a target's build publishes: ranked results with a highlighted snippet.

    \b
    All words must match; when none does, any word. "Quoted words" match as a phrase.
    Uses build/<target>-search (build/client-<slug>-search with --client); when it is missing or damaged it
    is rebuilt from the sources first.

    \b
    Examples:
      kb search "gantt chart empty"
      kb search "budget locked" --module budgets --type troubleshooting
      kb search "import" --json
      kb search "capital job" --client acme   Acme's help centre, in Acme's words
      kb search "escalation" --target internal"""
    from .search_cli import run_search

    root = project_root(ctx)
    search_in = TARGETS[target]
    if client is not None:
        from .client_builds import resolve_client

        search_in = client_target(resolve_client(load_catalog(root), client))
    run_search(root, search_in, query, module, page_type, limit, page, as_json)


register_portal_commands(cli)
cli.add_command(release)  # kb release notes|publish (generator/releases/)


def main() -> None:
    cli(prog_name="kb")
