"""Which of many files are no longer in the state recorded for them, found by a process of its own.

A build checks the 20,000 HTML files the engine placed, a stat each (0.06 s at 10,000 articles), before it
trusts what the engine said of them (theme_scripts.py). Nothing kb writes after the engine touches them, so
the check can run on the other core while the build writes the rest. A forked child would share the build's
memory, and every page of it the build then writes is copied (20,000 page faults, most of what the child
saved); a new interpreter (`python -I -S` this file, some 15 ms to start, on the other core) shares nothing
and is given only the paths and their recorded states, through an unnamed temporary file as its input, and
answers with the paths not in their state (usually none). Whatever goes wrong, `changed()` is None and the
caller checks the files itself.

The child imports only the standard library's marshal, os and sys: it is run by path, not as part of the
package."""

from __future__ import annotations

import marshal
import os
import sys

State = tuple[str, tuple[int, int, int]]  # a file's path and its recorded size, modification time (ns) and inode
# The child: this interpreter, isolated from the environment and without site-packages (nothing to import).
COMMAND = [sys.executable, "-I", "-S", os.path.abspath(__file__)]


def not_in_state(entries: list[State]) -> list[str]:
    """The paths of `entries` whose file is missing or not in its recorded state (size, mtime_ns, inode)."""
    changed = []
    for path, state in entries:
        try:
            found = os.stat(path, follow_symlinks=False)
        except OSError:
            changed.append(path)
            continue
        if (found.st_size, found.st_mtime_ns, found.st_ino) != tuple(state):
            changed.append(path)
    return changed


class StatesChecked:
    """`not_in_state(entries)` worked out by a new process started now; `changed()` its answer."""

    def __init__(self, entries: list[State]):
        import subprocess
        import tempfile

        self._process: subprocess.Popen[bytes] | None = None
        with tempfile.TemporaryFile() as given:  # a file, not a pipe: writing it never waits for the child
            marshal.dump(entries, given)
            given.seek(0)
            try:
                self._process = subprocess.Popen(
                    COMMAND, stdin=given, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                )
            except (OSError, ValueError):  # no interpreter to start (an embedded Python): checked by the caller
                pass

    def changed(self) -> set[str] | None:
        """The paths not in their state; None when the child failed (the caller checks them itself)."""
        if self._process is None:
            return None
        try:
            answer, _ = self._process.communicate()
            if self._process.returncode != 0:
                return None
            found = marshal.loads(answer)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return set(found) if isinstance(found, list) and all(isinstance(path, str) for path in found) else None

    def stop(self) -> None:
        """Stop the child if it still runs, and reap it."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _main() -> None:
    marshal.dump(not_in_state(marshal.load(sys.stdin.buffer)), sys.stdout.buffer)


if __name__ == "__main__":
    _main()
