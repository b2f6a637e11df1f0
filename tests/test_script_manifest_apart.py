"""The theme's script manifest with the engine's files found by a child while the context help is written
(theme_scripts.script_manifest_alongside): the same manifest as one found here, a file changed since the
engine placed it still read, and a child that fails leaves the work to this process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator import theme_scripts
from generator.build import build_target
from generator.model import SITE
from generator.theme_scripts import MANIFEST, script_hash, script_manifest_alongside, write_script_manifest


@pytest.fixture
def apart_for_any_size(monkeypatch):
    """A child for the sample's few files, whatever threads this test process has (when kb may fork is
    forking.py's rule, tested in tests/test_forking.py)."""
    monkeypatch.setattr(theme_scripts, "APART_FROM", 1)
    monkeypatch.setattr(theme_scripts, "may_start_workers", lambda: True)


def _page(site: Path, rel: str, script: str) -> tuple[tuple[int, int, int], tuple[str, ...]]:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><script>{script}</script>\n", encoding="utf-8")
    found = path.stat()
    return (found.st_size, found.st_mtime_ns, found.st_ino), (script_hash(script),)


def test_the_engines_files_found_by_a_child_give_the_manifest_found_here(tmp_path: Path, apart_for_any_size):
    site = tmp_path / "site"
    known = {rel: _page(site, rel, f"var page = '{rel}'") for rel in ("a/index.html", "b/c/index.html", "index.html")}
    _page(site, "404.html", "var missing = 1")
    changed = site / "b/c/index.html"
    changed.write_text("<!doctype html><script>var changed = 'since'</script>\n", encoding="utf-8")  # same inode
    with script_manifest_alongside(site, known, ["404.html"], ["context"]) as manifest:
        assert manifest.apart is not None
        _page(site, "context/x/index.html", "var context = 'written meanwhile'")
        hashes = manifest.write()
    expected = {script_hash(f"var page = '{rel}'") for rel in ("a/index.html", "index.html")}
    later = ("var changed = 'since'", "var missing = 1", "var context = 'written meanwhile'")
    expected |= {script_hash(script) for script in later}
    assert set(hashes) == expected
    assert json.loads((site / MANIFEST).read_text(encoding="utf-8"))["script-src"] == list(hashes)
    assert write_script_manifest(site, known, ["404.html"], ["context"]) == hashes


def test_a_child_that_fails_leaves_the_engines_files_to_be_found_here(tmp_path: Path, apart_for_any_size, monkeypatch):
    parent = os.getpid()
    found_here = theme_scripts._script_hashes

    def here_only(files, known, listed=True):
        if os.getpid() != parent:
            os._exit(3)  # the child dies without a word
        return found_here(files, known, listed)

    monkeypatch.setattr(theme_scripts, "_script_hashes", here_only)
    site = tmp_path / "site"
    known = {"a/index.html": _page(site, "a/index.html", "var a = 1")}
    with script_manifest_alongside(site, known, [], ["context"]) as manifest:
        assert manifest.apart is not None
        assert manifest.write() == (script_hash("var a = 1"),)


def test_a_build_with_the_manifest_found_by_a_child_equals_one_found_here(make_project, apart_for_any_size):
    demo = {"demo/index.html": "<!doctype html><title>Demo</title><script>var demo = 'screen'</script>\n"}
    root = make_project("basic", files=demo)
    out = root / "build" / "site"
    for _ in range(2):  # a first build, then one whose site is made from the last one's
        build_target(root, SITE, out)
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["script-src"]
        assert script_hash("var demo = 'screen'") in listed
        assert tuple(listed) == write_script_manifest(out)  # a walk of every file of the site
