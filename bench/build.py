"""Benchmark: `kb build` at any size, against a plain `mkdocs build` with Material's defaults over the same pages.

Generates a synthetic knowledge base of N articles (default 1000) spread over the modules of product.yml
(front matter per WRITING.md; headings, paragraphs, a table, an admonition, a code block and links between
articles), in a temporary folder beside copies of the real product.yml, contexts.yml, clients/, mkdocs.yml
and overrides/. Then, in the same run, it times child processes:

- kb full: `kb --root TMP build --target site --out TMP/out-kb`, the whole pipeline, from nothing;
- kb one edit: the same command again after one sentence of one article changed (the incremental build),
  timed on the second such edit (a writer's second save onwards: the first after a full build also
  keeps the site it replaced, to be made into the next one); its time up to "Building the site" (kb's
  progress clock) is the work before the engine: loading, checking, rendering and staging;
- plain (only up to 3,000 articles: a plain build of 10,000 pages takes far too long): `mkdocs build` of the
  same markdown (front matter cut to the title) with `theme: {name: material}`, the same markdown
  extensions, `plugins: [search]` and no nav (MkDocs' automatic navigation);
- kb serve: the repository's own sample (80 pages), `kb serve --target site`; a sentence of an article is
  saved and the time until the live-reload request answers (the open page reloads then) is taken, with
  the page checked to show the edit, for several saves in a row (--saves; the slowest is the figure, a
  writer's first save counting as much as the tenth), each with the CPU seconds kb serve spent on it
  (from /proc: on a shared machine the figure to compare). `--serve-large` does the same on the N-article
  project; `--serve-only PROJECT` only that, on a project of yours (its preview cache as it is).

For each: wall-clock seconds and peak resident memory (os.wait4's rusage of the kb process; its page
workers are forked copies of it), printed as a table with the targets and whether each is met.

    .venv/bin/python bench/build.py [--articles 1000] [--large 10000] [--repeat N] [--serve-large] [--saves N]
                                    [--serve-only PROJECT] [--keep] [--profile FILE]

--large N also builds a project of N articles (kb full and one edit; no plain build past 3,000), in the
same table; --serve-large times kb serve on the largest project too.

--repeat N reports the best of N runs of each (fastest time, highest peak memory); --keep keeps the folder
and prints where it is; --profile FILE also runs `kb build --full` once more under cProfile (not timed),
saves the profile to FILE and prints the functions with the most cumulative time. The machine's load
average is printed with the table: on a shared machine, other work slows every column.
"""

from __future__ import annotations

import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from installed import compile_package  # bench/installed.py, beside this script
from synthetic import REPO, Article, generate

COPIED = ("product.yml", "contexts.yml", "clients", "mkdocs.yml", "overrides")
BIN = Path(sys.executable).parent
CHILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # MkDocs' banner about its next version: noise here


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    output_mb: float
    cpu_seconds: float = 0.0  # user + system, the child's and its page workers': what a shared machine cannot take
    before_engine: float | None = None  # kb's progress clock at "Building the site": the work before the engine


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


def run_child(argv: list[str], out: Path, log: Path, clean: bool = True) -> Run:
    """Run one build as a child process: wall-clock time, its own peak RSS, the size of `out`."""
    if clean:
        shutil.rmtree(out, ignore_errors=True)
    # The earlier runs' files written to disk first: a build timed while the system still writes back the
    # 600 MB a full build at 10,000 articles left would be timed with that work (seconds of system time).
    os.sync()
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
    found = _BUILDING_THE_SITE.search(log.read_text(encoding="utf-8", errors="replace"))
    before_engine = float(found.group(1)) if found else None
    return Run(seconds, usage.ru_maxrss * 1024 / 1e6, size / 1e6, usage.ru_utime + usage.ru_stime, before_engine)


_BUILDING_THE_SITE = re.compile(r"^\[\s*([\d.]+)s\] Building the site$", re.MULTILINE)


def best(runs: list[Run]) -> Run:
    before_engine = [r.before_engine for r in runs if r.before_engine is not None]
    return Run(
        min(r.seconds for r in runs),
        max(r.peak_mb for r in runs),
        runs[-1].output_mb,
        min(r.cpu_seconds for r in runs),
        min(before_engine) if before_engine else None,
    )


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
        [sys.executable, "-m", "cProfile", "-o", str(profile), *argv, "--full"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    click.echo(f"\nProfile of `kb build` saved to {profile}; top {top} by cumulative time:")
    stats = pstats.Stats(str(profile), stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)


SERVE_COPIED = ("product.yml", "contexts.yml", "kb", "docs", "clients", "mkdocs.yml", "overrides", "demo", "snippets")
PLAIN_UP_TO = 3000
# (what, target in seconds or MB, or a ratio), from issue 13
TARGETS = {
    "ratio": 0.25,
    "full_10000": 120.0,
    "memory_mb": 1000.0,
    "edit_1000": 1.0,
    "edit_10000": 3.0,
    "serve_sample": 1.0,
    "serve_10000": 3.0,
}


def edit_one_article(root: Path, marker: str) -> Path:
    """Change one sentence of one article (the first, in name order); return the file."""
    article = sorted((root / "kb").rglob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    body = text.index("\n---\n", 4) + 5
    article.write_text(text[:body] + f"\n{marker} A sentence a writer corrected.\n" + text[body:], encoding="utf-8")
    return article


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


@dataclass(frozen=True)
class Save:
    seconds: float  # from the save to the live-reload request's answer
    cpu_seconds: float | None  # the kb serve process's CPU time meanwhile (None where /proc is not there)


def serve_reload(root: Path, log: Path, start_timeout: float, saves: int = 1) -> list[Save]:
    """kb serve on `root`: `saves` saves in a row (a second apart, as a writer saves again), the first
    included, each timed from the save to the live-reload request's answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    head = [str(BIN / "kb")] if (BIN / "kb").exists() else [sys.executable, "-m", "generator"]
    argv = [*head, "--root", str(root), "serve", "--target", "site", "--port", str(port)]
    with log.open("wb") as sink:
        child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=CHILD_ENV)
        try:
            deadline = time.monotonic() + start_timeout
            page = None
            while page is None and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.2)
                page = _get(f"{base}/")
            times = []
            for number in range(saves):  # the page the last save reloaded polls with its epoch for the next
                found = re.search(r"livereload\((\d+), (\d+)\)", page or "")
                if not found:
                    raise click.ClickException(f"kb serve served no page: {log.read_text(errors='replace')[-2000:]}")
                times.append(_save_and_reload(root, base, found.groups(), number, child.pid))
                page = _get(f"{base}/")
            return times
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


def _cpu_seconds(pid: int) -> float | None:
    """A running process's CPU time so far (user + system, all its threads), from Linux's /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _save_and_reload(root: Path, base: str, epoch_request: tuple[str, str], number: int, pid: int) -> Save:
    """Save one article while the page long-polls (as its script does); the seconds until the poll answers, and
    the CPU time kb serve spent meanwhile: on a shared machine the figure to compare."""
    epoch, request = epoch_request
    answer: list[float] = []

    def wait_for_reload() -> None:  # what the open page's script does: a long poll
        while not answer:
            reply = _get(f"{base}/livereload/{epoch}/{request}", timeout=120)
            if reply and int(reply) > int(epoch):
                answer.append(time.perf_counter())

    poller = threading.Thread(target=wait_for_reload, daemon=True)
    poller.start()
    time.sleep(0.5 if number == 0 else 1.0)
    marker = f"SERVED-EDIT-{time.time_ns()}"
    saved, cpu = time.perf_counter(), _cpu_seconds(pid)
    article = edit_one_article(root, marker)
    poller.join(120)
    cpu_after = _cpu_seconds(pid)
    if not answer:
        raise click.ClickException("kb serve did not reload within 120 s")
    rel = article.relative_to(root).with_suffix("").as_posix()
    shown = _get(f"{base}/{rel}/") or ""
    if marker not in shown:
        raise click.ClickException(f"the reloaded page does not show the edit ({rel})")
    return Save(answer[0] - saved, None if cpu is None or cpu_after is None else cpu_after - cpu)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


@click.command()
@click.option(
    "--articles",
    default=1000,
    show_default=True,
    type=click.IntRange(10, 99999),
    help="How many synthetic articles to generate.",
)
@click.option(
    "--large",
    default=None,
    type=click.IntRange(10, 99999),
    help="Also a project of this many articles (10000): kb full, one edit and serve, no plain build.",
)
@click.option(
    "--repeat",
    default=1,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Run each build N times and report the best.",
)
@click.option("--serve-large", is_flag=True, help="Also time kb serve's save-to-reload on the largest project.")
@click.option("--saves", default=3, type=click.IntRange(1, 50), help="Saves in a row per kb serve (default 3).")
@click.option(
    "--serve-only",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Only time kb serve's saves on this project (its preview cache as it is); no builds.",
)
@click.option("--keep", is_flag=True, help="Keep the generated projects and outputs; print where they are.")
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also profile one `kb build --full` with cProfile into this file and print the top functions.",
)
def main(
    articles: int,
    large: int | None,
    repeat: int,
    serve_large: bool,
    saves: int,
    serve_only: Path | None,
    keep: bool,
    profile: Path | None,
) -> None:
    """Time `kb build` (full and after one edit), `kb serve`'s reload and a plain `mkdocs build`."""
    compile_package(REPO / "generator")  # as pip install leaves it (bench/installed.py)
    if serve_only is not None:
        log = Path(tempfile.mkdtemp(prefix="kb-serve-")) / "serve.log"
        times = serve_reload(serve_only.resolve(), log, 3600, saves)
        click.echo(f"kb serve, save to reload (CPU seconds): {_listed(times)} (log: {log})")
        return
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        sizes = {}
        for count in [articles] + ([large] if large else []):
            sizes[count] = measure(folder / f"n{count}", count, repeat)
        sample = copy_sample(folder / "sample")
        serve_times = {"sample (80 pages)": serve_reload(sample, folder / "serve.log", 300, saves)}
        if serve_large:
            biggest = max(sizes)
            serve_times[f"{biggest} articles"] = serve_reload(
                folder / f"n{biggest}" / "kb-project", folder / "serve-large.log", 3600, saves
            )
        report(sizes, serve_times)
        if profile:
            print_profile(folder / f"n{articles}", profile)
    finally:
        if keep:
            click.echo(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path, articles: int, repeat: int) -> tuple[Run, Run, Run | None, Run]:
    """kb full, kb after one edit and (up to PLAIN_UP_TO articles) plain Material, best of `repeat`."""
    folder.mkdir(parents=True)
    started = time.perf_counter()
    write_project(folder, articles)
    click.echo(f"Generated {articles} articles in {time.perf_counter() - started:.1f}s under {folder}")
    plain_argv = [
        sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(folder / "plain-project" / "mkdocs.yml")
    ]  # fmt: skip
    full_runs, edit_runs, plain_runs, first_edits = [], [], [], []
    for number in range(1, repeat + 1):
        shutil.rmtree(folder / "out-kb-cache", ignore_errors=True)  # a full build: nothing to reuse
        full_runs.append(run_child(kb_command(folder), folder / "out-kb", folder / "kb.log", clean=True))
        # The first edit after a full build, then the one timed: a writer's second save onwards, when the
        # site the first replaced is kept to be made into the next (generator/output_reuse.py).
        edit_one_article(folder / "kb-project", f"EDIT-{number}-A")
        first_edits.append(run_child(kb_command(folder), folder / "out-kb", folder / "kb-edit.log", clean=False))
        edit_one_article(folder / "kb-project", f"EDIT-{number}")
        edit_runs.append(run_child(kb_command(folder), folder / "out-kb", folder / "kb-edit.log", clean=False))
        line = f"{articles} articles, run {number}/{repeat}: kb full {full_runs[-1].seconds:.2f}s, "
        line += f"first edit {first_edits[-1].seconds:.2f}s, one edit {edit_runs[-1].seconds:.2f}s"
        if articles <= PLAIN_UP_TO:
            plain_runs.append(run_child(plain_argv, folder / "out-plain", folder / "plain.log"))
            line += f", plain {plain_runs[-1].seconds:.2f}s"
        click.echo(line)
    return best(full_runs), best(edit_runs), best(plain_runs) if plain_runs else None, best(first_edits)


def copy_sample(root: Path) -> Path:
    root.mkdir()
    for name in SERVE_COPIED:
        source = REPO / name
        if source.exists():
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, root / name)
    return root


def _listed(saves: list[Save]) -> str:
    return ", ".join(f"{save.seconds:.2f}" + (f" ({save.cpu_seconds:.2f})" if save.cpu_seconds is not None else "")
                     for save in saves)  # fmt: skip


def report(sizes: dict[int, tuple[Run, Run, Run | None, Run]], serve: dict[str, list[Save]]) -> None:
    """The table, with each figure's target (issue 13) and whether it is met."""
    rows = []
    for articles, (full, edit, plain, first_edit) in sizes.items():
        n = f"{articles:,} articles"
        if articles >= 10000:
            rows.append((f"kb build, full, {n}", f"{full.seconds:.2f} s", f"<= {TARGETS['full_10000']:.0f} s",
                         _verdict(full.seconds, TARGETS["full_10000"])))  # fmt: skip
        else:
            rows.append((f"kb build, full, {n}", f"{full.seconds:.2f} s", "", ""))
        rows.append((f"kb build, full: CPU time (all processes), {n}", f"{full.cpu_seconds:.2f} s", "", ""))
        if plain:
            ratio = full.seconds / plain.seconds
            rows.append((f"plain Material build, {n}", f"{plain.seconds:.2f} s", "", ""))
            rows.append((f"plain Material build: CPU time, {n}", f"{plain.cpu_seconds:.2f} s", "", ""))
            rows.append((f"ratio kb full / plain, {n}", f"{ratio:.2f}", f"<= {TARGETS['ratio']}",
                         _verdict(ratio, TARGETS["ratio"])))  # fmt: skip
            rows.append((f"ratio of CPU times kb full / plain, {n}", f"{full.cpu_seconds / plain.cpu_seconds:.2f}",
                         "", ""))  # fmt: skip
        rows.append((f"kb peak memory, full, {n}", f"{full.peak_mb:.0f} MB", f"<= {TARGETS['memory_mb']:.0f} MB",
                     _verdict(full.peak_mb, TARGETS["memory_mb"])))  # fmt: skip
        edit_target = TARGETS["edit_10000"] if articles >= 10000 else TARGETS["edit_1000"] if articles <= 1000 else None
        rows.append((f"kb build after one edit, {n}", f"{edit.seconds:.2f} s",
                     f"<= {edit_target:g} s" if edit_target else "",
                     _verdict(edit.seconds, edit_target) if edit_target else ""))  # fmt: skip
        rows.append((f"kb build after one edit: CPU time, {n}", f"{edit.cpu_seconds:.2f} s", "", ""))
        if edit.before_engine is not None:  # loading, checking, rendering and staging: what the engine waits for
            rows.append((f"kb build after one edit: up to 'Building the site', {n}", f"{edit.before_engine:.2f} s",
                         "", ""))  # fmt: skip
        rows.append((f"kb build, the first edit after a full build, {n}", f"{first_edit.seconds:.2f} s", "", ""))
        rows.append((f"kb peak memory, one edit, {n}", f"{edit.peak_mb:.0f} MB", "", ""))
        if plain:
            rows.append((f"plain peak memory, {n}", f"{plain.peak_mb:.0f} MB", "", ""))
    for name, times in serve.items():
        target = TARGETS["serve_sample"] if name.startswith("sample") else TARGETS["serve_10000"]
        # A writer's first save counts as much as the tenth: the slowest of them is the figure.
        slowest = max(save.seconds for save in times)
        rows.append((f"kb serve, save to reload (slowest of {len(times)}), {name}", f"{slowest:.2f} s",
                     f"<= {target:g} s", _verdict(slowest, target)))  # fmt: skip
        rows.append((f"kb serve, each save (its CPU seconds), {name}", _listed(times), "", ""))
    click.echo(f"\n{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    click.echo("| work | measured | target | |\n|---|---:|---:|---|")
    for row in rows:
        click.echo("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
