"""The site engine's cache: each page's HTML as the last build rendered it, and what it was made from, so that
the next build renders only the pages whose inputs changed (generator/engine.py says what a page's key holds).

A cache folder (`build/site-cache` for `build/site`, outside what a web server publishes) holds
`manifest.pickle` (for each page: its key, the link lookups it made, its search entries, warnings and anchors,
the theme's inline scripts in it and the digest of its HTML) and `pages/<sha256>`, the HTML files,
hard-linked into each new site (no copy).

The manifest is plain data pickled (a JSON manifest of 10,000 pages took 1.4 s to read and write, most of
it escaping the pages' search text), behind a header with the format, the engine key and a digest of the
rest, as memo.py does: nothing is unpickled unless the digest matches, and the unpickler makes no object
but plain data (it refuses every class and function by name), so a damaged or foreign file cannot run code.

It is never trusted: a manifest that is missing, unreadable, of another format, made by other code or
libraries (the engine key), or with one malformed entry is ignored whole, and every page is rendered; a
cached page whose file is missing or not exactly as stored (size, modification time and inode, recorded
when it was stored: a page edited in place in a published site changes them) is rendered again. The
manifest is replaced in one rename, after the pages it names are in place."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import operator
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .output import OUTPUT_MARK, mark_output
from .output_reuse import link_file, same_file

MANIFEST = "manifest.pickle"
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


class EngineCache:
    """The previous build's pages (`old`, when trusted) and this build's (`new`, saved by save())."""

    def __init__(self, folder: Path | None, engine_key: str, old: dict[str, PageRecord]):
        self.folder, self.engine_key, self.old = folder, engine_key, old
        self.new: dict[str, PageRecord] = {}
        self.files: set[str] = set()  # digests of the other files this build keeps in the cache (store_file)
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
        old = load_manifest(folder / MANIFEST, engine_key) if trusted else {}
        return cls(folder, engine_key, old)

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
        self.new[record.src_uri] = record

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
        content so that a reused output keeps it untouched; None without a cache folder. A cached copy
        is read back and compared (they are small): one edited in place is replaced, never trusted.
        Its state, taken from the file read, goes in `seen`."""
        if self.folder is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        cached = os.path.join(self._pages, digest)
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
        self.files.add(digest)
        return cached

    def store(self, record: PageRecord, key: str, site_dir: Path) -> PageRecord:
        """Keep a page this build rendered (its HTML in `site_dir`, whose digest the record carries: the
        worker that rendered it hashed it) for the next build; return it keyed."""
        if record.digest is None or self.folder is None:
            stored = dataclasses.replace(record, key=key, digest=None, stat=[])
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
            stored = dataclasses.replace(record, key=key, stat=[now.st_size, now.st_mtime_ns, now.st_ino])
        self.new[record.src_uri] = stored
        return stored

    def save(self) -> None:
        """Write this build's manifest in one rename, then remove the cached pages no entry names."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_output(self.folder)
        handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=self.folder)
        with os.fdopen(handle, "wb") as stream:
            stream.writelines(_manifest_parts(self.engine_key, self.new))  # not joined: a copy of megabytes
        os.replace(temporary, self.folder / MANIFEST)
        (self.folder / "manifest.json").unlink(missing_ok=True)  # an earlier kb's manifest (format 1)
        kept = {record.digest for record in self.new.values()} | self.files
        pages = self.folder / PAGES
        if pages.is_dir():
            for entry in os.scandir(pages):
                if entry.name not in kept:
                    os.unlink(entry.path)


FORMAT = 2  # 1: manifest.json
_MAGIC = b"kb-engine-cache %d\n" % FORMAT
_FIELDS = tuple(f.name for f in dataclasses.fields(PageRecord))


def _manifest_parts(engine_key: str, records: dict[str, PageRecord]) -> list[bytes]:
    """A manifest's bytes, in parts to be written one after the other: the header (format, engine key, digest
    of the rest), then each record as a tuple of its fields (plain values), pickled."""
    fields = operator.attrgetter(*_FIELDS)  # a tuple of them, in C: ten thousand records each build
    payload = pickle.dumps({src: fields(record) for src, record in records.items()}, protocol=pickle.HIGHEST_PROTOCOL)
    return [_MAGIC, engine_key.encode(), b"\n", hashlib.sha256(payload).hexdigest().encode(), b"\n", payload]


def decode_manifest(data: bytes, engine_key: str) -> dict[str, Any] | None:
    """The pages a manifest's bytes hold (src_uri -> a tuple of fields, unchecked), or None when they are not
    a manifest of this format and `engine_key` or are damaged; nothing is unpickled unless the digest matches."""
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


def load_manifest(path: Path, engine_key: str) -> dict[str, PageRecord]:
    """The pages of the manifest at `path`, or {} when it is missing, damaged or not for `engine_key`."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    pages = decode_manifest(data, engine_key)
    if pages is None:
        return {}
    records = {}
    for src_uri, entry in pages.items():
        record = _record(entry)
        if record is None or record.src_uri != src_uri:
            return {}  # one bad entry: nothing in this manifest is trusted
        records[src_uri] = record
    return records


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
    fields = dict(zip(_FIELDS, entry, strict=True))
    digest = fields["digest"]
    if digest is not None and not (type(digest) is str and len(digest) == 64 and _hex(digest)):
        return None  # the digest names a file in the cache: only a digest, never a path
    if not set(map(type, fields["lookups"].values())) <= _STR_OR_NONE:
        return None
    if not set(map(type, fields["warnings"] + fields["anchors"] + fields["scripts"])) <= _STR:
        return None
    if not set(map(type, fields["links_to_anchors"].values())) <= _DICT:
        return None
    if len(fields["stat"]) != (3 if digest else 0) or not set(map(type, fields["stat"])) <= _INT:
        return None
    return PageRecord(**fields)


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


def _hex(text: str) -> bool:
    return set(text) <= _HEX
