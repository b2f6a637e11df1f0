"""Staging hands the engine of the same build the digest and state of each page it staged (stage_project's
`sources`, EngineCache.take_staged), so the engine keys ten thousand pages without a stat of each: the digests
are the files' own, the engine asks the files only for the pages it renders, and a staged file changed between
staging and the engine is never kept in the cache under staging's word for it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from build_compare import assert_same_as_full, edit

import generator.build
import generator.source_files
from generator.build import build_target
from generator.engine_cache import EngineCache, cache_beside
from generator.model import TARGETS
from generator.staged_files import Staged

EDITED = "kb/scheduling/gantt-empty.md"
PLAIN = "kb/budgets/plain.md"  # staged as written: no template, no link to re-point
PLAIN_TEXT = (
    "---\nid: KB-0100\ntitle: Plain\nsummary: As written.\ntype: faq\nmodule: budgets\nconfidence: validated\n"
    "---\n\nNothing to render.\n"
)


def _watch(monkeypatch, before_engine=None) -> dict:
    """What the next builds hand the engine (`staged`), and the engine's cache as it saves; `before_engine`
    runs between staging and the engine (a change made to a staged file in between)."""
    seen: dict = {"caches": [], "asked": [], "stored": []}
    run_engine, save = generator.build.run_engine, EngineCache.save
    source_digest, store = EngineCache.source_digest, EngineCache.store

    def watched_engine(*args, **kwargs):
        seen["staged"] = kwargs["staged"]
        if before_engine is not None:
            before_engine(kwargs["staged"][0])
        return run_engine(*args, **kwargs)

    def watched_save(self):
        seen["caches"].append(self)
        return save(self)

    def watched_source_digest(self, src_uri, path):
        seen["asked"].append(src_uri)
        return source_digest(self, src_uri, path)

    def watched_store(self, record, *args, **kwargs):
        seen["stored"].append(record.src_uri)
        return store(self, record, *args, **kwargs)

    monkeypatch.setattr(generator.build, "run_engine", watched_engine)
    monkeypatch.setattr(EngineCache, "save", watched_save)
    monkeypatch.setattr(EngineCache, "source_digest", watched_source_digest)
    monkeypatch.setattr(EngineCache, "store", watched_store)
    return seen


def _own(path: Path) -> tuple[str, list[int]]:
    """A file's digest and state as the engine finds them itself."""
    found = path.stat()
    state = [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino]
    return hashlib.sha256(path.read_bytes()).hexdigest(), state


@pytest.mark.parametrize("build", ["first", "one edit", "one edit, the texts kept"])
def test_the_digests_staging_hands_over_are_the_files_own_and_the_cache_records_them(make_project, monkeypatch, build):
    root = make_project("basic", files={PLAIN: PLAIN_TEXT})
    out = root / "build" / "site"
    hashed: list[str] = []
    if build != "first":
        if build.endswith("kept"):  # the pages' texts kept with their staged digests (page_facts.page_source)
            monkeypatch.setattr(generator.source_files, "SETTLED_NS", -3600 * 10**9)  # as the `settled` fixture
            build_target(root, TARGETS["site"], out)
            put = Staged.put
            monkeypatch.setattr(Staged, "put", lambda self, path, data: hashed.append(path) or put(self, path, data))
        build_target(root, TARGETS["site"], out)
        edit(root, EDITED, "is empty after", "shows nothing after")
    seen = _watch(monkeypatch)
    run = build_target(root, TARGETS["site"], out)
    if build.endswith("kept"):  # a page staged as written was not hashed again; the edited one was
        assert any(str(path).endswith(EDITED) for path in hashed)
        assert not any(str(path).endswith(PLAIN) for path in hashed)
    docs, handed = seen["staged"]
    assert Path(docs) == cache_beside(out) / "project" / "docs"
    every = {path.relative_to(docs).as_posix() for path in Path(docs).rglob("*") if path.is_file()}
    assert set(handed) == every  # each file staged, pages, pictures and landing pages alike
    for src_uri, (digest, state) in handed.items():
        assert (digest, state) == _own(Path(docs) / src_uri), src_uri
    # What the cache records of each page's source is what the engine would have found itself.
    (cache,) = seen["caches"]
    pages = {src_uri: record for src_uri, record in cache.new.items()}
    assert len(pages) == run.engine.rendered + run.engine.reused
    for src_uri, record in pages.items():
        assert (record.source, record.source_stat) == _own(Path(docs) / src_uri), src_uri
    # The engine asked the files themselves only for the pages it rendered (a full build: all of them).
    assert sorted(seen["asked"]) == sorted(seen["stored"])
    assert len(seen["stored"]) == run.engine.rendered
    if build == "one edit":
        assert EDITED in seen["asked"] and run.engine.reused > 0


def _tamper(src_uri: str, old: str, new: str):
    """A change to the staged `src_uri` of the same size, its modification time put back: made after
    staging, before the engine runs."""
    assert len(old) == len(new)

    def change(docs: Path) -> None:
        path = Path(docs) / src_uri
        before = path.stat()
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    return change


@pytest.mark.parametrize("which", ["the edited page (rendered)", "an unchanged page (reused)"])
def test_a_staged_file_changed_between_staging_and_the_engine_is_not_kept_under_stagings_digest(
    make_project, monkeypatch, tmp_path, which
):
    """The handed digests are this build's own of kb's own folder (the cache's staged project), taken by the
    process that runs the engine next. What guarantees that a change in between is not mistaken: a page the
    engine renders is keyed by its file's own state and digest (not staging's), so the cache never holds HTML
    of one source under another's digest; a page it reuses was rendered from exactly the content staging
    wrote. The next staging finds the changed file not in the state its manifest recorded and writes it
    again, and the build is a full build's."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    edit(root, EDITED, "is empty after", "shows nothing after")
    if which.startswith("the edited"):
        src_uri, old, new = EDITED, "Gantt", "Gnatt"
    else:
        src_uri, old, new = "kb/budgets/budget-locked.md", "approver", "Tampered"
    seen = _watch(monkeypatch, _tamper(src_uri, old, new))
    run = build_target(root, TARGETS["site"], out)
    docs, handed = seen["staged"]
    changed = Path(docs) / src_uri
    assert new in changed.read_text(encoding="utf-8")
    (cache,) = seen["caches"]
    record = cache.new[src_uri]
    if which.startswith("the edited"):
        assert src_uri in seen["stored"]
        # Rendered from the file as the engine read it, and recorded with that file's own digest and state.
        assert (record.source, record.source_stat) == _own(changed) != handed[src_uri]
    else:
        assert src_uri not in seen["stored"] and run.engine.reused > 0
        # Reused: the HTML made from what staging wrote, recorded with staging's digest and state.
        assert (record.source, record.source_stat) == handed[src_uri] != _own(changed)
        assert not any(new.encode() in path.read_bytes() for path in run.out.rglob("*.html"))
    monkeypatch.undo()
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, which)
    assert new not in changed.read_text(encoding="utf-8")
    assert not any(new.encode() in path.read_bytes() for path in again.out.rglob("*.html"))


def test_a_staged_page_changed_since_its_text_was_kept_is_staged_again(make_project, tmp_path, settled):
    """A page whose text is kept (its staged text's digest with it) is compared with the staged file by the
    manifest, as ever: a staged file changed since (the same size, its time put back) is written again."""
    root = make_project("basic", files={PLAIN: PLAIN_TEXT})
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    build_target(root, TARGETS["site"], out)
    _tamper(PLAIN, "Nothing", "Tampere")(cache_beside(out) / "project" / "docs")
    edit(root, EDITED, "is empty after", "shows nothing after")
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "tampered")
    staged = cache_beside(out) / "project" / "docs" / PLAIN
    assert "Tampere" not in staged.read_text(encoding="utf-8")
    assert not any(b"Tampere" in path.read_bytes() for path in again.out.rglob("*.html"))
