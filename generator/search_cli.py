"""`kb search` at the terminal: find (or rebuild) the target's index, query it, print the results."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import click

from .build import index_beside, index_target
from .errors import KbError
from .model import Target
from .output import check_out_dir
from .progress import ConsoleReporter
from .search import SearchResults, field_values, is_readable, search

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
) -> None:
    if not query.strip():
        raise KbError('the query is empty; give the words to search for, e.g. kb search "gantt chart"')
    index_dir = check_out_dir(index_beside(root / "build" / target.name), root)
    if not is_readable(index_dir):
        click.echo(f"No usable search index for target '{target.name}' yet; building it from the sources.", err=True)
        index_target(root, target, index_dir, full=True, reporter=ConsoleReporter())
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
