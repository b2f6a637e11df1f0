"""Benchmark: what "markdown that builds as written" costs the render stage (generator/render.py).

Generates the synthetic knowledge base of bench/build.py (N articles, default 1000), loads it, then times in
the same process, alternately, rendering every page for the site target:

- with: `render_selection` as shipped: snippets included, code set aside before Jinja2
  (template_source.py), stable heading ids, every anchor of every link checked (anchors.py);
- without: the same call with those four replaced by no-ops (what the stage did before).

It prints each variant's best time and the ratio with/without.

    .venv/bin/python bench/page_markdown.py [--articles 1000] [--repeat 5]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

import generator.render as render
from generator.catalog import load_catalog
from generator.model import SITE
from generator.select import select

from build import write_project  # bench/build.py, beside this script

_SHIPPED = {name: getattr(render, name) for name in ("set_code_aside", "check_anchors", "with_stable_heading_ids")}
_NO_OPS = {
    "set_code_aside": lambda body: (body, lambda text: text),
    "check_anchors": lambda *args: [],
    "with_stable_heading_ids": lambda body, *args: body,
}


def _time(catalog, selection, variant: dict) -> float:
    for name, function in variant.items():
        setattr(render, name, function)
    started = time.perf_counter()
    rendered, problems = render.render_selection(catalog, selection)
    seconds = time.perf_counter() - started
    assert rendered and not problems, problems[:3]
    return seconds


@click.command()
@click.option("--articles", default=1000, show_default=True)
@click.option("--repeat", default=5, show_default=True)
def main(articles: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_project(Path(folder), articles)
        catalog = load_catalog(Path(folder) / "kb-project")
        selection = select(catalog, SITE)
        with_runs, without_runs = [], []
        for _ in range(repeat):
            with_runs.append(_time(catalog, selection, _SHIPPED))
            without_runs.append(_time(catalog, selection, _NO_OPS))
        for name, function in _SHIPPED.items():
            setattr(render, name, function)
    shipped, before = min(with_runs), min(without_runs)
    click.echo(f"{len(selection.pages)} pages rendered for the site, best of {repeat}:")
    click.echo(f"  with (as shipped):        {shipped:.3f} s")
    click.echo(f"  without (before issue 12): {before:.3f} s")
    click.echo(f"  ratio with/without: {shipped / before:.2f}")


if __name__ == "__main__":
    main()
