"""The previous output, made into the next one in place: a build touches only the files that changed.

A site of 10,000 articles is some 20,000 folders (one per page and one per permanent link). Writing each
build's site into a new folder created them all and then removed the old ones, and on this kind of file
system (ext4 mounted with `discard`) removing a folder costs milliseconds: over a minute of a one-edit
build went on folders. So a build keeps the site it replaced (the *spare*, in the engine cache's folder,
outside what a web server publishes) and next time makes the spare into the new site, then exchanges the
two in one rename (output.swap_into_place): still written beside the live output and swapped in whole.

The spare is never trusted: before anything is written into it, every file in it is removed except the
ones the caller names with the exact file (same device and inode, in the size and modification time it was
stored with) they must be, the cache's hard-linked pages. So
nothing is ever written into a file the live site or the cache shares, and nothing of an earlier build
survives that this build did not choose. Folders are kept (that is the saving) and the ones left empty
are removed at the end."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from .site_listing import Listing, list_files


def clear_except(
    folder: Path, keep: Mapping[str, tuple[int, int, int, int]], listing: Listing | None = None
) -> tuple[set[Path], set[str]]:
    """Remove every file (and link, and anything not a folder) under `folder` except each `keep` entry
    (dest path relative to `folder` -> the device, inode, size and modification time of the file it must be:
    a cached file, in the state it was stored in); return the folders files left (and the ones found empty),
    and the `keep` entries found in place (that exact file, in that state, already there). `listing`: the
    folder's files as a child listed them under the build's lock (site_listing.py); None: listed here."""
    files, empty = listing if listing is not None else list_files(str(folder))
    emptied = {Path(path) for path in empty}
    in_place: set[str] = set()
    for rel, found in files.items():
        if keep.get(rel) == found:
            in_place.add(rel)
            continue
        path = os.path.join(folder, rel)
        try:
            os.unlink(path)
        except FileNotFoundError:  # gone since it was listed: nothing of it left
            pass
        emptied.add(Path(os.path.dirname(path)))
    return emptied, in_place


def spare_from(site: Path, spare: Path) -> None:
    """The spare made from `site`, a site made from nothing (a project's first build, or its first `kb serve`):
    it leaves no site it replaced, so the next build (the writer's first edit) would make the site's 20,000
    folders again: 5.1 s at 10,000 articles against 2.6-2.9 s for the later edits, and at 1,000 articles
    1.15 s against 0.9 s. A copy of the site's folders with a hard link of each file (no copied bytes, no
    copied times or modes: the spare is never published) moves that cost to the build made from nothing,
    where a writer waits longest anyway. It is no more trusted than any spare: the next build removes every
    file of it except the cache's own pages and permanent links (by identity) before writing anything, so
    nothing is written through a link into the live site."""
    try:
        _link_folders(str(site), str(spare))
    except OSError:  # no hard links on this file system (or no room): the next site is made from nothing
        shutil.rmtree(spare, ignore_errors=True)


def _link_folders(source: str, dest: str) -> None:
    os.mkdir(dest)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _link_folders(entry.path, os.path.join(dest, entry.name))
            else:
                os.link(entry.path, os.path.join(dest, entry.name), follow_symlinks=False)


def remove_empty_folders(root: Path, folders: Iterable[Path]) -> None:
    """Remove each of `folders` (inside `root`) that is empty now, and its parents that it leaves empty."""
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:  # not empty (the usual case: the build wrote into it again), or gone already
                break
            folder = folder.parent


def same_file(path: Path | str, source: Path | str) -> bool:
    """Whether `path` is `source` itself (a hard link of it)."""
    try:
        a, b = os.stat(path, follow_symlinks=False), os.stat(source, follow_symlinks=False)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def link_file(source: Path | str, dest: Path | str) -> None:
    """A hard link of `source` at `dest` (which must not exist), or a copy where the file system has none."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
