"""A module of kb run as a script by a new interpreter, on the other core, its answer fetched later.

A one-edit build is one process on one core; work that depends on nothing the build computes next (listing
the kept site, site_listing.py; checking the engine's files' states, file_states.py) runs beside it. A
forked child would share the build's memory, and every page of it the build then writes is copied (some
20,000 page faults at 10,000 articles, most of what the child saved); a new interpreter (`python -I -S`:
isolated from the environment, without site-packages, 10-20 ms to start) shares nothing. It is given its
input marshalled, through an unnamed temporary file (writing it never waits for the child), and answers
marshalled on its standard output. `subprocess` execs at once, so this is safe from a process with threads,
as kb serve is.

Whatever goes wrong (no interpreter to start, the script failed or was killed, its output is not marshal),
the answer is None and the caller does the work itself. The scripts import only the standard library: they
are run by path, not as part of the package (so their own few lines read and write marshal, not this module)."""

from __future__ import annotations

import marshal
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess


def script_command(script: str, *args: str) -> list[str]:
    """The command that runs `script` (a module's own file) by a new interpreter, with `args`."""
    return [sys.executable, "-I", "-S", "-B", os.path.abspath(script), *args]


class ScriptApart:
    """`command` (script_command's) started now, given `given` (marshalled) on its input; `answer()` waits."""

    def __init__(self, command: list[str], given: Any = None):
        import subprocess  # here, not above: the scripts import this module's file only by running their own
        import tempfile

        self._process: subprocess.Popen[bytes] | None = None
        with tempfile.TemporaryFile() as stdin:
            if given is not None:
                marshal.dump(given, stdin)
                stdin.seek(0)
            try:
                self._process = subprocess.Popen(
                    command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                )
            except (OSError, ValueError):  # no interpreter to start (an embedded Python): the caller's to do
                pass

    def answer(self) -> Any:
        """What the script wrote, unmarshalled; None when it could not start, failed or wrote no marshal."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            # The script works first and writes once it is done, so it never waits on this process reading.
            output, _ = process.communicate()
            if process.returncode != 0:
                return None
            return marshal.loads(output)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def stop(self) -> None:
        """End the script if its answer was not asked for (the caller stopped before), and reap it."""
        process, self._process = self._process, None
        if process is not None:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()
