"""The site engine's cache: each page's HTML as the last build rendered it, and what it was made from, so that
the next build renders only the pages whose inputs changed (generator/engine.py says what a page's key holds).

A cache folder (`build/site-cache` for `build/site`, outside what a web server publishes) holds the manifest,
`manifest/` (for each page: its key, the link lookups it made, its search entries, warnings and anchors,
the theme's inline scripts in it, the digest of its HTML and of its staged source), and `pages/<sha256>`,
the HTML files, hard-linked into each new site (no copy).

The manifest is plain data pickled (a JSON manifest of 10,000 pages took 1.4 s to read and write, most of
it escaping the pages' search text), in shards: the pages by a checksum of their src_uri (SHARDS of them),
and `files`, the state of the other files kept in the cache (store_file). A build writes again only the
shards whose entries changed: a one-edit build rewrites one sixteenth of the pages' 55 MB at 10,000 articles,
not all of it (0.2 s of every build). Each shard has a header with the format, the engine key and a digest
of the rest, as memo.py does: nothing is unpickled unless the digest matches, and the unpickler makes no
object but plain data (it refuses every class and function by name), so a damaged or foreign file cannot
run code. Shards of different builds mixed (a build stopped while it wrote them) are sound: each entry
stands alone, a page's key and what it was rendered into.

It is never trusted: a manifest with a shard that is missing, unreadable, of another format, made by other
code or libraries (the engine key), or with one malformed entry is ignored whole, and every page is
rendered; a cached page whose file is missing or not exactly as stored (size, modification time and inode,
recorded when it was stored: a page edited in place in a published site changes them) is rendered again,
and so is a kept file (a permanent link) not exactly as stored. A staged source is read again unless its
size, times (the change time, which nothing but the clock sets, included) and inode are the ones it had
when its digest was taken. Each shard is replaced in one rename, after the pages it names are in place."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import operator
import os
import pickle
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .memo import _remove
from .output import OUTPUT_MARK, mark_output
from .output_reuse import link_file, same_file

MANIFEST = "manifest"  # the folder of the manifest's shards
SHARDS = 16
_FILES = "files"  # the shard of the other files' states
_OLD_MANIFESTS = ("manifest.pickle", "manifest.json")  # earlier kbs' (formats 1 and 2)
PAGES = "pages"


def cache_beside(out: Path) -> Path:
    """Where a build's engine cache goes: next to its site (`build/site-cache`), never inside it."""
    return out.with_name(f"{out.name}-cache")


SPARE = "previous-site"


def usable_cache_beside(out: Path) -> Path | None:
    """The cache folder beside `out`, or None when that folder is not kb's to write (a writer's own)."""
    folder = cache_beside(out)
    return folder if ours_to_write(folder) else None


def spare_beside(out: Path) -> Path | None:
    """Where the site a build replaced is kept, to be made into the next one in place (output_reuse.py):
    in the cache's folder; None when that folder is not kb's to write."""
    folder = usable_cache_beside(out)
    return folder / SPARE if folder is not None else None


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


class EngineCache:
    """The previous build's pages (`old`, when trusted) and this build's (`new`, saved by save())."""

    def __init__(self, folder: Path | None, engine_key: str, old: Manifest | None = None):
        old = old or Manifest()
        self.folder, self.engine_key, self.old = folder, engine_key, old.pages
        self.new: dict[str, PageRecord] = {}
        self.old_files = old.files  # the other files' states the last build recorded (store_file)
        self.files: dict[str, list[int]] = {}  # digest -> state of each other file this build keeps (store_file)
        self._read = old  # which shards the manifest read held, to write again only the ones that changed
        self._sources: dict[str, tuple[str, list[int]]] = {}  # src_uri -> its source's digest and state (source_digest)
        # cached file -> its state when page_file or store_file found it intact: the site's walk (clear_except)
        # and the script manifest need its identity, and need not ask the file system again
        self.seen: dict[str, os.stat_result] = {}
        self._pages = os.path.join(folder, PAGES) if folder is not None else ""

    @classmethod
    def open(cls, folder: Path | None, engine_key: str | None, trusted: bool = True) -> EngineCache:
        """The cache in `folder`; no reuse when `engine_key` is None (an engine kb cannot key), `trusted` is
        False (`kb build --full`) or the manifest is not exactly one this code wrote for this key."""
        if folder is None or engine_key is None or not ours_to_write(folder):
            return cls(None, engine_key or "", {})
        kept = _kept[2] if trusted and _kept is not None and _kept[:2] == (folder, engine_key) else None
        old = load_manifest(folder / MANIFEST, engine_key, kept) if trusted else None
        return cls(folder, engine_key, old)

    def source_digest(self, src_uri: str, path: str) -> str:
        """The digest of the staged source of `src_uri` at `path`: the one the last build took when the file's
        size, times and inode are as they were then (ten thousand sources not read each build), else read.
        The state is taken before the file is read: a write in between makes the next build read it again."""
        now = os.stat(path)
        state = [now.st_size, now.st_mtime_ns, now.st_ctime_ns, now.st_ino]
        record = self.old.get(src_uri)
        if record is not None and record.source_stat == state and record.source:
            found = record.source
        else:
            with open(path, "rb") as stream:
                found = hashlib.sha256(stream.read()).hexdigest()
        self._sources[src_uri] = (found, state)
        return found

    def _with_source(self, record: PageRecord) -> PageRecord:
        """`record` with its source's digest and state as this build found them (source_digest)."""
        found = self._sources.get(record.src_uri)
        if found is None or (record.source, record.source_stat) == found:
            return record
        return dataclasses.replace(record, source=found[0], source_stat=found[1])

    def reuse(self, src_uri: str, key: str, lookup: Callable[[str], str | None]) -> PageRecord | None:
        """The cached page for `src_uri` when its key matches and each of its links finds what it found."""
        record = self.old.get(src_uri)
        if record is None or record.key != key:
            return None
        if any(lookup(path) != found for path, found in record.lookups.items()):
            return None
        return record

    def page_file(self, record: PageRecord) -> str | None:
        """The cached HTML of `record` when it is exactly the file stored (size, time, inode); else None.
        A string path, and its state kept in `seen`: ten thousand pages each build."""
        if record.digest is None or self.folder is None:
            return None
        cached = os.path.join(self._pages, record.digest)
        try:
            now = os.stat(cached, follow_symlinks=False)
        except OSError:
            return None
        if [now.st_size, now.st_mtime_ns, now.st_ino] != record.stat:
            return None
        self.seen[cached] = now
        return cached

    def keep(self, record: PageRecord) -> None:
        """Keep `record` for the next build as it is: its page is in the new site already (or made no file)."""
        self.new[record.src_uri] = self._with_source(record)

    def link_into(self, record: PageRecord, dest: Path) -> bool:
        """Put the cached HTML of `record` at `dest` (a hard link; nothing to do when `dest` is that file
        already, in a reused output); False when the cached file is not exactly the one stored, and the page
        must be rendered."""
        if record.digest is None:
            self.keep(record)
            return True
        cached = self.page_file(record)
        if cached is None:
            return False
        if not same_file(dest, cached):
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            link_file(cached, dest)
        self.keep(record)
        return True

    def store_file(self, data: bytes) -> str | None:
        """A file of the site that is not a page (a permanent link's redirect), kept in the cache by its
        content so that a reused output keeps it untouched; None without a cache folder. A cached copy is
        trusted when its size, time and inode are the ones the last build recorded for it, as a page is
        (ten thousand redirects each build); else it is read back and compared: one edited in place is
        replaced, never trusted. Its state goes in `seen`."""
        if self.folder is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        cached = os.path.join(self._pages, digest)
        recorded = self.old_files.get(digest)
        if recorded is not None:
            try:
                state = os.stat(cached, follow_symlinks=False)
            except OSError:
                state = None
            if state is not None and [state.st_size, state.st_mtime_ns, state.st_ino] == recorded:
                self.seen[cached] = state
                self.files[digest] = recorded
                return cached
        try:
            with open(cached, "rb") as stream:
                intact = stream.read(len(data) + 1) == data
                state = os.fstat(stream.fileno())
        except OSError:
            intact = False
        if not intact:
            os.makedirs(self._pages, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".file-", dir=self._pages)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, cached)  # a new file: never written into one a site links
            state = os.stat(cached)
        self.seen[cached] = state
        self.files[digest] = [state.st_size, state.st_mtime_ns, state.st_ino]
        return cached

    def store(self, record: PageRecord, key: str, site_dir: Path) -> PageRecord:
        """Keep a page this build rendered (its HTML in `site_dir`, whose digest the record carries: the
        worker that rendered it hashed it) for the next build; return it keyed."""
        if record.digest is None or self.folder is None:
            stored = dataclasses.replace(record, key=key, digest=None, stat=[], **self._source_fields(record))
        else:
            written = site_dir / record.dest
            cached = self.folder / PAGES / record.digest
            if not _holds(cached, record.digest):  # missing, or edited in place since (through a site that links it)
                cached.parent.mkdir(parents=True, exist_ok=True)
                temporary = cached.with_name(f".{record.digest}.new")
                temporary.unlink(missing_ok=True)
                link_file(written, temporary)
                os.replace(temporary, cached)
            elif not same_file(written, cached):  # the same HTML as a page cached before: one file, as reused
                temporary = written.with_name(f".{written.name}.new")
                link_file(cached, temporary)
                os.replace(temporary, written)
            now = os.stat(cached)
            state = [now.st_size, now.st_mtime_ns, now.st_ino]
            stored = dataclasses.replace(record, key=key, stat=state, **self._source_fields(record))
        self.new[record.src_uri] = stored
        return stored

    def _source_fields(self, record: PageRecord) -> dict[str, Any]:
        found = self._sources.get(record.src_uri)
        return {} if found is None else {"source": found[0], "source_stat": found[1]}

    def save(self) -> None:
        """Write this build's manifest, the shards that changed each in one rename, then remove the cached pages
        no entry names."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_output(self.folder)
        folder = self.folder / MANIFEST
        if not folder.is_dir() or folder.is_symlink():
            _remove(folder)
            folder.mkdir()
        global _kept
        _kept = None  # until this build's shards are all in place
        shards = _by_shard(self.new)
        for shard in _shard_names():
            records = shards.get(shard, {})
            if shard == _FILES:
                if self.files != self._read.files or not self._read.intact(folder, shard):
                    _write_shard(folder / shard, self.engine_key, self.files)
            elif not self._read.holds(shard, records) or not self._read.intact(folder, shard):
                fields = operator.attrgetter(*_FIELDS)  # a tuple of them, in C: ten thousand records each build
                _write_shard(folder / shard, self.engine_key, {src: fields(record) for src, record in records.items()})
        written = Manifest(self.new, self.files, {name: shards.get(name, {}) for name in _shard_names()})
        written.states = {name: state for name in _shard_names() if (state := _file_state(folder / name)) is not None}
        _kept = (self.folder, self.engine_key, written)
        for name in _OLD_MANIFESTS:  # an earlier kb's manifest
            (self.folder / name).unlink(missing_ok=True)
        kept = {record.digest for record in self.new.values()} | self.files.keys()
        pages = self.folder / PAGES
        if pages.is_dir():
            for entry in os.scandir(pages):
                if entry.name not in kept:
                    os.unlink(entry.path)


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


def load_manifest(folder: Path, engine_key: str, kept: Manifest | None = None) -> Manifest:
    """The manifest in `folder` (its shards), or an empty one when a shard is missing or damaged, or not for
    `engine_key`: nothing in it is trusted then. `kept`: the one this process wrote there last."""
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
            if not all(
                type(state) is list and len(state) == 3 and set(map(type, state)) <= _INT and _is_digest(digest)
                for digest, state in entries.items()
            ):
                return Manifest()
            manifest.files = entries
        else:
            records = {}
            for src_uri, entry in entries.items():
                record = _record(entry)
                if record is None or record.src_uri != src_uri or _shard_of(src_uri) != shard:
                    return Manifest()  # one bad entry: nothing in this manifest is trusted
                records[src_uri] = record
            manifest.shards[shard] = records
            manifest.pages.update(records)
        if state is not None:
            manifest.states[shard] = state
    return manifest


_KINDS = {
    "src_uri": str,
    "dest": str,
    "lookups": dict,
    "search": str,
    "warnings": list,
    "anchors": list,
    "links_to_anchors": dict,
    "scripts": list,
    "key": str,
    "stat": list,
    "source": str,
    "source_stat": list,
}
_KIND_AT = operator.itemgetter(*(_FIELDS.index(name) for name in _KINDS))
_KIND_OF = tuple(_KINDS.values())
_STR, _STR_OR_NONE, _DICT, _INT = {str}, {str, type(None)}, {dict}, {int}
_HEX = frozenset("0123456789abcdef")


def _record(entry: Any) -> PageRecord | None:
    """A manifest entry (a tuple of PageRecord's fields) as a PageRecord, when each field is of the right kind.
    The checks are made by type sets, in C: ten thousand entries are checked each build."""
    if type(entry) is not tuple or len(entry) != len(_FIELDS):
        return None
    if not all(map(isinstance, _KIND_AT(entry), _KIND_OF)):
        return None
    # By position, in PageRecord's order of fields: no dict of them made per entry.
    _, _, lookups, _, warnings, anchors, links_to_anchors, scripts, _, digest, stat, _, source_stat = entry
    if digest is not None and not _is_digest(digest):
        return None  # the digest names a file in the cache: only a digest, never a path
    if not set(map(type, lookups.values())) <= _STR_OR_NONE:
        return None
    if not set(map(type, warnings + anchors + scripts)) <= _STR:
        return None
    if not set(map(type, links_to_anchors.values())) <= _DICT:
        return None
    if len(stat) != (3 if digest else 0) or not set(map(type, stat)) <= _INT:
        return None
    if len(source_stat) not in (0, 4) or not set(map(type, source_stat)) <= _INT:
        return None
    return PageRecord(*entry)


def ours_to_write(folder: Path) -> bool:
    """Whether kb may write `folder` (and remove files from it): new, empty, or marked by an earlier build.
    A folder of the writer's that happens to sit where the cache goes is left alone, and there is no cache."""
    if not folder.exists():
        return True
    if folder.is_symlink() or not folder.is_dir():
        return False
    return (folder / OUTPUT_MARK).is_file() or not any(folder.iterdir())


def _holds(path: Path, digest: str) -> bool:
    """Whether the file at `path` holds exactly the content whose SHA-256 is `digest`."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def _is_digest(text: Any) -> bool:
    """Whether `text` is a SHA-256 digest in hex (it names a file in the cache: never a path)."""
    return type(text) is str and len(text) == 64 and set(text) <= _HEX
