"""`kb serve`'s builds (build_target(preview=True)): a preview whose first site was made from nothing keeps a
copy of it made of hard links as the site the next build is made in (output_reuse.py), so the writer's
first save is a rebuild like the tenth; the site is still the one a full build makes, and nothing is written
through those links into the live site."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from build_compare import edit, tree

from generator import output_reuse
from generator.build import build_target
from generator.engine_cache import spare_beside
from generator.model import TARGETS

PAGE = "kb/scheduling/gantt-empty"


def files_in(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def folder_ids(folder: Path) -> dict[str, int]:
    """Each folder under `folder` -> its inode: the same folder, not one made again at the same path."""
    return {str(path.relative_to(folder)): path.stat().st_ino for path in folder.rglob("*") if path.is_dir()}


@pytest.mark.parametrize("preview", [True, False], ids=["kb serve", "kb build"])
def test_a_site_made_from_nothing_is_kept_as_hard_links_to_be_made_into_the_next(make_project, preview: bool):
    """The writer's first edit after a first build would otherwise make every folder of the site again."""
    root = make_project("basic")
    out = root / "build/preview/internal/site"
    build_target(root, TARGETS["internal"], out, preview=preview)
    spare = spare_beside(out)
    assert files_in(spare) == files_in(out)
    assert all((spare / rel).samefile(out / rel) for rel in files_in(out))  # links: no byte copied


def test_a_copy_that_cannot_be_made_is_not_left_half_made(make_project, monkeypatch):
    """Without hard links (another file system, no room), no spare: the next site is made from nothing."""
    root = make_project("basic")
    out = root / "build/site"
    build_target(root, TARGETS["site"], out)
    spare = spare_beside(out)
    output_reuse.shutil.rmtree(spare)
    linked = []
    link = os.link

    def links_then_fails(source, dest, **kwargs):
        if len(linked) == 3:
            raise OSError(errno.EMLINK, "too many links")
        linked.append(dest)
        link(source, dest, **kwargs)

    monkeypatch.setattr(os, "link", links_then_fails)
    output_reuse.spare_from(out, spare)
    assert len(linked) == 3, "the copy was begun"
    assert not spare.exists()
    assert (out / "index.html").is_file()


def test_the_first_save_after_a_first_preview_is_made_in_the_kept_copy_and_equals_a_full_build(make_project, tmp_path):
    root = make_project("basic")
    out = root / "build/preview/internal/site"
    build_target(root, TARGETS["internal"], out, preview=True)
    kept = folder_ids(spare_beside(out))
    edit(root, f"{PAGE}.md", "Imports do not recalculate.", "EDITED-IN-THE-PREVIEW")
    again = build_target(root, TARGETS["internal"], out, preview=True)
    assert again.engine.rendered == 1
    pages = {rel: ino for rel, ino in folder_ids(out).items() if rel.startswith("kb")}
    assert pages and pages.items() <= kept.items()  # the pages' folders are the copy's: the site made in place
    full = build_target(root, TARGETS["internal"], tmp_path / "full/internal", preview=True, full=True)
    assert tree(out) == tree(full.out)
    assert "EDITED-IN-THE-PREVIEW" in (out / PAGE / "index.html").read_text(encoding="utf-8")


def test_nothing_is_written_into_the_live_site_through_the_kept_copys_links(make_project):
    """The copy shares every file with the site being served: the next build removes what it does not keep
    before writing, so the site it replaces (kept in turn) is byte for byte what was served."""
    root = make_project("basic")
    out = root / "build/preview/internal/site"
    build_target(root, TARGETS["internal"], out, preview=True)
    served = tree(out)
    edit(root, f"{PAGE}.md", "Imports do not recalculate.", "EDITED-IN-THE-PREVIEW")
    edit(root, "product.yml", "Sample Planner", "Sample Planner Renamed")  # every page and the search index change
    build_target(root, TARGETS["internal"], out, preview=True)
    assert tree(spare_beside(out)) == served
    assert tree(out) != served


def test_without_hard_links_the_preview_keeps_no_copy_and_still_builds(make_project, monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")

    root = make_project("basic")
    out = root / "build/preview/internal/site"
    with monkeypatch.context() as patched:
        patched.setattr(os, "link", refuse)  # the cache's pages are copied instead (output_reuse.link_file)
        build_target(root, TARGETS["internal"], out, preview=True)
    assert not spare_beside(out).exists()
    edit(root, f"{PAGE}.md", "Imports do not recalculate.", "EDITED-IN-THE-PREVIEW")
    build_target(root, TARGETS["internal"], out, preview=True)
    full = build_target(root, TARGETS["internal"], tmp_path / "full/internal", preview=True, full=True)
    assert tree(out) == tree(full.out)
