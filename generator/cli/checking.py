"""`kb check` and `kb contexts`: every problem in the sources, and where each screen's help lands."""

from __future__ import annotations

import click

from ..catalog import load_catalog
from ..checks import check_catalog, check_templates
from ..client_words import literal_terms, renamed
from ..errors import KbError, SourceError
from ..model import Catalog, ClientProfile, client_target
from ..select import selected_pages
from .common import project_root


@click.command()
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
    from ..client_builds import resolve_client

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


@click.command("contexts")
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
    from ..contexts import coverage, every_target, format_coverage, format_percent

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
