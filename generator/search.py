"""Search over what a build publishes: one interface, with Whoosh behind it.

`documents_for` turns a target's rendered pages into documents, `write_index` builds (or updates) an
index in a new folder and swaps it in, `search` answers a query with ranked, highlighted hits, a
"did you mean" suggestion and counts per module and type. Callers never import whoosh themselves."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import html
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import highlight, index, qparser, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from .errors import KbError
from .model import Page, Selection
from .output import mark_output, new_folder_beside, swap_into_place

LOCK_WAIT_SECONDS = 10.0
_STEM = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True, field_boost=4.0),
    title=TEXT(stored=True, analyzer=_STEM, field_boost=3.0, spelling=True),
    summary=TEXT(stored=True, analyzer=_STEM, field_boost=1.5),
    headings=TEXT(analyzer=_STEM, field_boost=1.5),
    body=TEXT(stored=True, analyzer=_STEM, spelling=True),
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


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    url: str
    module: str
    type: str
    summary: str
    snippet: str  # HTML: the text is escaped, matches are wrapped in <mark>
    score: float


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[Hit, ...]
    total: int
    page: int
    pages: int
    matched_all_words: bool
    suggestion: str | None  # "did you mean"
    corrected: bool  # nothing matched the query as typed, so these are the results for `suggestion`
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexStats:
    added: int
    updated: int
    deleted: int
    unchanged: int


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


@contextmanager
def _writing(index_dir: Path, wait: float) -> Iterator[None]:
    """One writer per index: a second build waits up to `wait` seconds, then says the index is busy."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.with_name(f".{index_dir.name}.lock")
    with lock_path.open("w") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise KbError(
                        f"{index_dir}: the search index is busy, another build is writing it; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_readable(index_dir: Path) -> bool:
    """True when a usable index is at `index_dir`."""
    if not index_dir.is_dir():
        return False
    try:
        with index.open_dir(str(index_dir)).searcher() as searcher:
            searcher.doc_count()
        return True
    except Exception:  # noqa: BLE001 - any damage to derived data means "rebuild it"
        return False


def write_index(
    documents: list[SearchDocument], index_dir: Path, full: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> IndexStats:
    """Bring the index at `index_dir` up to date with `documents`: only changed documents are rewritten
    unless `full`, a missing or damaged index is rebuilt; the result is swapped in whole."""
    with _writing(index_dir, wait), new_folder_beside(index_dir) as scratch:
        work = scratch / "index"
        incremental = not full and is_readable(index_dir)
        if incremental:
            shutil.copytree(index_dir, work)
            ix = index.open_dir(str(work))
        else:
            work.mkdir()
            ix = index.create_in(str(work), SCHEMA)
        with ix.searcher() as searcher:
            existing = {fields["id"]: fields["digest"] for fields in searcher.all_stored_fields()}
        wanted = {doc.id: doc for doc in documents}
        added = updated = unchanged = 0
        writer = ix.writer(limitmb=256)
        try:
            for doc_id in existing.keys() - wanted.keys():
                writer.delete_by_term("id", doc_id)
            for doc in documents:
                digest = doc.digest
                if existing.get(doc.id) == digest:
                    unchanged += 1
                    continue
                fields = {name: getattr(doc, name) for name in SearchDocument.__dataclass_fields__}
                if doc.id in existing:
                    writer.update_document(digest=digest, **fields)
                    updated += 1
                else:
                    writer.add_document(digest=digest, **fields)
                    added += 1
            writer.commit(optimize=not incremental)
        except BaseException:
            writer.cancel()
            raise
        ix.close()
        mark_output(work)
        swap_into_place(work, index_dir)
    return IndexStats(added, updated, len(existing.keys() - wanted.keys()), unchanged)


_OPEN: dict[str, tuple[int, index.Index]] = {}


def _open(index_dir: Path) -> index.Index:
    """The index at `index_dir`, opened once per version of the folder: a build swaps in a new folder (a new
    inode), so a long-running portal picks up each new index on its next query."""
    for attempt in range(3):
        try:
            inode = index_dir.stat().st_ino
        except FileNotFoundError:
            raise KbError(f"{index_dir}: no search index here; run `kb build` first") from None
        cached = _OPEN.get(str(index_dir))
        if cached and cached[0] == inode:
            return cached[1]
        try:
            ix = index.open_dir(str(index_dir))
        except Exception as exc:  # noqa: BLE001 - a swap under our feet, or a damaged index
            if attempt == 2:
                raise KbError(f"{index_dir}: the search index cannot be read ({exc}); run `kb build` again") from exc
            time.sleep(0.05)
            continue
        _OPEN[str(index_dir)] = (inode, ix)
        return ix
    raise AssertionError("unreachable")


def field_values(index_dir: Path, name: str) -> list[str]:
    """The values a filter field (module, type) takes in the index, sorted."""
    with _open(index_dir).searcher() as searcher:
        return sorted(value.decode() if isinstance(value, bytes) else value for value in searcher.lexicon(name))


class _Snippet(highlight.Formatter):
    """Matches in <mark>, everything else escaped: snippets are shown as HTML."""

    def format_token(self, text, token, replace=False):
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace=False):
        output, index_ = [], fragment.startchar
        for token in fragment.matches:
            if token.startchar > index_:
                output.append(html.escape(fragment.text[index_ : token.startchar]))
            output.append(self.format_token(fragment.text, token, replace))
            index_ = token.endchar
        output.append(html.escape(fragment.text[index_ : fragment.endchar]))
        return "".join(output)


def _parser(schema, group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # '*' and '?' in pasted errors are text, not patterns
    parser.add_plugin(qparser.PrefixPlugin())
    return parser


def _with_prefix(query: str) -> str:
    """Type-ahead: the last, unfinished word matches as a prefix."""
    words = query.rstrip().split(" ")
    last = words[-1]
    if last and re.fullmatch(r"\w{2,}", last):
        words[-1] = last + "*"
    return " ".join(words)


def suggest_spelling(searcher, query: str) -> str | None:
    """'Did you mean': each word the index does not know, replaced by the closest word it does."""
    changed = query
    for word in re.findall(r"[A-Za-z]{3,}", query):
        tokens = [token.text for token in _STEM(word.lower())]
        if not tokens or any(searcher.reader().frequency(name, t) for name in ("title", "body") for t in tokens):
            continue  # a stop word, or a word the index knows
        found = searcher.corrector("body").suggest(word.lower(), limit=1, maxdist=2)
        if found:
            changed = re.sub(rf"\b{re.escape(word)}\b", found[0], changed, count=1)
    return changed if changed != query else None


def search(
    index_dir: Path,
    query: str,
    module: str | None = None,
    type: str | None = None,
    limit: int = 10,
    page: int = 1,
    snippets: bool = True,
    prefix: bool = False,
    _corrected: bool = False,
) -> SearchResults:
    """Ranked hits for `query`: all words must match, else any word; filters by module and type. When nothing
    matches and the spelling can be corrected, the results are those of the corrected query."""
    query = query.strip()
    ix = _open(index_dir)
    with ix.searcher() as searcher:
        filters = [
            qparser.QueryParser(name, ix.schema).parse(f'"{value}"')
            for name, value in (("module", module), ("type", type))
            if value
        ]
        restrict = None
        if filters:
            from whoosh.query import And

            restrict = And(filters) if len(filters) > 1 else filters[0]
        text = _with_prefix(query) if prefix else query
        matched_all = True
        parsed = _parser(ix.schema, qparser.AndGroup).parse(text)
        facets = sorting.Facets().add_field("module").add_field("type")
        kwargs = dict(filter=restrict, groupedby=facets, terms=snippets)
        results = searcher.search_page(parsed, page, pagelen=limit, **kwargs)
        if results.total == 0:
            matched_all = False
            parsed = _parser(ix.schema, qparser.OrGroup.factory(0.9)).parse(text)
            results = searcher.search_page(parsed, page, pagelen=limit, **kwargs)
        suggestion = suggest_spelling(searcher, query)
        counts = {
            name: {key: len(ids) for key, ids in results.results.groups(name).items()} for name in ("module", "type")
        }
        if snippets:
            results.results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=40)
            results.results.formatter = _Snippet()
        hits = []
        for hit in results:
            snippet = (hit.highlights("body", top=2) if snippets else "") or html.escape(hit.get("summary", ""))
            hits.append(
                Hit(
                    hit["id"],
                    hit["title"],
                    hit["url"],
                    hit["module"],
                    hit["type"],
                    hit.get("summary", ""),
                    snippet,
                    float(hit.score or 0.0),
                )
            )
        pages = max(1, -(-results.total // limit))
    if results.total == 0 and suggestion and not _corrected:
        corrected = search(index_dir, suggestion, module, type, limit, page, snippets, prefix, _corrected=True)
        if corrected.total:
            return dataclasses.replace(corrected, query=query, suggestion=suggestion, corrected=True)
    return SearchResults(query, tuple(hits), results.total, page, pages, matched_all, suggestion, False, counts)
