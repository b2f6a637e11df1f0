"""Benchmark: the versioned help centre of the real sample project, `kb build --all-versions` against
`kb build` of the current version alone, on a fresh clone of this repository (so the older versions' refs are
there, as in any clone).

    .venv/bin/python bench/versions.py [--repeat N] [--keep]

Rows, each the best of N runs in child processes (`python -m generator`):

- cold: empty build/ (every version rendered and indexed; the older ones' sources read from git);
- unchanged: run again with nothing changed (the current version re-checked, older ones kept as published);
- one edit: one article of the current version changed (older versions are not rebuilt).

The extra column is --all-versions minus the plain build in the same state: what the older versions cost.
Target: an unchanged older version costs under 1 s of a `--all-versions` run (its ref's tree id and kb's code
are compared, nothing is loaded or rendered). A shared machine slows every column; the load is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
CHILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
UNCHANGED_TARGET_SECONDS = 1.0


def kb(root: Path, *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "build", *args],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise click.ClickException(f"kb build {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def edit_one_article(root: Path, run: int) -> None:
    article = root / "kb/scheduling/activity-constraint-types-reference.md"
    article.write_text(article.read_text(encoding="utf-8") + f"\nEdited for run {run}.\n", encoding="utf-8")


@click.command()
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--keep", is_flag=True, help="Keep the clone and its builds (the path is printed).")
def main(repeat: int, keep: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-versions-"))
    root = folder / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)
    rows: dict[str, list[tuple[float, float]]] = {"cold": [], "unchanged": [], "one edit": []}
    try:
        for run in range(repeat):
            shutil.rmtree(root / "build", ignore_errors=True)
            plain_cold = kb(root, "--full")
            shutil.rmtree(root / "build", ignore_errors=True)
            rows["cold"].append((plain_cold, kb(root, "--all-versions")))
            rows["unchanged"].append((kb(root), kb(root, "--all-versions")))
            edit_one_article(root, 2 * run)
            plain = kb(root)
            edit_one_article(root, 2 * run + 1)
            rows["one edit"].append((plain, kb(root, "--all-versions")))
    finally:
        if keep:
            click.echo(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    click.echo(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; best of {repeat}")
    click.echo(f"{'':12}{'kb build':>12}{'--all-versions':>16}{'extra':>10}")
    for name, pairs in rows.items():
        plain, versions = min(p for p, _ in pairs), min(v for _, v in pairs)
        click.echo(f"{name:12}{plain:>11.2f}s{versions:>15.2f}s{versions - plain:>9.2f}s")
    extra = min(v for _, v in rows["unchanged"]) - min(p for p, _ in rows["unchanged"])
    verdict = "met" if extra < UNCHANGED_TARGET_SECONDS else "MISSED"
    click.echo(f"target: unchanged older versions cost < {UNCHANGED_TARGET_SECONDS:g} s: {extra:.2f} s, {verdict}")


if __name__ == "__main__":
    main()
