"""Permanent links: /a/<ID>/ answers for every published page, wherever its file lives."""

from __future__ import annotations

import html

from .model import Page

_REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{href}">
<meta http-equiv="refresh" content="0; url={href}">
<meta name="robots" content="noindex">
</head><body><p>This page has moved to <a href="{href}">{title}</a>.</p></body></html>
"""


def permalink_files(pages: tuple[Page, ...]) -> dict[str, bytes]:
    """A redirect page at a/<ID>/index.html to each page's address: {dest path in the site: content}."""
    files = {}
    for page in pages:
        href = html.escape("../../" + page.url, quote=True)
        text = _REDIRECT.format(title=html.escape(page.title), href=href)
        files[f"{page.permalink}/index.html"] = text.encode("utf-8")
    return files
