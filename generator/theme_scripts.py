"""The theme's own inline scripts, as Content-Security-Policy hashes: computed by the build, read by the portal.

Material writes a few small inline scripts into every page (the storage scope, which varies with the
page's depth, the palette, the tabs). The portal used to hash every inline script it found in the page it
served, which allowed exactly the scripts an article had injected. Now the build hashes only scripts
outside the page content (Material's `<article class="md-content__inner">`, up to the page's last
`</article>`, which comes after anything the content holds), writes them into `.kb-scripts.json` in the
site, and the portal allows those and nothing else. The manifest is inside the site so that it is
swapped in with the pages it describes, in the same rename; the portal does not serve dot files.
Content is sanitised before this (html_safety), so an inline script there is never the theme's: it is
neither hashed nor allowed, and the browser refuses it."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .file_states import State, StatesChecked
from .forking import may_start_workers
from .memo import remembered

MANIFEST = ".kb-scripts.json"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
_SCRIPT_TAG = re.compile(r"<script", re.IGNORECASE)
_DATA_BLOCK = re.compile(r"type=[\"']?application/(ld\+)?json", re.IGNORECASE)
_CONTENT_START = '<article class="md-content__inner'
_CONTENT_END = "</article>"


def script_hash(body: str) -> str:
    """The CSP source that allows one inline script: 'sha256-<base64>' of its exact text."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(body.encode('utf-8')).digest()).decode()}'"


def content_span(page: str) -> tuple[int, int]:
    """Where a built page's content is: from Material's content <article> to the page's last </article>;
    (len, len) for a page without one (a generated page such as context/, all the generator's own)."""
    start = page.find(_CONTENT_START)
    if start < 0:
        return len(page), len(page)
    end = page.rfind(_CONTENT_END)
    return start, end if end > start else len(page)  # unclosed: nothing after it counts as the theme's


def content_area(page: str) -> str:
    """The HTML of a built page's content (what the writer's markdown became, and the kb blocks below it)."""
    start, end = content_span(page)
    return page[start:end]


def theme_script_hashes(page: str) -> list[str]:
    """The hashes of a built page's inline scripts outside its content; data blocks (JSON) do not run."""
    if not _SCRIPT_TAG.search(page):  # a permanent link's redirect (ten thousand each build): no script at all
        return []
    start, end = content_span(page)
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        if start <= match.start() < end:
            continue
        if not _DATA_BLOCK.search(match["attrs"]):
            hashes.append(script_hash(match["body"]))
    return hashes


def write_script_manifest(
    site: Path,
    known: Mapping[str, tuple[tuple[int, int, int], tuple[str, ...]]] | None = None,
    html: Iterable[str] | None = None,
    folders: Iterable[str] = (),
) -> tuple[str, ...]:
    """Hash the theme's inline scripts of every page of `site` into its manifest; return the hashes.
    `known`: dest path -> (size, mtime_ns, inode) of a file and its hashes, as the engine found them when it
    placed the file (engine.EngineRun.scripts): a file still exactly that one is not read again.

    `html`: when the caller knows every HTML file it wrote into `site` (the engine's `known` and `html`, and
    the `folders` written after it, walked), those rather than a walk of the whole site: in a site made from
    the last one (output_reuse.py) nothing else is left, and walking 20,000 folders was 0.2 s of a one-edit
    build. Files listed that do not exist are passed over."""
    return ScriptManifest(site, known, html, folders).write()


APART_FROM = 2000  # files the engine placed from which another process checks their state meanwhile


@contextmanager
def script_manifest_alongside(
    site: Path,
    known: Mapping[str, tuple[tuple[int, int, int], tuple[str, ...]]],
    html: Iterable[str] | None,
    folders: Iterable[str],
    apart: bool = True,
) -> Iterator[ScriptManifest]:
    """Within: the manifest of `site` (write_script_manifest's arguments) under way, written by its `write()`
    once the block has written `folders`. Each listed file is taken as the engine placed it only when it is
    still in that state, a stat each (20,000 at 10,000 articles, 0.06 s); nearly all are the engine's, which
    nothing kb writes after the engine touches (it writes `folders` and the site's top level only). So, with
    `apart`, another process checks the engine's files while this one writes the rest (file_states.py), and
    `write()` takes its answer (or checks them here when it failed) with the rest, found here then."""
    manifest = ScriptManifest(site, known, html, folders)
    # Not from a worker of `--all-clients`, whose builds already use every core (forking.py).
    entries = manifest.recorded_states() if apart and may_start_workers() else []
    if len(entries) >= APART_FROM:
        manifest.checked = StatesChecked(entries)
    try:
        yield manifest
    finally:
        if manifest.checked is not None:
            manifest.checked.stop()


class ScriptManifest:
    """The script manifest of one site (write_script_manifest), found in two parts: the files the engine
    placed, and the rest (the site's top level and `folders`, walked when `write()` is called)."""

    def __init__(
        self,
        site: Path,
        known: Mapping[str, tuple[tuple[int, int, int], tuple[str, ...]]] | None,
        html: Iterable[str] | None,
        folders: Iterable[str],
    ):
        self.site, self.known, self.folders = site, known or {}, tuple(folders)
        self.html = None if html is None else list(html)
        self.checked: StatesChecked | None = None  # the engine's files' states, checked apart

    @functools.cached_property
    def engine_files(self) -> list[tuple[str, str]]:
        """(path in the site, path) of each HTML file the engine placed outside the top level and `folders`."""
        if self.html is None:
            return []
        later = tuple(f"{folder}/" for folder in self.folders)
        prefix = os.path.join(self.site, "")  # a path by text (os.path.join per file: a tenth of the manifest's time)
        listed = dict.fromkeys([*self.known, *self.html])
        return [(rel, prefix + rel) for rel in listed if "/" in rel and not rel.startswith(later)]

    def recorded_states(self) -> list[State]:
        """Each of the engine's files with the state the engine gave for it: what another process checks."""
        known = self.known
        return [(path, known[rel][0]) for rel, path in self.engine_files if rel in known]

    def write(self) -> tuple[str, ...]:
        """Write the manifest; return its hashes."""
        site, known = self.site, self.known
        if self.html is None:
            found = _script_hashes(_html_files(site), known, listed=False)
        else:
            later = tuple(f"{folder}/" for folder in self.folders)
            prefix = os.path.join(site, "")
            rest = dict.fromkeys(rel for rel in [*known, *self.html] if "/" not in rel or rel.startswith(later))
            with os.scandir(site) as top:  # the site's own top level too: one listing, for any file written there
                names = [entry.name for entry in top if entry.name.endswith(".html") and entry.is_file()]
            rest.update(dict.fromkeys(names))
            for folder in self.folders:
                if (site / folder).is_dir():
                    rest.update(dict.fromkeys(f"{folder}/{rel}" for rel, _ in _html_files(site / folder)))
            found = _script_hashes([(rel, prefix + rel) for rel in rest], known)
            found |= self._engine_hashes()  # last: the other process has had all the time there was
        hashes = tuple(sorted(found))
        text = json.dumps({"format": 1, "script-src": hashes}, indent=1) + "\n"
        (site / MANIFEST).write_text(text, encoding="utf-8")
        return hashes

    def _engine_hashes(self) -> set[str]:
        """The hashes of the engine's files: a file the other process found in the engine's state gives the
        engine's hashes; any other is checked and read here (all of them when there was no such process or
        it failed)."""
        files, known = self.engine_files, self.known
        changed = self.checked.changed() if self.checked is not None else None
        if changed is None:
            return _script_hashes(files, known)
        kept: set[tuple[str, ...]] = set()
        todo = []
        for rel, path in files:
            hit = known.get(rel)
            if hit is None or path in changed:
                todo.append((rel, path))
            else:
                kept.add(hit[1])
        return set().union(*kept) | _script_hashes(todo, known)


def _script_hashes(
    files: list[tuple[str, str]],
    known: Mapping[str, tuple[tuple[int, int, int], tuple[str, ...]]],
    listed: bool = True,
) -> set[str]:
    """The theme's script hashes of `files` ((path in the site, path)): a file in the state `known` gives for
    it, its hashes from there; any other read (kept in the memo by its identity). `listed`: the files were
    listed, not found by a walk: one that does not exist is passed over."""
    found: set[str] = set()  # sorted at the end: the order found in does not count
    for rel, path in files:
        try:
            state = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            if not listed:
                raise
            continue
        hit = known.get(rel)
        if hit is not None and hit[0] == (state.st_size, state.st_mtime_ns, state.st_ino):
            found.update(hit[1])
            continue
        identity = f"{state.st_dev}:{state.st_ino}:{state.st_size}:{state.st_mtime_ns}"
        found.update(_file_script_hashes(path, identity))
    return found


def _html_files(folder: Path) -> list[tuple[str, str]]:
    """(path relative to `folder`, path) of every .html file under `folder`; os.scandir, whose entries say
    whether they are folders without a system call (os.walk and pathlib's rglob took seconds at 20,000
    folders), with string paths and a list of folders to visit rather than nested generators, each file of
    which passed through every level above it."""
    found = []
    todo = [(str(folder), "")]
    while todo:
        path, prefix = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.name.endswith(".html"):
                    found.append((prefix + entry.name, entry.path))
    return found


@remembered("theme_script_hashes", key=lambda path, identity: (identity,))
def _file_script_hashes(path: str, identity: str) -> tuple[str, ...]:
    """theme_script_hashes of the file at `path`, kept in the build's memo by the file's identity (device,
    inode, size, modification time): a page reused from the engine cache is the same file, not read again."""
    return tuple(theme_script_hashes(Path(path).read_text(encoding="utf-8", errors="replace")))


def load_script_hashes(site: Path) -> tuple[str, ...]:
    """The hashes a built site allows (none for a site built before the manifest existed)."""
    path = site / MANIFEST
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(h for h in data.get("script-src", ()) if re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", h))
