"""`kb serve` and `kb search`: the writer's live preview, and search from the terminal."""

from __future__ import annotations

import click

from ..catalog import load_catalog
from ..errors import KbError
from ..model import TARGETS, client_target
from ..progress import ConsoleReporter
from .common import project_root, target_option


@click.command()
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
                                 link prints that client's PDFs when clicked

    A client on an older product version (`version:` in its profile) is previewed from that version's
    git ref, as `kb build --client` builds it; the working tree's pages do not change it, so only the
    theme (overrides/), product.yml and the client's profile are watched then."""
    from ..preview_sources import preview_source
    from ..serve import serve_preview

    root = project_root(ctx)
    preview = TARGETS[target]
    if client is not None:
        from ..client_builds import resolve_client

        if ctx.get_parameter_source("target") is not click.core.ParameterSource.DEFAULT:
            raise KbError("--client and --target: choose one")
        preview = client_target(resolve_client(load_catalog(root), client))
    # A client on an older version: that version's sources, as `kb build --client` builds it.
    serve_preview(root, preview_source(root, preview), host, port, ConsoleReporter())


@click.command("search")
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
    is rebuilt from the sources first. With --client, the help centre of the version the client runs (an
    older one's sources come from its git ref), and the command says which version that is.

    \b
    Examples:
      kb search "gantt chart empty"
      kb search "budget locked" --module budgets --type troubleshooting
      kb search "import" --json
      kb search "capital job" --client acme   Acme's help centre, in Acme's words
      kb search "escalation" --target internal"""
    from ..search_cli import run_search

    root = project_root(ctx)
    search_in, on = TARGETS[target], None
    if client is not None:
        from ..client_builds import resolve_client
        from ..versions.builds import client_sources

        # A client on an older version: its help centre is that version's (built from its git ref).
        on = client_sources(root, resolve_client(load_catalog(root), client))
        search_in = client_target(on.profile)
    run_search(root, search_in, query, module, page_type, limit, page, as_json, on)
