"""`kb build`, top-down: load, validate, select, render, stage, engine, permanent links, search index,
swap into place.

All reading and checking comes before any writing; the output is built beside the old one and swapped in,
so a failed or interrupted build leaves the previous site as it was. The search index lives beside the
site (`build/site` has `build/site-search`), never inside the public folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalog import load_catalog
from .checks import check_catalog
from .engine import run_engine
from .errors import SourceError
from .model import Catalog, Selection, Target
from .output import mark_output, new_folder_beside, swap_into_place
from .permalinks import write_permalinks
from .progress import Reporter, SilentReporter
from .render import render_selection
from .search import IndexStats, documents_for, write_index
from .select import select
from .stage import stage_project


def index_beside(out: Path) -> Path:
    """Where a build's search index goes: next to its site, outside what the web server publishes."""
    return out.with_name(f"{out.name}-search")


@dataclass(frozen=True)
class BuildResult:
    target: str
    out: Path
    pages: int
    warnings: tuple[str, ...]
    index: IndexStats


@dataclass(frozen=True)
class Rendered:
    catalog: Catalog
    selection: Selection
    pages: dict[str, str]  # src_uri -> the markdown the engine gets
    warnings: tuple[str, ...]


def render_target(root: Path, target: Target, strict: bool, reporter: Reporter) -> Rendered:
    """Load, validate, select and render: every problem in the sources is found before anything is written."""
    reporter.step("Loading sources")
    catalog = load_catalog(root)
    problems = check_catalog(catalog)
    if any(p.is_error or strict for p in problems):
        raise SourceError(problems)
    selection = select(catalog, target)
    reporter.step(f"Rendering {len(selection.pages)} of {len(catalog.pages)} pages for target '{target.name}'")
    rendered, render_problems = render_selection(catalog, selection, reporter.advance(len(selection.pages)))
    if render_problems:
        raise SourceError(render_problems)
    return Rendered(catalog, selection, rendered, tuple(str(p) for p in problems))


def build_target(
    root: Path,
    target: Target,
    out: Path,
    strict: bool = False,
    reporter: Reporter | None = None,
    full_index: bool = False,
) -> BuildResult:
    """Build one target's site into `out` and its search index beside it (each replaced whole on success)."""
    reporter = reporter or SilentReporter()
    rendered = render_target(root, target, strict, reporter)
    pages = rendered.selection.pages
    warnings = list(rendered.warnings)

    with new_folder_beside(out) as scratch:
        config = stage_project(
            rendered.catalog, rendered.selection, rendered.pages, scratch / "project", scratch / "site"
        )
        reporter.step("Building the site")
        with reporter.watch(scratch / "site", expected=len(pages)):
            warnings += run_engine(config, strict=strict)
        write_permalinks(pages, scratch / "site")
        mark_output(scratch / "site")
        stats = _index(rendered, index_beside(out), full_index, reporter)
        swap_into_place(scratch / "site", out)
    reporter.step(f"Built {len(pages)} pages into {out}")
    return BuildResult(target.name, out, len(pages), tuple(warnings), stats)


def index_target(
    root: Path, target: Target, index_dir: Path, full: bool = False, reporter: Reporter | None = None
) -> IndexStats:
    """Only the search index of a target, from its sources: what `kb search` uses when none is there yet."""
    reporter = reporter or SilentReporter()
    return _index(render_target(root, target, False, reporter), index_dir, full, reporter)


def _index(rendered: Rendered, index_dir: Path, full: bool, reporter: Reporter) -> IndexStats:
    reporter.step("Updating the search index" if not full else "Rebuilding the search index")
    stats = write_index(documents_for(rendered.selection, rendered.pages), index_dir, full=full)
    reporter.step(
        f"Search index: {stats.added} added, {stats.updated} updated, {stats.deleted} removed, "
        f"{stats.unchanged} unchanged"
    )
    return stats
