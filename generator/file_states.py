"""Which of many files are no longer in the state recorded for them, found by a process of its own.

A build checks the 20,000 HTML files the engine placed, a stat each (0.06 s at 10,000 articles), before it
trusts what the engine said of them (theme_scripts.py). Nothing kb writes after the engine touches them, so
the check can run on the other core while the build writes the rest. A new interpreter runs this file
(script_apart.py: it shares none of the build's memory), given only the paths and their recorded states, and
answers with the paths not in their state (usually none). Whatever goes wrong, `changed()` is None and the
caller checks the files itself.

The child imports only the standard library's marshal, os and sys: it is run by path, not as part of the
package."""

from __future__ import annotations

import marshal
import os
import sys

State = tuple[str, tuple[int, int, int]]  # a file's path and its recorded size, modification time (ns) and inode
COMMAND: list[str] | None = None  # the child's command; None: this file, run by a new interpreter


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
        from .script_apart import ScriptApart, script_command

        self._process = ScriptApart(COMMAND or script_command(__file__), given=entries)

    def changed(self) -> set[str] | None:
        """The paths not in their state; None when the child failed (the caller checks them itself)."""
        found = self._process.answer()
        return set(found) if isinstance(found, list) and all(isinstance(path, str) for path in found) else None

    def stop(self) -> None:
        """Stop the child if it still runs, and reap it."""
        self._process.stop()


def _main() -> None:
    marshal.dump(not_in_state(marshal.load(sys.stdin.buffer)), sys.stdout.buffer)


if __name__ == "__main__":
    _main()
