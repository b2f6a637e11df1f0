"""Benchmark: `kb serve`'s builds in one process, each step of each timed, as a writer's saves make them.

    .venv/bin/python bench/preview_steps.py PROJECT [--saves 3] [--target site]

Builds PROJECT's preview (build_target(preview=True), into PROJECT/build/preview/<target>/site, where
`kb serve` keeps it) as kb serve's start does, then changes one sentence of one article and builds again,
`--saves` times: the CPU and wall-clock seconds of each build and of its steps (bench/engine_steps.py's
list). The start is a full build when the preview is missing (the engine renders with its page workers then,
as kb serve's first build does, before its server's threads start); each save is built in this process, as
kb serve's rebuilds are. The first save after a start from nothing is the one a writer waits for longest."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import click
import engine_steps  # bench/engine_steps.py, beside this script

from build import edit_one_article


@click.command()
@click.argument("project", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--saves", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--target", default="site", show_default=True)
def main(project: Path, saves: int, target: str) -> None:
    """Time a preview's start and `saves` one-edit rebuilds of PROJECT, step by step."""
    engine_steps.STEPS.append(("generator.build", "_spare_from", None))  # a preview's own step
    engine_steps.wrap_steps()
    from generator.build import build_target
    from generator.cli import GC_THRESHOLDS
    from generator.model import TARGETS

    gc.set_threshold(*GC_THRESHOLDS)  # as the `kb` program runs
    root = project.resolve()
    out = root / "build" / "preview" / target / "site"
    for number in range(saves + 1):
        if number:
            edit_one_article(root, f"PREVIEW-STEPS-{time.time_ns()}")
        engine_steps.cpu.clear()
        engine_steps.wall.clear()
        started, clock = time.process_time(), time.perf_counter()
        build_target(root, TARGETS[target], out, preview=True)
        cpu, wall = time.process_time() - started, time.perf_counter() - clock
        click.echo(f"\n{'start' if not number else f'save {number}':44} {'cpu s':>7} {'wall s':>7}")
        for label in engine_steps.cpu:
            click.echo(f"  {label:42} {engine_steps.cpu[label]:7.2f} {engine_steps.wall[label]:7.2f}")
        click.echo(f"  {'the whole build':42} {cpu:7.2f} {wall:7.2f}")


if __name__ == "__main__":
    main()
