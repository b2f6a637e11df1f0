"""The theme's script manifest with the engine's files checked by another process while the context help is
written (theme_scripts.script_manifest_alongside, file_states.py): the same manifest as one found here, a
file changed since the engine placed it still read, and a checker that fails leaves the work to the build."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from generator import file_states, theme_scripts
from generator.build import build_target
from generator.file_states import StatesChecked, not_in_state
from generator.model import SITE
from generator.theme_scripts import MANIFEST, script_hash, script_manifest_alongside, write_script_manifest


@pytest.fixture
def apart_for_any_size(monkeypatch):
    """Checked apart for the sample's few files, whatever threads this test process has (the rule is
    forking.py's, tested in tests/test_forking.py)."""
    monkeypatch.setattr(theme_scripts, "APART_FROM", 1)
    monkeypatch.setattr(theme_scripts, "may_start_workers", lambda: True)


def _page(site: Path, rel: str, script: str) -> tuple[tuple[int, int, int], tuple[str, ...]]:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><script>{script}</script>\n", encoding="utf-8")
    found = path.stat()
    return (found.st_size, found.st_mtime_ns, found.st_ino), (script_hash(script),)


def test_the_files_not_in_their_recorded_state_are_found_by_another_process(tmp_path: Path):
    entries = []
    for name in ("same", "rewritten", "touched", "gone"):
        path = tmp_path / name
        path.write_text("<p>as placed</p>", encoding="utf-8")
        found = path.stat()
        entries.append((str(path), (found.st_size, found.st_mtime_ns, found.st_ino)))
    (tmp_path / "rewritten").write_text("<p>as placed!</p>", encoding="utf-8")  # the same inode, written since
    mtime = entries[2][1][1]
    os.utime(tmp_path / "touched", ns=(mtime + 1000, mtime + 1000))  # same size, another time
    (tmp_path / "gone").unlink()
    expected = [str(tmp_path / name) for name in ("rewritten", "touched", "gone")]
    assert not_in_state(entries) == expected
    checked = StatesChecked(entries)
    assert checked.changed() == set(expected)
    checked.stop()


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-c", "import sys; sys.exit(3)"], [sys.executable, "-c", "print('not an answer')"], [""]],
    ids=["fails", "garbled", "cannot-start"],
)
def test_a_checker_that_fails_or_answers_nonsense_gives_no_answer(tmp_path: Path, monkeypatch, command: list[str]):
    monkeypatch.setattr(file_states, "COMMAND", command)
    checked = StatesChecked([(str(tmp_path / "a"), (1, 2, 3))])
    assert checked.changed() is None
    checked.stop()


def test_the_engines_files_checked_apart_give_the_manifest_found_here(tmp_path: Path, apart_for_any_size):
    site = tmp_path / "site"
    known = {rel: _page(site, rel, f"var page = '{rel}'") for rel in ("a/index.html", "b/c/index.html", "index.html")}
    _page(site, "404.html", "var missing = 1")
    changed = site / "b/c/index.html"
    changed.write_text("<!doctype html><script>var changed = 'since'</script>\n", encoding="utf-8")  # same inode
    with script_manifest_alongside(site, known, ["404.html"], ["context"]) as manifest:
        assert manifest.checked is not None
        _page(site, "context/x/index.html", "var context = 'written meanwhile'")
        hashes = manifest.write()
    expected = {script_hash(f"var page = '{rel}'") for rel in ("a/index.html", "index.html")}
    later = ("var changed = 'since'", "var missing = 1", "var context = 'written meanwhile'")
    expected |= {script_hash(script) for script in later}
    assert set(hashes) == expected
    assert json.loads((site / MANIFEST).read_text(encoding="utf-8"))["script-src"] == list(hashes)
    assert write_script_manifest(site, known, ["404.html"], ["context"]) == hashes


def test_a_checker_that_fails_leaves_the_engines_files_to_be_checked_here(
    tmp_path: Path, apart_for_any_size, monkeypatch
):
    monkeypatch.setattr(file_states, "COMMAND", [sys.executable, "-c", "import sys; sys.exit(3)"])
    site = tmp_path / "site"
    known = {"a/index.html": _page(site, "a/index.html", "var a = 1")}
    (site / "a/index.html").write_text("<script>var a = 2</script>", encoding="utf-8")
    with script_manifest_alongside(site, known, [], ["context"]) as manifest:
        assert manifest.checked is not None
        assert manifest.write() == (script_hash("var a = 2"),)


def test_a_build_with_the_engines_files_checked_apart_lists_what_a_walk_finds(make_project, apart_for_any_size):
    demo = {"demo/index.html": "<!doctype html><title>Demo</title><script>var demo = 'screen'</script>\n"}
    root = make_project("basic", files=demo)
    out = root / "build" / "site"
    for _ in range(2):  # a first build, then one whose site is made from the last one's
        build_target(root, SITE, out)
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["script-src"]
        assert script_hash("var demo = 'screen'") in listed
        assert tuple(listed) == write_script_manifest(out)  # a walk of every file of the site
