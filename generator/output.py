"""Write outputs so that nobody ever sees half of one: build in a new folder beside the old, then swap.

A build killed with -9 cannot remove its new folder; the next build does. Each new folder is locked
(`flock` on the folder itself) for as long as its build lives, and the kernel drops the lock when the
process dies, however it dies: a new folder nobody holds is a dead build's, and only those are removed."""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import KbError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


OUTPUT_MARK = ".kb-output"  # written into every output folder: only such folders are ever replaced


def check_out_dir(out: Path, root: Path) -> Path:
    """Refuse output folders whose replacement would destroy something: /, home, the project, its sources,
    and any folder with files in it that a previous build did not write."""
    out = out.expanduser().resolve()
    root = root.resolve()
    sources = [root / d for d in ("kb", "docs", "clients", "overrides", "generator", ".git")]
    refused = out in {Path("/"), Path.home().resolve(), root} or root.is_relative_to(out)
    refused = refused or any(out.is_relative_to(d) for d in sources)
    if out.exists() and not out.is_dir():
        raise KbError(f"--out {out}: exists and is not a folder")
    if not refused and out.is_dir() and any(out.iterdir()) and not (out / OUTPUT_MARK).exists():
        refused = True
    if refused:
        raise KbError(
            f"--out {out}: refusing to replace this folder; expected a folder of its own such as build/site "
            "(an empty or new folder, or one a previous build wrote)"
        )
    return out


def mark_output(folder: Path) -> None:
    """Mark a finished output so that a later build may replace it."""
    (folder / OUTPUT_MARK).write_text("Written by kb build; the next build replaces this folder whole.\n")


@contextmanager
def new_folder_beside(out: Path) -> Iterator[Path]:
    """A fresh scratch folder on the same file system as `out`, locked while in use and removed afterwards
    whatever happens; first, the scratch folders that killed builds left beside `out` are removed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    while True:
        scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        lock = _lock(scratch)
        if lock is not None:
            break
        # Another build's remove_leftovers() took it between mkdtemp and our lock: it is theirs to remove.
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        os.close(lock)


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the `.<out>.new-*` scratch folders beside `out` that no live build holds (and `.<out>.old-*`
    ones, which earlier versions parked there); return what was removed."""
    removed = []
    for pattern in (f".{glob.escape(out.name)}.new-*", f".{glob.escape(out.name)}.old-*"):
        for folder in sorted(out.parent.glob(pattern)):
            lock = _lock(folder) if folder.is_dir() and not folder.is_symlink() else None
            if lock is None:
                continue  # a live build's, or not a folder of ours
            try:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            finally:
                os.close(lock)
    return removed


def _lock(folder: Path) -> int | None:
    """An exclusive lock on `folder` (an open descriptor; closing it unlocks), or None when a live process
    holds it or the folder went away meanwhile."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held = os.fstat(fd)
        now = os.stat(folder, follow_symlinks=False)
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            return fd  # still the folder at that path: it was not removed while we waited for the lock
    except OSError:
        pass
    os.close(fd)
    return None


def swap_into_place(new: Path, out: Path, keep_previous: bool = False) -> None:
    """Make `new` be `out`. With an existing `out`, the two are exchanged in one step where the
    system allows it (Linux renameat2), so a reader sees the old output or the new, never neither.
    The previous output ends where `new` was: removed, or kept there with `keep_previous` (to be made
    into the next output in place, output_reuse.py). `new` is in a scratch folder (new_folder_beside) or
    the cache's, so that a build killed before removing the previous output leaves it where the next
    build removes or reuses it."""
    if not out.exists():
        os.replace(new, out)
        return
    if not _exchange(new, out):
        parked = new.with_name(f"{new.name}.previous")
        os.replace(out, parked)
        os.replace(new, out)
        os.replace(parked, new)
    if not keep_previous:
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous output


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (created, and marked as kb's, if missing) while the block runs: a
    second build of the same output waits for the first, as both would make the same cached files and
    kept site."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / OUTPUT_MARK).is_file():
        mark_output(folder)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def locked_if_free(folder: Path) -> Iterator[bool]:
    """The lock `locked` takes on `folder`, without waiting: True inside when it was taken, False when a live
    build holds it (or the folder is gone)."""
    fd = _lock(folder)
    try:
        yield fd is not None
    finally:
        if fd is not None:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
