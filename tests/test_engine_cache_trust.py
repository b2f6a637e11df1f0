"""The caches an incremental build trusts are trusted only as they were left: a damaged, foreign, planted or
rewritten engine manifest, staged project or cached file is ignored and rebuilt, never used, and a build
reads and writes again only the parts of the engine's manifest that changed."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path

import pytest
from build_compare import assert_same_as_full, edit

import generator.engine
import generator.engine_manifest
import generator.engine_theme
from generator.build import build_target
from generator.engine_cache import EngineCache, cache_beside, spare_beside
from generator.engine_manifest import _FIELDS, MANIFEST, PageRecord
from generator.memo import FOLDER as MEMO
from generator.model import TARGETS


def _a_shard(cache: Path) -> Path:
    """A shard of the manifest that holds pages (the edited one's: any shard will do)."""
    return next(path for path in sorted((cache / MANIFEST).iterdir()) if path.name != "files" and _entries(path))


def _entries(shard: Path) -> dict:
    return pickle.loads(shard.read_bytes().split(b"\n", 3)[3])


def _break_manifest(cache: Path, change=None, head=None, key=None, payload=None, shard=None) -> None:
    """Rewrite a shard with a digest that matches: damage only the checks after the digest can find."""
    shard = shard or _a_shard(cache)
    old_head, old_key, _, old_payload = shard.read_bytes().split(b"\n", 3)
    pages = pickle.loads(old_payload)
    if change is not None:
        change(pages)
    payload = payload or pickle.dumps(pages)
    digest = hashlib.sha256(payload).hexdigest().encode()
    shard.write_bytes(b"\n".join([head or old_head, key or old_key, digest, payload]))


def _set_file_state(value):
    """A change to the files shard's first entry (a kept file's state)."""

    def change(files: dict) -> None:
        files[next(iter(files))] = value

    return change


def _set_field(name: str, value):
    """A change to the manifest's first entry (a tuple of PageRecord's fields): `name` set to `value`."""

    def change(pages: dict) -> None:
        first = next(iter(pages))
        entry = list(pages[first])
        entry[_FIELDS.index(name)] = value
        pages[first] = tuple(entry)

    return change


class _Runs:
    """A pickled call: what a manifest must never be able to make its reader do."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __reduce__(self):
        return os.mkdir, (str(self.folder),)


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "not a manifest",
        "a damaged byte",
        "another format",
        "other code",
        "a malformed entry",
        "a header and nothing else",
        "a stat that is not numbers",
        "a source state that is not numbers",
        "a kept file's state that is not numbers",
        "a path for a kept file's digest",
        "a shard missing",
        "a page in the wrong shard",
        "search entries not text",
        "a pickled call",
        "a path for a digest",
        "a looked-up path that is not text",
        "a damaged memo",
        "a memo of other code",
        "damaged compiled templates",
    ],
)
def test_a_cache_that_cannot_be_trusted_is_ignored_and_rebuilt(make_project, tmp_path, damage):
    root = make_project("basic")
    out = root / "build" / "site"
    first = build_target(root, TARGETS["site"], out)
    cache = cache_beside(out)
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    if damage == "missing":
        shutil.rmtree(cache)
    elif damage == "not a manifest":
        _a_shard(cache).write_text('{"format": 1, "pages": {', encoding="utf-8")
    elif damage == "a damaged byte":  # the digest no longer matches: nothing is unpickled
        shard = _a_shard(cache)
        data = shard.read_bytes()
        shard.write_bytes(data[:-100] + bytes([data[-100] ^ 0x20]) + data[-99:])
    elif damage == "another format":
        _break_manifest(cache, head=b"kb-engine-cache 1")
    elif damage == "other code":
        _break_manifest(cache, key=b"0" * 64)
    elif damage == "a malformed entry":
        _break_manifest(cache, _set_field("anchors", "not a list"))
    elif damage == "a header and nothing else":  # no digest line, no payload: read by offsets, never past the end
        shard = _a_shard(cache)
        shard.write_bytes(shard.read_bytes().split(b"\n", 1)[0] + b"\n")
    elif damage == "a looked-up path that is not text":
        _break_manifest(cache, _set_field("lookups", {("a", "b"): None}))
    elif damage == "a stat that is not numbers":
        _break_manifest(cache, _set_field("stat", [True, "1", None]))
    elif damage == "a source state that is not numbers":  # a staged source's digest is trusted by its state
        _break_manifest(cache, _set_field("source_stat", ["1", "2", "3", "4"]))
    elif damage == "a kept file's state that is not numbers":  # a permanent link is trusted by its state
        _break_manifest(cache, _set_file_state([1, "2", 3]), shard=cache / MANIFEST / "files")
    elif damage == "a path for a kept file's digest":
        files = cache / MANIFEST / "files"
        _break_manifest(cache, lambda found: found.update({"../../../etc/passwd": [1, 2, 3]}), shard=files)
    elif damage == "a shard missing":  # the pages it held would be unknown: nothing is trusted
        _a_shard(cache).unlink()
    elif damage == "a page in the wrong shard":  # an entry only where its src_uri puts it
        shard = _a_shard(cache)
        src_uri = next(iter(_entries(shard)))
        entry = _entries(shard)[src_uri]
        other = next(
            path for path in sorted((cache / MANIFEST).iterdir()) if path not in (shard, cache / MANIFEST / "files")
        )
        _break_manifest(cache, lambda pages: pages.update({src_uri: entry}), shard=other)
    elif damage == "search entries not text":  # format 1 kept them as a list of entries
        _break_manifest(cache, _set_field("search", [{"location": "x/", "title": "x", "text": ""}]))
    elif damage == "a pickled call":  # with a digest that matches: the unpickler itself refuses it
        _break_manifest(cache, payload=pickle.dumps({"index.md": _Runs(tmp_path / "made by the manifest")}))
    elif damage == "a damaged memo":  # the work before the engine (memo.py): a byte of its pickled results
        for shard in (cache / MEMO).iterdir():
            data = shard.read_bytes()
            shard.write_bytes(data[:-100] + bytes([data[-100] ^ 0x20]) + data[-99:])
    elif damage == "damaged compiled templates":  # the theme's compiled templates (engine_theme.py)
        compiled = [path for path in (cache / "templates").rglob("*") if path.is_file()]
        assert compiled
        for path in compiled:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2] + b"\x00garbage")
        generator.engine_theme._warm_envs.clear()  # as a new process: the compiled templates are read from the cache
    elif damage == "a memo of other code":
        for shard in (cache / MEMO).iterdir():
            head, code, rest = shard.read_bytes().split(b"\n", 2)
            shard.write_bytes(head + b"\n" + b"0" * len(code) + b"\n" + rest)
    else:
        _break_manifest(cache, _set_field("digest", "../../../etc/passwd"))
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    assert not (tmp_path / "made by the manifest").exists()
    if "memo" in damage or "templates" in damage:  # the engine's pages are intact: only the edited one is rendered
        assert again.engine.rendered == 1
        return
    assert again.engine.rendered == first.engine.rendered
    # And the cache it wrote is trusted by the next build.
    assert build_target(root, TARGETS["site"], out).engine.rendered == 0


def test_a_staged_sources_digest_is_taken_again_unless_its_state_is_the_one_recorded(tmp_path):
    """The engine's page keys use the digest the last build took of a staged source while the file's size,
    times and inode are unchanged; a source rewritten (even with its modification time put back) is read."""
    source = tmp_path / "page.md"
    source.write_text("# First\n", encoding="utf-8")
    cache = EngineCache.open(tmp_path / "cache", "key")
    first = cache.source_digest("page.md", str(source))
    assert first == hashlib.sha256(b"# First\n").hexdigest()
    cache.store(_record("page.md"), "page-key", tmp_path)
    cache.save()
    before = source.stat()
    source.write_text("# Other\n", encoding="utf-8")  # the same size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = EngineCache.open(tmp_path / "cache", "key")
    assert again.old["page.md"].source == first
    assert again.source_digest("page.md", str(source)) == hashlib.sha256(b"# Other\n").hexdigest()


def _record(src_uri: str) -> PageRecord:
    return PageRecord(
        src_uri=src_uri, dest="page.html", lookups={}, search="", warnings=[], anchors=[], links_to_anchors={}
    )


def test_a_one_edit_build_writes_again_only_the_shard_of_the_edited_page(make_project):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    shards = cache_beside(out) / MANIFEST

    def states() -> dict[str, tuple[int, int]]:
        return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in shards.iterdir()}

    before = states()
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    assert build_target(root, TARGETS["site"], out).engine.rendered == 1
    after = states()
    assert sorted(before) == sorted(after)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [next(name for name in after if "kb/scheduling/gantt-empty.md" in _entries(shards / name))]


def test_a_build_in_the_same_process_reads_only_the_shards_changed_since_the_last_one_wrote_them(
    make_project, tmp_path, monkeypatch
):
    """`kb serve` rebuilds in one process: the manifest the last build wrote is kept in memory, shard by shard,
    while each shard's file is the one it wrote; a shard replaced or damaged since is read again (and a
    damaged one makes the whole manifest untrusted, as in a new process)."""
    root = make_project("basic")
    out = root / "build" / "site"
    first = build_target(root, TARGETS["site"], out)
    read = []
    decode = generator.engine_manifest.decode_shard
    monkeypatch.setattr(
        generator.engine_manifest, "decode_shard", lambda data, key: read.append(data) or decode(data, key)
    )
    assert build_target(root, TARGETS["site"], out).engine.rendered == 0
    assert read == []
    shard = _a_shard(cache_beside(out))
    copy = shard.with_name("copy")
    shutil.copyfile(shard, copy)
    os.replace(copy, shard)  # the same bytes, another file
    assert build_target(root, TARGETS["site"], out).engine.rendered == 0
    assert read == [shard.read_bytes()]
    data = shard.read_bytes()
    shard.write_bytes(data[:-100] + bytes([data[-100] ^ 0x20]) + data[-99:])  # in place: the same size and inode
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "a kept shard damaged")
    assert again.engine.rendered == first.engine.rendered


@pytest.mark.parametrize("what", ["page", "permanent link"])
@pytest.mark.parametrize("damage", ["edited in place", "replaced by a copy in the same state", "replaced by a link"])
def test_a_file_of_the_kept_site_is_kept_only_as_the_exact_cached_file_in_its_stored_state(
    make_project, tmp_path, what, damage
):
    """The kept site's copy of a cached page or permanent link is kept in place (not linked again, its cached
    file not asked) only when it is the cached file (device, inode) in the state it was stored in (size, time):
    one edited, or another file in the same state, is replaced and the output is a full build's."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    build_target(root, TARGETS["site"], out)  # the first site is kept beside the cache now
    rel = "kb/scheduling/gantt-empty/index.html" if what == "page" else next((out / "a").glob("*/index.html"))
    rel = str(rel.relative_to(out)) if isinstance(rel, Path) else rel
    kept = spare_beside(out) / rel
    original = kept.read_bytes()
    assert kept.samefile(out / rel)  # one file: the cache's
    before = kept.stat()
    if damage == "edited in place":  # the cached file too (a hard link): its time changes
        kept.write_bytes(original.replace(b"</body>", b"<script>alert(1)</script></body>"))
    else:  # a planted file with the cached one's content or not, size and time: not the cached file
        planted = original[:-8] + b"PLANTED\n" if damage == "replaced by a copy in the same state" else original
        kept.unlink()
        if damage == "replaced by a link":
            (tmp_path / "elsewhere").write_bytes(planted)
            os.link(tmp_path / "elsewhere", kept)
        else:
            kept.write_bytes(planted)
        os.utime(kept, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, f"{what} {damage}")
    assert b"PLANTED" not in (out / rel).read_bytes() and b"alert(1)" not in (out / rel).read_bytes()
    if damage == "edited in place" and what == "page":
        assert again.engine.rendered == 1  # its cached file changed with it: rendered again
    # And the next build keeps what this one stored.
    assert build_target(root, TARGETS["site"], out).engine.rendered == 0
