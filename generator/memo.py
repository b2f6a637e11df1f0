"""The work before the engine, per file, kept from one build to the next: parsing a page's front matter,
its checks, its links and its search documents are pure functions of the page's text, so a build gives
each the result an earlier build computed for exactly the same input, found by the digest of that input.

A function opts in with `@remembered("name")`; outside a build (`kb check`, tests) it simply runs. A
build opens the memo of its output (`with remembering(folder)`): one file in the engine cache's folder,
`memo.pickle`, whose header holds a digest of kb's code and the libraries' versions (engine_keys.code_key)
and a digest of the rest. A memo that is missing, from other code, damaged or unreadable is ignored whole
(the digest is checked before anything is unpickled), never trusted. What a build used is what it writes
back, so entries of deleted or edited pages do not pile up. `kb serve` keeps the memo in the process
between rebuilds instead of reading it again, as long as the file is the one it wrote."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

FILE = "memo.pickle"
_MAGIC = b"kb-memo 1\n"

F = TypeVar("F", bound=Callable[..., Any])


class Memo:
    """The results an earlier build left (`old`) and the ones this build used or computed (`new`)."""

    def __init__(self, path: Path | None, code: str, old: dict[str, Any]):
        self.path, self.code, self.old = path, code, old
        self.new: dict[str, Any] = {}
        self.computed = 0
        self.written: tuple[int, ...] | None = None  # the file as save() left it (size, time, inode)

    def get(self, digest: str) -> Any:
        if digest in self.new:
            return self.new[digest]
        if digest in self.old:
            self.new[digest] = self.old[digest]
            return self.new[digest]
        return _MISSING

    def put(self, digest: str, result: Any) -> None:
        self.new[digest] = result
        self.computed += 1

    def save(self) -> None:
        """Write what this build used, in one rename; nothing when it is what the file holds already."""
        if self.path is None or not self.path.parent.is_dir():  # a build that failed before writing anything
            return
        if self.computed == 0 and self.new.keys() == self.old.keys() and _file_state(self.path) is not None:
            self.written = _file_state(self.path)
            return
        with _no_gc():
            payload = pickle.dumps(self.new, protocol=pickle.HIGHEST_PROTOCOL)
        header = _MAGIC + self.code.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n"
        handle, temporary = tempfile.mkstemp(prefix=".memo-", dir=self.path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(header + payload)
        os.replace(temporary, self.path)
        self.written = _file_state(self.path)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: loading a memo of 10,000 pages made it run hundreds of times."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _file_state(path: Path) -> tuple[int, ...] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ino)


_MISSING = object()
_active: Memo | None = None
_kept: Memo | None = None  # the last build's, for the next build in this process (`kb serve`)


def load_memo(path: Path, code: str) -> dict[str, Any]:
    """The results in the memo file at `path`, or {} when it is missing, damaged or made by other code."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    head, _, rest = data.partition(b"\n")
    code_line, _, rest = rest.partition(b"\n")
    digest, _, payload = rest.partition(b"\n")
    if head + b"\n" != _MAGIC or code_line != code.encode():
        return {}
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return {}  # damaged: not a byte of it is unpickled
    try:
        with _no_gc():  # a page's results are thousands of small objects: each collection scanned them all
            old = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return {}  # the right digest but unreadable here (written by another Python): ignored
    return old if isinstance(old, dict) else {}


@contextmanager
def remembering(folder: Path | None, trusted: bool = True) -> Iterator[Memo]:
    """Use the memo in `folder` (None: in memory only) for the calls made inside the block, and write it
    back; `trusted=False` (`kb build --full`) computes everything again."""
    global _active, _kept
    from .engine_keys import code_key

    code = code_key()
    path = folder / FILE if folder is not None else None
    kept = _kept is not None and (_kept.path, _kept.code) == (path, code)
    if not trusted:
        old = {}
    elif kept and path is not None and _kept.written == _file_state(path):
        old = _kept.new  # the file is as this process wrote it: no need to read it again
    else:
        old = load_memo(path, code) if path is not None else {}
    memo = Memo(path, code, old)
    _active = memo
    try:
        yield memo
    finally:  # kept even when the build stops at a problem: each result is right for its input
        _active = None
        memo.save()
        _kept = memo


def remembered(kind: str, key: Callable[..., tuple[str, ...]] | None = None) -> Callable[[F], F]:
    """Keep the decorated pure function's results in the active memo, by a digest of `kind` and its
    arguments (strings; `key` turns other arguments into the strings the result depends on). Results
    are shared between callers: return tuples or other values nobody changes."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def remembered_call(*args: Any) -> Any:
            memo = _active
            if memo is None:
                return function(*args)
            hashed = hashlib.sha256(kind.encode())
            for part in key(*args) if key else args:
                hashed.update(b"\0" + part.encode("utf-8", "surrogatepass"))
            digest = hashed.hexdigest()
            result = memo.get(digest)
            if result is _MISSING:
                result = function(*args)
                memo.put(digest, result)
            return result

        return remembered_call  # type: ignore[return-value]

    return decorate
