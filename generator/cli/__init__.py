"""The `kb` command line: thin adapters that parse input, call the pipeline's stages and report.

A module per group of commands (authoring, checking, building, serving here; the portal's and the
releases' in their packages), each imported only when one of its commands runs (common.KbGroup)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import KbGroup, project_root, target_option

__all__ = ["cli", "main", "project_root", "target_option"]

COMMANDS = {
    "new": ".authoring:new",
    "init": ".authoring:init_command",
    "import": ".authoring:import_group",
    "check": ".checking:check",
    "contexts": ".checking:contexts_command",
    "build": ".building:build",
    "serve": ".serving:serve",
    "search": ".serving:search_command",
    "release": "generator.releases.cli:release",
    # The case portal from the terminal (generator/portal/cli.py, clients/cli.py).
    "portal": "generator.portal.cli:portal",
    "db": "generator.portal.cli:db",
    "agents": "generator.portal.cli:agents",
    "cases": "generator.portal.cli:cases",
    "review": "generator.portal.cli:review",
    "report": "generator.portal.cli:report",
    "mail": "generator.portal.cli:mail",
    "clients": "generator.portal.clients.cli:clients",
}


@click.group(cls=KbGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holding product.yml, kb/ and docs/).",
)
@click.version_option(package_name="meridian-kb")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Write, check, build and serve the Meridian help centre from markdown sources.

    \b
    Typical use:
      kb new article "Gantt chart is empty after import" --module scheduling
      kb check                      validate every source, print every problem
      kb serve                      live preview while you write
      kb build                      build the public help centre into build/site
    """
    ctx.obj = {"root": root.resolve()}


# The cyclic garbage collector's thresholds for kb's processes (and the workers they fork): a young
# collection every 50,000 allocations instead of 700. A one-edit build at 10,000 articles made 560
# collections, four of them full passes over the millions of objects of the memo and the engine's manifest,
# 0.56 s of CPU; with these, 8 and 0.12 s. Peak memory was the same (473 MB; 107 MB at 1,000 articles, full).
GC_THRESHOLDS = (50_000, 20, 100)


def main() -> None:
    """The `kb` program: the command, then an exit without the interpreter's teardown."""
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    try:
        cli(prog_name="kb")
    except SystemExit as exc:  # click ends every command so, the code in it
        _exit_without_teardown(exc)
        raise


def _exit_without_teardown(exc: SystemExit) -> None:
    """End the process at once with `exc`'s code, the exit handlers run but not the teardown that frees
    every object one by one: after a build of 10,000 articles that took half a second, a tenth of the
    whole. Only when one thread is left (a thread still running gets its normal end) and the code is a
    number; a message (SystemExit("...")) is printed by the normal exit."""
    import atexit
    import os
    import sys
    import threading

    code = 0 if exc.code is None else exc.code
    if not isinstance(code, int) or threading.active_count() != 1:
        return
    atexit._run_exitfuncs()  # logging's flush, multiprocessing's clean-up: what a normal exit would run
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe (kb build | head): nothing more can be said
        pass
    os._exit(code)
