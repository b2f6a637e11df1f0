"""The search index as derived data: updated per article, rebuilt when missing or damaged, one writer at a
time with a clear "busy", and searches that keep answering while a build swaps a new index in."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

import pytest

from generator.errors import KbError
from generator.search import search, write_index


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
