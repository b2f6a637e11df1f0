"""Writing an index: the documents of a build into a new folder (only what changed, when it can), swapped in whole."""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index

from ..errors import KbError
from ..output import mark_output, new_folder_beside, swap_into_place
from .documents import SCHEMA, SearchDocument
from .spelling import surface_words, write_words
from .synonyms import Group, write_synonyms

LOCK_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class IndexStats:
    added: int
    updated: int
    deleted: int
    unchanged: int


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


def _has_current_fields(index_dir: Path) -> bool:
    """False for an index written with other fields (before sections): it is rebuilt, not updated."""
    return sorted(index.open_dir(str(index_dir)).schema.names()) == sorted(SCHEMA.names())


def write_index(
    documents: list[SearchDocument],
    index_dir: Path,
    full: bool = False,
    wait: float = LOCK_WAIT_SECONDS,
    synonyms: tuple[Group, ...] = (),
) -> IndexStats:
    """Bring the index at `index_dir` up to date with `documents` and its synonym groups: only changed
    documents are rewritten unless `full`, a missing or damaged index is rebuilt; the result is swapped in
    whole."""
    with _writing(index_dir, wait), new_folder_beside(index_dir) as scratch:
        work = scratch / "index"
        incremental = not full and is_readable(index_dir) and _has_current_fields(index_dir)
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
                if not doc.parent:
                    del fields["parent"], fields["page_title"]  # a page: no empty term in the parent field
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
        write_synonyms(synonyms, work)
        write_words(surface_words(text for doc in documents if not doc.parent for text in (doc.title, doc.body)), work)
        mark_output(work)
        swap_into_place(work, index_dir)
    return IndexStats(added, updated, len(existing.keys() - wanted.keys()), unchanged)
