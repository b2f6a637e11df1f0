"""The attachments folder: bytes under random names, written so that a name either holds the whole file
or does not exist, and files that no row claims (a transaction that failed after the write) removed."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import filetype

from ...errors import KbError

ORPHAN_SECONDS = 3600  # a file younger than this may belong to a transaction still running
_PARTIAL = ".partial-"


def sniff(data: bytes) -> str:
    """The type the bytes are, from their content: what `filetype` recognises by its signature, text/plain
    for UTF-8 text (logs, HTML and SVG alike: they are all served as downloads), else application/octet-stream."""
    kind = filetype.guess(data[:8192]) if data else None
    if kind is not None:
        return kind.mime
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "application/octet-stream" if "\x00" in text else "text/plain"


def check_folder(folder: Path, site_dir: Path | None) -> None:
    """KbError when the attachments folder is inside the help centre's folder, where the site would serve
    the stored files as pages."""
    if site_dir is not None and folder.resolve().is_relative_to(site_dir.resolve()):
        raise KbError(
            f"attachments: folder {folder} is inside the help centre's folder {site_dir}, which the portal "
            "serves as it is; put attachments outside it (default: instance/attachments)"
        )


def path_of(folder: Path, storage_name: str) -> Path:
    """Where a stored file lives: fanned out by its first two characters, so no folder holds millions."""
    return folder / storage_name[:2] / storage_name


def write_file(folder: Path, data: bytes) -> str:
    """Store `data` under a new random name (returned): written to a partial file, flushed to disk, then
    renamed into place, so a crash leaves a partial file or a whole one, never half of one under its name."""
    name = secrets.token_hex(16)
    target = path_of(folder, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f"{_PARTIAL}{name}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.rename(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return name


def _fsync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is flushed too."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_files(folder: Path, storage_names: Iterable[str]) -> None:
    for name in storage_names:
        path_of(folder, name).unlink(missing_ok=True)


def stored_files(folder: Path, older_than: float = ORPHAN_SECONDS) -> dict[str, Path]:
    """Files in the folder (partial ones included, under their own name) last changed more than
    `older_than` seconds ago: storage name -> path. File times are the file system's, so wall-clock time."""
    if not folder.is_dir():
        return {}
    cutoff = time.time() - older_than
    found = {}
    for path in folder.glob("??/*"):
        try:
            if path.stat().st_mtime < cutoff:
                found[path.name] = path
        except FileNotFoundError:  # removed meanwhile by another worker's sweep
            continue
    return found
