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


def test_a_whole_index_written_in_a_child_process_is_the_one_written_in_this_one(
    site_documents, tmp_path: Path, monkeypatch
):
    """write_index_apart forks a child for a whole index of many documents (its memory goes back when the child
    ends): the same files, the same answers; an update is written in this process."""
    from generator.search import index as search_index
    from generator.search import write_index_apart

    monkeypatch.setattr(search_index, "APART_FROM", 1)  # the sample's few documents: apart all the same
    apart, here = tmp_path / "apart", tmp_path / "here"
    stats = write_index_apart(site_documents, apart)
    assert stats == write_index(site_documents, here)
    for name in ("digests.tsv", "words.txt"):
        assert (apart / name).read_bytes() == (here / name).read_bytes()
    found = [hit.id for hit in search(here, "gantt import").hits]
    assert found and [hit.id for hit in search(apart, "gantt import").hits] == found
    changed = [dataclasses.replace(site_documents[0], body=site_documents[0].body + " Quokka.")] + site_documents[1:]
    update = write_index_apart(changed, apart)
    assert (update.updated, update.unchanged) == (1, len(site_documents) - 1)
    assert [hit.id for hit in search(apart, "quokka").hits] == [site_documents[0].id]


def test_a_child_writing_the_index_reports_a_busy_index_as_this_process_would(
    site_documents, tmp_path: Path, monkeypatch
):
    import fcntl

    from generator.search import index as search_index
    from generator.search import write_index_apart

    monkeypatch.setattr(search_index, "APART_FROM", 1)
    index_dir = tmp_path / "index"
    with (tmp_path / ".index.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(KbError, match="busy"):
            write_index_apart(site_documents, index_dir, wait=0.2)
