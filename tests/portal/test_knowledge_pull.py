"""Pulling the knowledge loop's drafts and flags into kb/ (`kb cases pull-drafts`, generator.portal.pull), on
SQLite and PostgreSQL: each draft written once as a not-validated article, never over a writer's file."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from generator.catalog import load_catalog
from generator.portal.clock import utcnow
from generator.portal.db import drafts
from generator.portal.knowledge import KnowledgeError
from generator.portal.pull import pull_drafts

from .knowledge_helpers import draft_input, log, rows


def test_pulling_writes_each_draft_once_into_kb_as_a_not_validated_article(
    run_kb, project, database_url, desk, knowledge, staff, store, visitor
):
    first = log(desk, module="scheduling", context_id="schedule.gantt")
    second = log(desk, module="budgets")
    knowledge.save_draft(staff["ann"], first, draft_input())
    knowledge.save_draft(
        staff["ann"], second, draft_input(title="Budget is read-only after approval", module="budgets")
    )

    pulled = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)
    again = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert pulled.exit_code == again.exit_code == 0
    assert pulled.output.splitlines() == [
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md: KB-0006 from CASE-000001",
        "kb/budgets/budget-is-read-only-after-approval.md: KB-0007 from CASE-000002",
        "2 draft(s) written, 0 flag(s) added to review/flags.yml.",
    ]
    assert again.output == "0 draft(s) written, 0 flag(s) added to review/flags.yml.\n"
    catalog = load_catalog(project)
    assert [p for p in catalog.problems if p.is_error] == []
    pages = {page.id: page for page in catalog.pages}
    gantt, budget = pages["KB-0006"], pages["KB-0007"]
    assert (gantt.src_uri, gantt.confidence, gantt.audience, gantt.type) == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md",
        "not_validated",
        "public",
        "troubleshooting",
    )
    assert list(gantt.source_cases) == ["CASE-000001"] and list(budget.source_cases) == ["CASE-000002"]
    assert [claim.id for claim in gantt.contexts] == ["schedule.gantt"] and list(budget.contexts) == []
    assert gantt.updated == utcnow().date()
    assert [(d.article_id, d.path) for d in rows(store, drafts.select().order_by(drafts.c.id))] == [
        ("KB-0006", "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md"),
        ("KB-0007", "kb/budgets/budget-is-read-only-after-approval.md"),
    ]
    visitor.sign_in("ann")
    assert "Pulled into the knowledge base as KB-0006." in visitor.get(f"/agent/cases/{first.number}").text
    with pytest.raises(KnowledgeError, match="pulled into the knowledge base as KB-0006; edit that article"):
        knowledge.save_draft(staff["ann"], first, draft_input(cause="Changed after the pull"))


def test_pulling_since_a_day_takes_only_the_drafts_saved_since(
    run_kb, project, database_url, desk, knowledge, staff, clock
):
    old, new = log(desk), log(desk)
    knowledge.save_draft(staff["ann"], old, draft_input(title="Saved on Monday"))
    clock.advance(days=2)
    knowledge.save_draft(staff["ann"], new, draft_input(title="Saved on Wednesday"))

    since = run_kb(project, "cases", "pull-drafts", "--since", "2026-11-24", "--database-url", database_url)
    rest = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert since.output.splitlines()[0] == "kb/scheduling/saved-on-wednesday.md: KB-0006 from CASE-000002"
    assert rest.output.splitlines()[0] == "kb/scheduling/saved-on-monday.md: KB-0007 from CASE-000001"


def test_a_draft_never_overwrites_a_writers_file(run_kb, project, database_url, desk, knowledge, staff):
    writers = (
        b"---\nid: KB-0042\ntitle: Gantt chart shows no bars after a P6 import\nsummary: The writer's own.\n"
        b"type: faq\nmodule: scheduling\nconfidence: validated\n---\n\nThe writer's text.\r\n"
    )
    taken = project / "kb" / "scheduling" / "gantt-chart-shows-no-bars-after-a-p6-import.md"
    taken.write_bytes(writers)
    knowledge.save_draft(staff["ann"], log(desk), draft_input())

    pulled = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert pulled.output.splitlines()[0] == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import-2.md: KB-0043 from CASE-000001"
    )
    assert taken.read_bytes() == writers
    assert "confidence: not_validated" in taken.with_name(taken.stem + "-2.md").read_text()


def test_pulls_running_at_once_write_each_draft_once_with_its_own_id(
    project, desk, knowledge, staff, make_engine, clock
):
    numbers = []
    for n in range(16):  # enough for two pulls to interleave
        case = log(desk)
        knowledge.save_draft(staff["ann"], case, draft_input(title=f"Draft number {n}"))
        numbers.append(case.number)
    engines = [make_engine(), make_engine()]  # like two writers' terminals
    start = threading.Barrier(len(engines))

    def pull(engine):
        start.wait(timeout=30)
        return pull_drafts(engine, project, None, clock())

    with ThreadPoolExecutor(len(engines)) as pool:
        results = list(pool.map(pull, engines))

    written = [entry for result in results for entry in result.drafts]
    assert sorted(number for number, _, _ in written) == numbers, "each draft written by exactly one pull"
    assert sorted(article for _, article, _ in written) == [f"KB-{n:04d}" for n in range(6, 22)]
    files = sorted((project / "kb" / "scheduling").glob("draft-number-*.md"))
    assert [f.name for f in files] == sorted(f"draft-number-{n}.md" for n in range(16))
    catalog = load_catalog(project)
    ids = [page.id for page in catalog.pages]
    assert len(ids) == len(set(ids)) and [p for p in catalog.problems if p.is_error] == []


def test_flags_are_added_to_review_flags_yml_once(run_kb, project, database_url, desk, knowledge, staff, clock):
    case = log(desk)
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "Step 3 names the wrong menu.")
    clock.advance(hours=1)
    knowledge.flag(staff["bob"], None, "KB-0004", "incomplete", "Say who can reopen a budget.")
    flags_yml = project / "review" / "flags.yml"

    first = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)
    written = flags_yml.read_bytes()
    second = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert first.output == "0 draft(s) written, 2 flag(s) added to review/flags.yml.\n"
    assert second.output == "0 draft(s) written, 0 flag(s) added to review/flags.yml.\n"
    assert flags_yml.read_bytes() == written
    assert yaml.safe_load(written) == [
        {
            "flag": 1,
            "article": "KB-0001",
            "kind": "wrong",
            "comment": "Step 3 names the wrong menu.",
            "case": case.number,
            "agent": "ann",
            "at": "2026-11-23T15:00:00+00:00",
        },
        {
            "flag": 2,
            "article": "KB-0004",
            "kind": "incomplete",
            "comment": "Say who can reopen a budget.",
            "case": None,
            "agent": "bob",
            "at": "2026-11-23T16:00:00+00:00",
        },
    ]
    assert oct(flags_yml.stat().st_mode & 0o777) == "0o644"

    knowledge.flag(staff["ann"], case, "KB-0001", "incomplete", "And step 4.")
    assert run_kb(project, "cases", "pull-drafts", "--database-url", database_url).output.startswith(
        "0 draft(s) written, 1 flag(s)"
    )
    assert [entry["flag"] for entry in yaml.safe_load(flags_yml.read_text())] == [1, 2, 3]
