"""The site's navigation and pages as MkDocs makes them (get_navigation), with each page's canonical address
worked out once for the site rather than by a URL join per page. Imports MkDocs only inside functions, as
engine.py does.

MkDocs' Page sets `canonical_url` (urljoin(site_url, page.url)) and `abs_url` (that URL's path) for every
page: a join and two parses of a URL each, a tenth of a second of every build at 10,000 articles, for
addresses that are the site's address followed by the page's. Here the navigation is made without a site
address and each page then gets both: the site's prefix and the page's address joined as text where the
address is plainly a relative path (segments without dots, empty parts or characters a URL parser reads),
MkDocs' own join otherwise. tests/test_engine_nav.py proves the result the same as MkDocs' for the forms of
address and site URL there are, and guards it on upgrades."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

# A page address that a URL join appends as it is: relative, with segments made only of the characters a
# path segment holds unescaped (no ':' of a scheme, no '?', '#', ';', backslash, space or control character,
# nothing but ASCII), none of them empty or dotted; the last may be empty (a folder's address).
_PLAIN_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9_~!$&'()*+,=@%.-]+"
_PLAIN = re.compile(rf"(?:{_PLAIN_SEGMENT}/)*(?:{_PLAIN_SEGMENT})?").fullmatch


def canonical_urls(site_url: str | None) -> Callable[[str], tuple[str | None, str | None]]:
    """A page address -> its (canonical_url, abs_url) as MkDocs' Page._set_canonical_url sets them for
    `site_url`: both None without a site URL."""
    if not site_url:
        return lambda url: (None, None)
    base = site_url if site_url.endswith("/") else f"{site_url}/"

    def joined(url: str) -> tuple[str | None, str | None]:
        canonical = urljoin(base, url)
        return canonical, urlsplit(canonical).path

    # What the join puts before a plain address: the site's URL as the join normalises it (dotted and empty
    # segments, its query dropped). Taken from a join of one plain segment, and proven on a longer address:
    # a site URL the join treats otherwise (a scheme it does not join) gets the join for every page.
    probe, abs_probe = joined("x")
    abs_probe = abs_probe or ""
    prefix, abs_prefix = probe[:-1], abs_probe[:-1]
    proven = joined("a/b.c/") == (f"{prefix}a/b.c/", f"{abs_prefix}a/b.c/")
    if not (probe.endswith("x") and abs_probe.endswith("x") and proven):
        return joined

    def urls(url: str) -> tuple[str | None, str | None]:
        if url and _PLAIN(url):
            return prefix + url, abs_prefix + url
        return joined(url)  # the home page (''), and any address a join would change

    return urls


def get_navigation(files: Any, config: Any) -> Any:
    """MkDocs' get_navigation(files, config), whose pages get their canonical addresses from canonical_urls:
    the navigation is made with no site URL (nothing in it but a page's canonical address reads one), then
    each page made gets its two addresses."""
    from mkdocs.structure.nav import get_navigation as mkdocs_navigation

    site_url = config["site_url"]
    if not site_url:
        return mkdocs_navigation(files, config)
    pages = files.documentation_pages(inclusion=lambda _: True)
    made = {id(file.page) for file in pages if file.page is not None}  # a plugin's pages keep what they have
    config["site_url"] = None
    try:
        nav = mkdocs_navigation(files, config)
    finally:
        config["site_url"] = site_url
    urls = canonical_urls(site_url)
    for page in [*nav.pages, *(file.page for file in pages)]:  # a page listed twice gets the same twice
        if page is not None and id(page) not in made:
            page.canonical_url, page.abs_url = urls(page.url)
    return nav
