"""The site engine's cache: each page's HTML as the last build rendered it, and what it was made from, so that
the next build renders only the pages whose inputs changed (generator/engine.py says what a page's key holds).

A cache folder (`build/site-cache` for `build/site`, outside what a web server publishes) holds the manifest,
`manifest/` (for each page: its key, the link lookups it made, its search entries, warnings and anchors,
the theme's inline scripts in it, the digest of its HTML and of its staged source), and `pages/<sha256>`,
the HTML files, hard-linked into each new site (no copy).

The manifest is plain data pickled, in shards, each with a digest checked before anything is unpickled
(engine_manifest.py): a build writes again only the shards whose entries changed.

It is never trusted: a manifest with a shard that is missing, unreadable, of another format, made by other
code or libraries (the engine key), or with one malformed entry is ignored whole, and every page is
rendered; a cached page whose file is missing or not exactly as stored (size, modification time and inode,
recorded when it was stored: a page edited in place in a published site changes them) is rendered again,
and so is a kept file (a permanent link) not exactly as stored. Where the kept site (output_reuse.py) holds
a hard link of the cached file in that state, on the cache's device, the cached file is that very file,
and is not asked again (ten thousand pages and as many permanent links each build). A staged source is
read again unless its size, times (the change time, which nothing but the clock sets, included) and inode
are the ones it had when its digest was taken; one that the staging of the same build wrote or found as it
left it is taken as staging handed it over (take_staged), with no stat, and checked by its state only if the
page is rendered (what is rendered is cached under its own source's digest, never under staging's word).
Each shard is replaced in one rename, after the pages it names are in place."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .engine_manifest import MANIFEST, OLD_MANIFESTS, Manifest, PageRecord, load_manifest, save_manifest
from .output import OUTPUT_MARK, mark_output
from .output_reuse import link_file, same_file

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
        self._staged: Mapping[str, tuple[str, list[int]]] = {}  # src_uri -> digest and state (take_staged)
        self._staged_docs: str | None = None  # the folder they are in
        self._pages = os.path.join(folder, PAGES) if folder is not None else ""
        self._device: int | None = None  # of the folder of cached files (identity)

    @classmethod
    def open(cls, folder: Path | None, engine_key: str | None, trusted: bool = True) -> EngineCache:
        """The cache in `folder`; no reuse when `engine_key` is None (an engine kb cannot key), `trusted` is
        False (`kb build --full`) or the manifest is not exactly one this code wrote for this key."""
        if folder is None or engine_key is None or not ours_to_write(folder):
            return cls(None, engine_key or "")
        old = load_manifest(folder / MANIFEST, engine_key) if trusted else None
        return cls(folder, engine_key, old)

    def take_staged(self, docs: str | Path, sources: Mapping[str, tuple[str, list[int]]]) -> None:
        """What the staging of this same build knows of the files it wrote into `docs`, or found there as it
        left them (by src_uri: digest and state, staged_files.Staged.sources), for staged_digest to take without a
        stat of each. Trusted as this process's own word on kb's own folder of this build, never read from
        disk; a page this build renders has its source checked by its own state (source_digest)."""
        self._staged_docs = os.path.normpath(os.path.abspath(docs))
        self._staged = sources

    def staged_digest(self, src_uri: str, src_dir: str | None) -> str | None:
        """The digest staging handed over for the source `src_uri` in the folder `src_dir` (take_staged), or
        None when it handed over none (a source elsewhere, or that staging did not write)."""
        if src_dir != self._staged_docs:
            return None
        handed = self._staged.get(src_uri)
        if handed is None:
            return None
        self._sources[src_uri] = handed
        return handed[0]

    def source_digest(self, src_uri: str, path: str) -> str:
        """The digest of the staged source of `src_uri` at `path` by the file's state now: the one staging
        handed over or the last build took for that very state (ten thousand sources not read each build),
        else read. The state is taken before the file is read: a write in between makes the next build read
        it again."""
        now = os.stat(path)
        state = [now.st_size, now.st_mtime_ns, now.st_ctime_ns, now.st_ino]
        handed = self._staged.get(src_uri)
        record = self.old.get(src_uri)
        if handed is not None and handed[1] == state and path == os.path.join(self._staged_docs or "", src_uri):
            found = handed[0]
        elif record is not None and record.source_stat == state and record.source:
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

    def looked_up(self) -> set[str]:
        """Every path a link of a cached page looked up (each page's `lookups`)."""
        return set(itertools.chain.from_iterable(record.lookups for record in self.old.values()))

    def reuse(self, src_uri: str, key: str, found_at: Mapping[str, str | None]) -> PageRecord | None:
        """The cached page for `src_uri` when its key matches and each of its links finds what it found:
        `found_at`, what each path of looked_up() finds now."""
        record = self.old.get(src_uri)
        if record is None or record.key != key:
            return None
        # Each (path, found) pair of the page among the ones found now, compared in C: ten thousand pages.
        if not record.lookups.items() <= found_at.items():
            return None
        return record

    def identity(self, state: list[int] | None) -> tuple[int, int, int, int] | None:
        """The (device, inode, size, modification time) a cached file recorded in `state` (size, mtime_ns,
        inode: a page's `stat`, a kept file's) has: what a hard link of it in a site has too, so that the site's
        walk (output_reuse.clear_except) finds it there in the state it was stored in without asking the
        cache's copy. None without a state or a folder of cached files."""
        if not state or self.folder is None:
            return None
        if self._device is None:
            try:
                self._device = os.stat(self._pages).st_dev
            except OSError:
                return None
        size, mtime, inode = state
        return self._device, inode, size, mtime

    def page_file(self, record: PageRecord) -> str | None:
        """The cached HTML of `record` when it is exactly the file stored (size, time, inode); else None.
        A string path: ten thousand pages each build."""
        if record.digest is None or self.folder is None:
            return None
        cached = os.path.join(self._pages, record.digest)
        try:
            now = os.stat(cached, follow_symlinks=False)
        except OSError:
            return None
        if [now.st_size, now.st_mtime_ns, now.st_ino] != record.stat:
            return None
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

    @staticmethod
    def file_digest(data: bytes) -> str:
        """The name a kept file's content has in the cache (store_file)."""
        return hashlib.sha256(data).hexdigest()

    def keep_file(self, digest: str) -> str:
        """Keep the cached file named `digest` for the next build in the state the last build recorded: a
        hard link of it was found in the site in that state (identity), so it is intact; return its path."""
        self.files[digest] = self.old_files[digest]
        return os.path.join(self._pages, digest)

    def store_file(self, data: bytes) -> str | None:
        """A file of the site that is not a page (a permanent link's redirect), kept in the cache by its
        content so that a reused output keeps it untouched; None without a cache folder. A cached copy is
        trusted when its size, time and inode are the ones the last build recorded for it, as a page is
        (ten thousand redirects each build); else it is read back and compared: one edited in place is
        replaced, never trusted. Its state goes in `files`."""
        if self.folder is None:
            return None
        digest = self.file_digest(data)
        cached = os.path.join(self._pages, digest)
        recorded = self.old_files.get(digest)
        if recorded is not None:
            try:
                state = os.stat(cached, follow_symlinks=False)
            except OSError:
                state = None
            if state is not None and [state.st_size, state.st_mtime_ns, state.st_ino] == recorded:
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
        """Write this build's manifest (the shards that changed), then remove the cached pages no entry names."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_output(self.folder)
        save_manifest(self.folder / MANIFEST, self.engine_key, self.new, self.files, self._read)
        for name in OLD_MANIFESTS:  # an earlier kb's manifest
            (self.folder / name).unlink(missing_ok=True)
        kept = {record.digest for record in self.new.values()} | self.files.keys()
        pages = self.folder / PAGES
        if pages.is_dir():
            for entry in os.scandir(pages):
                if entry.name not in kept:
                    os.unlink(entry.path)


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
