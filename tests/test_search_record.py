"""The index's record of the pages it was made from (search/page_record.py): trusted only when it is whole
and of this code, and an index updated by a child while the engine runs is the one written here."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

import generator.build as build
from generator.build import build_target
from generator.model import SITE
from generator.search import alongside, documents, search
from generator.search.page_record import PAGES_FILE, load_page_record

EDITED = "kb/scheduling/gantt-empty.md"


def _edit(root: Path, words: str = "Also check the zoom level.") -> None:
    article = root / EDITED
    article.write_text(article.read_text(encoding="utf-8") + f"\n{words}\n", encoding="utf-8")


def _index_files(index_dir: Path) -> dict[str, bytes]:
    """What a build's index says, whatever Whoosh named its segments: our own files."""
    return {name: (index_dir / name).read_bytes() for name in ("digests.tsv", "words.txt", PAGES_FILE)}


def _made_documents(monkeypatch) -> list[str]:
    made: list[str] = []
    make = documents.page_documents
    monkeypatch.setattr(documents, "page_documents", lambda page, text: made.append(page.src_uri) or make(page, text))
    return made


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # one bit of one digest: the file reads, its body no longer matches its header
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    header, _, body = path.read_text("utf-8").partition("\n")
    fields = header.split("\t")
    fields[1] = "0" * len(fields[1])  # another code's key, the body's digest still right
    path.write_text("\t".join(fields) + "\n" + body, "utf-8")


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])


@pytest.mark.parametrize("spoil", [_damage, _foreign, _truncated, Path.unlink])
def test_a_damaged_foreign_or_missing_record_is_ignored_and_every_page_made_again(make_project, monkeypatch, spoil):
    root = make_project("basic")
    out, index_dir = root / "build" / "site", root / "build" / "site-search"
    build_target(root, SITE, out)
    assert load_page_record(index_dir)
    spoil(index_dir / PAGES_FILE)
    assert load_page_record(index_dir) == {}
    made = _made_documents(monkeypatch)
    _edit(root)
    stats = build_target(root, SITE, out).index
    assert EDITED in made and len(set(made)) == len(load_page_record(index_dir)) > 3  # every page's made again
    assert (stats.added, stats.updated, stats.deleted) == (0, 1, 0)  # the documents compared: only one changed
    updated = _index_files(index_dir)
    build_target(root, SITE, out, full_index=True)
    assert _index_files(index_dir) == updated


def test_a_record_of_a_page_is_used_only_for_its_exact_inputs(make_project, monkeypatch):
    """A page whose text is back to what the record holds takes its digests from the record; the edited
    page, whose key the record does not hold, is made."""
    root = make_project("basic")
    out, index_dir = root / "build" / "site", root / "build" / "site-search"
    build_target(root, SITE, out)
    made = _made_documents(monkeypatch)
    _edit(root, "Quokka")
    assert build_target(root, SITE, out).index.updated == 1
    assert made == [EDITED]
    assert [hit.id for hit in search(index_dir, "quokka").hits] == ["KB-0001"]


def _apart_for_any_size(monkeypatch) -> None:
    """The index written by a child for the sample's few pages, whatever threads this test process has (the
    rule when kb may fork is forking.py's, tested in tests/test_forking.py)."""
    monkeypatch.setattr(alongside, "APART_FROM", 1)
    monkeypatch.setattr(alongside, "may_start_workers", lambda: True)


def test_an_index_updated_by_a_child_is_the_one_updated_here(make_project, monkeypatch, tmp_path: Path):
    here_root = make_project("basic")
    apart_root = tmp_path / "apart-project"
    shutil.copytree(here_root, apart_root)
    for root in (here_root, apart_root):
        build_target(root, SITE, root / "build" / "site")
    _apart_for_any_size(monkeypatch)
    started = []
    index_alongside = alongside.index_alongside

    @contextmanager
    def watched(*args, **kwargs):
        with index_alongside(*args, **kwargs) as indexing:
            started.append(indexing.apart)
            yield indexing

    monkeypatch.setattr(build, "index_alongside", watched)
    _edit(apart_root)
    apart = build_target(apart_root, SITE, apart_root / "build" / "site").index
    monkeypatch.undo()
    _edit(here_root)
    here = build_target(here_root, SITE, here_root / "build" / "site").index
    assert started == [True]
    assert apart == here and (apart.updated, apart.added, apart.deleted) == (1, 0, 0)
    assert _index_files(apart_root / "build" / "site-search") == _index_files(here_root / "build" / "site-search")
    assert [hit.id for hit in search(apart_root / "build" / "site-search", "zoom level").hits] == ["KB-0001"]
    leftovers = [p.name for p in (apart_root / "build").iterdir() if ".new-" in p.name]
    assert leftovers == []
