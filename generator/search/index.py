"""Writing an index: the documents of a build into a new folder (only what changed, when it can), swapped in whole."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index

from ..errors import KbError
from ..output import mark_output, new_folder_beside, swap_into_place
from .documents import SCHEMA, ListedDocuments, SearchDocument
from .fastpath import SegmentWriter
from .page_record import PAGES_FILE, load_page_record, write_page_record
from .spelling import count_words, load_word_counts, page_words, write_words
from .synonyms import Group, write_synonyms

LOCK_WAIT_SECONDS = 10.0
WRITER_MEMORY_MB = 1024


@dataclass(frozen=True)
class IndexStats:
    added: int
    updated: int
    deleted: int
    unchanged: int


@contextmanager
def writing(index_dir: Path, wait: float) -> Iterator[None]:
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


def is_updatable(index_dir: Path) -> bool:
    """True when the index at `index_dir` is readable and has this schema's fields (one written before
    sections is rebuilt, not updated): is_readable and the fields from one opening of the index (each
    opening reads its table of contents and segments, twice a build)."""
    if not index_dir.is_dir():
        return False
    try:
        opened = index.open_dir(str(index_dir))
        with opened.searcher() as searcher:
            searcher.doc_count()
    except Exception:  # noqa: BLE001 - any damage to derived data means "rebuild it"
        return False
    return sorted(opened.schema.names()) == sorted(SCHEMA.names())


DIGESTS_FILE = "digests.tsv"  # in the index folder: each document's ID and digest, one a line


def _load_digests(index_dir: Path, searcher) -> dict[str, str]:
    """Each indexed document's digest: from the index's digests file, or (an index written before it) from
    the stored fields, which means decompressing every stored body."""
    path = index_dir / DIGESTS_FILE
    if path.is_file():
        return dict(line.split("\t", 1) for line in path.read_text("utf-8").splitlines())
    return {fields["id"]: fields["digest"] for fields in searcher.all_stored_fields()}


def _write_digests(digests: dict[str, str], index_dir: Path) -> None:
    (index_dir / DIGESTS_FILE).write_text("".join(f"{i}\t{d}\n" for i, d in sorted(digests.items())), "utf-8")


def _link_or_copy(source: str, destination: str) -> None:
    """Whoosh never rewrites a file it has written (a commit writes new segment and table-of-contents files,
    all named after the index, MAIN), so the copy an update works on shares those with the live index rather
    than copying them; our own files (words, digests) are rewritten in place, so they are copied."""
    if "MAIN" in Path(source).name:
        try:
            os.link(source, destination)
            return
        except OSError:
            pass  # another file system, or no hard links there
    shutil.copy2(source, destination)


def write_index(
    documents: list[SearchDocument] | ListedDocuments,
    index_dir: Path,
    full: bool = False,
    wait: float = LOCK_WAIT_SECONDS,
    synonyms: tuple[Group, ...] = (),
) -> IndexStats:
    """Bring the index at `index_dir` up to date with `documents` and its synonym groups: only changed
    documents are rewritten unless `full`, a missing or damaged index is rebuilt; the result is swapped in
    whole. `documents`: a list, or a TargetDocuments, whose documents are asked for only where they changed."""
    with writing(index_dir, wait), new_folder_beside(index_dir) as scratch:
        work = scratch / "index"
        stats = _write_into(_listed(documents), work, _start(index_dir, work, full), synonyms)
        swap_into_place(work, index_dir)
    return stats


def prepare_index(
    documents: list[SearchDocument] | ListedDocuments,
    index_dir: Path,
    work: Path,
    full: bool = False,
    wait: float = LOCK_WAIT_SECONDS,
    synonyms: tuple[Group, ...] = (),
) -> IndexStats:
    """What write_index writes for `index_dir`, written into `work` (a new folder's path) and not swapped in:
    the caller publishes it, under `writing(index_dir)`, when it may (alongside.py). The published index is
    read (copied) under its lock, then left alone: the result is the index of `documents` whatever happens
    to the published one meanwhile."""
    if full:
        incremental = _start(index_dir, work, full)
    else:
        with writing(index_dir, wait):
            incremental = _start(index_dir, work, full)
    return _write_into(_listed(documents), work, incremental, synonyms)


def _listed(documents: list[SearchDocument] | ListedDocuments) -> ListedDocuments:
    return documents if isinstance(documents, ListedDocuments) else ListedDocuments(documents)


def _start(index_dir: Path, work: Path, full: bool) -> bool:
    """`work` made the index to update (a copy of the one at `index_dir`, sharing its segments), or an empty
    folder for a new one; True for an update."""
    incremental = not full and is_updatable(index_dir)
    if incremental:
        shutil.copytree(index_dir, work, copy_function=_link_or_copy)
    else:
        work.mkdir()
    return incremental


def _write_into(source: ListedDocuments, work: Path, incremental: bool, synonyms: tuple[Group, ...]) -> IndexStats:
    """Write `source`'s documents into the index at `work` (_start): only the changed ones when `incremental`."""
    ix = index.open_dir(str(work)) if incremental else index.create_in(str(work), SCHEMA)
    digests = source.digests(load_page_record(work) if incremental else None)
    with ix.searcher() as searcher:
        existing = _load_digests(work, searcher) if incremental else {}
        gone = existing.keys() - digests.keys()
        changed = source.documents({i for i, digest in digests.items() if existing.get(i) != digest})
        word_counts = load_word_counts(work) if incremental else None
        if word_counts is None:
            word_counts = count_words((doc.title, doc.body) for doc in source.documents() if not doc.parent)
        else:
            # The words of the pages removed or replaced leave with them; those of the new text come in.
            for doc_id in gone | {doc.id for doc in changed if doc.id in existing}:
                old = searcher.document(id=doc_id)
                if old is not None and not old.get("parent"):
                    word_counts.subtract(page_words(old["title"], old["body"]))
            word_counts.update(w for doc in changed if not doc.parent for w in page_words(doc.title, doc.body))
    # Postings are sorted in memory up to WRITER_MEMORY_MB (about 30 MB per 1,000 articles): past it Whoosh
    # spills them to temporary files and merges them back, pickling each posting both ways, which took a
    # third of a full index of 10,000 articles at 256 MB.
    writer = SegmentWriter(ix, limitmb=WRITER_MEMORY_MB)
    try:
        for doc_id in gone:
            writer.delete_by_term("id", doc_id)
        for doc in changed:
            fields = {name: getattr(doc, name) for name in SearchDocument.__dataclass_fields__}
            if not doc.parent:
                del fields["parent"], fields["page_title"]  # a page: no empty term in the parent field
            if doc.id in existing:
                writer.update_document(digest=digests[doc.id], **fields)
            else:
                writer.add_document(digest=digests[doc.id], **fields)
        writer.commit(optimize=not incremental)
    except BaseException:
        writer.cancel()
        raise
    ix.close()
    write_synonyms(synonyms, work)
    write_words(word_counts, work)
    _write_digests(digests, work)
    record = source.record()
    if record is not None:
        write_page_record(record, work)
    else:  # documents given as a list: a record left from the index copied would not describe them
        (work / PAGES_FILE).unlink(missing_ok=True)
    mark_output(work)
    updated = sum(doc.id in existing for doc in changed)
    return IndexStats(len(changed) - updated, updated, len(gone), len(source) - len(changed))
