"""The files one staging writes into the kept staged project, each written only when its content differs, and
the manifest (.kb-staged) of what it wrote, which spares the next staging reading them back."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

# What the last staging wrote into a kept staged project, beside its docs/ (so never published): each
# file's content digest and its state (size, modification and change times, inode) just after it was
# written. A file whose state is unchanged holds the content it was written with, so it is not read
# back to be compared (reading 10,000 staged pages was a third of a second of a one-edit build): a write
# or a time set on a file (`touch`) changes its change time, which nothing but the system clock sets.
MANIFEST = ".kb-staged"
_MANIFEST_HEADER = "kb-staged 1"  # then a line per file: name, digest, size, times, inode, tab-separated


class Staged:
    """The files one staging writes into its folder, each written only when its content differs."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._prefix = len(str(folder)) + 1  # a path's name in the folder, by text (Path.relative_to: 10x slower)
        self.written: set[str] = set()  # paths as text: compared as text by remove_the_rest
        self.known = _load_manifest(folder / MANIFEST)  # path in the folder -> (digest, state as written)
        self.now: dict[str, tuple[str, str]] = {}
        self._states: dict[str, list[int]] = {}  # name -> the state in `now`, as numbers (sources())

    def write(self, path: Path | str, text: str) -> None:
        self.put(path, text.encode("utf-8"))

    def copy(self, source: Path, path: Path | str) -> None:
        self.put(path, source.read_bytes())

    def put(self, path: Path | str, data: bytes) -> None:
        self.put_known(path, hashlib.sha256(data).hexdigest(), lambda: data)

    def put_known(self, path: Path | str, digest: str, made: Callable[[], bytes]) -> None:
        """As put, for content whose digest is known (`digest`): made (`made()`) only to be compared or written."""
        path = os.fspath(path)
        self.written.add(path)
        name = path[self._prefix :]
        entry = self.known.get(name)
        # Taken before the file is read back (below): a write in between leaves it in another state.
        state = _state(path)
        if entry is not None and state is not None and entry == (digest, _state_text(state)):
            self.now[name] = entry
            self._states[name] = state
            return
        data = made()
        try:
            with open(path, "rb") as stream:
                unchanged = stream.read() == data
        except OSError:  # not there yet (or a folder: replaced below)
            unchanged = False
            if os.path.isdir(path):
                shutil.rmtree(path)
        if not unchanged:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as stream:
                stream.write(data)
            state = _state(path)
        if "\t" not in name and "\n" not in name and "\r" not in name and state is not None:  # fits a line
            self.now[name] = (digest, _state_text(state))
            self._states[name] = state

    def sources(self, under: str) -> dict[str, tuple[str, list[int]]]:
        """Each file in the folder `under` (a name in the staged project) this staging wrote or found as the
        manifest recorded it, by its path there as MkDocs spells a source's `src_uri`: its content digest and
        its state (size, modification and change times, inode), taken just after it was written or when it was
        found so (before any read). What EngineCache.source_digest would find for the file, with no stat."""
        within = under + os.sep
        start = len(within)
        found = {
            name[start:]: (self.now[name][0], state) for name, state in self._states.items() if name.startswith(within)
        }
        if os.sep != "/":  # MkDocs' src_uri is written with slashes everywhere
            found = {name.replace(os.sep, "/"): entry for name, entry in found.items()}
        return found

    def remove_the_rest(self) -> None:
        """Remove every file under the folder that this staging did not write, and the folders left empty;
        then note what it wrote (MANIFEST) for the next staging."""
        manifest = self.folder / MANIFEST
        written = self.written | {str(manifest)}  # compared as text: a Path per file was most of the walk
        for top, folders, names in os.walk(self.folder, topdown=False):
            for name in names:
                path = os.path.join(top, name)
                if path not in written:
                    os.unlink(path)
            for name in folders:
                try:
                    os.rmdir(os.path.join(top, name))
                except OSError:  # not empty: the usual case
                    pass
        if self.now != self.known:
            _write_manifest(manifest, self.now)


def _state(path: str) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino]


def _state_text(state: list[int]) -> str:
    """A file's state as the manifest writes it: one text, compared as one (not four numbers, one by one)."""
    size, modified, changed, inode = state
    return f"{size}\t{modified}\t{changed}\t{inode}"


def _load_manifest(path: Path) -> dict[str, tuple[str, str]]:
    """The manifest's files, or {} when it is missing, damaged or of another format: then every staged file
    is read back and compared, as without one. Lines of text, not JSON: encoding 10,000 entries as JSON
    was a tenth of a second of every build."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return {}
    if lines[0] != _MANIFEST_HEADER or lines[-1] != "":  # another format, or cut short
        return {}
    files = {}
    for line in lines[1:-1]:
        name, _, entry = line.partition("\t")
        digest, _, state = entry.partition("\t")
        if state.count("\t") != 3:  # a state of another form never equals one written now (_state_text)
            return {}
        files[name] = (digest, state)
    return files


def _write_manifest(path: Path, files: dict[str, tuple[str, str]]) -> None:
    temporary = path.with_name(path.name + ".new")
    lines = [_MANIFEST_HEADER, *(f"{name}\t{digest}\t{state}" for name, (digest, state) in files.items()), ""]
    temporary.write_text("\n".join(lines), encoding="utf-8")
    os.replace(temporary, path)
