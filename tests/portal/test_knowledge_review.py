"""Reviewing what the knowledge loop pulled (`kb review`): the list of drafts and flagged articles, and
`kb review validate`, which changes only the confidence and updated lines and closes the flags."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import yaml

from generator.portal.pull import pull_drafts
from generator.review import validate_article

from .knowledge_helpers import draft_input, error_line, log


@pytest.fixture
def reviewed(project, engine, desk, knowledge, staff, clock):
    """tests/roots/basic (whose KB-0003 is a writer's not-validated draft) with two flags pulled on Monday and
    the draft of CASE-000001 pulled on Wednesday as KB-0006."""
    case = log(desk)
    knowledge.flag(staff["ann"], case, "KB-0003", "incomplete", "Say which baseline is primary.")
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "Step 3 names the wrong menu.")
    assert pull_drafts(engine, project, None, clock()).flags == 2
    clock.advance(days=2)
    knowledge.save_draft(staff["ann"], case, draft_input())
    pulled = pull_drafts(engine, project, None, clock())
    assert [article for _, article, _ in pulled.drafts] == ["KB-0006"]
    return project


def test_kb_review_lists_drafts_and_flagged_articles_oldest_first(run_kb, reviewed):
    result = run_kb(reviewed, "review")

    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "0000-00-00  KB-0003  draft from CASE-000101: Draft about baselines",
        "            kb/scheduling/draft.md",
        "2026-11-23  KB-0001  flagged wrong from CASE-000001: Step 3 names the wrong menu.",
        "            kb/scheduling/gantt-empty.md",
        "2026-11-23  KB-0003  flagged incomplete from CASE-000001: Say which baseline is primary.",
        "            kb/scheduling/draft.md",
        "2026-11-25  KB-0006  draft from CASE-000001: Gantt chart shows no bars after a P6 import",
        "            kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md",
    ]


def test_review_validate_changes_only_the_confidence_and_updated_lines_and_closes_the_flags(
    run_kb, reviewed, engine, knowledge, clock
):
    article = reviewed / "kb" / "scheduling" / "gantt-chart-shows-no-bars-after-a-p6-import.md"
    writers = reviewed / "kb" / "scheduling" / "draft.md"
    before, writers_before = article.read_text(), writers.read_text()

    result = run_kb(reviewed, "review", "validate", "kb-0006")
    writer_result = run_kb(reviewed, "review", "validate", "KB-0003")

    assert result.exit_code == writer_result.exit_code == 0
    assert result.output == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md: validated; `kb build` publishes it.\n"
    )
    changed = [(a, b) for a, b in zip(before.split("\n"), article.read_text().split("\n"), strict=True) if a != b]
    assert changed == [
        ("confidence: not_validated", "confidence: validated"),
        ("updated: 2026-11-25", f"updated: {dt.date.today().isoformat()}"),
    ]
    # A writer's file without `updated:` gets only its confidence line changed, not a line added.
    assert writers.read_text() == writers_before.replace("confidence: not_validated", "confidence: validated")
    flags = {entry["article"]: entry for entry in yaml.safe_load((reviewed / "review" / "flags.yml").read_text())}
    assert flags["KB-0003"]["closed"] == dt.date.today().isoformat()
    assert "closed" not in flags["KB-0001"]
    assert run_kb(reviewed, "review").output.splitlines() == [
        "2026-11-23  KB-0001  flagged wrong from CASE-000001: Step 3 names the wrong menu.",
        "            kb/scheduling/gantt-empty.md",
    ]
    # The next pull closes in the portal what the writers closed in review/flags.yml.
    assert sorted(f.article_id for f in knowledge.open_flags()) == ["KB-0001", "KB-0003"]
    pull_drafts(engine, reviewed, None, clock())
    assert [f.article_id for f in knowledge.open_flags()] == ["KB-0001"]


def test_review_validate_keeps_a_crlf_file_crlf_and_its_mode(project):
    path = project / "kb" / "scheduling" / "draft.md"
    crlf = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    os.chmod(path, 0o664)

    validate_article(project, "KB-0003", dt.date(2026, 11, 30))

    assert path.read_bytes() == crlf.replace(b"confidence: not_validated\r\n", b"confidence: validated\r\n")
    assert oct(path.stat().st_mode & 0o777) == "0o664"


@pytest.mark.parametrize(
    ("article", "message"),
    [
        ("KB-0001", "Error: KB-0001 (kb/scheduling/gantt-empty.md) is validated already"),
        ("KB-9999", "Error: KB-9999: no such article in kb/; expected an ID that `kb review` lists"),
        ("USR-001", "Error: USR-001: no such article in kb/; expected an ID that `kb review` lists"),
    ],
)
def test_review_validate_refuses_a_validated_or_unknown_article_in_one_line(run_kb, project, article, message):
    before = {p: p.read_bytes() for p in project.rglob("*.md")}

    assert error_line(run_kb(project, "review", "validate", article)) == message
    assert {p: p.read_bytes() for p in project.rglob("*.md")} == before


def test_validating_twice_says_the_second_time_that_it_is_validated_already(run_kb, project):
    assert run_kb(project, "review", "validate", "KB-0003").exit_code == 0
    assert error_line(run_kb(project, "review", "validate", "KB-0003")) == (
        "Error: KB-0003 (kb/scheduling/draft.md) is validated already"
    )
