"""A test project made as a git repository with three released versions and one planned, the way a vendor's
documentation repository grows (issue: versions and releases).

    v2026.1 (tag)  tests/roots/basic as it is, version "2026.1"; marked unsupported at HEAD
    v2026.2 (tag)  KB-0001's resolution changes; a new article KB-0101 for a new screen schedule.baseline
    v2026.3 (tag)  the current version (HEAD, the working tree): KB-0001 says "press Ctrl+R"; KB-0102 is new
                   with `versions: ">=2026.3"` for a new screen schedule.critical; the user manual's chapter
                   changes
    2026.4         planned: no sources yet; fixes target it

Acme (clients/acme.yml) runs 2026.2. Every version's product.yml says its own `version:`; HEAD's lists them all
(`versions:` with the tags as refs). Each marker phrase below is written in exactly one version, so a test can
tell which version's sources a page came from."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import copy_root

MARKER_2026_1 = "Press F9 to recalculate the schedule"  # KB-0001's resolution in 2026.1 only
MARKER_2026_2 = "Open Schedule and choose Recalculate all"  # KB-0001's resolution in 2026.2 only
MARKER_2026_3 = "Press Ctrl+R to recalculate"  # KB-0001's resolution in 2026.3 only

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Docs Writer",
    "GIT_AUTHOR_EMAIL": "writer@example.com",
    "GIT_COMMITTER_NAME": "Docs Writer",
    "GIT_COMMITTER_EMAIL": "writer@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,  # the machine's own git settings (signing, hooks) stay out of the test
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}: update tests/versioned_project.py"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _set_version(root: Path, version: str) -> None:
    product = root / "product.yml"
    lines = product.read_text(encoding="utf-8").splitlines(keepends=True)
    product.write_text(
        "".join(f'version: "{version}"\n' if line.startswith("version:") else line for line in lines), encoding="utf-8"
    )


def _commit(root: Path, message: str, tag: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    git(root, "tag", tag)
    return git(root, "rev-parse", "HEAD")


ARTICLE = """---
id: {id}
title: {title}
summary: {title}.
type: howto
module: scheduling
confidence: validated
{extra}---

## Steps

1. {body}
"""


def make_versioned_project(dest: Path) -> Path:
    """The repository described above at `dest`; returns `dest` (its working tree is version 2026.3)."""
    root = copy_root("basic", dest)
    git(root, "init", "-q", "-b", "main")
    gantt = root / "kb/scheduling/gantt-empty.md"
    _set_version(root, "2026.1")
    _replace(gantt, "1. Press ++f9++ to recalculate.", f"1. {MARKER_2026_1}.")
    _commit(root, "Version 2026.1", "v2026.1")

    _set_version(root, "2026.2")
    _replace(gantt, MARKER_2026_1, MARKER_2026_2)
    (root / "kb/scheduling/baseline-compare.md").write_text(
        ARTICLE.format(
            id="KB-0101",
            title="Compare a schedule with its baseline",
            extra="contexts: [schedule.baseline]\n",
            body="Open Baselines.",
        ),
        encoding="utf-8",
    )
    with (root / "contexts.yml").open("a", encoding="utf-8") as contexts:
        contexts.write("  schedule.baseline: {title: Baseline comparison, module: scheduling}\n")
    _commit(root, "Version 2026.2", "v2026.2")

    _set_version(root, "2026.3")
    _replace(gantt, MARKER_2026_2, MARKER_2026_3)
    (root / "kb/scheduling/critical-path.md").write_text(
        ARTICLE.format(
            id="KB-0102",
            title="Show the critical path",
            extra='versions: ">=2026.3"\ncontexts: [schedule.critical]\n',
            body="Turn on Critical path in the View menu.",
        ),
        encoding="utf-8",
    )
    with (root / "docs/user/01-gantt.md").open("a", encoding="utf-8") as chapter:
        chapter.write("\nNew in 2026.3: the Gantt chart zooms with the mouse wheel.\n")
    with (root / "contexts.yml").open("a", encoding="utf-8") as contexts:
        contexts.write("  schedule.critical: {title: Critical path, module: scheduling}\n")
    with (root / "product.yml").open("a", encoding="utf-8") as product:
        product.write(
            "versions:\n"
            '  "2026.4": {status: planned}\n'
            '  "2026.3": {ref: v2026.3}\n'
            '  "2026.2": {ref: v2026.2, released: 2026-06-01}\n'
            '  "2026.1": {ref: v2026.1, status: unsupported}\n'
        )
    with (root / "clients/acme.yml").open("a", encoding="utf-8") as acme:
        acme.write('version: "2026.2"\n')
    _commit(root, "Version 2026.3", "v2026.3")
    return root
