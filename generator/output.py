"""Write outputs so that nobody ever sees half of one: build in a new folder beside the old, then swap."""

from __future__ import annotations

import ctypes
import ctypes.util
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
    """A fresh scratch folder on the same file system as `out`, removed afterwards whatever happens."""
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def swap_into_place(new: Path, out: Path) -> None:
    """Make `new` be `out`. With an existing `out`, the two are exchanged in one step where the
    system allows it (Linux renameat2), so a reader sees the old output or the new, never neither."""
    if not out.exists():
        os.replace(new, out)
        return
    if not _exchange(new, out):
        parked = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, parked)
        os.replace(new, out)
        new = parked
    shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous output


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
