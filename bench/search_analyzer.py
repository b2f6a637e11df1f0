"""Benchmark: a full search index written with the index's analyzer (generator/search/analysis.py, tokens
for indexing made in one loop) against the same index written with Whoosh's StemmingAnalyzer, in one run,
alternating, over the synthetic articles of bench/search.py.

    .venv/bin/python bench/search_analyzer.py [--articles 10000] [--rounds 1]

Prints the seconds of each and the ratio (ours / Whoosh's)."""

from __future__ import annotations

import copy
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import click
from search import documents
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import TEXT

from generator.search import documents as search_documents
from generator.search import write_index


def _whooshs_schema():
    """The index's schema with Whoosh's own StemmingAnalyzer in each text field."""
    schema = copy.deepcopy(search_documents.SCHEMA)
    plain = StemmingAnalyzer()
    for name in schema.names():
        if isinstance(schema[name], TEXT):
            schema[name].analyzer = plain
    return schema


@click.command()
@click.option("--articles", default=10000, show_default=True)
@click.option("--rounds", default=1, show_default=True)
def main(articles: int, rounds: int) -> None:
    docs = documents(articles, 42)
    plain_schema = _whooshs_schema()
    ours, whooshs = [], []
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            runs = [("ours", None, ours), ("whoosh", plain_schema, whooshs)]
            for name, schema, times in runs if round_ % 2 == 0 else runs[::-1]:  # each goes first in turn
                with mock.patch("generator.search.index.SCHEMA", schema or search_documents.SCHEMA):
                    started = time.perf_counter()
                    write_index(docs, Path(folder) / f"{name}-{round_}", full=True)
                    times.append(time.perf_counter() - started)
    mine, theirs = statistics.median(ours), statistics.median(whooshs)
    click.echo(f"{articles} articles, full index, median of {rounds}:")
    click.echo(f"  index analyzer   {mine:.1f} s ({articles / mine:.0f} documents/s)")
    click.echo(f"  StemmingAnalyzer {theirs:.1f} s ({articles / theirs:.0f} documents/s)")
    click.echo(f"  ratio            {mine / theirs:.2f}")


if __name__ == "__main__":
    main()
