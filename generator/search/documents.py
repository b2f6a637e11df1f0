"""What the index holds: its fields, and one document per published page, from the page's rendered markdown."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Container, Iterable, Mapping
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


def page_key(page: Page, rendered: str) -> str:
    """A digest of everything a page's documents are made from (_document_inputs): the index records each
    page's documents by it (page_record.py), so a page whose key is recorded needs no documents made. The
    inputs' lengths say where each ends; hashed in two parts, the texts never joined into one."""
    parts = _document_inputs(page, rendered)
    hashed = hashlib.sha256(",".join([str(len(part)) for part in parts]).encode())
    for part in parts:
        hashed.update(part.encode("utf-8", "surrogatepass"))
    return hashed.hexdigest()


class ListedDocuments:
    """Documents given as a list, as the index writer takes them (TargetDocuments' methods)."""

    def __init__(self, documents: Iterable[SearchDocument]):
        self._documents = list(documents)

    def __len__(self) -> int:
        return len(self._documents)

    def pages(self) -> int:
        """How many pages the documents come from (each document counts as one here): what decides whether
        writing them is worth a child process (alongside.py)."""
        return len(self._documents)

    def digests(self, recorded: Mapping[str, tuple[tuple[str, str], ...]] | None = None) -> dict[str, str]:
        """Each document's ID -> its digest. `recorded`: the index's record of pages' documents by page_key,
        for documents made from pages (TargetDocuments); a list of documents has no use for it."""
        return {doc.id: doc.digest for doc in self._documents}

    def record(self) -> dict[str, tuple[tuple[str, str], ...]] | None:
        """Each page's key -> its documents' IDs and digests, for the index to keep; None for a list."""
        return None

    def documents(self, ids: Container[str] | None = None) -> list[SearchDocument]:
        """The documents whose ID is in `ids` (all of them when None), in their order."""
        return [doc for doc in self._documents if ids is None or doc.id in ids]


class TargetDocuments(ListedDocuments):
    """A target's documents, known first by each one's ID and digest: for a page whose key (page_key) the
    index's record holds, the record's (page_record.py); the documents themselves, a page's whole text, are
    made only for the other pages and for those an index update writes. Nothing is worked out until the
    index writer asks (`digests`), which may be in a child process (alongside.py)."""

    def __init__(self, selection: Selection, rendered: dict[str, str]):
        self._pages = [(page, rendered[page.src_uri]) for page in selection.pages]
        self._found: list[tuple[str, tuple[tuple[str, str], ...]]] | None = None  # each page's key and digests
        self._made: dict[int, list[SearchDocument]] = {}  # by position: the documents made to know digests

    def pages(self) -> int:
        return len(self._pages)

    def __len__(self) -> int:
        return sum(len(pairs) for _, pairs in self._work_out())

    def digests(self, recorded: Mapping[str, tuple[tuple[str, str], ...]] | None = None) -> dict[str, str]:
        return {doc_id: digest for _, pairs in self._work_out(recorded) for doc_id, digest in pairs}

    def record(self) -> dict[str, tuple[tuple[str, str], ...]]:
        return dict(self._work_out())

    def _work_out(
        self, recorded: Mapping[str, tuple[tuple[str, str], ...]] | None = None
    ) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Each page's key and its documents' IDs and digests: the record's for a key it holds, else from
        the page's documents (made once, kept for `documents`). Worked out on the first call only."""
        if self._found is None:
            recorded = recorded or {}
            found = []
            for position, (page, text) in enumerate(self._pages):
                key = page_key(page, text)
                pairs = recorded.get(key)
                if pairs is None:
                    docs = self._made[position] = page_documents(page, text)
                    pairs = tuple((doc.id, doc.digest) for doc in docs)
                found.append((key, pairs))
            self._found = found
        return self._found

    def documents(self, ids: Container[str] | None = None) -> list[SearchDocument]:
        docs = []
        for position, ((page, text), (_, pairs)) in enumerate(zip(self._pages, self._work_out(), strict=True)):
            if ids is None or any(doc_id in ids for doc_id, _ in pairs):
                made = self._made.get(position)
                if made is None:
                    made = page_documents(page, text)
                docs += [doc for doc in made if ids is None or doc.id in ids]
        return docs
