"""Benchmark: client manuals, as sites and PDF handouts, on a copy of the real sample project.

Copies the repository's product.yml, contexts.yml, kb/, docs/, clients/, mkdocs.yml, overrides/ and demo/
into a temporary folder, then times child processes of `kb`, each on an empty build/ (so every build is a
full one, search index included):

- one client (default acme), all three books: `--format site`, `--format pdf`, then both (the default);
- every client one after another (`kb build --client X` for each, site and PDFs), against
  `kb build --all-clients` (the same builds in parallel processes); the ratio is the speed-up.

    .venv/bin/python bench/manuals.py [--client acme] [--repeat N] [--jobs N] [--keep]

Parallel builds cannot go faster than the machine's CPUs allow: the CPU count and the load average are
printed with the table (on a shared machine, other work slows both columns).
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
COPIED = ("product.yml", "contexts.yml", "kb", "docs", "clients", "mkdocs.yml", "overrides", "demo")
BIN = Path(sys.executable).parent
CHILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # MkDocs' banner about its next version: noise here


def copy_project(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir()
    for name in COPIED:
        source = REPO / name
        if source.exists():
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, root / name)
    return root


def kb(root: Path, *args: str) -> list[str]:
    script = BIN / "kb"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "generator"]
    return [*head, "--root", str(root), *args]


def timed(argv: list[str], root: Path, log: Path, fresh: bool = True) -> float:
    """Run one build (from an empty build/ folder when `fresh`); its wall-clock seconds (it must succeed)."""
    if fresh:
        shutil.rmtree(root / "build", ignore_errors=True)
    with log.open("wb") as sink:
        started = time.perf_counter()
        code = subprocess.call(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=CHILD_ENV)
        seconds = time.perf_counter() - started
    if code != 0:
        raise click.ClickException(
            f"{' '.join(argv)} exited with {code}:\n" + log.read_text(encoding="utf-8", errors="replace")[-3000:]
        )
    return seconds


def pages_of(root: Path, slug: str) -> tuple[int, int]:
    """How many site pages and PDF pages a client's build made (from its output)."""
    from pypdf import PdfReader

    out = root / "build" / f"client-{slug}"
    html = sum(1 for _ in out.rglob("index.html")) if out.is_dir() else 0
    pdf = sum(len(PdfReader(p).pages) for p in (out / "pdf").glob("*.pdf")) if (out / "pdf").is_dir() else 0
    return html, pdf


@click.command()
@click.option("--client", "slug", default="acme", show_default=True, help="The client timed alone.")
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1, 20), help="Best of N runs.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Processes for --all-clients [kb's default].")
@click.option("--keep", is_flag=True, help="Keep the copied project and the logs; print where they are.")
def main(slug: str, repeat: int, jobs: int | None, keep: bool) -> None:
    """Time one client's manuals (site, PDF, both), and every client in parallel against one by one."""
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-manuals-"))
    try:
        root = copy_project(folder)
        clients = sorted(p.stem for p in (root / "clients").glob("*.yml"))
        if slug not in clients:
            raise click.ClickException(f"--client {slug!r}: expected one of {', '.join(clients)}")
        log = folder / "kb.log"
        single = {
            "site": [kb(root, "build", "--client", slug, "--format", "site")],
            "pdf": [kb(root, "build", "--client", slug, "--format", "pdf")],
            "site,pdf": [kb(root, "build", "--client", slug)],
        }
        times: dict[str, list[float]] = {name: [] for name in (*single, "one by one", "parallel")}
        per_client: dict[str, list[float]] = {c: [] for c in clients}
        parallel = kb(root, "build", "--all-clients", *(["--jobs", str(jobs)] if jobs else []))
        for number in range(1, repeat + 1):
            for name, (argv,) in single.items():
                times[name].append(timed(argv, root, log))
            sizes = pages_of(root, slug)  # after the site,pdf build
            one_by_one = 0.0
            shutil.rmtree(root / "build", ignore_errors=True)
            for client in clients:  # as a trainer would, one command after another, into the same build/
                per_client[client].append(timed(kb(root, "build", "--client", client), root, log, fresh=False))
                one_by_one += per_client[client][-1]
            times["one by one"].append(one_by_one)
            times["parallel"].append(timed(parallel, root, log))
            click.echo(
                f"run {number}/{repeat}: {slug} site {times['site'][-1]:.1f}s, pdf {times['pdf'][-1]:.1f}s, "
                f"both {times['site,pdf'][-1]:.1f}s; {len(clients)} clients one by one {one_by_one:.1f}s, "
                f"in parallel {times['parallel'][-1]:.1f}s"
            )
        best = {name: min(values) for name, values in times.items()}
        cpus = os.cpu_count() or 1
        processes = jobs or min(len(clients), cpus)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        speedup = best["one by one"] / best["parallel"]
        click.echo("")
        click.echo("| build | seconds |")
        click.echo("|---|---:|")
        click.echo(f"| {slug}: site only (`--format site`, 3 books + articles) | {best['site']:.1f} |")
        click.echo(f"| {slug}: PDF handouts only (`--format pdf`) | {best['pdf']:.1f} |")
        click.echo(f"| {slug}: site + PDFs (`kb build --client {slug}`) | {best['site,pdf']:.1f} |")
        for client in clients:
            click.echo(f"| one by one: {client} (site + PDFs) | {min(per_client[client]):.1f} |")
        click.echo(f"| {len(clients)} clients one after another (sum) | {best['one by one']:.1f} |")
        click.echo(
            f"| {len(clients)} clients in parallel (`--all-clients`, {processes} processes) | {best['parallel']:.1f} |"
        )
        click.echo("")
        click.echo(
            f"{slug}'s build: {sizes[0]} HTML pages (permanent links, context pages), {sizes[1]} PDF pages. "
            f"Machine: {cpus} CPU{'s' * (cpus != 1)}, load average {load} (1, 5, 15 min) at the end"
            f"{'' if repeat == 1 else f'; best of {repeat} runs'}."
        )
        click.echo(
            f"\n==> parallel speed-up (one after another / parallel) = {speedup:.2f} "
            f"(at most {min(processes, len(clients), cpus)} with {processes} processes on {cpus} CPUs)"
        )
    finally:
        if keep:
            click.echo(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
