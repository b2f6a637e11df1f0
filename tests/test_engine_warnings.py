"""The site engine's warnings at the writer's file and line, and `kb build --strict` failing on them."""

from __future__ import annotations

from generator.catalog import load_catalog
from generator.engine_warnings import locate_engine_warnings
from tests.conftest import REPO

GANTT = "docs/user/01-gantt.md"  # staged as user/gantt.md


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_an_engine_warning_names_the_source_file_and_the_line_of_the_link(make_project):
    root = make_project("basic")
    text = (root / GANTT).read_text(encoding="utf-8") + "\nSee [the notes](notes.md#setup) and more.\n"
    (root / GANTT).write_text(text, encoding="utf-8")
    pages = load_catalog(root).pages
    messages = [
        "Doc file 'user/gantt.md' contains a link 'notes.md#setup', but the target 'user/notes.md' is not found "
        "among documentation files.",
        "Doc file 'user/gantt.md' contains a link '#setup', but there is no such anchor on this page.",
        "Doc file 'user/gantt.md' contains an absolute link '/nowhere/', it was left as is.",
        "Something about no page in particular.",
    ]
    found = [str(problem) for problem in locate_engine_warnings(messages, pages)]
    assert found == [
        f"{GANTT}:{line_of(text, 'notes.md#setup')}: {messages[0]} (warning)",
        f"{GANTT}:{line_of(text, '#setup')}: {messages[1]} (warning)",
        f"{GANTT}: {messages[2]} (warning)",  # the link is nowhere in the source: the file, without a line
        f"mkdocs.yml: the site engine: {messages[3]} (warning)",
    ]


def engine_warns(make_project):
    """The basic project with a link the engine warns about and kb's own checks leave alone (an absolute
    link, with the engine told to warn about those)."""
    mkdocs = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    mkdocs = mkdocs.replace("    anchors: info\n", "    anchors: info\n    absolute_links: warn\n")
    root = make_project("basic", files={"mkdocs.yml": mkdocs})
    text = (root / GANTT).read_text(encoding="utf-8") + "\nSee [the schedules](/kb/scheduling/) too.\n"
    (root / GANTT).write_text(text, encoding="utf-8")
    return root, line_of(text, "/kb/scheduling/")


def test_build_prints_engine_warnings_at_the_source_line(make_project, run_kb):
    root, line = engine_warns(make_project)
    result = run_kb(root, "build")
    assert result.exit_code == 0
    assert f"warning: {GANTT}:{line}: Doc file 'user/gantt.md' contains an absolute link '/kb/scheduling/'" in (
        result.output
    )


def test_strict_build_fails_on_an_engine_warning_with_its_source_line(make_project, run_kb):
    root, line = engine_warns(make_project)
    result = run_kb(root, "build", "--strict")
    assert result.exit_code == 1
    assert f"\n  {GANTT}:{line}: Doc file 'user/gantt.md' contains an absolute link '/kb/scheduling/'" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert not (root / "build" / "site").exists()  # nothing published
