"""The search index as derived data: updated per article, rebuilt when missing or damaged, one writer at a
time with a clear "busy", and searches that keep answering while a build swaps a new index in."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import threading
import time
from pathlib import Path

import pytest

from generator.build import build_target, render_target
from generator.errors import KbError
from generator.model import SITE
from generator.progress import SilentReporter
from generator.search import documents, search, write_index
from generator.search.page_record import load_page_record


def test_a_second_writer_waits_a_bounded_time_then_says_the_index_is_busy(site_documents, tmp_path: Path):
    index_dir = tmp_path / "site-search"
    write_index(site_documents, index_dir)
    with (tmp_path / ".site-search.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build is writing
        started = time.monotonic()
        with pytest.raises(KbError, match="the search index is busy, another build is writing it"):
            write_index(site_documents, index_dir, full=True, wait=0.5)
        waited = time.monotonic() - started
    assert 0.5 <= waited < 3
    assert search(index_dir, "gantt import").hits[0].id == "KB-0001"  # the index it found is untouched


def test_searches_keep_answering_while_the_index_is_rebuilt(site_documents, tmp_path: Path):
    index_dir = tmp_path / "site-search"
    write_index(site_documents, index_dir)
    failures, answers, stop = [], [], threading.Event()

    def searching() -> None:
        while not stop.is_set():
            try:
                answers.append(search(index_dir, "gantt import").hits[0].id)
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                failures.append(repr(exc))

    reader = threading.Thread(target=searching)
    reader.start()
    try:
        for _ in range(5):
            write_index(site_documents, index_dir, full=True)  # a new folder each time, swapped in
    finally:
        stop.set()
        reader.join(timeout=30)
    assert failures == []
    assert answers and set(answers) == {"KB-0001"}


def test_a_missing_or_damaged_index_is_rebuilt(site_documents, tmp_path: Path):
    index_dir = tmp_path / "site-search"
    write_index(site_documents, index_dir)
    for part in index_dir.iterdir():
        if part.suffix in (".toc", ".seg") or part.name.endswith(".trm"):
            part.write_bytes(b"damaged")
    stats = write_index(site_documents, index_dir)  # not incremental: there is nothing readable to update
    assert stats.added == len(site_documents) and stats.unchanged == 0
    assert search(index_dir, "gantt import").hits[0].id == "KB-0001"


def test_kb_build_reindexes_only_the_article_that_changed(make_project, run_kb):
    root = make_project("basic")
    assert run_kb(root, "build").exit_code == 0
    article = root / "kb" / "scheduling" / "gantt-empty.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nAlso check the zoom level.\n", encoding="utf-8")
    result = run_kb(root, "build")
    assert result.exit_code == 0, result.output
    assert "Search index: 0 added, 1 updated, 0 removed" in result.stderr
    assert search(root / "build" / "site-search", "zoom level").hits[0].id == "KB-0001"
    full = run_kb(root, "build", "--full-index")
    assert "Rebuilding the search index" in full.stderr


def test_an_index_update_makes_the_documents_of_the_changed_pages_only(make_project, monkeypatch):
    """A build compares each page's document digests (the index's record of them) with the index's, and takes a page's
    documents (its whole text) only where they changed; the index is the one a full reindex makes."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, SITE, out)
    asked = []
    make = documents.page_documents
    monkeypatch.setattr(documents, "page_documents", lambda page, text: asked.append(page.src_uri) or make(page, text))
    article = root / "kb" / "scheduling" / "gantt-empty.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nAlso check the zoom level.\n", encoding="utf-8")
    stats = build_target(root, SITE, out).index
    assert (stats.added, stats.updated, stats.deleted) == (0, 1, 0)
    assert set(asked) == {"kb/scheduling/gantt-empty.md"}
    updated = {hit.id: hit.url for hit in search(root / "build" / "site-search", "zoom level").hits}
    build_target(root, SITE, out, full_index=True)
    assert {hit.id: hit.url for hit in search(root / "build" / "site-search", "zoom level").hits} == updated


def test_the_digests_an_update_takes_from_the_index_record_are_each_pages_own(make_project):
    """A build takes the document digests of every page whose key the index's record holds from it
    (page_record.py): after two edits, one after the other, the record holds each page's key and the
    digests worked out for it alone, and the updated index the documents and digests a full reindex writes."""
    root = make_project("basic")
    out, index_dir = root / "build" / "site", root / "build" / "site-search"
    build_target(root, SITE, out)
    for rel in ["kb/scheduling/gantt-empty.md", "kb/budgets/budget-locked.md"]:
        article = root / rel
        article.write_text(article.read_text(encoding="utf-8") + "\nAlso check the zoom level.\n", encoding="utf-8")
        stats = build_target(root, SITE, out).index
        assert (stats.added, stats.updated, stats.deleted) == (0, 1, 0)
    rendered = render_target(root, SITE, False, SilentReporter())
    alone = {
        documents.page_key(page, rendered.pages[page.src_uri]): tuple(
            (doc.id, doc.digest) for doc in documents.page_documents(page, rendered.pages[page.src_uri])
        )
        for page in rendered.selection.pages
    }
    assert load_page_record(index_dir) == alone and len(alone) > 3
    updated = (index_dir / "digests.tsv").read_text("utf-8")
    assert build_target(root, SITE, out, full_index=True).index.added == sum(map(len, alone.values()))
    assert (index_dir / "digests.tsv").read_text("utf-8") == updated
    assert {hit.id for hit in search(index_dir, "zoom level").hits} == {"KB-0001", "KB-0004"}


def test_kb_search_rebuilds_a_damaged_index_from_the_sources(make_project, run_kb):
    root = make_project("basic")
    index_dir = root / "build" / "site-search"
    index_dir.mkdir(parents=True)
    (index_dir / "MAIN_1.toc").write_bytes(b"damaged")
    (index_dir / ".kb-output").write_text("written by kb build\n")
    result = run_kb(root, "search", "gantt import")
    assert result.exit_code == 0, result.output
    assert "No usable search index for target 'site' yet; building it from the sources." in result.stderr
    assert "[KB-0001]" in result.stdout


def _words(index_dir: Path) -> list[str]:
    return (index_dir / "words.txt").read_text("utf-8").split("\n")


def test_an_update_drops_the_words_of_removed_and_rewritten_pages_from_suggestions(site_documents, tmp_path: Path):
    pages = [doc for doc in site_documents if not doc.parent]
    removed = dataclasses.replace(pages[0], id="KB-9001", url="/a/KB-9001/", body="The quixotrel valve and the gantt.")
    rewritten = dataclasses.replace(pages[0], id="KB-9002", url="/a/KB-9002/", body="The flarnbic gauge and the gantt.")
    index_dir = tmp_path / "site-search"
    write_index([*site_documents, removed, rewritten], index_dir)
    assert {"quixotrel", "flarnbic"} <= set(_words(index_dir))
    assert search(index_dir, "quixotrol").suggestion == "quixotrel"

    edited = dataclasses.replace(rewritten, body="The gauge and the gantt.")
    stats = write_index([*site_documents, edited], index_dir)
    assert (stats.deleted, stats.updated) == (1, 1)
    assert search(index_dir, "quixotrol").suggestion is None
    assert search(index_dir, "flarnbik").suggestion is None
    assert "gantt" in _words(index_dir)  # other pages still use it
    full = tmp_path / "full-search"
    write_index([*site_documents, edited], full, full=True)
    assert _words(index_dir) == _words(full)


def test_an_update_shares_the_unchanged_index_files_instead_of_copying_them(site_documents, tmp_path: Path):
    index_dir = tmp_path / "site-search"
    write_index(site_documents, index_dir, full=True)
    segments = [part for part in index_dir.iterdir() if part.suffix == ".seg"]
    assert segments
    held = {part.name: os.open(part, os.O_RDONLY) for part in segments}  # keeps the inodes alive past the swap
    try:
        first = dataclasses.replace(site_documents[0], body=site_documents[0].body + " Also zoom out.")
        changed = [first, *site_documents[1:]]
        assert write_index(changed, index_dir).updated == 1
        for name, fd in held.items():
            assert (index_dir / name).stat().st_ino == os.fstat(fd).st_ino
        assert search(index_dir, "zoom out").hits[0].id == site_documents[0].id
    finally:
        for fd in held.values():
            os.close(fd)
