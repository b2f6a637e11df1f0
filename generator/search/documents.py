"""What the index holds: its fields, and one document per published page, from the page's rendered markdown."""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections.abc import Container, Iterable
from dataclasses import dataclass

from markdown.extensions.toc import slugify, unique
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from ..headings import atx_headings
from ..memo import remembered
from ..model import Page, Selection
from .analysis import make_analyzer

STEM = make_analyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True, field_boost=4.0),
    title=TEXT(stored=True, analyzer=STEM, field_boost=3.0),
    summary=TEXT(stored=True, analyzer=STEM, field_boost=1.5),
    headings=TEXT(analyzer=STEM, field_boost=1.5),
    body=TEXT(stored=True, analyzer=STEM),
    tags=KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=2.0),
    module=ID(stored=True),
    type=ID(stored=True),
    url=STORED,
    digest=STORED,
    parent=ID(stored=True),  # a section's page ID; pages have none
    page_title=STORED,  # a section's page title
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
    parent: str = ""  # a section of a long page: the page's ID (its own ID is "<page ID>#<anchor>")
    page_title: str = ""

    # Worked out once per document, not once per build: the documents come from the memo, which pickles a
    # document with its digest once worked out (the index writer asks for 10,000 pages' digests each build).
    @functools.cached_property
    def digest(self) -> str:
        parts = (self.title, self.summary, self.headings, self.body, self.tags, self.module, self.type, self.url)
        parts += (self.parent, self.page_title)
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


# Writers' text: no pattern may scan past where its next match could start, or backtrack over a run it
# cannot match (`^\s*` crossed blank lines, `[^)]*` ran to the end of the text from every unclosed link,
# `_+(?!\w)` retried every underscore of a run): each took minutes on long pages (tests/test_scanning.py).
_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\[\]]*+)\]\((?:[^)\]]|\](?!\())*+\)")
_TAG = re.compile(r"<[^<>]++>")
_BLOCK_MARKUP = re.compile(r"^[ \t]*(#{1,6}|!!!|\?\?\?\+?|///|===|[-*+]|\d+\.)\s*|[|>{}]+|\+\+", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"\*+|`+|(?<!\w)_+|(?<!_)_+(?!\w)")  # emphasis and code: dropped without a gap


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
        headings=" ".join(text for _, text in atx_headings(rendered)),
        body=plain_text(rendered),
        tags=",".join(page.tags),
        module=page.module or "",
        type=page.type,
        url=page.url,
    )


# Sections. A long manual chapter's section that answers a query is a result of its own, grouped under its page at
# query time (ranking.py). Each section is a document of its own rather than a stored sub-field of the page:
# BM25 weighs a term against the length of its document, so a focused section scores as a short article
# would, where the same words in a 6,000-character chapter were diluted and lost to shorter neighbours.
# The page's own document keeps its whole text: a query whose words are spread over several sections still
# finds the chapter. (Measured on tests/search/queries.yml: a page document holding only the text before the
# first section lost more such queries than sections won; chapter words counted twice cost less.)
SECTION_MIN_CHARS = 3_000  # shorter pages are answered whole
_HEADING_LINE = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_ATTRIBUTES = re.compile(r"\{[^{}]*\}$")  # attr_list after a heading: {#custom-id .class}
_SECTION_LEVELS = (2, 3)


def _headings_with_anchors(lines: list[str]) -> list[tuple[int, int, str, str]]:
    """(line number, level, heading text, anchor) of each heading outside code fences, the anchors made as
    MkDocs' toc extension makes them (slugify, then _1, _2 for repeats)."""
    found, anchors, fenced = [], set(), False
    for number, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING_LINE.match(line)
        if match:
            text = plain_text(_ATTRIBUTES.sub("", match.group(2).rstrip("# \t")))
            found.append((number, len(match.group(1)), text, unique(slugify(text, "-"), anchors)))
    return found


def sections_for(page_doc: SearchDocument, rendered: str) -> list[SearchDocument]:
    """A long page as its page document and one document per section (level 2 and 3 headings); a short
    page as itself."""
    if len(page_doc.body) < SECTION_MIN_CHARS:
        return [page_doc]
    lines = rendered.splitlines()
    starts = [(n, text, anchor) for n, level, text, anchor in _headings_with_anchors(lines) if level in _SECTION_LEVELS]
    if len(starts) < 2:
        return [page_doc]
    docs = [page_doc]
    for position, (number, text, anchor) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        body = plain_text("\n".join(lines[number + 1 : end]))
        if not body:
            continue  # a heading whose text is all in its subsections
        docs.append(
            SearchDocument(
                id=f"{page_doc.id}#{anchor}",
                title=text,
                summary="",
                headings="",
                body=body,
                tags="",
                module=page_doc.module,
                type=page_doc.type,
                url=f"{page_doc.url}#{anchor}",
                parent=page_doc.id,
                page_title=page_doc.title,
            )
        )
    return docs


def _document_inputs(page: Page, rendered: str) -> tuple[str, ...]:
    """Everything of a page its search documents are made from (document_for, sections_for)."""
    fields = (page.id, page.title, page.summary or "", ",".join(page.tags), page.module or "", page.type, page.url)
    return (*fields, str(page.is_article), rendered)


@remembered("search_documents", key=_document_inputs)
def page_documents(page: Page, rendered: str) -> list[SearchDocument]:
    """A page's documents: a knowledge-base article (one problem, KCS) whole; a manual's chapter, which
    covers several topics, with its sections when it is long."""
    doc = document_for(page, rendered)
    docs = [doc] if page.is_article else sections_for(doc, rendered)
    for each in docs:
        each.digest  # noqa: B018 - worked out now, so that the memo keeps it with the document
    return docs


def documents_for(selection: Selection, rendered: dict[str, str]) -> list[SearchDocument]:
    """The documents of every published page, from its rendered markdown (`page_documents`)."""
    return [doc for page in selection.pages for doc in page_documents(page, rendered[page.src_uri])]


@remembered("search_digests", key=_document_inputs)
def page_digests(page: Page, rendered: str) -> tuple[tuple[str, str], ...]:
    """The ID and digest of each of a page's documents: what an index update compares, without their text."""
    return tuple((doc.id, doc.digest) for doc in page_documents(page, rendered))


GROUPS = 64  # a target's pages in groups by a checksum of their path: some 150 pages each at 10,000


def _group_of(src_uri: str) -> int:
    return zlib.crc32(src_uri.encode("utf-8", "surrogatepass")) % GROUPS


def _group_inputs(group: tuple[tuple[Page, str], ...]) -> tuple[str, str]:
    """Everything a group's documents are made from: each page's _document_inputs, in the group's order, as
    two texts: their lengths, and the inputs joined (the lengths say where each ends). The memo hashes each
    text it is given: two a group, not nine a page (80,000 digests a build at 10,000 pages)."""
    parts = [part for page, rendered in group for part in _document_inputs(page, rendered)]
    return ",".join(map(str, map(len, parts))), "".join(parts)


@remembered("search_digest_groups", key=_group_inputs)
def group_digests(group: tuple[tuple[Page, str], ...]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """page_digests of each (page, rendered markdown) of `group`: one memo entry for a group of pages, found
    by one lookup (an entry a page was a tenth of a second of every one-edit build at 10,000 pages); an edit
    makes its group's again, from each page's own entry."""
    return tuple(page_digests(page, rendered) for page, rendered in group)


class ListedDocuments:
    """Documents given as a list, as the index writer takes them (TargetDocuments' methods)."""

    def __init__(self, documents: Iterable[SearchDocument]):
        self._documents = list(documents)

    def __len__(self) -> int:
        return len(self._documents)

    def digests(self) -> dict[str, str]:
        """Each document's ID -> its digest."""
        return {doc.id: doc.digest for doc in self._documents}

    def documents(self, ids: Container[str] | None = None) -> list[SearchDocument]:
        """The documents whose ID is in `ids` (all of them when None), in their order."""
        return [doc for doc in self._documents if ids is None or doc.id in ids]


class TargetDocuments(ListedDocuments):
    """A target's documents, known first by each one's ID and digest (a small memo entry per group of pages,
    `group_digests`): the documents themselves, a page's whole text, are made or taken from the memo only for
    the pages an index update writes (taking 10,000 pages' documents from the memo was a sixth of a second
    of every one-edit build)."""

    def __init__(self, selection: Selection, rendered: dict[str, str]):
        self._pages = [(page, rendered[page.src_uri]) for page in selection.pages]
        groups: dict[int, list[int]] = {}  # group -> the positions of its pages, in the selection's order
        for position, (page, _) in enumerate(self._pages):
            groups.setdefault(_group_of(page.src_uri), []).append(position)
        digests: list[tuple[tuple[str, str], ...]] = [()] * len(self._pages)
        for positions in groups.values():
            found = group_digests(tuple(self._pages[position] for position in positions))
            for position, page_found in zip(positions, found, strict=True):
                digests[position] = page_found
        self._digests = digests

    def __len__(self) -> int:
        return sum(map(len, self._digests))

    def digests(self) -> dict[str, str]:
        return {doc_id: digest for found in self._digests for doc_id, digest in found}

    def documents(self, ids: Container[str] | None = None) -> list[SearchDocument]:
        docs = []
        for (page, text), found in zip(self._pages, self._digests, strict=True):
            if ids is None or any(doc_id in ids for doc_id, _ in found):
                docs += [doc for doc in page_documents(page, text) if ids is None or doc.id in ids]
        return docs
