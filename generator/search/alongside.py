"""A whole search index written in a child process while the site engine runs; published after it.

A whole index (a full build, or no usable index yet) is seconds of work: about one and a half at 1,000
articles. It depends only on kb's own rendered sources, never on the engine's pages, yet it was written
after the engine, a stretch of the build where one core worked and the other waited. Here a child forked
before the engine writes it into a scratch folder beside the index, on whatever the engine's page workers
leave of the cores, and Whoosh's postings (some 300 MB at 10,000 articles) are never in this process. The
build swaps it in only once the site is made (`finish`): a build that fails leaves the published index as
it was, as before.

A child that fails, whatever the reason, is not reported from the child: `finish` writes the index here,
which raises the real error. An update (a one-edit build changes a few documents, in well under a second),
a small index, or a process that may not fork (forking.py): written here by `finish`, after the engine."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

from ..forking import may_start_workers
from ..output import new_folder_beside, swap_into_place
from .documents import ListedDocuments, SearchDocument
from .index import LOCK_WAIT_SECONDS, IndexStats, is_updatable, write_index, writing
from .synonyms import Group

APART_FROM = 1000  # documents from which a whole index is written by a child: a smaller one is quick here


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
    error) stops the child and drops what it wrote. `documents` is called here, before the child forks, only
    for a whole index: an update's documents are made by `finish`, after the engine, as the memo's shards
    they come from are then read once the engine's memory is given back."""
    whole = full or not is_updatable(index_dir)
    made = documents() if whole and may_start_workers() else None
    if made is None or len(made) < APART_FROM:
        here = documents if made is None else lambda: made  # an empty list made here is not made again
        yield Indexing(lambda: write_index(here(), index_dir, full, wait, synonyms), apart=False)
        return
    with new_folder_beside(index_dir) as scratch:
        context = multiprocessing.get_context("fork")  # the child shares the documents without a copy
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_write_in_child, args=(send, made, scratch / "index", synonyms))
        child.start()
        send.close()

        def finish() -> IndexStats:
            stats = _received(receive, child)
            if stats is None:  # the child failed: here, where its error is raised for real
                return write_index(made, index_dir, full, wait, synonyms)
            with writing(index_dir, wait):  # one writer at a time, as write_index takes it
                swap_into_place(scratch / "index", index_dir)
            return stats

        try:
            yield Indexing(finish, apart=True)
        finally:
            if child.is_alive():
                child.terminate()
            child.join()
            receive.close()


def _write_in_child(
    send: Connection, documents: list[SearchDocument] | ListedDocuments, dest: Path, synonyms: tuple
) -> None:
    try:
        send.send(write_index(documents, dest, True, LOCK_WAIT_SECONDS, synonyms))
    except BaseException:  # noqa: BLE001 - told as "failed": the parent writes it again and raises the error
        send.send(None)
    finally:
        send.close()


def _received(receive: Connection, child: multiprocessing.process.BaseProcess) -> IndexStats | None:
    try:
        return receive.recv()
    except EOFError:  # the child died without a word
        return None
    finally:
        child.join()
