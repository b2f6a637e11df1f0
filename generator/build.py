"""`kb build`, top-down: load, validate, select, render, stage, engine, permanent links, swap into place.

All reading and checking comes before any writing; the output is built beside the old one and swapped in,
so a failed or interrupted build leaves the previous site as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalog import load_catalog
from .checks import check_catalog
from .engine import run_engine
from .errors import SourceError
from .model import Target
from .output import mark_output, new_folder_beside, swap_into_place
from .permalinks import write_permalinks
from .progress import Reporter, SilentReporter
from .render import render_selection
from .select import select
from .stage import stage_project


@dataclass(frozen=True)
class BuildResult:
    target: str
    out: Path
    pages: int
    warnings: tuple[str, ...]


def build_target(
    root: Path, target: Target, out: Path, strict: bool = False, reporter: Reporter | None = None
) -> BuildResult:
    """Build one target's site from the sources under `root` into `out` (replaced whole on success)."""
    reporter = reporter or SilentReporter()
    reporter.step("Loading sources")
    catalog = load_catalog(root)
    problems = check_catalog(catalog)
    if any(p.is_error or strict for p in problems):
        raise SourceError(problems)
    warnings = [str(p) for p in problems]

    selection = select(catalog, target)
    reporter.step(f"Rendering {len(selection.pages)} of {len(catalog.pages)} pages for target '{target.name}'")
    rendered, problems = render_selection(catalog, selection, reporter.advance(len(selection.pages)))
    if problems:
        raise SourceError(problems)

    with new_folder_beside(out) as scratch:
        config = stage_project(catalog, selection, rendered, scratch / "project", scratch / "site")
        reporter.step("Building the site")
        with reporter.watch(scratch / "site", expected=len(selection.pages)):
            warnings += run_engine(config, strict=strict)
        write_permalinks(selection.pages, scratch / "site")
        mark_output(scratch / "site")
        swap_into_place(scratch / "site", out)
    reporter.step(f"Built {len(selection.pages)} pages into {out}")
    return BuildResult(target.name, out, len(selection.pages), tuple(warnings))
