"""The work before the engine, per file, kept from one build to the next: parsing a page's front matter,
its checks, its links and its search documents are pure functions of the page's text, so a build gives
each the result an earlier build computed for exactly the same input, found by the digest of that input.

A function opts in with `@remembered("name")`; outside a build (`kb check`, tests) it simply runs. A
build opens the memo of its output (`with remembering(folder)`): the folder `memo/` in the engine cache's
folder, one file per shard (a kind of result and the first hex digit of a result's digest: 16 per kind),
each with a header holding a digest of kb's code and the libraries' versions (engine_keys.code_key) and a
digest of the rest. A shard that is missing, from other code, damaged or unreadable is ignored (the digest
is checked before anything is unpickled), never trusted; its results are computed again. Shards are read
when a result is first looked up in them (the search documents after the engine, not while it holds its
own memory) and written back only when what the build used of them differs from what they hold, so a
one-edit build rewrites a few small files, not the memo of 10,000 pages (126 MB read and written whole
took 1.5 s of every build). What a build used is what it writes back, so entries of deleted or edited
pages do not pile up. Mixing shards of different builds is sound: each result is keyed by its input.
`kb serve` keeps the memo in the process between rebuilds instead of reading it again, shard by shard,
as long as a shard's file is the one it wrote."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

FOLDER = "memo"
_SINGLE_FILE = "memo.pickle"
_MAGIC = b"kb-memo 2\n"
_SHARD_DIGITS = 1  # 16 shards per kind of result: some 600 results each at 10,000 pages

F = TypeVar("F", bound=Callable[..., Any])


class Memo:
    """The results an earlier build left (`old`) and the ones this build used or computed (`new`), by shard:
    `old` read on first use."""

    def __init__(self, folder: Path | None, code: str, trusted: bool = True, kept: Memo | None = None):
        self.folder, self.code, self.trusted, self.kept = folder, code, trusted, kept
        self.old: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, Any]] = {}  # after save(): the next build's `old` in this process
        self.computed = 0
        self.changed: set[str] = set()  # shards holding a result this build computed
        self.written: dict[str, tuple[int, ...]] = {}  # each shard's file as this memo read or left it

    def get(self, shard: str, digest: str) -> Any:
        used = self.new.get(shard)
        if used is not None:
            found = used.get(digest, _MISSING)
            if found is not _MISSING:
                return found
        entries = self.old.get(shard)
        if entries is None:
            entries = self.old[shard] = self._load(shard)
        found = entries.get(digest, _MISSING)
        if found is not _MISSING:
            if used is None:
                used = self.new[shard] = {}
            used[digest] = found
        return found

    def put(self, shard: str, digest: str, result: Any) -> None:
        self.new.setdefault(shard, {})[digest] = result
        self.changed.add(shard)
        self.computed += 1

    def _load(self, shard: str) -> dict[str, Any]:
        if not self.trusted or self.folder is None:
            return {}
        path = self.folder / shard
        state = _file_state(path)
        kept = self.kept
        if state is None:  # no file: nothing to read (the texts of a project written just now are not kept)
            return {}
        if kept is not None and kept.written.get(shard) == state and shard in kept.new:
            entries = kept.new[shard]  # the file is as this process wrote it: no need to read it again
        else:
            entries = load_shard(path, self.code)
        self.written[shard] = state
        return entries

    def save(self) -> None:
        """Write back each shard whose results this build used differ from what its file holds; remove the
        files of shards this build used nothing of. Each file is replaced in one rename."""
        if self.folder is None or not self.folder.parent.is_dir():  # a build that failed before writing anything
            return
        (self.folder.parent / _SINGLE_FILE).unlink(missing_ok=True)  # the memo of kb before shards
        if not self.folder.is_dir() or self.folder.is_symlink():
            remove_path(self.folder)
            self.folder.mkdir()
        # A temporary file of a build that was killed, or anything planted here, goes too.
        present = set(os.listdir(self.folder))
        for shard in present - self.new.keys():
            remove_path(self.folder / shard)
        for shard, entries in self.new.items():
            path = self.folder / shard
            unchanged = (
                shard not in self.changed
                and shard in self.old
                and entries.keys() == self.old[shard].keys()
                and shard in present
                and self.written.get(shard) == _file_state(path)
            )
            if not unchanged:
                _write_shard(path, self.code, entries)
            self.written[shard] = _file_state(path)


def _write_shard(path: Path, code: str, entries: dict[str, Any]) -> None:
    with collector_paused():
        payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    header = _MAGIC + code.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n"
    handle, temporary = tempfile.mkstemp(prefix=".memo-", dir=path.parent)
    with os.fdopen(handle, "wb") as stream:
        stream.write(header + payload)
    os.replace(temporary, path)


def remove_path(path: Path) -> None:
    """A file kb keeps (a shard, a manifest, a kept sitemap), or anything else found in its place (a folder planted
    there is not one), removed."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def collector_paused(keep: bool = False) -> Iterator[None]:
    """The cyclic garbage collector paused: loading a memo of 10,000 pages made it run hundreds of times,
    each run scanning every result loaded so far. What the block leaves in cycles is collected after it.
    `keep`, in a build: what is alive after the block (its pages, their facts) is kept out of the collector's
    later runs until the build ends (gc.freeze; `remembering` gives it back): otherwise its first run
    after the block scanned the million objects the block made (a tenth of a second at 10,000 pages),
    and later runs again. Objects no longer used are still freed as ever; only cycles wait."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep and _active is not None:
            gc.freeze()
        if enabled:
            gc.enable()


_no_gc = collector_paused  # the name engine.py imports it by


def _file_state(path: Path) -> tuple[int, ...] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ino)


_MISSING = object()
_active: Memo | None = None
_kept: Memo | None = None  # the last build's, for the next build in this process (`kb serve`)
_part_digests: dict[str, bytes] = {}  # an argument's digest, while a build runs: a body is hashed once
# Results by kind and arguments, while a build runs: those of the kinds asked for again and again
# (`repeated`: a page's links, four times a build) and those given with another result (`seed`: what a
# page's text alone decides comes with its parse, page_facts.py), found without working out a digest.
# Only for arguments that live as long anyway (a page's path and body).
_called: dict[tuple[str, ...], Any] = {}


def load_shard(path: Path, code: str) -> dict[str, Any]:
    """The results in the shard file at `path`, or {} when it is missing, damaged or made by other code."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    # The header's lines found by position and the payload taken as a view: each partition of the rest
    # copied the shard (a tenth of a second of copies for a build's shards at 10,000 pages).
    head_end = data.find(b"\n") + 1
    code_end = data.find(b"\n", head_end) + 1
    digest_end = data.find(b"\n", code_end) + 1
    if not 0 < head_end < code_end < digest_end:
        return {}
    if data[:head_end] != _MAGIC or data[head_end : code_end - 1] != code.encode():
        return {}
    digest, payload = data[code_end : digest_end - 1], memoryview(data)[digest_end:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return {}  # damaged: not a byte of it is unpickled
    try:
        with collector_paused():  # a page's results are thousands of small objects: each collection scanned them all
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
    path = folder / FOLDER if folder is not None else None
    kept = _kept if _kept is not None and (_kept.folder, _kept.code) == (path, code) else None
    memo = Memo(path, code, trusted, kept)
    _kept = None  # its shards now belong to this memo
    _active = memo
    try:
        yield memo
    finally:  # kept even when the build stops at a problem: each result is right for its input
        _active = None
        _part_digests.clear()
        _called.clear()
        memo.kept = None
        memo.save()
        _kept = memo
        gc.unfreeze()  # what collector_paused(keep=True) kept out of the collector's runs is in them again


def remembered(
    kind: str, key: Callable[..., tuple[str, ...]] | None = None, repeated: bool = False
) -> Callable[[F], F]:
    """Keep the decorated pure function's results in the active memo, by a digest of `kind` and its
    arguments (strings; `key` turns other arguments into the strings the result depends on). Results
    are shared between callers: return tuples or other values nobody changes. `repeated`: called several
    times a build with the same arguments, which stay alive anyway; the build keeps them to find the
    result by (`_called`)."""

    named = hashlib.sha256(kind.encode())  # copied for each call: a new hash of the name cost as much again
    prefix = kind + "-"  # a kind's results in shards of their own: a build reads a kind when it first needs it

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def remembered_call(*args: Any) -> Any:
            memo = _active
            if memo is None:
                return function(*args)
            parts = (kind, *(key(*args) if key else args))
            result = _called.get(parts, _MISSING)
            if result is not _MISSING:
                return result
            hashed = named.copy()
            # Each argument's digest is computed once per build for the same text (a page's body is the
            # argument of several remembered functions, each called several times); the lookup is inline,
            # as this runs some 100,000 times a build at 10,000 pages.
            digests = _part_digests
            for part in parts[1:]:
                found = digests.get(part)
                if found is None:
                    found = digests[part] = hashlib.sha256(part.encode("utf-8", "surrogatepass")).digest()
                hashed.update(found)
            digest = hashed.hexdigest()
            shard = prefix + digest[:_SHARD_DIGITS]
            result = memo.get(shard, digest)
            if result is _MISSING:
                result = function(*args)
                memo.put(shard, digest, result)
            if repeated:
                _called[parts] = result
            return result

        remembered_call.memo_kind, remembered_call.memo_key = kind, key  # type: ignore[attr-defined]
        return remembered_call  # type: ignore[return-value]

    return decorate


def recall(kind: str, key: str) -> Any:
    """The result kept under `kind` and `key` by `keep`, in this build's memo or the last build's; None when
    there is none (or outside a build). For results a caller decides to keep or not (keep), where
    `remembered` keeps every result of a function."""
    memo = _active
    if memo is None:
        return None
    digest = _kept_digest(kind, key)
    found = memo.get(kind + "-" + digest[:_SHARD_DIGITS], digest)
    return None if found is _MISSING else found


def keep(kind: str, key: str, result: Any) -> None:
    """Keep `result` (never None) under `kind` and `key` for recall, in this build and the next ones."""
    memo = _active
    if memo is not None:
        digest = _kept_digest(kind, key)
        memo.put(kind + "-" + digest[:_SHARD_DIGITS], digest, result)


def _kept_digest(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()


def seed(calls: Iterable[tuple[tuple, Any]]) -> None:
    """Give remembered functions' results, worked out with another result and kept in the memo with it, to
    the calls of this build: (what a call is found by, its result), found as a repeated call is. What a
    call is found by: the function's `memo_kind`, then its arguments (or what its `memo_key` makes of
    them). Outside a build, nothing."""
    if _active is not None:
        _called.update(calls)


def seed_for(kind: str, thing: object, result: Any) -> None:
    """Give `result` to this build's asks of `kind` (seeded_for) for exactly the object `thing`, which lives
    all build (a page as parsed): for a result of it that is kept with another result."""
    if _active is not None:
        _called[(kind, id(thing))] = (thing, result)  # the object kept: its id is never another's meanwhile


def seeded_for(kind: str, thing: object) -> Any:
    """What seed_for gave for `kind` and exactly `thing` in this build; None when nothing was."""
    found = _called.get((kind, id(thing)))
    return found[1] if found is not None and found[0] is thing else None


@contextmanager
def apart() -> Iterator[None]:
    """The calls inside the block not remembered: for results kept as parts of another one, which would
    otherwise each read and write shards of their own for nothing."""
    global _active
    memo, _active = _active, None
    try:
        yield
    finally:
        _active = memo


def active() -> bool:
    """Whether a build's memo is in use (`remembering`)."""
    return _active is not None
