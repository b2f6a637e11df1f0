"""The engine cache's manifest on disk (engine_cache.py says what it is for): for each page the engine rendered,
a PageRecord, in shards, and the states of the other files the cache keeps.

`manifest/` in the cache's folder holds SHARDS shards of pages, by a checksum of their src_uri, and `files`,
the kept files' states. A build writes again only the shards whose entries changed: a one-edit build rewrites
one sixteenth of the pages' 55 MB at 10,000 articles, not all of it (0.2 s of every build). Each shard has a
header with the format, the engine key and a digest of the rest, as memo.py does: nothing is unpickled
unless the digest matches, and the unpickler makes no object but plain data (it refuses every class and
function by name), so a damaged or foreign file cannot run code. A manifest with a shard that is missing,
unreadable, of another format or key, or with one malformed entry is ignored whole. Shards of different
builds mixed (a build stopped while it wrote them) are sound: each entry stands alone, a page's key and
what it was rendered into. `kb serve` keeps the manifest it wrote in the process (`_kept`) and reads again
only a shard whose file changed since."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import operator
import os
import pickle
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .memo import remove_path

MANIFEST = "manifest"  # the folder of the manifest's shards
SHARDS = 16
_FILES = "files"  # the shard of the other files' states
OLD_MANIFESTS = ("manifest.pickle", "manifest.json")  # earlier kbs' (formats 1 and 2)


@dataclass(frozen=True)
class PageRecord:
    """One rendered page: what the engine needs of it to be reused without rendering it again."""

    src_uri: str
    dest: str
    lookups: dict[str, str | None]  # path a link looked up -> what it found (engine._lookup)
    search: str  # the page's entries in the site's search index, as JSON (search_json), comma-separated
    warnings: list[str]
    anchors: list[str]
    links_to_anchors: dict[str, dict[str, str]]  # target src_uri -> {anchor: the link as written}
    scripts: list[str] = field(default_factory=list)  # theme_scripts.theme_script_hashes of its HTML
    key: str = ""
    digest: str | None = None  # of the HTML file; None when the page made no file
    stat: list[int] = field(default_factory=list)  # size, mtime_ns, inode of the cached file
    source: str = ""  # digest of the staged source the key was made from
    source_stat: list[int] = field(default_factory=list)  # its size, mtime_ns, ctime_ns, inode when it was read


@dataclass
class Manifest:
    """The manifest as a build read it: its pages, the other files' states, and what each shard held."""

    pages: dict[str, PageRecord] = field(default_factory=dict)
    files: dict[str, list[int]] = field(default_factory=dict)
    shards: dict[str, dict[str, PageRecord]] = field(default_factory=dict)  # shard -> its pages as read
    states: dict[str, tuple[int, ...]] = field(default_factory=dict)  # shard -> its file's state when read

    def holds(self, shard: str, records: dict[str, PageRecord]) -> bool:
        """Whether the shard as read holds exactly `records` (the same objects: a kept page's record)."""
        read = self.shards.get(shard)
        if read is None or len(read) != len(records):
            return False
        return all(read.get(src) is record for src, record in records.items())

    def intact(self, folder: Path, shard: str) -> bool:
        """Whether the shard's file is still the one read (not replaced or written since)."""
        return shard in self.states and _file_state(folder / shard) == self.states[shard]


def save_manifest(
    folder: Path, engine_key: str, records: dict[str, PageRecord], files: dict[str, list[int]], read: Manifest
) -> None:
    """Write the manifest of `records` and `files` into `folder`: each shard that differs from what `read`
    (the manifest this build read) held, or whose file changed since, in one rename; then keep it in the
    process for the next build (`_kept`)."""
    global _kept
    _kept = None  # until this build's shards are all in place
    if not folder.is_dir() or folder.is_symlink():
        remove_path(folder)
        folder.mkdir()
    shards = _by_shard(records)
    for shard in _shard_names():
        entries = shards.get(shard, {})
        if shard == _FILES:
            if files != read.files or not read.intact(folder, shard):
                _write_shard(folder / shard, engine_key, files)
        elif not read.holds(shard, entries) or not read.intact(folder, shard):
            fields = operator.attrgetter(*_FIELDS)  # a tuple of them, in C: ten thousand records each build
            _write_shard(folder / shard, engine_key, {src: fields(record) for src, record in entries.items()})
    written = Manifest(records, files, {name: shards.get(name, {}) for name in _shard_names()})
    written.states = {name: state for name in _shard_names() if (state := _file_state(folder / name)) is not None}
    _kept = (folder, engine_key, written)


def _shard_of(src_uri: str) -> str:
    return f"{zlib.crc32(src_uri.encode('utf-8', 'surrogatepass')) % SHARDS:x}"


def _shard_names() -> list[str]:
    return [f"{number:x}" for number in range(SHARDS)] + [_FILES]


def _by_shard(records: dict[str, PageRecord]) -> dict[str, dict[str, PageRecord]]:
    shards: dict[str, dict[str, PageRecord]] = {}
    for src_uri, record in records.items():
        shards.setdefault(_shard_of(src_uri), {})[src_uri] = record
    return shards


def _file_state(path: Path) -> tuple[int, ...] | None:
    """A shard's size, times and inode: with the change time, which nothing but the clock sets."""
    try:
        found = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


def _write_shard(path: Path, engine_key: str, entries: dict[str, Any]) -> None:
    """One shard in one rename: the header (format, engine key, digest of the rest), then `entries` pickled."""
    payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    handle, temporary = tempfile.mkstemp(prefix=".shard-", dir=path.parent)
    with os.fdopen(handle, "wb") as stream:
        # in parts, not joined: a copy of megabytes
        stream.writelines(
            [_MAGIC, engine_key.encode(), b"\n", hashlib.sha256(payload).hexdigest().encode(), b"\n", payload]
        )
    os.replace(temporary, path)


FORMAT = 3  # 1: manifest.json, 2: manifest.pickle, one file
_MAGIC = b"kb-engine-cache %d\n" % FORMAT
_FIELDS = tuple(f.name for f in dataclasses.fields(PageRecord))


def decode_shard(data: bytes, engine_key: str) -> dict[str, Any] | None:
    """The entries a shard's bytes hold (for pages: src_uri -> a tuple of fields, unchecked), or None when they
    are not a shard of this format and `engine_key` or are damaged; nothing is unpickled unless the digest
    matches."""
    # Offsets rather than partitions: each partition copied the whole payload (megabytes) again.
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1)
    third = data.find(b"\n", second + 1)
    if min(first, second, third) < 0:
        return None
    if data[: first + 1] != _MAGIC or data[first + 1 : second] != engine_key.encode():
        return None
    if hashlib.sha256(memoryview(data)[third + 1 :]).hexdigest().encode() != data[second + 1 : third]:
        return None
    stream = io.BytesIO(data)  # shares the bytes, no copy
    stream.seek(third + 1)
    try:
        pages = _PlainUnpickler(stream).load()
    except (pickle.UnpicklingError, EOFError, IndexError, TypeError, ValueError):
        return None
    return pages if isinstance(pages, dict) else None


class _PlainUnpickler(pickle.Unpickler):
    """Plain data only (dicts, lists, tuples, strings, numbers, None): any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name}: a manifest holds plain data only")


# The manifest the last build in this process wrote (its folder, engine key and shards), for the next build
# (`kb serve`): a shard whose file is still exactly the one written (size, times, inode) is taken from it
# instead of being read, checked and unpickled again; one replaced or written since is read.
_kept: tuple[Path, str, Manifest] | None = None


def load_manifest(folder: Path, engine_key: str) -> Manifest:
    """The manifest in `folder` (its shards), or an empty one when a shard is missing or damaged, or not for
    `engine_key`: nothing in it is trusted then. A shard this process wrote last (`_kept`) whose file is still
    the one written is not read again."""
    kept = _kept[2] if _kept is not None and _kept[:2] == (folder, engine_key) else None
    manifest = Manifest()
    for shard in _shard_names():
        path = folder / shard
        state = _file_state(path)
        if kept is not None and state is not None and kept.states.get(shard) == state:
            if shard == _FILES:
                manifest.files = kept.files
            else:
                manifest.shards[shard] = kept.shards[shard]
                manifest.pages.update(kept.shards[shard])
            manifest.states[shard] = state
            continue
        try:
            data = path.read_bytes()
        except OSError:
            return Manifest()
        entries = decode_shard(data, engine_key)
        if entries is None:
            return Manifest()
        if shard == _FILES:
            if not _file_states(entries):
                return Manifest()
            manifest.files = entries
        else:
            records = _records(entries, shard)
            if records is None:
                return Manifest()  # one bad entry: nothing in this manifest is trusted
            manifest.shards[shard] = records
            manifest.pages.update(records)
        if state is not None:
            manifest.states[shard] = state
    return manifest


_KINDS = {
    "src_uri": {str},
    "dest": {str},
    "lookups": {dict},
    "search": {str},
    "warnings": {list},
    "anchors": {list},
    "links_to_anchors": {dict},
    "scripts": {list},
    "key": {str},
    "digest": {str, type(None)},
    "stat": {list},
    "source": {str},
    "source_stat": {list},
}
_KIND_OF = tuple(_KINDS[name] for name in _FIELDS)
_STR, _STR_OR_NONE, _DICT, _INT, _TUPLE = {str}, {str, type(None)}, {dict}, {int}, {tuple}
_HEX = frozenset("0123456789abcdef")
_chain = itertools.chain.from_iterable


def _records(entries: Any, shard: str) -> dict[str, PageRecord] | None:
    """A shard's entries (src_uri -> a tuple of PageRecord's fields) as PageRecords, when every entry is in
    this shard and each field of each is of the right kind; else None. Checked a field at a time over every
    entry of the shard, by type sets, in C: ten thousand entries are checked each build, and an entry at a
    time cost three times as much."""
    entries_ = list(entries.values())
    if not set(map(type, entries_)) <= _TUPLE or not set(map(len, entries_)) <= {len(_FIELDS)}:
        return None
    if not entries_:
        return {}
    columns = list(zip(*entries_, strict=True))
    if not all(set(map(type, column)) <= kinds for column, kinds in zip(columns, _KIND_OF, strict=True)):
        return None
    src_uris, _, lookups, _, warnings, anchors, links_to_anchors, scripts, _, digests, stats, _, source_stats = columns
    if list(src_uris) != list(entries) or {_shard_of(src_uri) for src_uri in src_uris} != {shard}:
        return None  # an entry only where its src_uri puts it
    if not set(map(type, _chain(map(dict.keys, lookups)))) <= _STR:
        return None
    if not set(map(type, _chain(map(dict.values, lookups)))) <= _STR_OR_NONE:
        return None
    if not set(map(type, _chain((*warnings, *anchors, *scripts)))) <= _STR:
        return None
    if not set(map(type, _chain(map(dict.values, links_to_anchors)))) <= _DICT:
        return None
    # The digest names a file in the cache: only a digest, never a path; a page with a file has its state.
    named = [digest for digest in digests if digest is not None]
    if not set(map(len, named)) <= {64} or not _HEX.issuperset("".join(named)):
        return None
    if list(map(len, stats)) != [3 if digest else 0 for digest in digests]:
        return None
    if not set(map(len, source_stats)) <= {0, 4} or not set(map(type, _chain((*stats, *source_stats)))) <= _INT:
        return None
    return dict(zip(src_uris, itertools.starmap(PageRecord, entries_), strict=True))


def _file_states(entries: dict[Any, Any]) -> bool:
    """Whether the files shard's entries are each a digest (it names a file in the cache: never a path) and
    three numbers (size, mtime_ns, inode); checked over every entry at once, as _records does."""
    digests, states = list(entries), list(entries.values())
    if not set(map(type, digests)) <= _STR or not set(map(len, digests)) <= {64}:
        return False
    if not _HEX.issuperset("".join(digests)):
        return False
    if not set(map(type, states)) <= {list} or not set(map(len, states)) <= {3}:
        return False
    return set(map(type, _chain(states))) <= _INT
