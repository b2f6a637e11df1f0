"""Benchmark: what rich content costs (generator/diagrams.py, generator/markdown_features.py).

In one run, on the tests' small sample project with N extra manual chapters, each holding two
Mermaid diagrams, a content tab set, emoji and math:

- the user manual's handout (`kb build --format pdf`) with its diagrams drawn by Mermaid in headless
  Chromium, against the same handout with drawing switched off (diagrams printed as their source: the
  baseline), alternately, best of R; prints both and the ratio;
- `kb check`'s shortcode scan (check_shortcodes) over every page, against its HTML scan (check_page_html)
  over the same pages.

    .venv/bin/python bench/rich.py [--chapters 10] [--repeat 3]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from unittest import mock

import click

from generator import pdf
from generator.build import build_target
from generator.catalog import load_catalog
from generator.diagrams import draw_mermaid
from generator.html_safety import check_page_html
from generator.markdown_features import check_shortcodes, known_shortcodes
from generator.model import TARGETS

REPO = Path(__file__).resolve().parent.parent
CHAPTER = """---
id: USR-{number:03d}
title: Rich chapter {number}
module: scheduling
---

# Rich chapter {number}

Planning :material-clock-fast: done :smile: with $a_{number} + b^2$.

```mermaid
graph LR
  A[Import {number}] --> B{{Valid?}}
  B -->|Yes| C[Schedule]
  B -->|No| D[Fix the file]
```

=== "Windows"

    Press ++ctrl+s++ to save chapter {number}.

=== "macOS"

    Press ++cmd+s++ to save chapter {number}.

```mermaid
sequenceDiagram
  Planner->>Server: Save {number}
  Server-->>Planner: Saved
```
"""


def write_project(folder: Path, chapters: int) -> Path:
    """The tests' small sample project (tests/roots/basic) with the repository's engine config and theme, and
    the generated chapters."""
    root = folder / "project"
    shutil.copytree(REPO / "tests" / "roots" / "basic", root)
    shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    for number in range(chapters):
        page = root / "docs" / "user" / f"{90 + number:02d}-rich-{number}.md"
        page.write_text(CHAPTER.format(number=900 + number).replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    return root


def _diagrams(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [block.split("\n", 1)[1] for block in text.split("```mermaid")[1:] for block in [block.split("```")[0]]]


def handout_seconds(root: Path, out: Path, draw: bool) -> float:
    started = time.perf_counter()
    if draw:
        build_target(root, TARGETS["site"], out, formats=("pdf",))
    else:
        with mock.patch.object(pdf, "draw_diagrams", lambda fragments: (fragments, ())):
            build_target(root, TARGETS["site"], out, formats=("pdf",))
    return time.perf_counter() - started


@click.command()
@click.option("--chapters", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 20), help="Best of N of each.")
def main(chapters: int, repeat: int) -> None:
    """Time a handout with its diagrams drawn against the same handout without drawing."""
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-rich-"))
    try:
        root = write_project(folder, chapters)
        drawn, plain = [], []
        for number in range(1, repeat + 1):
            plain.append(handout_seconds(root, folder / "out", draw=False))
            drawn.append(handout_seconds(root, folder / "out", draw=True))
            click.echo(f"run {number}/{repeat}: drawn {drawn[-1]:.2f}s, as source {plain[-1]:.2f}s")

        sources = [source for page in sorted((root / "docs" / "user").glob("*.md")) for source in _diagrams(page)]
        started = time.perf_counter()
        drawing = draw_mermaid(sources)
        draw_seconds = time.perf_counter() - started
        assert all(drawing.svgs), drawing.warnings

        catalog = load_catalog(root)
        known_shortcodes()  # the index loads once per process; not the scan's cost
        started = time.perf_counter()
        for page in catalog.pages:
            check_shortcodes(page)
        shortcodes = time.perf_counter() - started
        started = time.perf_counter()
        for page in catalog.pages:
            check_page_html(page)
        html_scan = time.perf_counter() - started

        click.echo(f"\n{chapters} chapters with {2 * chapters} Mermaid diagrams, best of {repeat}:")
        click.echo(f"  handout, diagrams drawn (Chromium)   {min(drawn):7.2f}s")
        click.echo(f"  handout, diagrams as source (base)   {min(plain):7.2f}s")
        click.echo(f"  ratio drawn/base                     {min(drawn) / min(plain):7.2f}")
        click.echo(f"  drawing alone: {len(sources)} diagrams in one Chromium run {draw_seconds:.2f}s")
        pages = len(catalog.pages)
        click.echo(f"  shortcode scan of {pages} pages: {shortcodes:.4f}s ({shortcodes / pages * 1e6:.0f} us a page)")
        click.echo(f"  HTML scan of the same pages:   {html_scan:.4f}s ({html_scan / pages * 1e6:.0f} us a page)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
