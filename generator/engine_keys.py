"""What each page of a site is made from, as digests: the keys by which engine.py reuses a page a previous
build rendered (engine_cache.py). Plain functions on MkDocs' objects; this module imports no MkDocs.

A page's key is complete because a page's HTML is made only from:
- the *engine key* (engine_key): kb's own code (every file of the generator package: its markdown
  extensions, the sanitiser), the versions of the libraries that render (MkDocs, Material, Python-Markdown,
  PyMdown, nh3, Pygments, Jinja2), the staged mkdocs.yml without the navigation and the scratch paths (theme,
  features, extensions, `extra`: target, client, branding), and every file of the theme's custom_dir;
- the page's own staged source (front matter included: title, template, kb's meta) and its address;
- what the theme shows of the navigation on that page (nav_keys): with navigation.prune, the items of each
  section on the page's path (title, address, meta, for a section its children and first page), the top
  level (the tabs), the home page and the previous and next pages;
- what its links found: every path the page's markdown looked up among the site's files, and the address it
  found there (or none). These are recorded while the page renders and checked again before any reuse, so a
  page linking to one that was added, moved or deleted is rendered again.
Nothing else reaches a page: Material's page templates read no build date (only sitemap.xml does, and it is
kept under a key of its own that holds every page's date: engine_sitemap.py), and a project whose plugins
are not the ones kb knows gets no reuse at all."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ENGINE_FORMAT = 1  # bump when what a cache entry holds, or how a key is made, changes
_LIBRARIES = (
    "mkdocs",
    "mkdocs-material",
    "markdown",
    "pymdown-extensions",
    "nh3",
    "pygments",
    "jinja2",
    "pyyaml",
    "whoosh-reloaded",
)
_GENERATOR = Path(__file__).resolve().parent


def nav_keys(nav: Any, pages: Iterable[Any]) -> dict[str, str]:
    """src_uri -> a digest of what the theme shows of the navigation on each of `pages` (see the module
    docstring): the top level, each section on the page's path with its items, the previous and next pages."""
    summaries: dict[int, str] = {}

    def section_key(section: Any) -> str:
        if id(section) not in summaries:
            summaries[id(section)] = digest(*(_item(child) for child in section.children))
        return summaries[id(section)]

    top = digest(*(_item(item) for item in nav.items), nav.homepage.url if nav.homepage else "")
    # A page outside the navigation (an article) has no previous or next page: its key is its section's
    # path alone, the same for every article of a module, worked out once per section.
    alone: dict[int, str] = {}
    keys = {}
    for page in pages:
        previous, following, section = page.previous_page, page.next_page, page.parent
        if previous is None and following is None and id(section) in alone:
            keys[page.file.src_uri] = alone[id(section)]
            continue
        path = []
        parent = section
        while parent is not None:
            path.append(digest(parent.title or "", section_key(parent)))
            parent = parent.parent
        neighbours = [(p.title, p.url) if p is not None else None for p in (previous, following)]
        keys[page.file.src_uri] = digest(top, *path, json.dumps(neighbours))
        if previous is None and following is None:
            alone[id(section)] = keys[page.file.src_uri]
    return keys


def _item(item: Any) -> str:
    """One navigation item as the theme may show it: title, address, meta; a section with its children and
    the page its pruned link opens."""
    if item.is_page:
        meta = json.dumps(item.meta, sort_keys=True, default=str)
        return digest("page", item.title or "", item.url, str(item.is_index), meta)
    if item.is_link:
        return digest("link", item.title or "", item.url)
    first = item
    while getattr(first, "children", None):
        first = first.children[0]
    children = [
        (child.title or "", getattr(child, "url", "") or "", bool(getattr(child, "is_index", False)))
        + (bool(child.children),)
        for child in item.children
    ]
    return digest("section", item.title or "", json.dumps(children), getattr(first, "url", "") or "")


def source_digest(file: Any) -> str:
    """A digest of a staged page's source, as the engine reads it."""
    return hashlib.sha256(file.content_bytes).hexdigest()


def digest(*parts: str) -> str:
    """One digest of several texts (each ended by a NUL, so that ("ab", "c") and ("a", "bc") differ): the
    texts and their NULs joined and encoded once (ten thousand page keys a build), the same bytes as each
    encoded in turn."""
    if not parts:
        return _EMPTY
    return hashlib.sha256(("\0".join(parts) + "\0").encode("utf-8", "surrogatepass")).hexdigest()


_EMPTY = hashlib.sha256(b"").hexdigest()


def engine_key(config_file: Path, config: Any) -> str:
    """A digest of everything every page is made from (see the module docstring)."""
    project = str(config_file.parent)
    staged = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_PlainLoader) or {}
    for owned in ("nav", "docs_dir", "site_dir"):
        staged.pop(owned, None)
    text = json.dumps(staged, sort_keys=True, default=str).replace(project, "<project>")
    parts = [str(ENGINE_FORMAT), text, *(f"{name}={_version(name)}" for name in _LIBRARIES)]
    parts.append(code_digest())
    custom_dir = config.theme.custom_dir
    if custom_dir:
        parts += _tree_digests(Path(custom_dir))
    return digest(*parts)


@functools.cache
def code_digest() -> str:
    """A digest of kb's own code (every file of the generator package): what else a key holds of kb. Once
    per process: the code that runs is the code the process loaded, and `kb serve` does not reload it."""
    return digest(*_tree_digests(_GENERATOR))


def code_key(*folders: Path) -> str:
    """A digest of kb's own code, the rendering libraries' versions and the files under `folders` (a theme):
    whether an output made earlier by this code from the same sources would come out the same. Without
    folders: what the memo of the work before the engine is valid for (memo.py)."""
    parts = [str(ENGINE_FORMAT), *(f"{name}={_version(name)}" for name in _LIBRARIES), code_digest()]
    for folder in folders:
        parts += _tree_digests(folder) if folder.is_dir() else []
    return digest(*parts)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _tree_digests(folder: Path) -> list[str]:
    """Each file's path and content under `folder` (compiled Python left out)."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            parts.append(f"{path.relative_to(folder)}:{hashlib.sha256(path.read_bytes()).hexdigest()}")
    return parts


class _PlainLoader(yaml.SafeLoader):
    """The staged mkdocs.yml as plain data: a `!!python/name:` tag is kept as its name, never imported."""


_PlainLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: f"!!python/{suffix}")
