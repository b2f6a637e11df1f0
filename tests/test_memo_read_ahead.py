"""The memo's shards read ahead (memo.read_ahead): the pages' texts read and their digests checked by a
thread while kb imports the build's modules, then used by the build as if it had read them itself; never a
shard whose bytes were not found right, and no thread left once the build starts (forking.py)."""

from __future__ import annotations

import os
import threading

import generator.memo
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.forking import alone_in_process
from generator.memo import FOLDER, read_ahead, remembering
from generator.source_files import TEXT_KIND


def load_and_check(root, cache, ahead=None):
    """A build's work before the engine, with the pages' shards read ahead (`ahead(cache)` runs once the
    thread is done, before the build takes what it read)."""
    cache.mkdir(exist_ok=True)
    with read_ahead(cache, (TEXT_KIND,)):
        if ahead is not None:
            generator.memo._ahead[1].join()
            ahead(cache)
        with remembering(cache) as memo:
            assert threading.active_count() == 1 and alone_in_process()  # the build may fork from here
            catalog = load_catalog(root)
            problems = check_catalog(catalog)
    return catalog, problems, memo


def text_shards(cache):
    return sorted(path for path in (cache / FOLDER).iterdir() if path.name.startswith(TEXT_KIND + "-"))


def counting_reads(monkeypatch):
    read_shard, reads = generator.memo.load_shard, []

    def counted(path, code):
        reads.append(path.name)
        return read_shard(path, code)

    monkeypatch.setattr(generator.memo, "load_shard", counted)
    return reads


def test_the_pages_shards_read_ahead_are_the_ones_the_build_uses(make_project, tmp_path, monkeypatch, settled):
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")
    assert text_shards(tmp_path / "cache")  # the pages' texts are kept (the project was written 2 s ago or more)
    reads = counting_reads(monkeypatch)
    again, again_problems, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed == 0 and again.pages == catalog.pages and again_problems == problems
    assert not [name for name in reads if name.startswith(TEXT_KIND)]  # none read again by the build
    assert not memo.ahead  # each taken once used


def test_a_damaged_shard_read_ahead_is_not_used(make_project, tmp_path, settled):
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")
    for path in text_shards(tmp_path / "cache"):
        data = path.read_bytes()
        path.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    again, again_problems, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed > 0  # the pages' texts read and parsed again: nothing taken from the damaged shards
    assert again.pages == catalog.pages and again_problems == problems
    assert load_and_check(root, tmp_path / "cache")[2].computed == 0  # written again, right


def test_a_shard_damaged_in_place_after_it_was_read_gives_the_bytes_checked(make_project, tmp_path, settled):
    """What the thread found right is what the build unpickles: a change to the file afterwards (the same
    size, its time put back) is not read into the build."""
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")

    def damage_in_place(cache):
        for path in text_shards(cache):
            before = path.stat()
            with open(path, "r+b") as stream:
                stream.seek(before.st_size - 10)
                stream.write(b"\0" * 10)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    again, again_problems, memo = load_and_check(root, tmp_path / "cache", ahead=damage_in_place)
    assert memo.computed == 0 and again.pages == catalog.pages and again_problems == problems


def test_a_shard_replaced_after_it_was_read_is_written_again(make_project, tmp_path, settled):
    """The build compares a shard's file with the one the thread read (its state): another file put in its
    place meanwhile is not taken for the memo's own, and is written again."""
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")

    def replace(cache):
        for path in text_shards(cache):
            path.unlink()
            path.write_bytes(b"kb-memo 2\n")  # damaged

    again, again_problems, memo = load_and_check(root, tmp_path / "cache", ahead=replace)
    assert memo.computed == 0 and again.pages == catalog.pages and again_problems == problems
    assert all(path.stat().st_size > 100 for path in text_shards(tmp_path / "cache"))
    assert load_and_check(root, tmp_path / "cache")[2].computed == 0


def test_shards_read_ahead_for_another_folder_are_not_used(make_project, tmp_path, monkeypatch, settled):
    """Another output's memo read ahead (another project's pages) is not this build's."""
    other = make_project("basic")
    load_and_check(other, tmp_path / "other")
    root = other.rename(tmp_path / "this")
    (root / "kb/scheduling/gantt-empty.md").rename(root / "kb/scheduling/moved.md")
    load_and_check(root, tmp_path / "cache")
    monkeypatch.setattr(generator.memo, "_kept", None)  # as in a new process: every shard from its file
    with read_ahead(tmp_path / "other", (TEXT_KIND,)), remembering(tmp_path / "cache") as memo:
        assert not memo.ahead
        catalog = load_catalog(root)
    assert memo.computed == 0 and catalog.pages == load_catalog(root).pages


def test_no_thread_outlives_the_read_ahead(tmp_path):
    with read_ahead(tmp_path, (TEXT_KIND,)):
        pass
    assert threading.active_count() == 1 and generator.memo._ahead is None


def test_kb_build_reads_the_pages_shards_ahead(make_project, monkeypatch, settled):
    from click.testing import CliRunner

    from generator.cli import cli

    root = make_project("basic")
    runner = CliRunner()
    first = runner.invoke(cli, ["--root", str(root), "build", "--out", str(root / "out")])
    assert first.exit_code == 0, first.output
    reads = counting_reads(monkeypatch)
    taken = []
    remember = generator.memo.remembering

    def spied(folder, trusted=True):
        context = remember(folder, trusted)
        memo = context.__enter__()
        taken.append(set(memo.ahead))
        return _Entered(context, memo)

    monkeypatch.setattr(generator.memo, "remembering", spied)
    monkeypatch.setattr("generator.build.remembering", spied)
    again = runner.invoke(cli, ["--root", str(root), "build", "--out", str(root / "out")])
    assert again.exit_code == 0, again.output
    assert taken and taken[0] and all(name.startswith(TEXT_KIND) for name in taken[0])
    assert not [name for name in reads if name.startswith(TEXT_KIND)]
    assert threading.active_count() == 1


class _Entered:
    def __init__(self, context, memo):
        self.context, self.memo = context, memo

    def __enter__(self):
        return self.memo

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)
