"""Print a target's books while its site builds: one forked process per book, the same PDFs as printing
them one after another.

WeasyPrint takes most of a client build (6 of its 10 seconds on the sample, against 1.5 for the site), and
runs on one core. Each book is printed by its own child process, forked once the project is staged, so it
shares the loaded catalog and rendered pages without copying or re-importing anything. The children write
into a folder of their own (the site engine empties the site's folder when it starts), moved into the site
once the site is built.

A child that fails, whatever the reason (a picture from outside the build, a page past its time budget, a
crash), is not reported from the child: its book is printed again here, in this process, which raises the
real error as a build printing one book after another would. Where processes cannot be forked, the books
are printed here, one after another."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from .forking import alone_in_process
from .model import BOOKS, Catalog, Selection, Target
from .select import book_pages

if TYPE_CHECKING:
    from .pdf import PdfResult
    from .pdf_cache import PdfCache


@dataclasses.dataclass
class _Book:
    book: str
    selection: Selection  # the target's selection with this book's pages only: write_pdfs prints just it
    process: multiprocessing.process.BaseProcess | None = None
    results: Connection | None = None


class Printing:
    """The books being printed; `finish` waits for them and puts the PDFs into the site."""

    def __init__(self, folder: Path):
        self.folder = folder  # where the children write, outside the site's folder
        self._books: list[_Book] = []
        self._job: tuple | None = None
        self._target: Target | None = None

    def start(
        self,
        catalog: Catalog,
        selection: Selection,
        rendered: dict[str, str],
        docs_dir: Path,
        today: dt.date,
        progress: Callable[[str], None] = lambda message: None,
        cache: PdfCache | None = None,
    ) -> None:
        """Start printing each book of `selection` (the staged project's pictures are under `docs_dir`); a
        book whose inputs are unchanged is taken from `cache` (pdf_cache.py) by the same child."""
        from .pdf import BOOK_TITLES

        self._job = (catalog, rendered, docs_dir, today, cache)
        self._target = selection.target
        for book in BOOKS:
            pages = book_pages(selection, book)
            if pages:
                progress(f"Printing {BOOK_TITLES[book]} ({len(pages)} pages)")
                wanted = {page.src_uri for page in pages}
                only = dataclasses.replace(selection, pages=tuple(p for p in selection.pages if p.src_uri in wanted))
                self._books.append(_Book(book, only))
        if not alone_in_process():  # forking.py: a child of a threaded process could wait for ever
            return
        context = multiprocessing.get_context("fork")  # the children share what this process has loaded
        for entry in self._books:
            receive, send = context.Pipe(duplex=False)
            args = (send, entry.selection, *self._job, self.folder)
            entry.process = context.Process(target=_print_in_child, args=args)
            entry.process.start()
            send.close()
            entry.results = receive

    def finish(self, dest: Path) -> list[PdfResult]:
        """Wait for every book; move the PDFs to `dest` (replacing nothing: it must not exist); the results
        in book order, with their paths in `dest`."""
        results: list[PdfResult] = []
        for entry in self._books:
            printed = self._wait(entry)
            if printed is None:  # failed or never forked: print it here, where its error is raised for real
                printed = _print(entry.selection, *self._job, self.folder)
            results += printed
        cache = self._job[4] if self._job is not None else None
        if cache is not None and self._target is not None:  # every book printed: what the target no longer has
            cache.prune(self._target, {result.path.name for result in results})
        dest.parent.mkdir(parents=True, exist_ok=True)
        if self.folder.exists():
            os.replace(self.folder, dest)
        return [dataclasses.replace(result, path=dest / result.path.name) for result in results]

    def _wait(self, entry: _Book) -> list[PdfResult] | None:
        if entry.process is None or entry.results is None:
            return None
        try:
            outcome = entry.results.recv()
        except EOFError:  # the child died without a word
            outcome = None
        finally:
            entry.results.close()
            entry.process.join()
        return outcome

    def cancel(self) -> None:
        for entry in self._books:
            if entry.process is not None and entry.process.is_alive():
                entry.process.terminate()
                entry.process.join()
            if entry.results is not None:
                entry.results.close()


@contextmanager
def printing_into(folder: Path) -> Iterator[Printing]:
    """A Printing whose children write into `folder`; on the way out, children still running are stopped
    (a site that failed to build publishes no PDFs either) and the folder is removed."""
    printing = Printing(folder)
    try:
        yield printing
    finally:
        printing.cancel()
        shutil.rmtree(folder, ignore_errors=True)


def _print(
    selection: Selection,
    catalog: Catalog,
    rendered: dict[str, str],
    docs_dir: Path,
    today: dt.date,
    cache: PdfCache | None,
    folder: Path,
) -> list[PdfResult]:
    from .pdf import write_pdfs

    return write_pdfs(catalog, selection, rendered, docs_dir, folder, today, cache=cache)


def _print_in_child(send: Connection, selection: Selection, *job) -> None:
    """In the forked child: print, then send the results, or None for "print it again in the parent"."""
    outcome = None
    try:
        outcome = _print(selection, *job)
    except BaseException:  # the parent prints this book again, and raises the real error with its traceback
        outcome = None
    finally:
        send.send(outcome)
        send.close()
