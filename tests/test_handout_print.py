"""Handouts a trainer gives out: a tagged PDF (PDF/UA-1) with title, language and bookmarks; contents with
chapters and their sections; quiz answers in an answer key at the end, not under their questions; no page
holding a chapter's lone last sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from generator.cli import cli
from generator.pdf import split_answers
from tests.conftest import REPO, copy_root

LESSON = """---
id: TRN-003
title: "Lesson 3: Quizzes"
---

# Lesson 3: Quizzes

Learn the parts of a {{ term("project") }}.

## Phases and gates

A phase ends in a gate.

| Phase | Gate |
|---|---|
| Design | Design review |

## Check your understanding

1. What ends a phase?
2. Who approves a gate?

??? note "Answers"
    1. A gate. ANSWER-ONE-MARKER
    2. The sponsor. ANSWER-TWO-MARKER

??? tip "More reading"
    Not an answer: FOLDED-TIP-MARKER

## Summary

Phases end in gates.
"""


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    root = copy_root("clients", tmp_path_factory.mktemp("handout") / "project", {"docs/training/03-quizzes.md": LESSON})
    out = root / "build" / "acme"
    result = CliRunner().invoke(
        cli,
        ["--root", str(root), "build", "--client", "acme", "--book", "training", "--format", "pdf", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out / "pdf" / "acme-training.pdf"


def page_texts(pdf: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages]


def bookmarks(reader: PdfReader, items=None, depth: int = 0) -> list[tuple[int, str, int]]:
    """Every bookmark: (depth, title, 1-based page)."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += bookmarks(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    return found


def structure_types(node, seen: set[str]) -> set[str]:
    """The structure types (/S) in the tagged PDF's structure tree under `node`."""
    node = node.get_object()
    if isinstance(node, DictionaryObject):
        if "/S" in node:
            seen.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                structure_types(kid, seen)
    elif isinstance(node, list):
        for kid in node:
            structure_types(kid, seen)
    return seen


def test_handout_is_a_tagged_pdf_ua_document_with_title_language_and_bookmarks(handout):
    reader = PdfReader(handout)
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])  # the title, not the file name
    assert reader.metadata.title == "Training Manual · Sample Planner 2.4"
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()  # declares PDF/UA-1
    types = structure_types(catalog["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/P", "/L", "/LI", "/Table"} <= types, types
    assert [title for depth, title, _ in bookmarks(reader) if depth == 0][:2] == ["Contents", "Training Manual"]


def test_contents_list_chapters_and_their_sections_with_pages(handout):
    reader = PdfReader(handout)
    marks = {title: page for _, title, page in bookmarks(reader)}
    contents = " ".join(page_texts(handout)[1:3])
    for title in ("3 Lesson 3: Quizzes", "Phases and gates", "Check your understanding", "Summary"):
        assert title in contents
    assert re.search(rf"Phases and gates \.+ {marks['Phases and gates']}\b", contents)
    nested = [(depth, title) for depth, title, _ in bookmarks(reader)]
    assert (0, "3. Lesson 3: Quizzes") in nested and (1, "Phases and gates") in nested


def test_quiz_answers_move_to_the_answer_key_and_the_questions_say_where(handout):
    texts = page_texts(handout)
    reader = PdfReader(handout)
    key = next(page for depth, title, page in bookmarks(reader) if depth == 0 and title == "Answer key")
    assert key == len(texts) or all("ANSWER-" not in text for text in texts[key:])
    answers = [number for number, text in enumerate(texts, 1) if "ANSWER-ONE-MARKER" in text]
    assert answers == [key], "the answers are printed once, in the key"
    assert "ANSWER-TWO-MARKER" in texts[key - 1] and "3. Lesson 3: Quizzes" in texts[key - 1]
    questions = next(number for number, text in enumerate(texts, 1) if "Who approves a gate?" in text)
    assert questions < key
    assert f"Answers: in the answer key, page {key}" in texts[questions - 1]
    assert "Questions in chapter 3, page" in texts[key - 1]
    # A folded block that is not an answer stays where it was written.
    assert "FOLDED-TIP-MARKER" in texts[questions - 1]


def test_answers_are_split_out_whole_with_nested_blocks():
    html = (
        '<p>Q</p><div class="kb-answer" id="ch-x-kb-answer-1"><div class="a"><p>A1</p></div><p>A2</p></div>'
        '<p>after</p><div class="kb-answer" id="ch-x-kb-answer-2"><p>B</p></div>'
    )
    kept, answers = split_answers(html)
    assert kept == "<p>Q</p><p>after</p>"
    assert answers == [
        ("ch-x-kb-answer-1", '<div class="a"><p>A1</p></div><p>A2</p>'),
        ("ch-x-kb-answer-2", "<p>B</p>"),
    ]


def test_no_page_of_the_sample_training_manual_holds_a_lone_sentence(tmp_path):
    """The sample's Acme training manual: every page is either a blank left-hand page (its number only) or
    more than a sentence. Before, the introduction's last line, "Start with Orientation (page 7).", stood
    alone on a page."""
    out = tmp_path / "acme"
    result = CliRunner().invoke(
        cli,
        ["--root", str(REPO), "build", "--client", "acme", "--book", "training", "--format", "pdf", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    for number, text in enumerate(page_texts(out / "pdf" / "acme-training.pdf"), 1):
        header = text.endswith(str(number)) and "Training Manual" in text  # "Training Manual 1. Orientation 9"
        body = text.rsplit("Training Manual", 1)[0].strip() if header else text
        assert body in ("", str(number)) or len(body.split()) > 12, (number, text)
