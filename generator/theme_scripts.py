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
from collections.abc import Iterable, Mapping
from pathlib import Path

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
    known = known or {}
    if html is None:
        files = _html_files(site)
    else:
        listed = dict.fromkeys([*known, *html])
        with os.scandir(site) as top:  # the site's own top level too: one listing, for any file written there
            listed.update(
                dict.fromkeys(entry.name for entry in top if entry.name.endswith(".html") and entry.is_file())
            )
        for folder in folders:
            if (site / folder).is_dir():
                listed.update(dict.fromkeys(f"{folder}/{rel}" for rel, _ in _html_files(site / folder)))
        prefix = os.path.join(site, "")  # a path by text (os.path.join per file: a tenth of the manifest's time)
        files = [(rel, prefix + rel) for rel in listed]
    found: set[str] = set()  # sorted at the end: the order found in does not count
    for rel, path in files:
        try:
            state = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            if html is None:
                raise
            continue
        hit = known.get(rel)
        if hit is not None and hit[0] == (state.st_size, state.st_mtime_ns, state.st_ino):
            found.update(hit[1])
            continue
        identity = f"{state.st_dev}:{state.st_ino}:{state.st_size}:{state.st_mtime_ns}"
        found.update(_file_script_hashes(path, identity))
    hashes = tuple(sorted(found))
    (site / MANIFEST).write_text(json.dumps({"format": 1, "script-src": hashes}, indent=1) + "\n", encoding="utf-8")
    return hashes


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
