"""Benchmark: the CPU and wall-clock seconds of each step of one `kb build`, run in this process.

    .venv/bin/python bench/engine_steps.py --root PROJECT build --target site --out OUT

Runs the `kb` command given (any arguments) with each named step below wrapped in a timer, then prints the
steps: the work before the engine as a whole, then the engine's own steps (reading its cache, MkDocs' files
and navigation, the page keys, clearing the kept site, the search index, saving the cache) and what follows
it (the script manifest, the context help, the Whoosh index). CPU seconds are this process's (page workers
forked by the engine are not counted: see the wall-clock column), and on a shared machine they are the
figure to compare. For a one-edit build at 10,000 articles: make the project as bench/build.py does
(`write_project`), build it once, change one sentence (`edit_one_article`) and run this twice; the second
is the writer's usual save.

A step this version of kb does not have is left out."""

from __future__ import annotations

import collections
import functools
import importlib
import sys
import time
from collections.abc import Callable
from typing import Any

import click

STEPS = [  # (module, attribute, class or None)
    ("generator.build", "render_target", None),
    ("generator.build", "stage_project", None),
    ("generator.build", "run_engine", None),
    ("generator.build", "resolve_contexts", None),
    ("generator.build", "write_context_help", None),
    ("generator.build", "write_script_manifest", None),  # before the engine's files were checked apart:
    ("generator.theme_scripts", "write", "ScriptManifest"),  # the manifest written (the checker's answer taken)
    ("generator.file_states", "__init__", "StatesChecked"),  # the engine's files' states handed to a checker
    ("generator.forking", "__init__", "ForkedCall"),  # a child forked (the search index's)
    ("generator.build", "_indexing", None),  # the search index since it is written alongside the engine:
    ("generator.build", "_finish_index", None),  # a whole one starts before it, an update is all in the finish
    ("generator.build", "swap_into_place", None),
    ("mkdocs.config", "load_config", None),
    ("generator.engine_cache", "load_manifest", None),
    ("generator.engine_cache", "save", "EngineCache"),
    ("generator.engine_cache", "store_file", "EngineCache"),
    ("generator.engine_cache", "link_into", "EngineCache"),
    ("mkdocs.structure.files", "get_files", None),
    ("mkdocs.structure.nav", "get_navigation", None),
    ("generator.engine", "get_navigation", None),  # kb's (engine_nav.py): MkDocs' above, and the pages' addresses
    ("generator.engine", "nav_keys", None),
    ("generator.engine", "source_digest", None),
    ("generator.site_listing", "result", "ListingApart"),  # waiting for the kept site's listing, made apart
    ("generator.engine", "clear_except", None),
    ("generator.engine", "remove_empty_folders", None),
    ("generator.engine", "_render_all", None),
    ("generator.engine", "_check_anchors", None),
    ("generator.engine", "assemble_search_index", None),
    ("mkdocs.plugins", "on_post_build", "PluginCollection"),
    ("mkdocs.commands.build", "_build_theme_template", None),  # the theme's 404.html and sitemap.xml
]

cpu: dict[str, float] = collections.defaultdict(float)
wall: dict[str, float] = collections.defaultdict(float)


def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        started, clock = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            cpu[label] += time.process_time() - started
            wall[label] += time.perf_counter() - clock

    return run


def wrap_steps() -> None:
    for module_name, name, owner_name in STEPS:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        if not hasattr(owner, name):
            continue
        label = f"{owner_name or module_name.rsplit('.', 1)[-1]}.{name}"
        setattr(owner, name, timed(label, getattr(owner, name)))


def main() -> None:
    import gc

    wrap_steps()
    from generator.cli import GC_THRESHOLDS, cli

    gc.set_threshold(*GC_THRESHOLDS)  # as the `kb` program runs
    started, clock = time.process_time(), time.perf_counter()
    try:
        cli.main(sys.argv[1:], prog_name="kb", standalone_mode=False)
    finally:
        click.echo(f"\n{'step':44} {'cpu s':>7} {'wall s':>7}", err=True)
        for label in cpu:
            click.echo(f"{label:44} {cpu[label]:7.2f} {wall[label]:7.2f}", err=True)
        total_cpu, total_wall = time.process_time() - started, time.perf_counter() - clock
        click.echo(f"{'the whole command':44} {total_cpu:7.2f} {total_wall:7.2f}", err=True)


if __name__ == "__main__":
    main()
