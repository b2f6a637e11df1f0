"""Releases from the terminal (issue 19), on a test project made as a git repository with three tagged
versions (tests/versioned_project.py): `kb release notes` from git and the case database, nothing private
or internal in them, built into a client's help centre under the leak check; `kb release publish` resolving
the waiting cases and mailing their customers through a real SMTP server, once."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path

import pytest

from generator.build import build_target
from generator.catalog import load_catalog
from generator.leaks import LeakError
from generator.model import client_target
from generator.portal.config import load_portal_config
from generator.portal.db import connect
from generator.portal.defects import Defects
from generator.portal.desk import Desk, NewCase
from tests.versioned_project import ARTICLE, make_versioned_project

from .portal_helpers import SmtpSink, Store

HOSTILE = "Totals <script>alert(1)</script> {{ config }} [click](javascript:alert(1)) are right again."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The versioned project with work for 2026.4 in its working tree: a public article, one private to
    Harbor, an internal one, a draft, a new screen."""
    root = make_versioned_project(tmp_path / "project")
    articles = {
        "kb/scheduling/zoom.md": ("KB-0103", "Zoom the Gantt chart with the mouse wheel", ""),
        "kb/scheduling/harbor-trick.md": ("KB-0104", "Harbor's private rail schedule", "clients: [harbor]\n"),
        "kb/scheduling/agents-trick.md": ("KB-0105", "Reset the scheduler from the database", "audience: internal\n"),
    }
    for path, (page_id, title, extra) in articles.items():
        (root / path).write_text(ARTICLE.format(id=page_id, title=title, extra=extra, body="Do it."), encoding="utf-8")
    draft = ARTICLE.format(id="KB-0106", title="Half-written page", extra="", body="Later.")
    (root / "kb/scheduling/half.md").write_text(draft.replace("confidence: validated", "confidence: wip"))
    with (root / "contexts.yml").open("a", encoding="utf-8") as contexts:
        contexts.write("  schedule.zoom: {title: Zoom slider, module: scheduling}\n")
    return root


@pytest.fixture
def release_desk(project: Path, database_url: str):
    """The project's desk on the test database (its product.yml's versions), and its store."""
    config = load_portal_config(project, database_url, instance_dir=project / "instance")
    engine = connect(database_url)
    yield Desk(engine, config), Store(engine)
    engine.dispose()


def log(desk: Desk, subject: str, name: str, email: str, company: str | None = None) -> str:
    case = NewCase(subject, "Broken.", name, email, "major", company=company)
    return desk.submit(case, uuid.uuid4().hex).number


def test_release_notes_hold_the_fixes_and_public_changes_and_nothing_private(
    project, release_desk, database_url, run_kb, staff
):
    desk, _store = release_desk
    defects = Defects(desk)
    cases = [
        log(desk, "Bars vanish", "Zoe Customer", "zoe@example.com", "Zoe Builders"),
        log(desk, "Totals wrong", "Yan Buyer", "yan@example.com"),
        log(desk, "Import fails", "Xia Planner", "xia@example.com"),
        log(desk, "Export slow", "Wes Writer", "wes@example.com"),
    ]
    rows = [desk.case_for_agent(staff["dan"], number) for number in cases]
    ann = staff["ann"]
    defects.classify(ann, rows[0], "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")
    defects.classify(ann, rows[1], "bug", "ENG-43", HOSTILE, "2026.4")
    defects.classify(ann, rows[2], "bug", "ENG-44", "The import works again for Xia Planner.", "2026.4")
    defects.classify(ann, rows[3], "enhancement", "ENG-45", "Acme Water exports are faster.", "2026.4")

    result = run_kb(project, "release", "notes", "2026.4", "--database-url", database_url)

    assert result.exit_code == 0, result.output
    assert "docs/releases/2026.4.md" in result.output and "docs/releases/index.md" in result.output
    assert "defect ENG-44: it names one of its customers; left out" in result.output
    assert "defect ENG-45: it names a client; left out" in result.output
    notes = (project / "docs/releases/2026.4.md").read_text(encoding="utf-8")
    assert "- Imported schedules keep their bars." in notes
    assert "[Zoom the Gantt chart with the mouse wheel](../../kb/scheduling/zoom.md)" in notes
    assert "Zoom slider (Scheduling)" in notes
    for private in ("Harbor", "Reset the scheduler", "Half-written", "ENG-4", "CASE-", "Zoe", "zoe@", "Xia", "Acme"):
        assert private not in notes, private
    assert "<script>" not in notes and "{{" not in notes and "](javascript" not in notes

    assert run_kb(project, "check").exit_code == 0
    again = run_kb(project, "release", "notes", "2026.4", "--database-url", database_url)
    assert again.exit_code == 1 and "pass --force" in again.output

    # The notes build into a client's help centre (the user manual's What's new), the leak check passing.
    catalog = load_catalog(project)
    out = project / "build" / "client-acme"
    build_target(project, client_target(catalog.clients["acme"]), out)
    page = (out / "user/whats-new/2026.4/index.html").read_text(encoding="utf-8")
    assert "Imported schedules keep their bars." in page
    assert HOSTILE in html.unescape(re.sub(r"<[^<>]+>", "", page))  # shown as the words it is, nothing else
    assert "<script>alert" not in page and 'href="javascript' not in page and "arithmatex" not in page


def test_the_leak_check_covers_the_release_notes(project):
    """A writer who adds another client's name or private page to the draft: the client build fails, nothing
    published."""
    (project / "docs/releases").mkdir()
    (project / "docs/releases/2026.4.md").write_text(
        "---\nid: USR-050\ntitle: What's new in 2026.4\n---\n\n# What's new\n\n"
        "Harbor Transit asked for the rail schedule (KB-0104).\n",
        encoding="utf-8",
    )
    catalog = load_catalog(project)

    with pytest.raises(LeakError) as leak:
        build_target(project, client_target(catalog.clients["acme"]), project / "build" / "client-acme")
    assert "user/whats-new/2026.4/index.html: harbor's name 'Harbor Transit'" in str(leak.value)
    assert not (project / "build" / "client-acme").exists()


def test_release_notes_refuse_a_version_product_yml_does_not_list(project, run_kb, database_url):
    result = run_kb(project, "release", "notes", "2027.1", "--database-url", database_url)

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: product.yml: version '2027.1' is not listed; expected one of 2026.4, 2026.3, 2026.2, 2026.1"
    ]


def test_release_notes_of_a_released_version_compare_its_tag_with_the_previous_one(project, run_kb, database_url):
    result = run_kb(project, "release", "notes", "2026.2", "--database-url", database_url)

    assert result.exit_code == 0, result.output
    notes = (project / "docs/releases/2026.2.md").read_text(encoding="utf-8")
    assert "New: [Compare a schedule with its baseline]" in notes
    assert "Baseline comparison (Scheduling)" in notes
    assert "Zoom" not in notes and "critical path" not in notes.lower()  # 2026.3's and 2026.4's, not 2026.2's


def test_publish_from_the_terminal_resolves_and_mails_once(project, release_desk, database_url, run_kb, staff):
    sink = SmtpSink().start()
    try:
        (project / "portal.yml").write_text(f"mail: {{smtp_host: 127.0.0.1, smtp_port: {sink.port}}}\n")
        desk, store = release_desk
        number = log(desk, "Bars vanish", "Zoe Customer", "zoe@example.com")
        row = desk.case_for_agent(staff["dan"], number)
        Defects(desk).classify(staff["ann"], row, "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")

        first = run_kb(project, "release", "publish", "2026.4", "--database-url", database_url, "--by", "rm")

        assert first.exit_code == 0, first.output
        assert f"ENG-42: 1 case(s) resolved: {number}" in first.output
        assert "product.yml still lists 2026.4 as planned" in first.output
        mail = [m for m in sink.to("zoe@example.com") if "Fix available" in m.subject]
        assert len(mail) == 1 and mail[0].subject == f"[{number}] Fix available in version 2026.4"
        assert "The fix for your case is available in Sample Planner 2026.4." in mail[0].body
        assert "/user/whats-new/2026.4/" in mail[0].body
        assert store.case(number).status == "resolved"

        second = run_kb(project, "release", "publish", "2026.4", "--database-url", database_url)
        assert (
            second.exit_code == 0 and "was published on" in second.output and "by rm; nothing changed" in second.output
        )
        assert len([m for m in sink.to("zoe@example.com") if "Fix available" in m.subject]) == 1

        report = run_kb(project, "report", "--database-url", database_url)
        assert report.exit_code == 0 and "    ENG-42: 1" in report.output
        assert "From case to shipped fix, over 1 case(s): median under an hour" in report.output
        csv = run_kb(project, "report", "--csv", "--database-url", database_url).output
        assert '"cases_per_defect","ENG-42","1"' in csv and '"case_to_shipped_fix","median_hours","0.0"' in csv

        unknown = run_kb(project, "release", "publish", "2027.1", "--database-url", database_url)
        assert unknown.exit_code == 1 and "'2027.1' is not one of product.yml's versions" in unknown.output
    finally:
        sink.stop()
