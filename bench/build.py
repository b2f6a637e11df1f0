"""Benchmark: `kb build` against a plain `mkdocs build` with Material's defaults, over the same pages.

Generates a synthetic knowledge base of N articles (default 1000) spread over the modules of product.yml
(front matter per WRITING.md; headings, paragraphs, a table, an admonition, a code block and links between
articles), in a temporary folder beside copies of the real product.yml, contexts.yml, clients/, mkdocs.yml
and overrides/. Then, in the same run, it times two child processes:

- kb: `kb --root TMP build --target site --out TMP/out-kb`, the whole pipeline;
- plain: `mkdocs build` of the same markdown (front matter cut to the title) with `theme: {name: material}`,
  the same markdown extensions, `plugins: [search]` and no nav (MkDocs' automatic navigation).

For each: wall-clock seconds, peak resident memory of the child (os.wait4's rusage) and the size of the
output folder; and the ratio kb/plain of the times (the target: <= 0.6 at 1000 articles).

    .venv/bin/python bench/build.py [--articles 1000] [--repeat N] [--keep] [--profile FILE]

--repeat N reports the best of N runs of each (fastest time, highest peak memory); --keep keeps the folder
and prints where it is; --profile FILE also runs `kb build` once more under cProfile (not timed), saves
the profile to FILE and prints the functions with the most cumulative time.
"""

from __future__ import annotations

import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from synthetic import REPO, Article, generate  # bench/synthetic.py, beside this script

COPIED = ("product.yml", "contexts.yml", "clients", "mkdocs.yml", "overrides")
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.6
CHILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # MkDocs' banner about its next version: noise here


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    output_mb: float


def write_project(folder: Path, count: int, seed: int = 42) -> list[Article]:
    """The synthetic project (kb/ plus the real project files) and the plain engine's project beside it."""
    (folder / "kb-project").mkdir()
    for name in COPIED:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, folder / "kb-project" / name)
    generated = generate(count, seed)
    plain_docs = folder / "plain-project" / "docs"
    for item in generated:
        article = item.article
        _write(folder / "kb-project" / article.src_uri, _front_matter(item.meta) + "\n" + item.body)
        _write(plain_docs / article.src_uri, _front_matter({"title": article.title}) + "\n" + item.body)
    _write(plain_docs / "index.md", "# Meridian Help Centre\n\nSelf-help articles for Meridian Capital Planner.\n")
    _write(folder / "plain-project" / "mkdocs.yml", plain_config())
    return [item.article for item in generated]


class _PythonName(str):
    """A `!!python/name:` value: the emoji extension wants functions."""


class _ConfigDumper(yaml.SafeDumper):
    pass


_ConfigDumper.add_representer(
    _PythonName, lambda dumper, value: dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value}", "")
)


def plain_config() -> str:
    """Material's defaults, the project's markdown extensions (plus the emoji one kb adds), search, no nav."""
    base = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    emoji = {
        "pymdownx.emoji": {
            "emoji_index": _PythonName("material.extensions.emoji.twemoji"),
            "emoji_generator": _PythonName("material.extensions.emoji.to_svg"),
        }
    }
    config = {
        "site_name": "Meridian Help Centre",
        "docs_dir": "docs",
        "site_dir": "../out-plain",
        "theme": {"name": "material"},
        "plugins": ["search"],
        "markdown_extensions": [*base["markdown_extensions"], emoji],
    }
    return yaml.dump(config, Dumper=_ConfigDumper, sort_keys=False)


def _front_matter(meta: dict) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run_child(argv: list[str], out: Path, log: Path) -> Run:
    """Run one build as a child process: wall-clock time, its own peak RSS, the size of `out`."""
    shutil.rmtree(out, ignore_errors=True)
    with log.open("wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=CHILD_ENV)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, unlike RUSAGE_CHILDREN's max
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise click.ClickException(
            f"{' '.join(argv)} exited with {child.returncode}:\n"
            + log.read_text(encoding="utf-8", errors="replace")[-3000:]
        )
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return Run(seconds, usage.ru_maxrss * 1024 / 1e6, size / 1e6)


def best(runs: list[Run]) -> Run:
    return Run(min(r.seconds for r in runs), max(r.peak_mb for r in runs), runs[-1].output_mb)


def kb_command(folder: Path) -> list[str]:
    kb = BIN / "kb"
    return [
        str(kb) if kb.exists() else sys.executable,
        *([] if kb.exists() else ["-c", _KB_MAIN]),
        "--root",
        str(folder / "kb-project"),
        "build",
        "--target",
        "site",
        "--out",
        str(folder / "out-kb"),
    ]


_KB_MAIN = "import sys; from generator.cli import main; sys.argv[0] = 'kb'; main()"


def print_profile(folder: Path, profile: Path, top: int = 25) -> None:
    argv = kb_command(folder)
    if argv[0] == sys.executable:
        raise click.ClickException("--profile needs the `kb` script beside this Python")
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    click.echo(f"\nProfile of `kb build` saved to {profile}; top {top} by cumulative time:")
    stats = pstats.Stats(str(profile), stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)


@click.command()
@click.option(
    "--articles",
    default=1000,
    show_default=True,
    type=click.IntRange(10, 99999),
    help="How many synthetic articles to generate.",
)
@click.option(
    "--repeat",
    default=1,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Run each build N times and report the best.",
)
@click.option("--keep", is_flag=True, help="Keep the generated projects and outputs; print where they are.")
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also profile one `kb build` with cProfile into this file and print the top functions.",
)
def main(articles: int, repeat: int, keep: bool, profile: Path | None) -> None:
    """Time `kb build` against a plain `mkdocs build` over the same synthetic articles."""
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        started = time.perf_counter()
        write_project(folder, articles)
        click.echo(f"Generated {articles} articles in {time.perf_counter() - started:.1f}s under {folder}")
        plain = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(folder / "plain-project" / "mkdocs.yml")]
        kb_runs, plain_runs = [], []
        for number in range(1, repeat + 1):
            kb_runs.append(run_child(kb_command(folder), folder / "out-kb", folder / "kb.log"))
            plain_runs.append(run_child(plain, folder / "out-plain", folder / "plain.log"))
            click.echo(f"run {number}/{repeat}: kb {kb_runs[-1].seconds:.2f}s, plain {plain_runs[-1].seconds:.2f}s")
        kb, engine = best(kb_runs), best(plain_runs)
        ratio = kb.seconds / engine.seconds
        click.echo("")
        click.echo(
            "| articles | kb build s | plain s | ratio kb/plain | kb peak MB | plain peak MB "
            "| kb output MB | plain output MB |"
        )
        click.echo("|---:|---:|---:|---:|---:|---:|---:|---:|")
        click.echo(
            f"| {articles} | {kb.seconds:.2f} | {engine.seconds:.2f} | {ratio:.2f} | {kb.peak_mb:.0f} "
            f"| {engine.peak_mb:.0f} | {kb.output_mb:.1f} | {engine.output_mb:.1f} |"
        )
        verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
        click.echo(
            f"\n==> ratio kb/plain = {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})"
            f"{'' if repeat == 1 else f', best of {repeat}'}"
        )
        if profile:
            print_profile(folder, profile)
    finally:
        if keep:
            click.echo(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
