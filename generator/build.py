"""`kb build`, top-down: load, validate, select, render, stage, engine, permanent links, context help,
search index, swap into place.

All reading and checking comes before any writing; the output is built beside the old one and swapped in,
so a failed or interrupted build leaves the previous site as it was. The search index lives beside the
site (`build/site` has `build/site-search`), never inside the public folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import engine_budget
from .catalog import load_catalog
from .checks import check_catalog
from .client_words import literal_terms, renamed, target_catalog
from .context_files import CONTEXT_DIR, DEMO_DIR, write_context_help
from .contexts import resolve_contexts
from .engine import EngineRun, run_engine
from .engine_budget import EngineTooSlow
from .engine_cache import cache_beside, spare_beside, usable_cache_beside
from .engine_warnings import locate_engine_warnings
from .errors import KbError, Problem, SourceError
from .leaks import check_client_outputs
from .memo import collector_paused, remembering
from .model import BOOKS, Catalog, Page, Selection, Target
from .output import locked, mark_output, new_folder_beside, swap_into_place
from .output_reuse import spare_from
from .pdf_cache import PdfCache
from .pdf_parallel import printing_into
from .permalinks import permalink_files
from .progress import Reporter, SilentReporter
from .render import render_selection, render_titles
from .search import IndexStats, TargetDocuments, index_alongside, synonym_groups
from .select import book_pages, select
from .site_listing import ListingApart
from .stage import stage_project
from .target_mark import write_target_mark
from .theme_scripts import script_manifest_alongside
from .versions.publish import (
    carry_versions,
    is_versioned,
    switcher_extra,
    write_page_map,
    write_versions_index,
)

if TYPE_CHECKING:
    from .pdf import PdfResult
    from .search.alongside import Indexing


def index_beside(out: Path) -> Path:
    """Where a build's search index goes: next to its site, outside what the web server publishes."""
    return out.with_name(f"{out.name}-search")


@dataclass(frozen=True)
class BuildResult:
    target: str
    out: Path
    pages: int
    warnings: tuple[str, ...]
    index: IndexStats | None  # None when the build made no site
    pdfs: tuple[PdfResult, ...] = ()
    engine: EngineRun | None = None  # pages rendered and reused; None when the build made no site


@dataclass(frozen=True)
class Rendered:
    catalog: Catalog
    selection: Selection
    pages: dict[str, str]  # src_uri -> the markdown the engine gets
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Sources:
    """A project's sources, loaded and checked: what every target of one run shares (`--all-clients`)."""

    catalog: Catalog
    problems: tuple[Problem, ...]


def load_sources(root: Path) -> Sources:
    """The project's sources from disk, with every problem `kb check` finds in them."""
    catalog = load_catalog(root)
    return Sources(catalog, tuple(check_catalog(catalog)))


def render_target(
    root: Path, target: Target, strict: bool, reporter: Reporter, sources: Sources | None = None
) -> Rendered:
    """Load, validate, select and render: every problem in the sources is found before anything is written.
    `sources`: already loaded and checked (by the caller, for several targets)."""
    reporter.step("Loading sources" if sources is None else "Sources: loaded and checked once for every target")
    # Without the cyclic collector: this makes and keeps some million objects (10,000 pages, their links and
    # checks), so each of its runs scanned more of them for nothing (a sixth of this work's time).
    with collector_paused(keep=True):
        return _render_target(root, target, strict, reporter, sources)


def _render_target(
    root: Path, target: Target, strict: bool, reporter: Reporter, sources: Sources | None = None
) -> Rendered:
    sources = sources or load_sources(root)
    catalog = sources.catalog
    # Errors anywhere stop every build; another client's warnings (a colour's contrast) are not this build's.
    problems = [p for p in sources.problems if p.is_error or not _another_clients(p.path, target.client)]
    if any(p.is_error or strict for p in problems):
        raise SourceError(list(problems))
    catalog = target_catalog(catalog, target.client)  # the labels kb writes (modules, screens) in a client's words
    selection, render_problems = render_titles(catalog, select(catalog, target))  # `title:` in this target's words
    reporter.step(f"Rendering {len(selection.pages)} of {len(catalog.pages)} pages for target '{target.name}'")
    rendered, body_problems = render_selection(catalog, selection, reporter.advance(len(selection.pages)))
    render_problems += body_problems
    if render_problems:
        raise SourceError(render_problems)
    return Rendered(catalog, selection, rendered, tuple(str(p) for p in problems))


def _another_clients(path: str, client: str | None) -> bool:
    """Whether `path` (clients/acme.yml, clients/acme/training/05-sap.md) belongs to a client other than `client`."""
    parts = path.split("/")
    if parts[0] != "clients" or len(parts) < 2:
        return False
    return parts[1].removesuffix(".yml") != client


FORMATS = ("site", "pdf")


def build_target(
    root: Path,
    target: Target,
    out: Path,
    strict: bool = False,
    reporter: Reporter | None = None,
    full_index: bool = False,
    formats: tuple[str, ...] = ("site",),
    today: dt.date | None = None,
    pdf_links: bool = False,
    sources: Sources | None = None,
    full: bool = False,
    preview: bool = False,
) -> BuildResult:
    """Build one target into `out`: the site (with its search index beside it) and/or a PDF per book (in
    `out/pdf/`). A client's output is checked for other clients' private content before it is published;
    each output is replaced whole, and only on success: `out` for a site build, `out/pdf` for PDFs only.
    `pdf_links`: the site links to the handouts without printing them (`kb serve --client` prints them
    when asked). `sources`: the project's sources, already loaded and checked for several targets.

    The site engine reuses the pages its cache beside `out` holds when nothing they are made from changed
    (engine.py), so the site is the one a full build makes; `full` renders every page and re-indexes.
    `preview`: `kb serve`'s own build, without what only the portal reads (the search index, the theme's
    script manifest): the preview is served by kb serve, with the theme's search (0.3 s of a one-edit
    rebuild at 10,000 articles). A site made from nothing is kept as hard links, to be made into the next
    one (output_reuse.spare_from), as every later site is kept."""
    cache = usable_cache_beside(out)
    # Each page's work before the engine comes from the memo when its text is unchanged (memo.py).
    with remembering(cache, trusted=not full):
        return _build_target(
            root, target, out, strict, reporter, full_index, formats, today, pdf_links, sources, full, cache, preview
        )


def _build_target(
    root: Path,
    target: Target,
    out: Path,
    strict: bool,
    reporter: Reporter | None,
    full_index: bool,
    formats: tuple[str, ...],
    today: dt.date | None,
    pdf_links: bool,
    sources: Sources | None,
    full: bool,
    cache: Path | None,
    preview: bool,
) -> BuildResult:
    reporter = reporter or SilentReporter()
    full_index = full_index or full
    rendered = render_target(root, target, strict, reporter, sources)
    catalog, selection, pages = rendered.catalog, rendered.selection, rendered.selection.pages
    warnings = list(rendered.warnings)
    stats, pdfs, engine = None, [], None
    if target.is_client:
        literal = sum(1 for _ in literal_terms(pages, renamed(catalog, target.client)))
        if literal:  # the trainer's to decide, page by page: not a warning
            reporter.step(
                f"{literal} places write a product term this client renames as the product's word; "
                f"`kb check --client {target.client}` lists them"
            )

    spare = spare_beside(out) if "site" in formats and cache is not None else None
    with (
        # One build of an output at a time, once its sources proved good (a failed build writes nothing): a
        # second waits, as both would write the same cache and kept site.
        locked(cache) if cache is not None else nullcontext(),
        # From here only this build writes the kept site: a child lists it while the first steps run here.
        _listed_apart(spare) as listing,
        new_folder_beside(out) as scratch,
        _slow_pages_named(pages),
        printing_into(scratch / "pdf") as printing,
        ExitStack() as alongside,  # the search index's child, from just before the engine (below)
    ):
        # The site is made in the one this output replaced last time, kept for it (output_reuse.py), and
        # the project staged in the one the last build staged: only what changed is written.
        site = spare or scratch / "site"
        project = cache / "project" if cache is not None else scratch / "project"
        linked = "pdf" in formats or pdf_links
        printed = {book: target.pdf_name(book) for book in BOOKS if linked and book_pages(selection, book)}
        extra = {"pdfs": printed, **switcher_extra(catalog.product, target)}
        staged: dict[str, tuple[str, list[int]]] = {}  # each staged page's digest and state, for the engine
        config = stage_project(catalog, selection, rendered.pages, project, site, extra, sources=staged)
        if "pdf" in formats:  # the books print in child processes while the site builds (pdf_parallel.py)
            day = today or dt.date.today()
            handouts = PdfCache.beside(out, trusted=not full)  # a book whose inputs are unchanged is not printed
            printing.start(catalog, selection, rendered.pages, project / "docs", day, reporter.step, handouts)
        if "site" in formats:
            reporter.step("Building the site")
            extra_files = permalink_files(pages)
            # The index is written by a child while the engine runs, put in place after it (search/alongside.py).
            # Forked here, not before staging: every page of memory this process writes while the child lives
            # is copied, and staging writes to every page's objects (22,000 copies, 0.06 s at 10,000 articles).
            if not preview:
                indexing = alongside.enter_context(_indexing(rendered, index_beside(out), full_index))
            # Never the engine's own strict mode: it stops with a count; kb names each warning's source line.
            engine = run_engine(
                config,
                cache_dir=cache_beside(out),
                full=full,
                on_page=_counted(reporter, len(pages)),
                extra_files=extra_files,
                staged=(project / "docs", staged),
                listing=listing,
            )
            # The theme's inline scripts, for the portal's policy: of the HTML files the engine wrote (their states
            # checked by another process from here, while what follows is written), and of those written since
            # (the context help's, the demo), with no walk of the whole site.
            folders = (CONTEXT_DIR, DEMO_DIR)
            with script_manifest_alongside(site, engine.scripts, engine.html, folders, apart=not preview) as manifest:
                engine_problems = locate_engine_warnings(engine.warnings, pages)
                if strict and engine_problems:
                    raise SourceError(engine_problems)
                warnings += [str(problem) for problem in engine_problems]
                reporter.step(f"Site: {engine.rendered} pages rendered, {engine.reused} unchanged")
                if is_versioned(catalog.product):
                    write_page_map(pages, site)  # the version switcher's way to the same page in another version
                context_map = resolve_contexts(catalog, selection)
                write_context_help(context_map, site, demo_dir=root / DEMO_DIR)
                if not preview:
                    manifest.write()
            write_target_mark(site, selection)  # which target this is, for the portal (never internal as public)
        if "pdf" in formats:
            pdfs = printing.finish(site / "pdf")
            reused = sum(1 for pdf in pdfs if pdf.reused)
            reporter.step(f"Handouts: {len(pdfs) - reused} printed, {reused} unchanged")
        if target.is_client:
            reporter.step("Checking for other clients' private content")
            check_client_outputs(catalog, selection, rendered.pages, [site], site)
        if "site" in formats:
            mark_output(site)
            if extra.get("site_root") == "":  # the current version's help centre: the older ones stay published
                carry_versions(out, site)
                write_versions_index(site, catalog.product)
            if not preview:
                stats = _finish_index(indexing, full_index, reporter)
                if target.is_client:
                    _check_index(rendered, index_beside(out))
            swap_into_place(site, out, keep_previous=spare is not None)
            if spare is not None and not spare.exists():  # this site was made from nothing
                spare_from(out, spare)
        else:  # PDFs only: the handouts are replaced, a site already built beside them stays
            out.mkdir(parents=True, exist_ok=True)
            mark_output(out)
            swap_into_place(site / "pdf", out / "pdf")
    warnings += [warning for pdf in pdfs for warning in pdf.warnings]
    reporter.step(f"Built {len(pages)} pages into {out}" + (f" and {len(pdfs)} PDF(s)" if pdfs else ""))
    published = tuple(dataclasses.replace(pdf, path=out / "pdf" / pdf.path.name) for pdf in pdfs)
    return BuildResult(target.name, out, len(pages), tuple(warnings), stats, published, engine)


@contextmanager
def _listed_apart(spare: Path | None) -> Iterator[ListingApart | None]:
    """The kept site's files listed by a child process (site_listing.py), for the engine's clear of it;
    None without a kept site (a site made from nothing, or a cache that is not kb's)."""
    if spare is None or not spare.is_dir():
        yield None
        return
    listing = ListingApart(str(spare))
    try:
        yield listing
    finally:
        listing.stop()  # the engine did not ask for it: the build stopped before


def _counted(reporter: Reporter, total: int) -> Callable[[], None]:
    """The engine's page callback as a progress count, started at its first page: the engine's setup
    before it (its configuration, the theme) counted as time per page gave hours for a one-edit build."""
    ticks: list[Callable[[Any], None]] = []

    def page() -> None:
        if not ticks:
            ticks.append(reporter.advance(total))
        ticks[0](None)

    return page


@contextmanager
def _slow_pages_named(pages: tuple[Page, ...]) -> Iterator[None]:
    """A page the site engine or the PDF printer renders too slowly is a problem at that page's source."""
    try:
        yield
    except EngineTooSlow as exc:
        source = next((page.src_uri for page in pages if page.dest_uri == exc.dest_uri), exc.dest_uri)
        raise SourceError(
            [
                Problem(
                    source,
                    0,
                    f"the markdown renderer ran for more than {engine_budget.ENGINE_PAGE_SECONDS:g} s on this page "
                    "(the limit per page); expected shorter lines, fewer links or smaller tables in it",
                )
            ]
        ) from None


def _check_index(rendered: Rendered, index_dir: Path) -> None:
    """The client's search index gets the same proof as the site; a leaking index is removed (it is derived
    data, rebuilt by the next build) so that no portal can serve it."""
    try:
        check_client_outputs(rendered.catalog, rendered.selection, rendered.pages, [index_dir], index_dir.parent)
    except KbError:
        shutil.rmtree(index_dir, ignore_errors=True)
        raise


def index_target(
    root: Path,
    target: Target,
    index_dir: Path,
    full: bool = False,
    reporter: Reporter | None = None,
    sources: Sources | None = None,
) -> IndexStats:
    """Only the search index of a target, from its sources (`sources`: loaded already, e.g. an older
    version's): what `kb search` uses when none is there yet."""
    reporter = reporter or SilentReporter()
    with _indexing(render_target(root, target, False, reporter, sources), index_dir, full) as indexing:
        return _finish_index(indexing, full, reporter)


def _indexing(rendered: Rendered, index_dir: Path, full: bool) -> AbstractContextManager[Indexing]:
    """The target's search index under way (index_alongside): written by a child from here on, whole or updated."""
    catalog, client = rendered.catalog, rendered.selection.target.client
    synonyms = synonym_groups(catalog.product, catalog.clients[client] if client else None)
    # A page's documents (its whole text) are made only where the index must write them (TargetDocuments).
    return index_alongside(lambda: TargetDocuments(rendered.selection, rendered.pages), index_dir, full, synonyms)


def _finish_index(indexing: Indexing, full: bool, reporter: Reporter) -> IndexStats:
    reporter.step("Rebuilding the search index" if full else "Updating the search index")
    stats = indexing.finish()
    reporter.step(
        f"Search index: {stats.added} added, {stats.updated} updated, {stats.deleted} removed, "
        f"{stats.unchanged} unchanged"
    )
    return stats
