"""The `kb` command line: thin adapters that parse input, call the pipeline's stages and report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from .build import build_target, index_beside
from .catalog import load_catalog
from .checks import check_catalog
from .errors import KbError
from .model import PAGE_TYPES_FOR_NEW, TARGETS
from .output import check_out_dir
from .portal.cli import register as register_portal_commands
from .progress import ConsoleReporter


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


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def check(ctx: click.Context, strict: bool) -> None:
    """Validate every source and print every problem as path:line: message.

    Exits with 1 when there are errors (or, with --strict, warnings)."""
    catalog = load_catalog(project_root(ctx))
    problems = check_catalog(catalog)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors or (strict and warnings):
        files = len({p.path for p in problems})
        raise KbError(
            f"{errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)}"
        )
    click.echo(f"No problems in {len(catalog.pages)} pages." if not problems else f"{warnings} warnings.")


@cli.command()
@target_option("site")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the site goes (replaced whole when the build succeeds). [default: build/<target>]",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too, the engine's included.")
@click.option(
    "--full-index",
    is_flag=True,
    help="Re-index every page instead of only the pages that changed since the last build.",
)
@click.pass_context
def build(ctx: click.Context, target: str, out: Path | None, strict: bool, full_index: bool) -> None:
    """Build a target's site and its search index: load, validate, select, render, stage, MkDocs, index,
    swap into place.

    The search index goes beside the site (build/site-search for build/site), outside the public folder.
    A failed or interrupted build leaves the previous output as it was."""
    root = project_root(ctx)
    out = check_out_dir(out or root / "build" / target, root)
    check_out_dir(index_beside(out), root)
    result = build_target(root, TARGETS[target], out, strict=strict, reporter=ConsoleReporter(), full_index=full_index)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@cli.command()
@target_option("internal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, target: str, host: str, port: int) -> None:
    """Live preview for writers: rebuilds on every change under kb/, docs/ and the project files,
    and reloads the open page."""
    from .serve import serve_preview

    serve_preview(project_root(ctx), TARGETS[target], host, port, ConsoleReporter())


@cli.command("search")
@click.argument("query")
@target_option("site")
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
    module: str | None,
    page_type: str | None,
    limit: int,
    page: int,
    as_json: bool,
) -> None:
    """Search what a target's build publishes: ranked results with a highlighted snippet.

    \b
    All words must match; when none does, any word. "Quoted words" match as a phrase.
    Uses build/<target>-search; when it is missing or damaged it is rebuilt from the sources first.

    \b
    Examples:
      kb search "gantt chart empty"
      kb search "budget locked" --module budgets --type troubleshooting
      kb search "import" --json"""
    from .search_cli import run_search

    run_search(project_root(ctx), TARGETS[target], query, module, page_type, limit, page, as_json)


register_portal_commands(cli)


def main() -> None:
    cli(prog_name="kb")
