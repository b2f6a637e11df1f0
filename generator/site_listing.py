"""A site folder's files listed with their states, here or by a child process on the other core.

Clearing the kept site (output_reuse.clear_except) is a walk of every folder of it, 20,000 at 10,000
articles, and a stat of every file: 0.38 s of a one-edit build, on the one core the build runs on. It
depends on nothing the build computes but what it keeps, so the listing is made by a child started once the
build holds the cache's lock (nothing else writes the kept site then), while staging, the engine's
configuration and its manifest are made here; the engine then removes what is not kept from that listing.
The child is a new interpreter running this file (script_apart.py: no kb import, no copy of the build's
memory).

A listing is taken before the engine clears the folder, not as it clears it: a file's state is the one the
walk saw. Under the lock only this build writes the kept site, and it writes nothing there before the
clear; a hard-linked file changed in place through another link (the live site) between the walk and the
clear is what a change just after an in-process walk is: the cache's file no longer in its stored state,
which the next build sees (engine_cache.py). A child that fails, is killed or answers anything but a listing
of that folder is not used: the folder is walked here, as without a child.

Run as a script (`python site_listing.py FOLDER`): the listing of FOLDER, marshalled, on standard output."""

from __future__ import annotations

import marshal
import os
import sys

# What a listing holds: each file's path relative to the folder (anything not a folder: links and other
# special files too) -> its (device, inode, size, modification time), and the folders below it that were empty.
Listing = tuple[dict[str, tuple[int, int, int, int]], list[str]]


def list_files(folder: str) -> Listing:
    """Every file under `folder` with its state, without following links, and the empty folders below it;
    nothing for a folder that does not exist."""
    files: dict[str, tuple[int, int, int, int]] = {}
    empty: list[str] = []
    # Paths as strings and a list of folders to visit rather than recursion: every folder of the site.
    todo = [(folder, "")]
    while todo:
        path, prefix = todo.pop()
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue
        if not entries and prefix:
            empty.append(path)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                todo.append((entry.path, f"{prefix}{entry.name}/"))
                continue
            found = entry.stat(follow_symlinks=False)
            files[prefix + entry.name] = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)
    return files, empty


class ListingApart:
    """The listing of `folder` being made by a child process (`command`: the child's, this file run as a
    script by default); `result()` waits for it."""

    def __init__(self, folder: str, command: list[str] | None = None):
        from .script_apart import ScriptApart, script_command

        self.folder = os.path.abspath(folder)
        self._child: ScriptApart | None = ScriptApart(command or script_command(__file__, self.folder))

    def result(self, folder: str) -> Listing | None:
        """The child's listing of `folder`; None when it listed another folder, failed or answered no listing."""
        child, self._child = self._child, None
        if child is None or os.path.abspath(folder) != self.folder:
            if child is not None:
                child.stop()
            return None
        answer = child.answer()
        if type(answer) is not tuple or len(answer) != 3:
            return None
        listed, files, empty = answer
        if listed != self.folder or type(files) is not dict or type(empty) is not list:
            return None
        return files, empty

    def stop(self) -> None:
        """End the child if its listing was not asked for (the build stopped before its engine)."""
        child, self._child = self._child, None
        if child is not None:
            child.stop()


if __name__ == "__main__":
    walked = sys.argv[1]
    files, empty = list_files(walked)
    sys.stdout.buffer.write(marshal.dumps((walked, files, empty)))
