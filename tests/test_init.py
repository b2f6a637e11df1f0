"""`kb init` makes a new, empty project that checks and builds; `kb new chapter` adds chapters and sections."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from generator.project_init import skeleton_files

REPO = Path(__file__).resolve().parent.parent


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def test_init_makes_a_project_that_checks_strict_and_builds(tmp_path, run_kb):
    result = run_kb(None, "init", str(tmp_path / "help"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "help"
    for name in ("product.yml", "contexts.yml", "mkdocs.yml", ".gitignore", "overrides/assets/kb.css"):
        assert (root / name).is_file(), name
    for book in ("user", "admin", "training"):
        assert (root / "docs" / book / "index.md").is_file()
    assert len(list((root / "kb").rglob("*.md"))) == 1
    check = run_kb(root, "check", "--strict")
    assert check.exit_code == 0, check.output
    assert "No problems in 4 pages." in check.output
    build = run_kb(root, "build")
    assert build.exit_code == 0, build.output
    home = (root / "build" / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="kb-hero"' in home and "assets/kb-theme.css" in home  # kb's theme, staged from the package


def test_init_carries_no_sample_content_names_or_logo():
    files = skeleton_files()
    for name, content in files.items():
        assert b"Meridian" not in content and b"meridian" not in content, name
    assert files["overrides/assets/logo.svg"] != (REPO / "overrides" / "assets" / "logo.svg").read_bytes()
    product = yaml.safe_load(files["product.yml"])
    assert product["terms"] == {} and product["featured"] == []


def test_init_gives_a_project_its_brand_and_kb_gives_it_the_theme():
    """A new project holds only its brand in overrides/ (the theme is kb's, generator/theme/, staged under
    it): the same files as the sample project's overrides/, with the same brand variables to edit."""
    files = skeleton_files()
    own = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "overrides").rglob("*") if p.is_file())
    assert sorted(name for name in files if name.startswith("overrides/")) == own
    variables = re.compile(r"^\s*(--[\w-]+):", re.M)
    sample = (REPO / "overrides" / "assets" / "kb.css").read_text(encoding="utf-8")
    assert variables.findall(files["overrides/assets/kb.css"].decode()) == variables.findall(sample)


def test_init_skeleton_enables_the_sample_projects_markdown_extensions():
    skeleton = yaml.safe_load(skeleton_files()["mkdocs.yml"])
    sample = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert skeleton["markdown_extensions"] == sample["markdown_extensions"]
    assert skeleton["theme"] == sample["theme"]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, run_kb):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_kb(None, "init", str(tmp_path))
    assert result.exit_code == 1
    assert "the folder is not empty" in result.output and "--force" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_force_adds_missing_files_and_overwrites_none(tmp_path, run_kb):
    (tmp_path / "product.yml").write_text("name: Mine\n", encoding="utf-8")
    result = run_kb(None, "init", str(tmp_path), "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "product.yml").read_text(encoding="utf-8") == "name: Mine\n"
    assert (tmp_path / "mkdocs.yml").is_file() and "  product.yml" not in result.output


def test_new_chapter_takes_the_next_number_and_id(tmp_path, run_kb):
    run_kb(None, "init", str(tmp_path))
    first = run_kb(tmp_path, "new", "chapter", "Getting started", "--book", "user")
    second = run_kb(tmp_path, "new", "chapter", "Reports", "--book", "user")
    assert first.output.strip() == "docs/user/01-getting-started.md"
    assert second.output.strip() == "docs/user/02-reports.md"
    meta = front_matter(tmp_path / "docs/user/02-reports.md")
    assert meta["id"] == "USR-002" and meta["title"] == "Reports"
    assert run_kb(tmp_path, "check", "--strict").exit_code == 0


def test_new_chapter_in_a_section_makes_the_section_once(tmp_path, run_kb):
    run_kb(None, "init", str(tmp_path))
    run_kb(tmp_path, "new", "chapter", "Orientation", "--book", "training")
    made = run_kb(tmp_path, "new", "chapter", "Gantt chart", "--book", "training", "--section", "Scheduling")
    assert made.output.split() == [
        "docs/training/02-scheduling/index.md",
        "docs/training/02-scheduling/01-gantt-chart.md",
    ]
    again = run_kb(tmp_path, "new", "chapter", "Baselines", "--book", "training", "--section", "scheduling")
    assert again.output.split() == ["docs/training/02-scheduling/02-baselines.md"]
    assert front_matter(tmp_path / "docs/training/02-scheduling/index.md") == {"id": "TRN-002", "title": "Scheduling"}
    check = run_kb(tmp_path, "check", "--strict")
    assert check.exit_code == 0, check.output


def test_new_chapter_never_overwrites_and_never_reuses_a_number(tmp_path, run_kb):
    run_kb(None, "init", str(tmp_path))
    run_kb(tmp_path, "new", "chapter", "Reports", "--book", "admin")
    (tmp_path / "docs/admin/02-reports.md").write_text("mine", encoding="utf-8")
    (tmp_path / "docs/admin/01-reports.md").unlink()
    made = run_kb(tmp_path, "new", "chapter", "Reports", "--book", "admin")
    assert made.output.strip() == "docs/admin/03-reports.md"
    assert (tmp_path / "docs/admin/02-reports.md").read_text(encoding="utf-8") == "mine"
