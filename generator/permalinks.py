"""Permanent links: /a/<ID>/ answers for every published page, wherever its file lives."""

from __future__ import annotations

import html
from pathlib import Path

from .model import Page

_REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{href}">
<meta http-equiv="refresh" content="0; url={href}">
<meta name="robots" content="noindex">
</head><body><p>This page has moved to <a href="{href}">{title}</a>.</p></body></html>
"""


def write_permalinks(pages: tuple[Page, ...], site_dir: Path) -> int:
    """Write a redirect page at a/<ID>/index.html to each page's address; return how many."""
    for page in pages:
        href = html.escape("../../" + page.url, quote=True)
        path = site_dir / page.permalink / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_REDIRECT.format(title=html.escape(page.title), href=href), encoding="utf-8")
    return len(pages)
