"""Choose what a target publishes: audience, confidence, client-private pages, and the pictures they use."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

from .links import internal_links
from .model import RELEASES_SECTION, Catalog, Page, Selection, Target, is_release_notes, without_order_prefixes
from .versions import version_key


def is_selected(page: Page, target: Target, version: str | None = None) -> bool:
    """A page is in a target when its audience, confidence, client list, module and book all allow it, and
    its front matter `versions:` names the product `version` being built (when one is given)."""
    if version is not None and page.versions is not None and not page.versions.matches(version):
        return False
    if page.audience not in target.audiences or page.confidence not in target.confidences:
        return False
    if page.clients and target.client not in page.clients:
        return False
    if target.modules is not None and page.module and page.module not in target.modules:
        return False  # an unlicensed module's pages drop out; pages of no module are for everyone
    if target.books is not None and page.book not in target.books:
        return False
    return True


def selected_pages(catalog: Catalog, target: Target) -> tuple[Page, ...]:
    """The pages `target` publishes: select()'s pages without the pictures, for checks that need only the
    pages (finding the pictures reads every link, most of select()'s time on a large knowledge base)."""
    version = catalog.product.version or None
    return tuple(page for page in catalog.pages if is_selected(page, target, version))


def selected_for(catalog: Catalog, targets: Iterable[Target]) -> dict[str, tuple[Page, ...]]:
    """selected_pages of each of `targets`, by name. Whether a page is in a target follows from its audience,
    confidence, clients, module, book and versions alone, which most pages share with many others: asked
    once per kind of page and target, not once per page and target (60,000 questions at 10,000 articles)."""
    version = catalog.product.version or None
    kinds: dict[tuple, int] = {}
    examples: list[Page] = []  # the first page of each kind
    kind_of = []
    for page in catalog.pages:
        key = (page.audience, page.confidence, page.clients, page.module, page.book, page.versions)
        kind = kinds.get(key)
        if kind is None:
            kind = kinds[key] = len(examples)
            examples.append(page)
        kind_of.append(kind)
    selected = {}
    for target in targets:
        allowed = [is_selected(page, target, version) for page in examples]
        selected[target.name] = tuple(compress(catalog.pages, map(allowed.__getitem__, kind_of)))
    return selected


def select(catalog: Catalog, target: Target) -> Selection:
    """The pages `target` publishes, the pictures they reference, and what it leaves out."""
    pages = selected_pages(catalog, target)
    assets = set(catalog.assets)
    used = {linked for page in pages for _, linked, _ in internal_links(page.src_uri, page.body)}
    excluded = frozenset(page.src_uri for page in catalog.pages) - {page.src_uri for page in pages}
    return Selection(target, pages, tuple(sorted(used & assets)), excluded)


def book_pages(selection: Selection, book: str) -> list[Page]:
    """A book's pages in reading order: its index page, then the chapters by their NN- file prefix, a
    section's (a sub-folder's) pages at the folder's place, its index.md first. A client's own chapter
    (clients/<slug>/<book>/NN-*.md) takes its place among them by that number."""
    # An article's book is "kb": its path says so without working the book out (12 passes over 10,000 pages).
    if book == "kb":
        pages = [page for page in selection.pages if page.src_uri.startswith("kb/")]
    else:
        pages = [page for page in selection.pages if page.book == book]  # an article's book is "kb", never this
    chapters = sorted((p for p in pages if not is_release_notes(p.src_uri)), key=lambda p: (_within_book(p), p.src_uri))
    # The release notes ("What's new") come last, their index first, then the newest version first.
    notes = sorted(
        (p for p in pages if is_release_notes(p.src_uri)),
        key=lambda p: (_within_book(p) != (RELEASES_SECTION, ""), _newest(p)),
    )
    return chapters + notes


def _newest(page: Page) -> tuple:
    """Sort key of a release notes page, newest version first: 2026.10 before 2026.9."""
    stem = page.src_uri.rsplit("/", 1)[1].removesuffix(".md")
    return tuple((-kind, -number, text) for kind, number, text in version_key(stem))


def _within_book(page: Page) -> tuple[str, ...]:
    """docs/user/03-scheduling/01-gantt.md -> ('03-scheduling', '01-gantt.md'); an index.md sorts first.
    docs/releases/2026.4.md is ('whats-new', '2026.4.md') in the user manual."""
    if is_release_notes(page.src_uri):
        parts = [RELEASES_SECTION, page.src_uri.rsplit("/", 1)[1]]
    else:
        parts = page.src_uri.split("/")[2 if page.src_uri.startswith("docs/") else 3 :]
    return tuple("" if part == "index.md" else part for part in parts)


def number_pages(pages: list[Page]) -> dict[str, str]:
    """{src_uri: '3' or '3.1'} for a book's pages in reading order (book_pages), its index page left out:
    a chapter or a section takes the next number; a section's pages are numbered within it, and its
    index.md, when it has one, carries the section's number."""
    numbers, chapter, within, section = {}, 0, 0, None
    for page in pages:
        if _within_book(page) == ("",):
            continue
        if page.section is None or page.section != section:
            chapter, within, section = chapter + 1, 0, page.section
        if page.section is None or _within_book(page)[-1] == "":
            numbers[page.src_uri] = str(chapter)
        else:
            within += 1
            numbers[page.src_uri] = f"{chapter}.{within}"
    return numbers


def section_titles(pages: list[Page]) -> dict[str, str]:
    """{section folder: title}: the title of the section's index.md, else the folder's name without its
    order prefix ('03-getting-started' -> 'Getting started')."""
    titles = {}
    for page in pages:
        if page.section and _within_book(page)[-1] == "":
            titles[page.section] = page.title
        elif page.section and page.section not in titles:
            titles[page.section] = without_order_prefixes(page.section).replace("-", " ").capitalize()
    return titles


def chapter_numbers(selection: Selection, books: tuple[str, ...]) -> dict[str, str]:
    """{src_uri: chapter number} for every book's chapters (not their index pages), counted per book in
    this target: a chapter left out for a client does not leave a gap in the numbering."""
    numbers = {}
    for book in books:
        numbers.update(number_pages(book_pages(selection, book)))
    return numbers
