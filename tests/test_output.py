"""Outputs replaced whole, and the leftovers of killed builds: a `kb build` killed with -9 leaves its scratch
folder beside the output; the next build removes it, but never the folder of a build still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from generator.build import index_beside
from generator.output import new_folder_beside, remove_leftovers


def leftovers(out: Path) -> list[str]:
    """The scratch folders beside `out` and its search index (the index's lock file stays, by design)."""
    prefixes = tuple(f".{name}.{kind}-" for name in (out.name, index_beside(out).name) for kind in ("new", "old"))
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(prefixes))


def test_a_killed_builds_scratch_folder_is_removed_by_the_next_one(tmp_path):
    out = tmp_path / "build" / "site"
    dead = out.parent / f".{out.name}.new-dead"
    (dead / "site").mkdir(parents=True)  # what a killed build leaves: nobody holds its lock
    (dead / "site" / "index.html").write_text("half a site")
    with new_folder_beside(out) as scratch:
        assert not dead.exists()
        assert scratch.is_dir()
    assert leftovers(out) == []


def test_a_live_builds_scratch_folder_is_kept(tmp_path):
    out = tmp_path / "build" / "site"
    with new_folder_beside(out) as live:
        (live / "work").mkdir()
        assert remove_leftovers(out) == []
        with new_folder_beside(out) as second:  # a second build beside the first, as `kb build` twice
            assert (live / "work").is_dir()
            assert second != live
    assert leftovers(out) == []


def test_the_folders_previous_versions_parked_beside_the_output_are_removed(tmp_path):
    out = tmp_path / "site"
    parked = tmp_path / f".{out.name}.old-12345"
    parked.mkdir()
    assert remove_leftovers(out) == [parked]
    assert not parked.exists()


def test_other_folders_beside_the_output_are_left_alone(tmp_path):
    out = tmp_path / "site"
    others = [tmp_path / ".site-other.new-1", tmp_path / "site.new-1", tmp_path / ".sites.new-1"]
    for folder in others:
        folder.mkdir()
    (tmp_path / ".site.new-file").write_text("not a folder")
    assert remove_leftovers(out) == []
    assert all(folder.is_dir() for folder in others)


def test_kb_build_killed_with_sigkill_leaves_nothing_after_the_next_build(make_project, run_kb, tmp_path):
    root = make_project("basic")
    out = tmp_path / "build" / "site"
    assert run_kb(root, "build", "--out", str(out)).exit_code == 0  # a previous site, which must survive
    spare = out.parent / f"{out.name}-cache" / "previous-site"  # its copy, made into the next site in place
    before = {path: path.stat().st_ino for path in spare.rglob("*") if path.is_file()}
    assert before, "a site made from nothing leaves its copy, to be made into the next one"
    build = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "build", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill reaches anything it started
    )
    try:
        # Wait until it has begun to make that copy into the new site (output_reuse.py): a file of it removed
        # or replaced; then kill it there.
        while build.poll() is None and not _any_file_replaced(before):
            time.sleep(0.01)
        os.killpg(build.pid, signal.SIGKILL)
    finally:
        build.wait()
    assert build.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert leftovers(out), "a killed build leaves its scratch folder"
    assert (out / "index.html").is_file()  # the previous site is untouched

    result = run_kb(root, "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert leftovers(out) == []
    assert (out / "index.html").is_file() and (out / "kb" / "scheduling" / "gantt-empty" / "index.html").is_file()
    assert not list(out.rglob("*.previous"))


def _any_file_replaced(files: dict[Path, int]) -> bool:
    """Whether any of `files` (path -> inode) is gone or another file now."""
    for path, inode in files.items():
        try:
            if path.stat().st_ino != inode:
                return True
        except FileNotFoundError:
            return True
    return False
