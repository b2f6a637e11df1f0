"""The search index written in a child process while the site engine runs; published after it.

The index depends only on kb's own rendered sources, never on the engine's pages, yet it was written after
the engine, a stretch of the build where one core worked and the other waited. A whole index (a full build,
or no usable index yet) is seconds of work; an update (a one-edit build at 10,000 articles) a fifth of a
second: each page's key, the index copied and opened, the edited page's documents written, the record of
pages (page_record.py). Here a child forked before the engine writes it, whole or updated, into a scratch
folder beside the index, on whatever the engine leaves of the cores, and Whoosh's postings (some 300 MB for
a whole index at 10,000 articles) are never in this process. The build swaps it in only once the site is
made (`finish`): a build that fails leaves the published index as it was, as before.

A child that fails, whatever the reason, is not reported from the child: `finish` writes the index here,
which raises the real error. A small index (a few hundred documents: quicker here than a fork), or a
process that may not fork (forking.py): written here by `finish`, after the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..forking import forked, may_start_workers
from ..memo import apart
from ..output import new_folder_beside, swap_into_place
from .documents import ListedDocuments, SearchDocument
from .index import LOCK_WAIT_SECONDS, IndexStats, prepare_index, write_index, writing
from .synonyms import Group

APART_FROM = 1000  # pages from which the index is written by a child: a smaller one is quick here


class Indexing:
    """The index of one build: `finish()` puts it in place and returns what changed."""

    def __init__(self, finish: Callable[[], IndexStats], apart: bool):
        self.finish = finish
        self.apart = apart  # a child is writing it (tests ask)


@contextmanager
def index_alongside(
    documents: Callable[[], list[SearchDocument] | ListedDocuments],
    index_dir: Path,
    full: bool = False,
    synonyms: tuple[Group, ...] = (),
    wait: float = LOCK_WAIT_SECONDS,
) -> Iterator[Indexing]:
    """Within: the index of `documents()` for `index_dir` being written; leaving without `finish` (an
    error) stops the child and drops what it wrote. `documents` is called here, before the child forks: a
    TargetDocuments works nothing out until the index writer asks, in the child."""
    made = documents()
    source = made if isinstance(made, ListedDocuments) else ListedDocuments(made)
    if source.pages() < APART_FROM or not may_start_workers():
        yield Indexing(lambda: write_index(source, index_dir, full, wait, synonyms), apart=False)
        return
    with new_folder_beside(index_dir) as scratch:
        work = scratch / "index"
        with forked(_prepare_apart, source, index_dir, work, full, wait, synonyms) as child:

            def finish() -> IndexStats:
                stats = child.result()
                if stats is None:  # the child failed: here, where its error is raised for real
                    return write_index(source, index_dir, full, wait, synonyms)
                with writing(index_dir, wait):  # one writer at a time, as write_index takes it
                    swap_into_place(work, index_dir)
                return stats

            yield Indexing(finish, apart=True)


def _prepare_apart(
    source: ListedDocuments, index_dir: Path, work: Path, full: bool, wait: float, synonyms: tuple[Group, ...]
) -> IndexStats:
    # Not through the build's memo: what the child would use of it is lost when it ends (and the build then
    # drops the memo's files it did not use itself), so its files would be read for nothing.
    with apart():
        return prepare_index(source, index_dir, work, full, wait, synonyms)
