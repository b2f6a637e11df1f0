"""Benchmark: client manuals, as sites and PDF handouts, on a copy of the real sample project, before and
after: the code of a git revision (`--baseline`, default main) against the working tree, in the same run.

Copies the repository's product.yml, contexts.yml, kb/, docs/, clients/, mkdocs.yml, overrides/ and demo/
into a temporary folder, exports the baseline's generator package beside it (`git archive`), then times
child processes of `python -m generator` (the baseline's through PYTHONPATH), each on an empty build/ (so
every build is a full one, search index included), before and after taking turns in each run:

- one client (default acme), all its books: `--format site`, `--format pdf`, then both (the default,
  the issue's target: <= 12 s); and, from that build's own step times, its leak check;
- the same client again after one edit (each from a full build by the same code just before, so that
  each version starts from its own caches): a chapter of the user manual (its book is printed again, the
  other books are reused), then an article (no book holds it: every handout reused);
- every client: `kb build --all-clients`, full, then again after the same chapter edit.

    .venv/bin/python bench/manuals.py [--client acme] [--repeat N] [--jobs N] [--baseline REV] [--keep]

The table has the best of N runs of each, and the ratio after/before (below 1: faster), in wall-clock
seconds and in CPU seconds (user + system of every process of the build). Parallel builds cannot go faster
than the machine's CPUs allow, and other work on a shared machine slows both wall-clock columns (the CPU
count and the load average are printed with the table); CPU seconds are what that load changes least.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import click

from installed import compile_package  # bench/installed.py, beside this script

REPO = Path(__file__).resolve().parent.parent
COPIED = ("product.yml", "contexts.yml", "kb", "docs", "clients", "mkdocs.yml", "overrides", "demo")
CHILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # MkDocs' banner about its next version: noise here
_STEP = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$", re.MULTILINE)
LEAK_STEP = "Checking for other clients' private content"


def copy_project(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir()
    for name in COPIED:
        source = REPO / name
        if source.exists():
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, root / name)
    return root


def export_generator(revision: str, folder: Path) -> str:
    """The generator package as it is at `revision`, under `folder`; the revision's short hash."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", revision], capture_output=True, text=True, check=False
    )
    if commit.returncode != 0:
        raise click.ClickException(f"--baseline {revision!r}: not a revision of this repository")
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "generator"], capture_output=True, check=True
    )
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return commit.stdout.strip()


# The edits timed: a sentence added at the end of one chapter of the user manual, and of one article.
EDITS = {"chapter": "docs/user/04-gantt-chart.md", "article": "kb/scheduling/activity-constraint-types-reference.md"}
SENTENCE = "\nThis sentence was added by the benchmark, as a writer's one edit.\n"


def timed(
    argv: list[str], root: Path, log: Path, env: dict[str, str], edit: str | None = None
) -> tuple[float, float, float | None]:
    """Run one build from an empty build/ folder: its wall-clock seconds (it must succeed), its CPU seconds
    (its processes' user + system time: what a shared machine's load does not inflate much) and its leak
    check's seconds (from its own step times: until the step after it), when it ran one alone. With
    `edit` (a file of the project), the timed build is the one after a full build and that file's edit;
    the file is put back afterwards."""
    shutil.rmtree(root / "build", ignore_errors=True)
    if edit is not None:
        _run(argv, root, log, env)
        original = (root / edit).read_text(encoding="utf-8")
        (root / edit).write_text(original + SENTENCE, encoding="utf-8")
        try:
            return _run(argv, root, log, env)
        finally:
            (root / edit).write_text(original, encoding="utf-8")
    return _run(argv, root, log, env)


def _run(argv: list[str], root: Path, log: Path, env: dict[str, str]) -> tuple[float, float, float | None]:
    with log.open("wb") as sink:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        code = subprocess.call(
            argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=root.parent
        )
        seconds = time.perf_counter() - started
        now = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process the build waited for
        cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    output = log.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        raise click.ClickException(f"{' '.join(argv)} exited with {code}:\n" + output[-3000:])
    steps = [(float(at), what) for at, what in _STEP.findall(output)]
    leak = next((after[0] - at for (at, what), after in zip(steps, steps[1:], strict=False) if what == LEAK_STEP), None)
    return seconds, cpu, leak


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
@click.option("--baseline", default="main", show_default=True, help="The git revision timed as 'before'.")
@click.option("--keep", is_flag=True, help="Keep the copied project and the logs; print where they are.")
def main(slug: str, repeat: int, jobs: int | None, baseline: str, keep: bool) -> None:
    """Time one client's manuals (site, PDF, both) and every client, before and after."""
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-manuals-"))
    try:
        root = copy_project(folder)
        commit = export_generator(baseline, folder / "before")
        for code in (folder / "before" / "generator", REPO / "generator"):  # as pip install leaves them
            compile_package(code)
        clients = sorted(p.stem for p in (root / "clients").glob("*.yml"))
        if slug not in clients:
            raise click.ClickException(f"--client {slug!r}: expected one of {', '.join(clients)}")
        versions = {
            "before": {**CHILD_ENV, "PYTHONPATH": str(folder / "before")},
            "after": {**CHILD_ENV, "PYTHONPATH": ""},  # the installed (editable) working tree
        }
        head = [sys.executable, "-m", "generator", "--root", str(root), "build"]
        for rel in EDITS.values():
            if not (root / rel).is_file():
                raise click.ClickException(f"{rel}: the file this benchmark edits is not in the sample project")
        every = [*head, "--all-clients", *(["--jobs", str(jobs)] if jobs else [])]
        # name -> (argv, the file edited before the timed build, or None for a full build)
        builds = {
            f"{slug}: site only (`--format site`)": ([*head, "--client", slug, "--format", "site"], None),
            f"{slug}: PDF handouts only (`--format pdf`)": ([*head, "--client", slug, "--format", "pdf"], None),
            f"{slug}: site + PDFs (`kb build --client {slug}`; target <= 12 s)": ([*head, "--client", slug], None),
            f"{slug}: site + PDFs again after one chapter edit": ([*head, "--client", slug], EDITS["chapter"]),
            f"{slug}: site + PDFs again after one article edit": ([*head, "--client", slug], EDITS["article"]),
            f"all {len(clients)} clients (`kb build --all-clients`)": (every, None),
            f"all {len(clients)} clients again after one chapter edit": (every, EDITS["chapter"]),
        }
        names = list(builds)
        both = names[2]
        leak_row = f"{slug}: its leak check (within site + PDFs)"
        times: dict[tuple[str, str], list[float]] = {}
        cpus_used: dict[tuple[str, str], list[float]] = {}
        sizes = (0, 0)
        log = folder / "kb.log"
        for number in range(1, repeat + 1):
            for name, (argv, edited) in builds.items():
                for version, env in versions.items():
                    seconds, cpu, leak = timed(argv, root, log, env, edited)
                    times.setdefault((name, version), []).append(seconds)
                    cpus_used.setdefault((name, version), []).append(cpu)
                    if name == both:
                        times.setdefault((leak_row, version), []).append(leak if leak is not None else float("nan"))
                        sizes = pages_of(root, slug) if version == "after" else sizes
                    click.echo(f"run {number}/{repeat}: {version:6} {name}: {seconds:.1f}s ({cpu:.1f} s CPU)", err=True)
        cpus = os.cpu_count() or 1
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        click.echo("")
        named = baseline if commit.startswith(baseline) else f"{baseline} = {commit}"
        click.echo(
            f"| build | before ({named}) s | after (working tree) s | after/before "
            "| CPU before s | CPU after s | CPU after/before |"
        )
        click.echo("|---|---:|---:|---:|---:|---:|---:|")
        for name in [*names[:3], leak_row, *names[3:]]:
            before, after = min(times[(name, "before")]), min(times[(name, "after")])
            row = f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} |"
            if (name, "after") in cpus_used:
                cpu_before, cpu_after = min(cpus_used[(name, "before")]), min(cpus_used[(name, "after")])
                row += f" {cpu_before:.1f} | {cpu_after:.1f} | {cpu_after / cpu_before:.2f} |"
            else:  # the leak check is timed from the build's own steps: wall-clock only
                row += " | | |"
            click.echo(row)
        click.echo("")
        click.echo(
            f"{slug}'s build: {sizes[0]} HTML pages (permanent links, context pages), {sizes[1]} PDF pages. "
            f"Machine: {cpus} CPU{'s' * (cpus != 1)}, load average {load} (1, 5, 15 min) at the end"
            f"{'' if repeat == 1 else f'; best of {repeat} runs'}."
        )
        ratio = {name: min(cpus_used[(name, "after")]) / min(cpus_used[(name, "before")]) for name in names}
        click.echo(
            f"\n==> CPU after/before: one client {ratio[both]:.2f} full, {ratio[names[3]]:.2f} after a chapter edit, "
            f"{ratio[names[4]]:.2f} after an article edit; all clients {ratio[names[5]]:.2f} full, "
            f"{ratio[names[6]]:.2f} after a chapter edit"
        )
    finally:
        if keep:
            click.echo(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
