"""The search module on a real Whoosh index built from the basic root's public pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator.errors import KbError
from generator.search import search, write_index


def test_index_holds_only_published_pages_and_ranks_the_title_match_first(site_documents, tmp_path: Path):
    index_dir = tmp_path / "index"
    stats = write_index(site_documents, index_dir)
    assert stats.added == len(site_documents) and stats.updated == 0
    results = search(index_dir, "gantt import")
    assert "KB-0001" in {hit.id for hit in results.hits}
    assert "<mark>" in results.hits[0].snippet
    assert search(index_dir, "MARKER").total == 0  # internal, draft and client pages are not indexed


def test_unchanged_documents_are_not_rewritten(site_documents, tmp_path: Path):
    index_dir = tmp_path / "index"
    write_index(site_documents, index_dir)
    stats = write_index(site_documents, index_dir)
    assert (stats.added, stats.updated, stats.deleted, stats.unchanged) == (0, 0, 0, len(site_documents))


def test_misspelling_gets_a_suggestion_and_any_word_fallback(site_documents, tmp_path: Path):
    index_dir = tmp_path / "index"
    write_index(site_documents, index_dir)
    results = search(index_dir, "gantt chrat")
    assert results.suggestion == "gantt chart"  # a swapped pair of letters is one edit: not "what"
    assert results.corrected and results.matched_all_words  # answered for the correction
    assert "KB-0001" in {hit.id for hit in results.hits}
    fallback = search(index_dir, "gantt xqzvwk")  # nothing close to the second word: any word, no suggestion
    assert not fallback.matched_all_words and not fallback.corrected
    assert "KB-0001" in {hit.id for hit in fallback.hits}


def test_searching_without_an_index_is_a_clear_error(tmp_path: Path):
    with pytest.raises(KbError, match="no search index"):
        search(tmp_path / "missing", "gantt")


def test_a_long_page_shows_its_matching_passage_however_deep_it_lies(site_documents, tmp_path: Path):
    filler = "Plan the work and review the figures each week. " * 1_000  # about 49,000 characters
    page = site_documents[0]
    deep = dataclasses.replace(
        page, id="KB-9100", url="/a/KB-9100/", body=filler + "The quarantine folder keeps rejected files.", parent=""
    )
    index_dir = tmp_path / "index"
    write_index([*site_documents, deep], index_dir)
    hit = search(index_dir, "quarantine folder").hits[0]
    assert hit.id == "KB-9100"
    assert "<mark>quarantine</mark> <mark>folder</mark>" in hit.snippet


def _alongside(monkeypatch):
    """index_alongside with a child for any number of documents (the sample has a few hundred), whatever
    threads this test process has (a live server's, from a fixture of another test): when kb may fork is
    forking.py's rule, tested in tests/test_forking.py; here, what the child does."""
    from generator.search import alongside

    monkeypatch.setattr(alongside, "APART_FROM", 1)
    monkeypatch.setattr(alongside, "may_start_workers", lambda: True)
    return alongside.index_alongside


def test_a_whole_index_written_by_a_child_is_the_one_written_here_and_published_only_at_finish(
    site_documents, tmp_path: Path, monkeypatch
):
    """A whole index is written by a child while the engine runs (its memory goes back when the child ends)
    and swapped in at finish: the same files and answers as one written here; an update likewise."""
    index_alongside = _alongside(monkeypatch)
    apart, here = tmp_path / "apart", tmp_path / "here"
    with index_alongside(lambda: site_documents, apart) as indexing:
        assert indexing.apart
        assert not apart.exists()  # not published before finish, whatever the child has written
        stats = indexing.finish()
    assert stats == write_index(site_documents, here)
    for name in ("digests.tsv", "words.txt"):
        assert (apart / name).read_bytes() == (here / name).read_bytes()
    found = [hit.id for hit in search(here, "gantt import").hits]
    assert found and [hit.id for hit in search(apart, "gantt import").hits] == found
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".apart")] == [".apart.lock"]  # no scratch

    changed = [dataclasses.replace(site_documents[0], body=site_documents[0].body + " Quokka.")] + site_documents[1:]
    published = sorted(p.name for p in apart.iterdir())
    with index_alongside(lambda: changed, apart) as indexing:
        assert indexing.apart
        assert sorted(p.name for p in apart.iterdir()) == published  # the update is not published before finish
        assert not search(apart, "quokka").hits
        update = indexing.finish()
    assert update == write_index(changed, here)
    assert (update.updated, update.unchanged) == (1, len(site_documents) - 1)
    assert [hit.id for hit in search(apart, "quokka").hits] == [site_documents[0].id]
    for name in ("digests.tsv", "words.txt"):
        assert (apart / name).read_bytes() == (here / name).read_bytes()


@pytest.mark.parametrize("full", [True, False])
def test_a_build_that_fails_while_the_child_writes_leaves_the_published_index_as_it_was(
    site_documents, tmp_path: Path, monkeypatch, full: bool
):
    """A whole index or an update: the child's work is dropped, the published index is the one before."""
    index_alongside = _alongside(monkeypatch)
    index_dir = tmp_path / "out" / "index"
    write_index(site_documents[1:], index_dir)
    before = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    with pytest.raises(RuntimeError, match="the engine failed"):
        with index_alongside(lambda: site_documents, index_dir, full=full) as indexing:
            assert indexing.apart
            raise RuntimeError("the engine failed")
    assert {p.name: p.read_bytes() for p in index_dir.iterdir()} == before
    assert site_documents[0].id not in {hit.id for hit in search(index_dir, site_documents[0].title).hits}
    assert sorted(p.name for p in index_dir.parent.iterdir()) == [".index.lock", "index"]  # no scratch left


@pytest.mark.parametrize("update", [False, True])
def test_a_child_that_fails_leaves_the_index_to_be_written_here(
    site_documents, tmp_path: Path, monkeypatch, update: bool
):
    """Whatever stops the child, finish writes the index in this process, where an error is raised for real:
    a whole index, or an update of the published one."""
    import os

    from generator.search import alongside, index

    index_alongside, parent = _alongside(monkeypatch), os.getpid()
    index_dir = tmp_path / "index"
    if update:
        write_index(site_documents[1:], index_dir)
    written_here = []

    def prepare_here_only(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)  # the child dies without a word
        return index.prepare_index(*args, **kwargs)

    def write_index_here(*args, **kwargs):
        assert os.getpid() == parent
        written_here.append(args[1])
        return write_index(*args, **kwargs)

    monkeypatch.setattr(alongside, "prepare_index", prepare_here_only)
    monkeypatch.setattr(alongside, "write_index", write_index_here)
    with index_alongside(lambda: site_documents, index_dir) as indexing:
        assert indexing.apart
        stats = indexing.finish()
    assert written_here == [index_dir]
    assert (stats.added, stats.unchanged) == ((1, len(site_documents) - 1) if update else (len(site_documents), 0))
    assert search(index_dir, site_documents[0].title).hits


def test_a_busy_index_fails_at_finish_as_a_build_writing_it_here_would(site_documents, tmp_path: Path, monkeypatch):
    import fcntl

    index_alongside = _alongside(monkeypatch)
    index_dir = tmp_path / "index"
    with (tmp_path / ".index.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(KbError, match="busy"):
            with index_alongside(lambda: site_documents, index_dir, wait=0.2) as indexing:
                assert indexing.apart
                indexing.finish()
    assert not index_dir.exists()
