"""The repository's own sample project shows versions: product.yml lists at least two versions, the older
ones by commit id (every clone has it; a tag may not travel), and a fresh clone builds them with visible
differences from the current version."""

from __future__ import annotations

import re
import subprocess

import pytest

from generator.catalog import load_product
from tests.conftest import REPO
from tests.versioned_project import git


def _history_available() -> bool:
    found = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=REPO, capture_output=True, text=True)
    return found.returncode == 0 and found.stdout.strip() == "false"


def test_the_sample_lists_released_versions_by_commit_id():
    product = load_product(REPO, problems := [])
    assert problems == []
    built = [version for version in product.versions if version.is_built]
    assert len(built) >= 2
    for version in built:
        if not version.is_current:
            assert re.fullmatch(r"[0-9a-f]{40}", version.ref), f"{version.name}: a full commit id travels with clones"


@pytest.mark.skipif(not _history_available(), reason="needs this repository's full git history (not a shallow clone)")
def test_a_fresh_clone_builds_the_samples_older_version_with_its_differences(tmp_path, run_kb):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(REPO), str(clone))
    result = run_kb(clone, "build", "--version", "2026.2")
    assert result.exit_code == 0, result.output
    current = (clone / "kb/budgets/distribute-budget-cash-flow-curve.md").is_file()
    older = clone / "build/site/v/2026.2"
    assert current and not (older / "kb/budgets/distribute-budget-cash-flow-curve").exists()
    settings = (older / "kb/projects/project-settings-reference/index.html").read_text(encoding="utf-8")
    assert "(2026.2)" in settings and "Constraint handling" not in settings
    gantt = (older / "user/gantt-chart/index.html").read_text(encoding="utf-8")
    assert "You are reading the help for version 2026.2." in gantt and "a layout\nis private to you" in gantt
