"""Benchmark: what making pages safe costs a build (generator/html_safety.py, generator/theme_scripts.py).

Generates the synthetic knowledge base of bench/build.py (N articles, default 1000), then, in the same run,
times two child processes building it for the site, alternately:

- with: `kb build --target site`, as shipped: every page sanitised by nh3 in the markdown conversion,
  `kb check`'s scan of each page's HTML, and the manifest of the theme's inline scripts;
- without: the same command with those three replaced by no-ops (what the build did before).

It prints each build's best time, the ratio with/without (the bar: at most 1.10), and the in-process cost
of the two parts on their own: nh3 over every built page's content, and the check over every source page.

    .venv/bin/python bench/sanitise.py [--articles 1000] [--repeat 3]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from generator.catalog import load_catalog
from generator.html_safety import check_page_html, sanitise_html
from generator.theme_scripts import content_area

from build import best, kb_command, run_child, write_project  # bench/build.py, beside this script

MAX_RATIO = 1.10
_WITHOUT = (
    "import sys\n"
    "import generator.build, generator.checks, generator.html_safety\n"
    "generator.html_safety._Sanitise.run = lambda self, text: text\n"
    "generator.checks.check_page_html = lambda page: []\n"
    "generator.build.write_script_manifest = lambda site: ()\n"
    "from generator.cli import main\n"
    "sys.argv[0] = 'kb'\n"
    "main()\n"
)


@click.command()
@click.option("--articles", default=1000, show_default=True, type=click.IntRange(10, 99999))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 20), help="Best of N of each.")
def main(articles: int, repeat: int) -> None:
    """Time a build with the pages' sanitiser against the same build without it."""
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-sanitise-"))
    try:
        write_project(folder, articles)
        with_argv = kb_command(folder)
        without_argv = [sys.executable, "-c", _WITHOUT, *with_argv[with_argv.index("--root") :]]
        with_runs, without_runs = [], []
        for number in range(1, repeat + 1):
            without_runs.append(run_child(without_argv, folder / "out-kb", folder / "without.log"))
            with_runs.append(run_child(with_argv, folder / "out-kb", folder / "with.log"))
            click.echo(
                f"run {number}/{repeat}: with {with_runs[-1].seconds:.2f}s, without {without_runs[-1].seconds:.2f}s"
            )
        safe, plain = best(with_runs), best(without_runs)

        pages = [content_area(p.read_text(encoding="utf-8")) for p in sorted((folder / "out-kb").rglob("*.html"))]
        started = time.perf_counter()
        for page in pages:
            sanitise_html(page)
        nh3_seconds = time.perf_counter() - started
        catalog = load_catalog(folder / "kb-project")
        started = time.perf_counter()
        for page in catalog.pages:
            check_page_html(page)
        check_seconds = time.perf_counter() - started

        ratio = safe.seconds / plain.seconds
        click.echo(f"\n{articles} articles, best of {repeat}:")
        click.echo(f"  build with sanitising      {safe.seconds:7.2f}s  peak {safe.peak_mb:6.0f} MB")
        click.echo(f"  build without (baseline)   {plain.seconds:7.2f}s  peak {plain.peak_mb:6.0f} MB")
        click.echo(f"  ratio with/without         {ratio:7.3f}   (bar: <= {MAX_RATIO:.2f})")
        click.echo(
            f"  nh3 over {len(pages)} built pages' content: {nh3_seconds:.3f}s "
            f"({nh3_seconds / len(pages) * 1e6:.0f} us a page)"
        )
        click.echo(
            f"  kb check's HTML scan of {len(catalog.pages)} pages: {check_seconds:.3f}s "
            f"({check_seconds / len(catalog.pages) * 1e6:.0f} us a page)"
        )
        if ratio > MAX_RATIO:
            raise click.ClickException(f"sanitising made the build {ratio:.2f}x slower; the bar is {MAX_RATIO}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
