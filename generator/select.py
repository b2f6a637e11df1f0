"""Choose what a target publishes: audience, confidence, client-private pages, and the pictures they use."""

from __future__ import annotations

from .links import find_links, is_internal, resolve
from .model import Catalog, Page, Selection, Target


def is_selected(page: Page, target: Target) -> bool:
    """A page is in a target when its audience, confidence, client list, module and book all allow it."""
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
    return tuple(page for page in catalog.pages if is_selected(page, target))


def select(catalog: Catalog, target: Target) -> Selection:
    """The pages `target` publishes, the pictures they reference, and what it leaves out."""
    pages = selected_pages(catalog, target)
    assets = set(catalog.assets)
    used = {
        resolve(page.src_uri, link.url)[0] for page in pages for link in find_links(page.body) if is_internal(link.url)
    }
    excluded = frozenset(page.src_uri for page in catalog.pages) - {page.src_uri for page in pages}
    return Selection(target, pages, tuple(sorted(used & assets)), excluded)


def book_pages(selection: Selection, book: str) -> list[Page]:
    """A book's pages in reading order: its index page, then the chapters by their NN- file prefix. A
    client's own chapter (clients/<slug>/<book>/NN-*.md) takes its place among them by that number."""
    pages = [page for page in selection.pages if page.book == book]
    return sorted(pages, key=lambda p: (p.dest_uri != f"{book}/index.md", p.src_uri.rsplit("/", 1)[-1], p.src_uri))


def chapter_numbers(selection: Selection, books: tuple[str, ...]) -> dict[str, int]:
    """{src_uri: chapter number} for every book's chapters (not their index pages), counted per book in
    this target: a chapter left out for a client does not leave a gap in the numbering."""
    numbers = {}
    for book in books:
        chapters = [p for p in book_pages(selection, book) if p.dest_uri != f"{book}/index.md"]
        numbers.update({page.src_uri: number for number, page in enumerate(chapters, start=1)})
    return numbers
