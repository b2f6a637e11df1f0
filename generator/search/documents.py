"""What the index holds: its fields, and one document per published page, from the page's rendered markdown."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from ..model import Page, Selection

STEM = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True, field_boost=4.0),
    title=TEXT(stored=True, analyzer=STEM, field_boost=3.0, spelling=True),
    summary=TEXT(stored=True, analyzer=STEM, field_boost=1.5),
    headings=TEXT(analyzer=STEM, field_boost=1.5),
    body=TEXT(stored=True, analyzer=STEM, spelling=True),
    tags=KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=2.0),
    module=ID(stored=True),
    type=ID(stored=True),
    url=STORED,
    digest=STORED,
)
SEARCH_FIELDS = ("id", "title", "summary", "headings", "body", "tags")


@dataclass(frozen=True)
class SearchDocument:
    id: str
    title: str
    summary: str
    headings: str
    body: str
    tags: str
    module: str
    type: str
    url: str

    @property
    def digest(self) -> str:
        parts = (self.title, self.summary, self.headings, self.body, self.tags, self.module, self.type, self.url)
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_MARKUP = re.compile(r"^\s*(#{1,6}|!!!|\?\?\?\+?|///|===|[-*+]|\d+\.)\s*|[|>{}]+|\+\+", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"\*+|`+|(?<!\w)_+|_+(?!\w)")  # emphasis and code: dropped without a gap
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Markdown to the words a reader sees: markup, link targets and tags dropped."""
    text = _FENCE.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _BLOCK_MARKUP.sub(" ", text)
    text = _INLINE_MARKUP.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def document_for(page: Page, rendered: str) -> SearchDocument:
    return SearchDocument(
        id=page.id,
        title=page.title,
        summary=page.summary or "",
        headings=" ".join(_HEADING.findall(rendered)),
        body=plain_text(rendered),
        tags=",".join(page.tags),
        module=page.module or "",
        type=page.type,
        url=page.url,
    )


def documents_for(selection: Selection, rendered: dict[str, str]) -> list[SearchDocument]:
    """One document per published page, from its rendered markdown."""
    return [document_for(page, rendered[page.src_uri]) for page in selection.pages]
