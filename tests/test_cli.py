"""The `kb` command line through click's CliRunner: exit 0 on success, exit 1 and one clear message for
anything the user can fix, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from generator.catalog import load_catalog
from generator.cli import GC_THRESHOLDS

# A problem line as `kb check` prints it: path:line: message, or path: message for whole-file problems.
PROBLEM_LINE = re.compile(r"^[\w./-]+(:\d+)?: \S")

TROUBLESHOOTING = """---
id: KB-0100
title: Finish dates are late after a calendar change
summary: Changing a calendar moves finish dates.
type: troubleshooting
module: scheduling
confidence: validated
---

## Issue

Dates moved.

## Environment

Any version.

## Resolution

Recalculate.
"""


# kb --help


def test_help_lists_every_command(run_kb):
    result = run_kb(None, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: kb [OPTIONS] COMMAND [ARGS]...")
    for command in ("build", "check", "new", "serve"):
        assert re.search(rf"^  {command}\s+\S", result.output, re.MULTILINE), command


def test_every_named_command_loads_under_its_name(run_kb):
    from generator.cli import COMMANDS, cli

    ctx = cli.make_context("kb", ["--help"], resilient_parsing=True)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name, name
    listed = re.findall(r"^  (\S+)\s", run_kb(None, "--help").output.split("Commands:")[1], re.MULTILINE)
    assert listed == sorted(COMMANDS)


@pytest.mark.parametrize(
    ("command", "heavy"),
    [("building", ("flask", "sqlalchemy", "numpy", "weasyprint")), ("checking", ("flask", "sqlalchemy", "mkdocs"))],
)
def test_a_command_imports_only_what_it_uses(command, heavy):
    """Each command's module is imported when it runs: `kb build` pays neither for the portal (Flask,
    SQLAlchemy) nor the search's query side (numpy), `kb check` not for the site engine."""
    import subprocess
    import sys

    script = f"import sys, generator.cli.{command}; print(' '.join(sorted(set({heavy!r}) & set(sys.modules))))"
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


@pytest.mark.parametrize("command", [["new"], ["new", "article"], ["check"], ["build"], ["serve"]], ids=" ".join)
def test_each_command_explains_itself(run_kb, command):
    result = run_kb(None, *command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: kb {' '.join(command)} [OPTIONS]")
    assert "--help" in result.output


def test_missing_root_folder_is_exit_1(run_kb, tmp_path):
    result = run_kb(tmp_path / "nowhere", "check")
    assert result.exit_code == 1
    assert "Error: Invalid value for '--root'" in result.output
    assert "does not exist" in result.output


def test_folder_without_product_yml_is_exit_1(run_kb, tmp_path):
    result = run_kb(tmp_path, "check")
    assert result.exit_code == 1
    assert f"Error: {tmp_path}: no product.yml here" in result.output


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        (["--help"], 0, "Usage: kb"),
        (["--root", "nowhere", "check"], 1, "does not exist"),
        (["check"], 1, "no product.yml here"),
    ],
)
def test_the_program_exits_with_the_commands_code_its_output_and_its_exit_handlers(tmp_path, argv, code, said):
    """`kb` ends without the interpreter's teardown (cli.main): the code, every line printed and the exit
    handlers (logging's flush, multiprocessing's) must survive that. It runs with kb's collector thresholds."""
    program = (
        "import atexit, gc, sys; "
        "atexit.register(lambda: print('exit handler ran', gc.get_threshold(), file=sys.stderr)); "
        "from generator.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code, done.stderr
    assert said in done.stdout + done.stderr
    assert done.stderr.endswith(f"exit handler ran {GC_THRESHOLDS}\n")  # and kb's collector thresholds


# kb check


def test_check_on_a_clean_project_exits_0(run_kb, make_project):
    result = run_kb(make_project("basic"), "check")
    assert result.exit_code == 0
    assert result.output == "No problems in 7 pages.\n"


def test_check_prints_every_problem_as_path_line_message_and_exits_1(run_kb, make_project):
    root = make_project(
        "basic",
        files={
            "kb/scheduling/tab.md": "---\nid: KB-0101\ntitle: T\n\tsummary: S\n---\n",
            "kb/scheduling/no-front-matter.md": "# Heading\n",
            "kb/budgets/python.md": "---\nid: KB-0102\ntitle: !!python/object/apply:os.system [ls]\n---\n",
            "docs/user/02-broken.md": "---\nid: USR-002\ntitle: Broken\n---\n\n[Gone](03-gone.md)\n",
        },
    )
    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout.splitlines() == [
        "docs/user/02-broken.md:6: broken link '03-gone.md'; expected a file under kb/ or docs/",
        "kb/budgets/python.md:3: YAML tag '!!python/object/apply:os.system' is not allowed; "
        "expected plain values (strings, numbers, lists, mappings)",
        "kb/scheduling/no-front-matter.md:1: no front matter; expected the file to start with '---', "
        "YAML keys (id, title, ...), then '---'",
        "kb/scheduling/tab.md:4: invalid YAML: a tab character; YAML is indented with spaces, expected spaces",
    ]
    assert all(PROBLEM_LINE.match(line) for line in result.stdout.splitlines())
    assert result.stderr == "Error: 4 errors and 0 warnings in 4 files\n"


def test_check_reports_a_warning_and_exits_0(run_kb, make_project):
    root = make_project("basic", files={"kb/scheduling/late-finish.md": TROUBLESHOOTING})
    result = run_kb(root, "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "kb/scheduling/late-finish.md:9: troubleshooting article: expected the sections Issue, Environment, "
        "Resolution, Cause in that order, found Issue, Environment, Resolution (warning)",
        "1 warnings.",
    ]


def test_check_strict_turns_a_warning_into_exit_1(run_kb, make_project):
    root = make_project("basic", files={"kb/scheduling/late-finish.md": TROUBLESHOOTING})
    result = run_kb(root, "check", "--strict")
    assert result.exit_code == 1
    assert "kb/scheduling/late-finish.md:9: troubleshooting article" in result.stdout
    assert result.stderr == "Error: 0 errors and 1 warning in 1 file\n"


# kb new article


def test_new_article_writes_the_next_id_and_prints_the_path(run_kb, make_project):
    root = make_project("basic")
    result = run_kb(root, "new", "article", "Baseline bars are missing after a copy", "--module", "scheduling")
    assert result.exit_code == 0
    assert result.output == "kb/scheduling/baseline-bars-are-missing-after-a-copy.md\n"
    text = (root / result.output.strip()).read_text(encoding="utf-8")
    assert "\nid: KB-0006\n" in text
    assert "\ntitle: Baseline bars are missing after a copy\n" in text
    assert "\ntype: troubleshooting\n" in text
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == ["Issue", "Environment", "Resolution", "Cause"]


def test_new_article_passes_check(run_kb, make_project):
    root = make_project("basic")
    for page_type in ("troubleshooting", "howto", "faq", "reference"):
        result = run_kb(root, "new", "article", f"A new {page_type} page", "--module", "budgets", "--type", page_type)
        assert result.exit_code == 0, result.output
    result = run_kb(root, "check", "--strict")
    assert result.exit_code == 0, result.output
    assert result.output == "No problems in 11 pages.\n"
    ids = sorted(page.id for page in load_catalog(root).pages if page.src_uri.startswith("kb/budgets/a-new"))
    assert ids == ["KB-0006", "KB-0007", "KB-0008", "KB-0009"]


def test_new_article_with_an_unknown_module_lists_the_modules(run_kb, make_project):
    root = make_project("basic")
    result = run_kb(root, "new", "article", "Payroll is wrong", "--module", "payroll")
    assert result.exit_code == 1
    assert result.output == "Error: --module 'payroll': unknown module; expected one of scheduling, budgets\n"
    assert not (root / "kb/payroll").exists()


def test_new_article_never_overwrites_an_existing_file(run_kb, make_project):
    existing = "kb/scheduling/gantt-is-empty.md"
    root = make_project("basic", files={existing: "a writer's unsaved work\n"})
    result = run_kb(root, "new", "article", "Gantt is empty", "--module", "scheduling")
    assert result.exit_code == 1
    assert result.output == f"Error: {existing} already exists; choose another title\n"
    assert (root / existing).read_text(encoding="utf-8") == "a writer's unsaved work\n"


# kb build


def test_build_writes_the_site_into_build_site(run_kb, make_project):
    root = make_project("basic")
    result = run_kb(root, "build")
    assert result.exit_code == 0, result.output
    assert (root / "build/site/index.html").is_file()
    assert (root / "build/site/kb/scheduling/gantt-empty/index.html").is_file()
    assert "Built 4 pages into" in result.stderr
    assert sorted(p.name for p in (root / "build").iterdir()) == [
        ".site-search.lock",
        "site",
        "site-cache",  # the engine's cache, for the next build (generator/engine_cache.py)
        "site-search",
    ]  # no scratch folder left behind


@pytest.mark.parametrize("where", ["/", "~", ".", "kb", "docs", "kb/scheduling"])
def test_build_refuses_to_replace_a_folder_it_would_destroy(run_kb, make_project, tmp_path, monkeypatch, where):
    # The project has a broken page, so even if the guard failed the build would stop before writing.
    root = make_project("basic", files={"kb/scheduling/broken.md": "no front matter\n"})
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    out = where if where in ("/", "~") else str(root / where)
    result = run_kb(root, "build", "--out", out)
    assert result.exit_code == 1
    assert "refusing to replace this folder; expected a folder of its own such as build/site" in result.output
    assert (root / "kb/scheduling/gantt-empty.md").is_file()


def test_build_refuses_to_replace_the_git_folder(run_kb, make_project):
    root = make_project("basic", files={"kb/scheduling/broken.md": "no front matter\n", ".git/HEAD": "ref\n"})
    result = run_kb(root, "build", "--out", str(root / ".git"))
    assert "refusing to replace this folder" in result.output


def test_build_refuses_an_out_path_that_is_a_file(run_kb, make_project):
    root = make_project("basic")
    result = run_kb(root, "build", "--out", str(root / "product.yml"))
    assert result.exit_code == 1
    assert "exists and is not a folder" in result.output


def test_build_with_an_unknown_target_is_exit_1(run_kb, make_project):
    result = run_kb(make_project("basic"), "build", "--target", "everything")
    assert result.exit_code == 1
    assert "Invalid value for '--target': 'everything' is not one of 'internal', 'site'" in result.output


def test_build_with_a_missing_root_is_exit_1(run_kb, tmp_path):
    result = run_kb(tmp_path / "nowhere", "build")
    assert result.exit_code == 1
    assert "Directory" in result.output and "does not exist" in result.output
