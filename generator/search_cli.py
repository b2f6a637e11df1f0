"""`kb search` at the terminal: find (or rebuild) the target's index, query it, print the results."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .build import index_beside, index_target
from .errors import KbError
from .model import Target
from .output import check_out_dir
from .progress import ConsoleReporter
from .search import SearchResults, field_values, is_readable, search

if TYPE_CHECKING:
    from .versions.builds import ClientSources

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def run_search(
    root: Path,
    target: Target,
    query: str,
    module: str | None,
    page_type: str | None,
    limit: int,
    page: int,
    as_json: bool,
    client: ClientSources | None = None,
) -> None:
    """Search `target`'s index (`client`: where a client's build reads, its version's sources) and print the
    results; an index missing or damaged is built first, from those sources."""
    if not query.strip():
        raise KbError('the query is empty; give the words to search for, e.g. kb search "gantt chart"')
    out = root / "build" / target.name
    index_dir = check_out_dir(index_beside(out), root)
    if client is not None:  # on stderr: --json's output stays JSON
        click.echo(client.describe("searching its help centre built"), err=True)
        check_built_version(out, client, root)
    if not is_readable(index_dir):
        click.echo(f"No usable search index for target '{target.name}' yet; building it from the sources.", err=True)
        sources_root, sources = (client.root, client.sources) if client is not None else (root, None)
        index_target(sources_root, target, index_dir, full=True, reporter=ConsoleReporter(), sources=sources)
    for name, value in (("module", module), ("type", page_type)):
        known = field_values(index_dir, name)
        if value is not None and value not in known:
            listed = ", ".join(v for v in known if v)
            raise KbError(f"--{name} {value!r}: no such {name} in this index; expected one of {listed}")
    results = search(index_dir, query, module=module, type=page_type, limit=limit, page=page)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(results), indent=2, ensure_ascii=False))
    else:
        _print(results)


def check_built_version(out: Path, client: ClientSources, root: Path) -> None:
    """KbError when the client's build at `out` (and so the index beside it) is of another version than the
    one the client runs: its profile's `version:` changed since it was built. The context map every site build
    writes says which version it is of; an index built alone by `kb search` has no site beside it to ask."""
    try:
        built = json.loads((out / "context" / "kb-map.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(built, str) and built != client.runs:
        shown = out.relative_to(root).as_posix() if out.is_relative_to(root) else str(out)
        raise KbError(
            f"{shown} and its search index are of version {built}, and {client.profile.name} runs {client.runs} "
            f"(clients/{client.profile.slug}.yml); expected a build of {client.runs}: "
            f"run kb build --client {client.profile.slug} first"
        )


def _terminal(snippet: str) -> str:
    """A snippet's HTML as terminal text: matches in bold, entities decoded."""
    return html.unescape(_MARK.sub(lambda m: click.style(m.group(1), bold=True), snippet))


def _print(results: SearchResults) -> None:
    if results.corrected:
        click.echo(f'Nothing matches "{results.query}"; showing results for "{results.suggestion}".')
    elif results.suggestion:
        click.echo(f'Did you mean "{results.suggestion}"?')
    if not results.total:
        click.echo(f'No results for "{results.query}".')
        return
    how = (
        ""
        if results.matched_all_words or results.corrected
        else " (no page has all the words; showing pages with any of them)"
    )
    shown = results.suggestion if results.corrected else results.query
    click.echo(f'{results.total} result{"s" * (results.total != 1)} for "{shown}"{how}:')
    first = (results.page - 1) * max(len(results.hits), 1)
    for number, hit in enumerate(results.hits, start=first + 1):
        click.echo("")
        section = f" > {hit.section_title}" if hit.section_title else ""
        click.echo(f"{number:>3}. {click.style(hit.title, bold=True)}{section}  [{hit.id}]")
        click.echo(f"     /{hit.url}  ({hit.module or 'general'}, {hit.type})")
        if hit.snippet:
            click.echo(f"     {_terminal(hit.snippet)}")
    click.echo("")
    for name, counts in results.facets.items():
        listed = ", ".join(
            f"{key or 'general'} {count}" for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        click.echo(f"By {name}: {listed}")
    if results.pages > 1:
        click.echo(f"Page {results.page} of {results.pages} (--page N for more)")
