"""The general rules search ranks by, each on a small real index: pages holding most of the words join a lone
page holding them all, question words are not required, real English words are not "corrected", typos that
stem to a known word are, and a query too long to be a search is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import KbError
from generator.search import SearchDocument, search, write_index


def doc(id_: str, title: str, body: str, summary: str = "", module: str = "reports") -> SearchDocument:
    return SearchDocument(id_, title, summary, "", body, "", module, "howto", f"kb/{id_.lower()}/")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    write_index(
        [
            doc("KB-0001", "Add a calculated column to a custom report", "Use a formula in the report builder."),
            doc("KB-0002", "Report scheduling", "A custom report can be sent every Monday; the column order stays."),
            doc("KB-0003", "Scheduling modes", "ALAP schedules an activity as late as possible without delay."),
            doc("KB-0004", "Upgrade to a new version", "Check the version of the server before you upgrade."),
            doc("KB-0005", "Show the legend", "Show or hide the legend of the chart."),
            doc("KB-0006", "Submittal review", "Each submittal goes to the consultant, then the owner."),
            doc("KB-0007", "Statuses", "What does each status mean? Which one does what, and what does it mean?"),
            doc("KB-0008", "Submit a form", "Submit the form to review it."),
        ],
        folder,
    )
    return folder


def test_a_lone_page_holding_every_word_is_joined_by_pages_holding_most_of_them(index_dir: Path):
    # Only KB-0002 holds every word ("column" in passing); KB-0001 answers and holds all but one.
    results = search(index_dir, "formula column in a custom report", snippets=False)
    ids = [hit.id for hit in results.hits]
    assert results.matched_all_words
    assert "KB-0001" in ids and "KB-0002" in ids


def test_question_words_are_not_required(index_dir: Path):
    results = search(index_dir, "what does ALAP mean", snippets=False)
    assert [hit.id for hit in results.hits][:1] == ["KB-0003"]
    assert search(index_dir, "how do i upgrade", snippets=False).hits[0].id == "KB-0004"


def test_a_real_english_word_the_index_lacks_is_not_corrected(index_dir: Path):
    results = search(index_dir, "shop", snippets=False)
    assert results.suggestion is None and not results.corrected  # "shop" is a word, not a typo of "show"


def test_a_typo_that_stems_to_a_known_word_is_corrected(index_dir: Path):
    results = search(index_dir, "submital review", snippets=False)  # "submital" stems to "submit", a known stem
    assert results.suggestion == "submittal review" and results.corrected
    assert results.hits[0].id == "KB-0006"


def test_a_correction_is_applied_when_the_query_as_typed_finds_little(index_dir: Path):
    results = search(index_dir, "which verison am I on", snippets=False)
    assert results.corrected and results.suggestion == "which version am I on"
    assert results.hits[0].id == "KB-0004"


@pytest.mark.parametrize("query", ["gantt " * 2_000, "x" * 10_000, " ".join(["a"] * 100)])
def test_a_query_too_long_to_be_a_search_is_a_clear_error(index_dir: Path, query: str):
    with pytest.raises(KbError, match="the query is too long"):
        search(index_dir, query)


@pytest.mark.parametrize("query", ['"unclosed phrase', "((((((report", "report))))", "title:", "NOT", "*", "[a TO z]"])
def test_query_syntax_that_makes_no_sense_still_answers(index_dir: Path, query: str):
    results = search(index_dir, query)
    assert results.total >= 0


def test_a_range_is_text_not_every_word_of_the_index(index_dir: Path):
    assert search(index_dir, "title:[a TO z]", snippets=False).total == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a* b* c* d*", "the query has 4 words ending in \\*; use at most 3"),
        ("report a*", "'a\\*': a word ending in \\* needs at least 2 letters"),
    ],
)
def test_prefixes_that_would_expand_to_most_of_the_index_are_a_clear_error(index_dir: Path, query: str, message):
    with pytest.raises(KbError, match=message):
        search(index_dir, query)
    assert search(index_dir, "rep* cus*", snippets=False).total >= 2  # a few real prefixes still work


def test_type_ahead_does_not_correct_the_word_being_typed(index_dir: Path):
    typing = search(index_dir, "submittal revie", prefix=True, snippets=False, limit=5)
    assert typing.suggestion is None and not typing.corrected
    assert typing.hits[0].id == "KB-0006"
    earlier = search(index_dir, "submital revie", prefix=True, snippets=False, limit=5)  # a typo before it
    assert earlier.suggestion == "submittal revie" and earlier.hits[0].id == "KB-0006"
