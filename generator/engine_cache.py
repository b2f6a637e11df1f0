"""The site engine's cache: each page's HTML as the last build rendered it, and what it was made from, so that
the next build renders only the pages whose inputs changed (generator/engine.py says what a page's key holds).

A cache folder (`build/site-cache` for `build/site`, outside what a web server publishes) holds
`manifest.json` (for each page: its key, the link lookups it made, its search entries, warnings and anchors,
and the digest of its HTML) and `pages/<sha256>`, the HTML files, hard-linked into each new site (no copy).

It is never trusted: a manifest that is missing, unreadable, of another format, made by other code or
libraries (the engine key), or with one malformed entry is ignored whole, and every page is rendered; a
cached page whose file is missing or not exactly as stored (size, modification time and inode, recorded
when it was stored: a page edited in place in a published site changes them) is rendered again. The
manifest is replaced in one rename, after the pages it names are in place."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .output import OUTPUT_MARK, mark_output
from .output_reuse import link_file, same_file

MANIFEST = "manifest.json"
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
    search: list[dict[str, Any]]  # the page's entries in the site's search index
    warnings: list[str]
    anchors: list[str]
    links_to_anchors: dict[str, dict[str, str]]  # target src_uri -> {anchor: the link as written}
    key: str = ""
    digest: str | None = None  # of the HTML file; None when the page made no file
    stat: list[int] = field(default_factory=list)  # size, mtime_ns, inode of the cached file


class EngineCache:
    """The previous build's pages (`old`, when trusted) and this build's (`new`, saved by save())."""

    def __init__(self, folder: Path | None, engine_key: str, old: dict[str, PageRecord]):
        self.folder, self.engine_key, self.old = folder, engine_key, old
        self.new: dict[str, PageRecord] = {}
        self.files: set[str] = set()  # digests of the other files this build keeps in the cache (store_file)

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

    def page_file(self, record: PageRecord) -> Path | None:
        """The cached HTML of `record` when it is exactly the file stored (size, time, inode); else None."""
        if record.digest is None or self.folder is None:
            return None
        cached = self.folder / PAGES / record.digest
        try:
            now = os.stat(cached, follow_symlinks=False)
        except OSError:
            return None
        return cached if [now.st_size, now.st_mtime_ns, now.st_ino] == record.stat else None

    def link_into(self, record: PageRecord, dest: Path) -> bool:
        """Put the cached HTML of `record` at `dest` (a hard link; nothing to do when `dest` is that file
        already, in a reused output); False when the cached file is not exactly the one stored, and the page
        must be rendered."""
        if record.digest is None:
            self.new[record.src_uri] = record
            return True
        cached = self.page_file(record)
        if cached is None:
            return False
        if not same_file(dest, cached):
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            link_file(cached, dest)
        self.new[record.src_uri] = record
        return True

    def store_file(self, data: bytes) -> Path | None:
        """A file of the site that is not a page (a permanent link's redirect), kept in the cache by its
        content so that a reused output keeps it untouched; None without a cache folder. A cached copy
        is read back and compared (they are small): one edited in place is replaced, never trusted."""
        if self.folder is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        cached = self.folder / PAGES / digest
        try:
            intact = cached.read_bytes() == data
        except OSError:
            intact = False
        if not intact:
            cached.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".file-", dir=cached.parent)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, cached)  # a new file: never written into one a site links
        self.files.add(digest)
        return cached

    def store(self, record: PageRecord, key: str, site_dir: Path) -> PageRecord:
        """Keep a page this build rendered (its HTML in `site_dir`) for the next build; return it keyed."""
        written = site_dir / record.dest
        if not written.is_file() or self.folder is None:
            stored = dataclasses.replace(record, key=key)
        else:
            html = written.read_bytes()
            digest = hashlib.sha256(html).hexdigest()
            cached = self.folder / PAGES / digest
            if not _holds(cached, html):  # missing, or edited in place since (through a site that links it)
                cached.parent.mkdir(parents=True, exist_ok=True)
                temporary = cached.with_name(f".{digest}.new")
                temporary.unlink(missing_ok=True)
                link_file(written, temporary)
                os.replace(temporary, cached)
            elif not same_file(written, cached):  # the same HTML as a page cached before: one file, as reused
                temporary = written.with_name(f".{written.name}.new")
                link_file(cached, temporary)
                os.replace(temporary, written)
            now = os.stat(cached)
            stored = dataclasses.replace(
                record, key=key, digest=digest, stat=[now.st_size, now.st_mtime_ns, now.st_ino]
            )
        self.new[record.src_uri] = stored
        return stored

    def save(self) -> None:
        """Write this build's manifest in one rename, then remove the cached pages no entry names."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_output(self.folder)
        data = {
            "format": FORMAT,
            "engine_key": self.engine_key,
            # Each record's fields as they are (plain values): dataclasses.asdict's deep copy cost a second
            "pages": {src: {name: getattr(record, name) for name in _FIELDS} for src, record in self.new.items()},
        }
        handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=self.folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:  # dumps: json.dump's encoder is Python's
            stream.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        os.replace(temporary, self.folder / MANIFEST)
        kept = {record.digest for record in self.new.values()} | self.files
        pages = self.folder / PAGES
        if pages.is_dir():
            for path in pages.iterdir():
                if path.name not in kept:
                    path.unlink(missing_ok=True)


FORMAT = 1
_FIELDS = {f.name: f for f in dataclasses.fields(PageRecord)}


def load_manifest(path: Path, engine_key: str) -> dict[str, PageRecord]:
    """The pages of the manifest at `path`, or {} when it is missing, damaged or not for `engine_key`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("engine_key") != engine_key:
        return {}
    pages = data.get("pages")
    if not isinstance(pages, dict):
        return {}
    records = {}
    for src_uri, entry in pages.items():
        record = _record(entry)
        if record is None or record.src_uri != src_uri:
            return {}  # one bad entry: nothing in this manifest is trusted
        records[src_uri] = record
    return records


def _record(entry: Any) -> PageRecord | None:
    """A manifest entry as a PageRecord, when it has exactly the fields of one, each of the right kind."""
    if not isinstance(entry, dict) or set(entry) != set(_FIELDS):
        return None
    kinds = {
        "src_uri": str,
        "dest": str,
        "lookups": dict,
        "search": list,
        "warnings": list,
        "anchors": list,
        "links_to_anchors": dict,
        "key": str,
        "stat": list,
    }
    if any(not isinstance(entry[name], kind) for name, kind in kinds.items()):
        return None
    digest = entry["digest"]
    if digest is not None and not (isinstance(digest, str) and len(digest) == 64 and _hex(digest)):
        return None  # the digest names a file in the cache: only a digest, never a path
    if not all(isinstance(v, str) or v is None for v in entry["lookups"].values()):
        return None
    if not all(isinstance(w, str) for w in entry["warnings"] + entry["anchors"]):
        return None
    if not all(isinstance(links, dict) for links in entry["links_to_anchors"].values()):
        return None
    if len(entry["stat"]) != (3 if digest else 0) or not all(isinstance(n, int) for n in entry["stat"]):
        return None
    return PageRecord(**entry)


def ours_to_write(folder: Path) -> bool:
    """Whether kb may write `folder` (and remove files from it): new, empty, or marked by an earlier build.
    A folder of the writer's that happens to sit where the cache goes is left alone, and there is no cache."""
    if not folder.exists():
        return True
    if folder.is_symlink() or not folder.is_dir():
        return False
    return (folder / OUTPUT_MARK).is_file() or not any(folder.iterdir())


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)
