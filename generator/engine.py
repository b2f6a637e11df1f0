"""Run the site engine (MkDocs + Material) on a staged project. With engine_budget.py and engine_nav.py (the
navigation and its pages), the only modules that import MkDocs; the theme's environment is engine_theme.py's.

kb owns MkDocs' page loop (the steps of `mkdocs.commands.build.build`, in its order) so that a build can
reuse what an earlier build rendered, and render the rest on every core:

- every page gets a *key*: a digest of everything its HTML is made from (engine_keys.py). A page whose key and link
  lookups match an entry of the cache (engine_cache.py) is not rendered: the cached HTML is linked into the
  new site. Every other page is rendered, by a pool of processes when there are many (`fork`, so that the
  workers share the loaded configuration, files and navigation), and stored in the cache for next time.
- the theme's files, 404.html, sitemap.xml and the site's search index (search/search_index.json, from each
  page's cached entries, in the order of a full build) are made again by every build: they depend on every
  page and cost little (the sitemap is kept for the same pages' addresses and dates: engine_sitemap.py).
  Each page's search entries are kept as the JSON text Material writes for them (search_json,
  engine_search.py), so the index is joined from them rather than encoded again, and a record is one string
  of them rather than thousands of small objects (in memory and in the cache).
- anchors in links between pages are checked from every page's cached anchors, as MkDocs does after a build.

What a page's key holds, and why it is complete: engine_keys.py.

The navigation (a decision kb makes in stage.build_nav): articles are not listed in it. A module's landing
page lists its articles, as help centres do; an article's navigation holds its module's landing page and
the knowledge base's modules, found from its folder (adopt_pages_outside_nav). So a page's cost does not grow
with the knowledge base, and an article's edit, even of its title, changes no other page's navigation."""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine_budget import page_time_budget
from .engine_cache import EngineCache, PageRecord
from .engine_keys import digest, engine_key, nav_keys, source_digest
from .engine_nav import get_navigation
from .engine_search import assemble_search_index, search_json, search_plugin
from .engine_sitemap import SITEMAP, build_sitemap
from .engine_theme import theme_env
from .errors import KbError
from .forking import may_start_workers
from .memo import _no_gc
from .output_reuse import clear_except, link_file, remove_empty_folders
from .site_listing import ListingApart
from .theme_scripts import theme_script_hashes

COLLECT_FROM = 1000  # pages rendered from which the engine's objects are collected when it ends (run_engine)
POOL_FROM = 24  # fewer pages than this are rendered in this process: a pool costs more than it saves
_KNOWN_PLUGINS = {"material/search", "search", "kb-page-time-budget"}


@dataclass(frozen=True)
class EngineRun:
    warnings: list[str]
    rendered: int  # pages rendered by this run
    reused: int  # pages taken from the cache
    # dest path -> ((size, mtime_ns, inode) of the file, the theme's inline scripts in it): what the engine knows
    # of the HTML files it placed, so that theme_scripts.write_script_manifest need not read them again
    scripts: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = field(default_factory=dict)
    # the other HTML files it may have written (the theme's 404.html, a page rendered without a cache): with
    # `scripts`, every HTML file in the site after the engine, so the script manifest need not walk the site
    # for them; None when plugins kb does not know ran, which may write anything anywhere
    html: tuple[str, ...] | None = None
    listed_apart: bool = False  # the site's clear used a child's listing of it (site_listing.py; tests ask)


class _Collect(logging.Handler):
    """The engine's warnings, in order; while a page renders, its warnings go to that page's record."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_engine(
    config_file: Path,
    strict: bool = False,
    cache_dir: Path | None = None,
    full: bool = False,
    jobs: int | None = None,
    on_page: Callable[[], None] | None = None,
    extra_files: dict[str, bytes] | None = None,
    staged: tuple[Path, Mapping[str, tuple[str, list[int]]]] | None = None,
    listing: ListingApart | None = None,
) -> EngineRun:
    """Build the site the staged mkdocs.yml describes, reusing pages from `cache_dir` (unless `full`) and
    storing what it rendered there; return the engine's warnings and how many pages were rendered.
    `staged`: the staged docs folder and what the staging of this same build knows of the sources it wrote
    there (stage_project's `sources`), taken as each source's digest without a stat (EngineCache.take_staged).
    `listing`: the site folder's files being listed by a child (site_listing.py), for its clear.

    The site folder may hold an earlier build's site (output_reuse.py): what this build keeps of it is
    exactly its reused pages and `extra_files` (dest path -> content: files kb adds, such as permanent
    links, kept in the cache with the pages), and everything else in it is removed first."""
    from mkdocs import exceptions
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    logger.addHandler(collect)
    previous = logger.propagate
    logger.propagate = False  # the CLI reports the warnings itself, once
    try:
        config = load_config(config_file=str(config_file), strict=strict)
        with page_time_budget(config):  # a page past it raises EngineTooSlow, for the caller to name
            run = _build(
                config,
                config_file,
                collect,
                cache_dir,
                full,
                jobs,
                on_page or (lambda: None),
                _normal(extra_files),
                staged,
                listing,
            )
        if run.rendered >= COLLECT_FROM:
            # MkDocs' files, pages and navigation are cycles (a page and its file, a section and its pages): only
            # the collector frees them, and it may not run before the search index's writer needs hundreds of
            # megabytes. Freed now, they make room for it (a full build of 10,000 articles peaked at 1 GB). Not
            # after a small rebuild: a full collection walks every object, the memo's results too.
            gc.collect()
        return run
    except exceptions.Abort as exc:
        details = "\n  ".join(collect.messages)
        raise KbError(f"the site engine stopped: {exc}\n  {details}".rstrip()) from None
    except exceptions.BuildError as exc:
        raise KbError(f"the site engine stopped: {exc}") from None
    except exceptions.ConfigurationError as exc:
        raise KbError(f"mkdocs.yml: {exc}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous


def _normal(extra_files: dict[str, bytes] | None) -> dict[str, bytes]:
    """`extra_files` with each dest path as the site's walk spells it (`a/KB-1//index.html` is `a/KB-1/index.html`),
    so that a file kept in place is found by its path."""
    return {_normal_path(dest): data for dest, data in (extra_files or {}).items()}


def _normal_path(dest: str) -> str:
    if "//" not in dest and not dest.startswith("/") and not dest.endswith("/"):
        return dest  # the usual case (ten thousand permanent links): already as the walk spells it
    return "/".join(part for part in dest.split("/") if part)


def _build(
    config: Any,
    config_file: Path,
    collect: _Collect,
    cache_dir: Path | None,
    full: bool,
    jobs: int | None,
    on_page: Callable[[], None],
    extra_files: dict[str, bytes],
    staged: tuple[Path, Mapping[str, tuple[str, list[int]]]] | None,
    listing: ListingApart | None,
) -> EngineRun:
    """MkDocs' build(), with the page loop kb's own (see the module's docstring)."""
    from mkdocs import utils
    from mkdocs.commands.build import _build_extra_template, _build_theme_template
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.pages import Page

    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    cacheable = {name for name, _ in config.plugins.items()} <= _KNOWN_PLUGINS
    key = engine_key(config_file, config) if cacheable else None
    # Ten thousand records and the kept site's twenty thousand files, alive until the build ends: kept out of
    # the collector's runs (memo.collector_paused), which scanned them all again at the first run after (0.05 s
    # at 10,000 articles). Taken before MkDocs' files and navigation exist, so that those stay collectable.
    with _no_gc(keep=True):
        cache = EngineCache.open(cache_dir, key, trusted=not full)
        listed = listing.result(config.site_dir) if listing is not None else None
    if staged is not None:
        cache.take_staged(*staged)
    files = get_files(config)
    env = theme_env(config, key, cache.folder)
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)
    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
    for file in doc_files:
        if file.page is None:
            Page(None, file, config)
    adopt_pages_outside_nav(nav, doc_files)
    for page in nav.pages:  # their titles show on other pages: read now, and fixed before any page renders
        page.read_source(config)
    for page in nav.pages:
        page.title = page.title  # weak_property: the title read from the source, not one set by rendering

    keys = nav_keys(nav, [file.page for file in doc_files])

    def page_key(file: Any, source: str) -> str:
        return digest(cache.engine_key, file.src_uri, file.dest_uri, file.url, source, keys[file.src_uri])

    page_keys = {file.src_uri: page_key(file, _source_digest(cache, file)) for file in doc_files}

    site_dir = Path(config.site_dir)
    # What a link to each path the cached pages looked up finds now, once per path: pages share their links.
    found_at = {path: _lookup(files, path) for path in cache.looked_up()}
    candidates = [
        record for file in doc_files if (record := cache.reuse(file.src_uri, page_keys[file.src_uri], found_at))
    ]
    extra_digests = {dest: cache.file_digest(data) for dest, data in extra_files.items()}
    # Before any write: nothing is written into a file kept or shared. Kept: each file of a page or kept file
    # the cache holds, where the site holds exactly the cached file in the state it was stored in (device,
    # inode, size, time), as page_file and store_file trust a cached file. `in_place`: the ones found so.
    expected = [(record.dest, record.stat) for record in candidates if record.digest is not None]
    expected += [(dest, cache.old_files.get(digest)) for dest, digest in extra_digests.items()]
    identities = {dest: identity for dest, state in expected if (identity := cache.identity(state)) is not None}
    emptied, in_place = clear_except(site_dir, identities, listed)
    # A page not in place is reused when its cached file is intact (then linked), else rendered.
    reused = {
        record.src_uri: record
        for record in candidates
        if record.digest is None or record.dest in in_place or cache.page_file(record) is not None
    }
    extras = {
        dest: cache.keep_file(digest) if dest in in_place else cache.store_file(extra_files[dest])
        for dest, digest in extra_digests.items()
    }

    env = config.plugins.on_env(env, config=config, files=files)
    files.copy_static_files(inclusion=InclusionLevel.is_included)
    for template in config.theme.static_templates:
        if template == SITEMAP:  # kept in the cache for the same pages' addresses (engine_sitemap.py)
            build_sitemap(env, files, config, nav, cache.engine_key, cache.folder, trusted=not full)
        else:
            _build_theme_template(template, env, files, config, nav)
    for template in config.extra_templates:
        _build_extra_template(template, files, config, nav)
    scripts = {}
    for dest, cached in extras.items():
        if cached is None:  # no cache: written as any other file
            utils.write_file(extra_files[dest], str(site_dir / dest))
            continue
        if dest not in in_place:
            (site_dir / dest).parent.mkdir(parents=True, exist_ok=True)
            link_file(cached, site_dir / dest)
        if dest.endswith(".html"):
            size, mtime, inode = cache.files[extra_digests[dest]]  # as found or written; a hard link leaves them
            found = theme_script_hashes(extra_files[dest].decode("utf-8", "replace"))
            scripts[dest] = ((size, mtime, inode), tuple(found))

    records: dict[str, PageRecord] = {}
    todo = []
    for file in doc_files:
        record = reused.get(file.src_uri)
        if record is None:
            todo.append(file.src_uri)
            continue
        if record.digest is None or record.dest in in_place:
            cache.keep(record)
        elif not cache.link_into(record, Path(file.abs_dest_path)):
            todo.append(file.src_uri)
            continue
        records[file.src_uri] = record
        on_page()
    if staged is not None:
        # A page to render is stored under its key for good: its source's digest there is the file's own by its
        # state now (a stat each, a few pages in an edit's build), not staging's word for it, so the cache
        # never holds a page under the digest of another source than the one the engine reads.
        rendering = set(todo)
        for file in doc_files:
            if file.src_uri in rendering and file.generated_by is None and file.abs_src_path is not None:
                page_keys[file.src_uri] = page_key(file, cache.source_digest(file.src_uri, file.abs_src_path))
    before = list(collect.messages)
    collect.messages.clear()
    for record in _render_all(todo, (config, files, nav, env, doc_files), collect, jobs):
        records[record.src_uri] = cache.store(record, page_keys[record.src_uri], Path(config.site_dir))
        on_page()
    after_pages = list(collect.messages)  # warnings from outside any page (none expected)

    ordered = [records[file.src_uri] for file in doc_files]
    search = search_plugin(config)
    if search is not None:
        assemble_search_index(search, [record.search for record in ordered])
    collect.messages[:] = before + [w for record in ordered for w in record.warnings] + after_pages
    _check_anchors(ordered, files, config)
    config.plugins.on_post_build(config=config)
    if search is not None:  # the joined index (tens of megabytes) goes now: the plugin outlives the build
        vars(search.search_index).pop("generate_search_index", None)
    cache.save()
    remove_empty_folders(site_dir, emptied)  # the folders of pages this build no longer has
    scripts.update(
        {record.dest: (tuple(record.stat), tuple(record.scripts)) for record in ordered if len(record.stat) == 3}
    )
    html = _other_html(config, files, ordered, extras) if cacheable else None
    counts = len(todo), len(doc_files) - len(todo)
    return EngineRun(list(collect.messages), *counts, scripts, html, listed_apart=listed is not None)


def _other_html(config: Any, files: Any, records: list[PageRecord], extras: dict[str, str | None]) -> tuple[str, ...]:
    """The HTML files the engine may have written besides the pages and kept files whose scripts it knows:
    pages and extra files written without a cache, the theme's templates (404.html) and extra templates,
    and the static files copied from the docs and the theme (what copy_static_files copies). Some may not
    exist (a template that rendered nothing): the script manifest looks for each."""
    from mkdocs.structure.files import InclusionLevel

    found = [record.dest for record in records if record.digest is not None and len(record.stat) != 3]
    found += [dest for dest, cached in extras.items() if cached is None]
    found += [*config.theme.static_templates, *config.extra_templates]
    found += [
        file.dest_uri
        for file in files
        if not file.is_documentation_page() and InclusionLevel.is_included(file.inclusion)
    ]
    return tuple(dict.fromkeys(path for path in found if path.endswith(".html")))


def _source_digest(cache: EngineCache, file: Any) -> str:
    """The digest of a page's staged source: for a file staging wrote in this build, the one it handed over
    (no stat); for another file on disk, the cache's (by the file's state, not read again when unchanged);
    for content a plugin made, of that content."""
    if file.generated_by is None:
        handed = cache.staged_digest(file.src_uri, file.src_dir)
        if handed is not None:
            return handed
        if file.abs_src_path is not None:
            return cache.source_digest(file.src_uri, file.abs_src_path)
    return source_digest(file)


def adopt_pages_outside_nav(nav: Any, doc_files: Iterable[Any]) -> None:
    """A page the navigation leaves out belongs to the section whose index page is in the nearest folder
    above it (an article: its module's landing page), so the theme opens that section on the page."""
    sections = {}
    for page in nav.pages:
        if page.is_index and page.parent is not None:
            sections[page.file.src_uri.rpartition("/")[0]] = page.parent
    listed = {page.file.src_uri for page in nav.pages}
    for file in doc_files:
        if file.src_uri in listed:
            continue
        folder = file.src_uri.rpartition("/")[0]
        while folder not in sections and folder:
            folder = folder.rpartition("/")[0]
        file.page.parent = sections.get(folder)


def _lookup(files: Any, path: str) -> str | None:
    """What a link to `path` finds among the site's files (_found)."""
    return _found(_file_at(files, path))


def _file_at(files: Any, path: str) -> Any:
    """files.get_file_from_path(path), without its PurePath for a path spelled as a src_uri (ten thousand
    pages' lookups each build): a src_uri is its own normal form."""
    return files.src_uris.get(path) or files.get_file_from_path(path)


def _found(file: Any) -> str | None:
    """What a link found: the file's address and whether it is left out of the site; None for no file."""
    return None if file is None else f"{file.url}|{file.inclusion.name}"


# The state the page workers share with the parent: set before the pool forks, read in the workers.
_shared: tuple[Any, ...] = ()


def _render_all(todo: list[str], shared: tuple[Any, ...], collect: _Collect, jobs: int | None) -> Iterable[PageRecord]:
    """Render the pages `todo` (src_uris), in a pool of processes when there are many; yield their records."""
    global _shared
    _shared = shared
    jobs = jobs or os.cpu_count() or 1
    pooled = jobs > 1 and len(todo) >= POOL_FROM and may_start_workers()
    try:
        if not pooled:
            for src_uri in todo:
                yield _render_page(src_uri, collect)
            return
        chunk = max(1, min(50, len(todo) // (jobs * 8)))
        batches = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for records in pool.imap(_render_batch, batches):
                yield from records
    finally:
        _shared = ()


def _render_batch(src_uris: list[str]) -> list[PageRecord]:
    logger = logging.getLogger("mkdocs")
    collect = next(h for h in logger.handlers if isinstance(h, _Collect))
    return [_render_page(src_uri, collect) for src_uri in src_uris]


def _render_page(src_uri: str, collect: _Collect) -> PageRecord:
    """Render one page as MkDocs does (_populate_page, then _build_page), recording what it looked up."""
    from mkdocs.commands.build import _build_page, _populate_page

    config, files, nav, env, doc_files = _shared
    file = files.get_file_from_path(src_uri)
    page = file.page
    lookups: dict[str, str | None] = {}
    original = files.get_file_from_path

    def recorded(path: str) -> Any:
        found = original(path)
        lookups[path] = _found(found)
        return found

    search = search_plugin(config)
    entries_before = len(search.search_index.entries) if search is not None else 0
    written = Path(config.site_dir) / file.dest_uri
    collect.messages.clear()
    files.get_file_from_path = recorded  # the instance's method, for this page only
    try:
        _populate_page(page, config, files)
        _build_page(page, config, doc_files, nav, env)
    finally:
        del files.get_file_from_path
    warnings = list(collect.messages)
    collect.messages.clear()
    search_entries = []
    if search is not None:
        search_entries = search.search_index.entries[entries_before:]
        del search.search_index.entries[entries_before:]
    anchors_out = {target.src_uri: dict(links) for target, links in (page.links_to_anchors or {}).items()}
    # The page's digest and theme scripts, here in the worker (on every core) rather than in the parent.
    try:
        html = written.read_bytes()
    except OSError:  # the page made no file
        html = None
    record = PageRecord(
        src_uri=src_uri,
        dest=file.dest_uri,
        lookups=lookups,
        search=search_json(search_entries),
        warnings=warnings,
        anchors=sorted(page.present_anchor_ids or ()),
        links_to_anchors=anchors_out,
        scripts=theme_script_hashes(html.decode("utf-8", "replace")) if html is not None else [],
        digest=hashlib.sha256(html).hexdigest() if html is not None else None,
    )
    page.content = page.markdown = None  # its HTML is on disk: no copy of ten thousand pages in memory
    return record


def _check_anchors(records: list[PageRecord], files: Any, config: Any) -> None:
    """MkDocs' check of links to anchors in other pages, from each page's recorded anchors: only the pages
    with such links are checked (the others have nothing to check), against the anchors of the pages they
    link to. Nothing is checked when MkDocs' logger drops what the check reports at the configured level
    (kb's anchors are checked by kb check; the staged mkdocs.yml gives MkDocs' check `info`): the check only
    logs, and every message would be dropped (0.07 s of every build at 10,000 articles)."""
    level = config.validation.links.anchors
    if not logging.getLogger("mkdocs.structure.pages").isEnabledFor(level):
        return
    linking = [record for record in records if record.links_to_anchors]
    targets = {target for record in linking for target in record.links_to_anchors}
    for record in records:
        if record.src_uri in targets:
            _file_at(files, record.src_uri).page.present_anchor_ids = set(record.anchors)
    for record in linking:
        page = _file_at(files, record.src_uri).page
        found = ((_file_at(files, target), links) for target, links in record.links_to_anchors.items())
        page.links_to_anchors = {file: links for file, links in found if file is not None}
        page.validate_anchor_links(files=files, log_level=level)
