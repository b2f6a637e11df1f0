"""Choose what a target publishes: audience, confidence, client-private pages, and the pictures they use."""

from __future__ import annotations

from .links import find_links, is_internal, resolve
from .model import Catalog, Page, Selection, Target


def is_selected(page: Page, target: Target) -> bool:
    """A page is in a target when its audience, confidence and client list all allow it."""
    if page.audience not in target.audiences or page.confidence not in target.confidences:
        return False
    if page.clients and target.client not in page.clients:
        return False
    return True


def select(catalog: Catalog, target: Target) -> Selection:
    """The pages `target` publishes, the pictures they reference, and what it leaves out."""
    pages = tuple(page for page in catalog.pages if is_selected(page, target))
    assets = set(catalog.assets)
    used = {
        resolve(page.src_uri, link.url)[0] for page in pages for link in find_links(page.body) if is_internal(link.url)
    }
    excluded = frozenset(page.src_uri for page in catalog.pages) - {page.src_uri for page in pages}
    return Selection(target, pages, tuple(sorted(used & assets)), excluded)
