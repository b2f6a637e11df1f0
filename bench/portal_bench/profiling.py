"""Profiling the server: a cProfile profiler per server thread (CPU time), saved by each worker as it exits,
merged and printed at the end."""

from __future__ import annotations

import pstats
import sys
import threading
import time
from pathlib import Path

import click


def profiled(app, profiles: list):
    """The app with a cProfile profiler per server thread (cProfile sees only the thread that enabled it)."""
    import cProfile

    local = threading.local()
    lock = threading.Lock()

    def wsgi(environ, start_response):
        prof = getattr(local, "prof", None)
        if prof is None:
            prof = local.prof = cProfile.Profile(time.thread_time)  # CPU time: waits are not work
            with lock:
                profiles.append(prof)
        prof.enable()
        try:
            return app(environ, start_response)
        finally:
            prof.disable()

    return wsgi


def save_profiles(profiles: list, path: str) -> None:
    stats = None
    for prof in list(profiles):
        prof.disable()
        stats = pstats.Stats(prof) if stats is None else stats.add(prof)
    if stats is not None:
        stats.dump_stats(path)


def print_profile(profile: Path, top: int = 30) -> None:
    """Merge the workers' profiles (PROFILE.<pid>) into PROFILE and print the top."""
    parts = sorted(profile.parent.glob(f"{profile.name}.*"))
    if not parts:
        raise click.ClickException(f"no worker saved a profile beside {profile}")
    stats = pstats.Stats(*map(str, parts), stream=sys.stdout)
    stats.dump_stats(profile)
    for part in parts:
        part.unlink()
    stats.strip_dirs()
    click.echo(f"\nProfile of the server's threads saved to {profile}; top {top} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)
    click.echo(f"Top {top} by own time:")
    stats.sort_stats("tottime").print_stats(top)
