"""The kept site listed by a child process while the build's first steps run (site_listing.py): the child's
listing is the walk made here, the clear made from it removes exactly what the clear made here removes, and a
child that fails or answers anything else is not used (the site is walked here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from build_compare import assert_same_as_full, edit

from generator.build import build_target
from generator.engine_cache import spare_beside
from generator.model import TARGETS
from generator.output_reuse import clear_except
from generator.site_listing import ListingApart, list_files

KEPT = ("a/index.html", "a/KB-1/index.html", "top.html")


def make_site(folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """A kept site with pages to keep, strays of every kind; return the identities of the ones to keep, as
    the engine gives them (one of them changed since: replaced by a file of the same size and time)."""
    for rel in (*KEPT, "a/stray.txt", "b/c/old/index.html", "changed.html", "odd name \udcff.html"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(f"the file {rel!r}", errors="surrogateescape")
    (folder / "empty/deeper").mkdir(parents=True)
    (folder / "link-to-file.html").symlink_to(folder / "top.html")
    (folder / "link-to-folder").symlink_to(folder / "a")
    os.mkfifo(folder / "b/pipe")
    keep = {rel: _identity(folder / rel) for rel in (*KEPT, "changed.html")}
    changed = folder / "changed.html"
    state = changed.stat()
    os.link(changed, folder.parent / "the-old-changed.html")  # held, so its inode is not the new file's
    changed.unlink()
    changed.write_text("the file 'changed.html'"[::-1])  # same size, another file
    os.utime(changed, ns=(state.st_atime_ns, state.st_mtime_ns))
    keep["link-to-file.html"] = _identity(folder / "top.html")  # a link to a kept file is not that file
    return keep


def _identity(path: Path) -> tuple[int, int, int, int]:
    found = path.stat(follow_symlinks=False)
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())


def test_a_childs_listing_is_the_walk_made_here(tmp_path):
    make_site(tmp_path / "site")
    here = list_files(str(tmp_path / "site"))
    apart = ListingApart(str(tmp_path / "site")).result(str(tmp_path / "site"))
    assert apart is not None
    assert apart[0] == here[0] and sorted(apart[1]) == sorted(here[1])
    assert "odd name \udcff.html" in apart[0] and "b/pipe" in apart[0] and "link-to-folder" in apart[0]
    assert apart[1] == [str(tmp_path / "site/empty/deeper")]


@pytest.mark.parametrize("where", ["here", "apart"])
def test_the_clear_keeps_only_the_kept_files_in_their_state(tmp_path, where):
    site = tmp_path / "site"
    keep = make_site(site)
    listing = ListingApart(str(site)).result(str(site)) if where == "apart" else None
    assert (listing is not None) == (where == "apart")
    emptied, in_place = clear_except(site, keep, listing)
    assert in_place == set(KEPT)
    assert files_in(site) == sorted(KEPT)
    assert {site / "a", site / "b/c/old", site / "b", site, site / "empty/deeper"} <= emptied
    assert (site / "a").is_dir() and not (site / "a").is_symlink()


def test_a_listing_of_the_folder_as_it_was_when_listed_clears_it(tmp_path):
    """A file the listing names that is gone when the clear comes is nothing left to remove."""
    site = tmp_path / "site"
    keep = make_site(site)
    listing = ListingApart(str(site)).result(str(site))
    (site / "a/stray.txt").unlink()
    clear_except(site, keep, listing)
    assert files_in(site) == sorted(KEPT)


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "raise SystemExit(3)"],  # failed
        [sys.executable, "-c", "print('a listing')"],  # answered something else
        [sys.executable, "-c", "import marshal, sys; sys.stdout.buffer.write(marshal.dumps(('/elsewhere', {}, [])))"],
        [sys.executable, "-c", "import marshal, sys; sys.stdout.buffer.write(marshal.dumps(1)[:-1])"],  # cut short
        ["/nonexistent/python"],  # could not start
    ],
    ids=["failed", "no-listing", "another-folder", "cut-short", "no-interpreter"],
)
def test_a_child_that_answers_no_listing_of_the_folder_is_not_used(tmp_path, command):
    site = tmp_path / "site"
    keep = make_site(site)
    listing = ListingApart(str(site), command).result(str(site))
    assert listing is None
    clear_except(site, keep, listing)  # walked here
    assert files_in(site) == sorted(KEPT)


def test_a_listing_asked_for_another_folder_is_not_used_and_its_child_ends(tmp_path):
    (tmp_path / "site").mkdir()
    listing = ListingApart(str(tmp_path / "site"))
    assert listing.result(str(tmp_path / "other")) is None
    stopped = ListingApart(str(tmp_path / "site"), [sys.executable, "-c", "import time; time.sleep(600)"])
    stopped.stop()  # a build stopped before its engine: the child does not outlive it
    assert stopped.result(str(tmp_path / "site")) is None


def test_a_one_edit_build_clears_the_kept_site_from_a_childs_listing(make_project, tmp_path):
    root = make_project("basic")
    out = root / "build" / "site"
    first = build_target(root, TARGETS["site"], out)
    assert not first.engine.listed_apart  # made from nothing: no kept site to list
    build_target(root, TARGETS["site"], out)  # the first site is kept beside the cache now
    spare = spare_beside(out)
    (spare / "stray.html").write_text("not this build's")
    (spare / "kb/old-page/deeper").mkdir(parents=True)
    (spare / "kb/old-page/index.html").write_text("a page of an older build")
    (spare / "kb/link.html").symlink_to(spare / "index.html")
    (spare / "index.html").unlink()
    (spare / "index.html").write_text("an edited home page, not the cache's file")
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "strays in the kept site listed apart")
    assert again.engine.listed_apart and again.engine.rendered == 1  # the home page linked from the cache again
    assert not (out / "stray.html").exists() and not (out / "kb/old-page").exists()
    assert not os.path.lexists(out / "kb/link.html")
