"""A page's text and its parse kept in the build's memo with its file's recorded state
(source_files.read_page_text): a file whose state is unchanged is not read again; a file changed in any
way (even to the same size with its modification time put back), changed just before it was read, or a
memo that is damaged is read."""

from __future__ import annotations

import os
import time

import pytest

import generator.source_files
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.memo import FOLDER, remembering
from tests.test_memo import damage_shard

PAGE = "kb/scheduling/gantt-empty.md"


@pytest.fixture
def reads(monkeypatch):
    """The source files read from disk, by name."""
    read, names = generator.source_files._read_bytes, []

    def counted(path):
        names.append(os.fspath(path).replace(os.sep, "/"))
        return read(path)

    monkeypatch.setattr(generator.source_files, "_read_bytes", counted)
    return names


def load(root, folder):
    folder.mkdir(exist_ok=True)
    with remembering(folder):
        catalog = load_catalog(root)
        problems = check_catalog(catalog)
    return catalog, problems


def pages_read(names):
    return {name.split("/kb/", 1)[1] for name in names if "/kb/" in name and name.endswith(".md")}


def test_a_settled_pages_text_is_taken_from_the_memo_not_read(make_project, tmp_path, reads, settled):
    root = make_project("basic")
    catalog, problems = load(root, tmp_path / "cache")
    assert "scheduling/gantt-empty.md" in pages_read(reads)
    reads.clear()
    folder = tmp_path / "cache"
    folder.mkdir(exist_ok=True)
    with remembering(folder) as memo:
        again = load_catalog(root)
        again_problems = check_catalog(again)
    assert pages_read(reads) == set() and memo.computed == 0  # each page's parse kept with its text
    assert again.pages == catalog.pages and again_problems == problems
    assert again.pages == load_catalog(root).pages  # as without a memo


def test_a_page_rewritten_to_the_same_size_with_its_time_put_back_is_read(make_project, tmp_path, reads, settled):
    root = make_project("basic")
    load(root, tmp_path / "cache")
    page = root / PAGE
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    edited = text.replace("is empty after", "is blank after")  # the same size
    assert edited != text and len(edited.encode()) == before.st_size
    while True:  # until the clock has moved on: the change time is what tells the write
        page.write_text(edited, encoding="utf-8")
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
        if page.stat().st_ctime_ns != before.st_ctime_ns:
            break
        time.sleep(0.001)
    reads.clear()
    catalog, _ = load(root, tmp_path / "cache")
    assert pages_read(reads) == {"scheduling/gantt-empty.md"}
    assert "is blank after" in next(p for p in catalog.pages if p.src_uri == PAGE).body
    assert catalog.pages == load_catalog(root).pages


def test_a_page_changed_just_before_it_was_read_is_read_again(make_project, tmp_path, reads):
    """A change within the clock's tick after a read could leave the file's state as it was: a text read
    less than SETTLED_NS after its file changed is not kept."""
    root = make_project("basic")  # written just now
    load(root, tmp_path / "cache")
    reads.clear()
    load(root, tmp_path / "cache")
    assert "scheduling/gantt-empty.md" in pages_read(reads)
    assert not any(path.name.startswith("source_text") for path in (tmp_path / "cache" / FOLDER).iterdir())


@pytest.mark.parametrize("damage", ["a flipped byte", "truncated", "other code"])
def test_damaged_kept_texts_are_read_again(make_project, tmp_path, reads, settled, damage):
    root = make_project("basic")
    catalog, problems = load(root, tmp_path / "cache")
    shards = [path for path in (tmp_path / "cache" / FOLDER).iterdir() if path.name.startswith("source_text")]
    assert shards
    for path in shards:
        damage_shard(path, damage)
    reads.clear()
    again, again_problems = load(root, tmp_path / "cache")
    assert "scheduling/gantt-empty.md" in pages_read(reads)
    assert again.pages == catalog.pages and again_problems == problems


def test_a_page_moved_in_place_of_another_is_read(make_project, tmp_path, reads, settled):
    """Another file renamed over a page: its inode (and change time) tell it apart, whatever its times."""
    root = make_project("basic")
    load(root, tmp_path / "cache")
    page = root / PAGE
    before = page.stat()
    other = root / "elsewhere.md"
    other.write_text(page.read_text(encoding="utf-8").replace("is empty after", "is blank after"), encoding="utf-8")
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, page)
    reads.clear()
    catalog, _ = load(root, tmp_path / "cache")
    assert pages_read(reads) == {"scheduling/gantt-empty.md"}
    assert "is blank after" in next(p for p in catalog.pages if p.src_uri == PAGE).body
