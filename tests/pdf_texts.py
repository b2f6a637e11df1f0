"""A PDF handout's text and bookmarks as pypdf reads them: what the client tests search and compare."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def pdf_text(path: Path, with_outline: bool = False) -> str:
    reader = PdfReader(path)
    parts = [page.extract_text() for page in reader.pages]
    if with_outline:
        parts += [title for title, _ in outline(path)] + [str(v) for v in (reader.metadata or {}).values()]
    return "\n".join(parts)


def outline(path: Path) -> list[tuple[str, int]]:
    """The PDF's top-level bookmarks: (title, 1-based page number)."""
    reader = PdfReader(path)
    return [
        (item.title, reader.get_destination_page_number(item) + 1)
        for item in reader.outline
        if not isinstance(item, list)
    ]
