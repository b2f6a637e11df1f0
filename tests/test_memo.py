"""The memo of the work before the engine (generator/memo.py): a page seen before is not parsed, checked or
scanned again, an edited one is, and a memo that is missing, damaged or from other code is never trusted."""

from __future__ import annotations

import shutil

import pytest

import generator.memo
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.memo import FOLDER, remembering


def load_and_check(root, folder):
    folder.mkdir(exist_ok=True)  # a build's cache folder (a memo is never the first thing a build writes)
    with remembering(folder) as memo:
        catalog = load_catalog(root)
        problems = check_catalog(catalog)
    return catalog, problems, memo


def test_a_second_build_takes_every_pages_work_from_the_memo(make_project, tmp_path):
    root = make_project("basic")
    catalog, problems, first = load_and_check(root, tmp_path / "cache")
    assert first.computed >= len(catalog.pages)  # each page parsed, checked and scanned for links: its entry
    again, again_problems, second = load_and_check(root, tmp_path / "cache")
    assert second.computed == 0
    assert again.pages == catalog.pages and again_problems == problems


def test_an_edited_page_is_parsed_and_checked_again_and_only_it(make_project, tmp_path):
    root = make_project("basic")
    load_and_check(root, tmp_path / "cache")
    page = root / "kb/scheduling/gantt-empty.md"
    page.write_text(page.read_text(encoding="utf-8").replace("is empty after", "shows nothing after"))
    catalog, problems, memo = load_and_check(root, tmp_path / "cache")
    assert 0 < memo.computed <= 6  # that page's parse, text checks, link scan, links, references, KCS sections
    edited = next(p for p in catalog.pages if p.src_uri == "kb/scheduling/gantt-empty.md")
    assert "shows nothing after" in edited.body
    fresh = load_catalog(root)  # no memo at all
    assert catalog.pages == fresh.pages and problems == check_catalog(fresh)


def test_a_problem_comes_from_the_memo_as_it_was_found(make_project, tmp_path):
    root = make_project("basic", files={"kb/scheduling/bad.md": "---\nid: KB-0999\ntitle: [unclosed\n---\n\nText.\n"})
    _, problems, _ = load_and_check(root, tmp_path / "cache")
    _, again, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed == 0
    assert [str(p) for p in again] == [str(p) for p in problems]
    assert any(p.path == "kb/scheduling/bad.md" for p in again)


def damage_shard(path, damage):
    data = path.read_bytes()
    if damage == "a flipped byte":
        data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    elif damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "other code":
        head, code, rest = data.split(b"\n", 2)
        data = head + b"\n" + b"0" * len(code) + b"\n" + rest
    elif damage == "not a memo":
        data = b"\x80\x04N."  # a pickle, with no header
    else:
        data = b""
    path.write_bytes(data)


@pytest.mark.parametrize("damage", ["a flipped byte", "truncated", "other code", "not a memo", "empty"])
def test_a_memo_that_cannot_be_trusted_is_ignored(make_project, tmp_path, damage):
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")
    shards = sorted((tmp_path / "cache" / FOLDER).iterdir())
    assert len(shards) > 1
    for path in shards:
        damage_shard(path, damage)
    again, again_problems, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed >= len(catalog.pages)  # everything computed again, nothing taken from it
    assert again.pages == catalog.pages and again_problems == problems


def test_a_damaged_shard_costs_only_its_own_results(make_project, tmp_path):
    root = make_project("basic")
    catalog, problems, first = load_and_check(root, tmp_path / "cache")
    # A shard the next build reads: one of the pages' entries (page_facts.py).
    shard = next(path for path in sorted((tmp_path / "cache" / FOLDER).iterdir()) if path.name.startswith("page_facts"))
    damage_shard(shard, "a flipped byte")
    again, again_problems, memo = load_and_check(root, tmp_path / "cache")
    assert 0 < memo.computed < first.computed
    assert again.pages == catalog.pages and again_problems == problems
    assert load_and_check(root, tmp_path / "cache")[2].computed == 0  # the shard was written again


def test_an_edit_rewrites_only_the_shards_of_what_changed(make_project, tmp_path):
    root = make_project("basic")
    load_and_check(root, tmp_path / "cache")
    # Again: results only another remembered function used (its own were remembered) leave the memo once.
    load_and_check(root, tmp_path / "cache")
    folder = tmp_path / "cache" / FOLDER
    before = {path.name: path.stat().st_ino for path in folder.iterdir()}
    page = root / "kb/scheduling/gantt-empty.md"
    page.write_text(page.read_text(encoding="utf-8").replace("is empty after", "shows nothing after"))
    _, _, memo = load_and_check(root, tmp_path / "cache")
    after = {path.name: path.stat().st_ino for path in folder.iterdir()}
    rewritten = {name for name in after if before.get(name) != after[name]} | (before.keys() - after.keys())
    assert 0 < len(rewritten) <= 2 * memo.computed  # the new results' shards and the old results' shards
    assert len(rewritten) < len(before)


def test_a_memo_keeps_only_its_own_files(make_project, tmp_path):
    """A file planted in the memo's folder, a killed build's temporary file, and the memo of kb before
    shards are removed; the memo is not read from them."""
    root = make_project("basic")
    load_and_check(root, tmp_path / "cache")
    folder = tmp_path / "cache" / FOLDER
    (folder / "zz").write_bytes(b"planted")
    (folder / ".memo-killed").write_bytes(b"half a shard")
    (folder / "0x").mkdir()
    (tmp_path / "cache" / "memo.pickle").write_bytes(b"the old memo")
    _, _, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed == 0
    assert not any((folder / name).exists() for name in ("zz", ".memo-killed", "0x"))
    assert not (tmp_path / "cache" / "memo.pickle").exists()


def test_a_memo_makes_no_folder_of_its_own(make_project, tmp_path):
    """A build that fails before writing anything leaves nothing behind: the memo is not written either."""
    root = make_project("basic")
    with remembering(tmp_path / "cache") as memo:
        load_catalog(root)
    assert memo.computed > 0 and not (tmp_path / "cache").exists()


def test_without_a_build_the_functions_simply_run(make_project):
    root = make_project("basic")
    assert load_catalog(root).pages == load_catalog(root).pages


def test_a_build_in_the_same_process_reads_only_the_shards_changed_since(make_project, tmp_path, monkeypatch):
    """`kb serve`: the memo of the last build is kept in the process; a shard file replaced since is read."""
    root = make_project("basic")
    load_and_check(root, tmp_path / "cache")
    read_shard, reads = generator.memo.load_shard, []

    def counted(path, code):
        reads.append(path.name)
        return read_shard(path, code)

    monkeypatch.setattr(generator.memo, "load_shard", counted)
    _, _, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed == 0 and reads == []
    shards = sorted((tmp_path / "cache" / FOLDER).iterdir())
    shard = next(path for path in shards if path.name.startswith("page_facts-"))
    shard.unlink()
    shard.write_bytes(b"kb-memo 2\n")  # another file in its place, damaged: read, and ignored
    _, _, memo = load_and_check(root, tmp_path / "cache")
    assert shard.name in reads and memo.computed > 0
    # Besides it, only shards with no file (results used only by other results, so not kept) were looked for.
    assert not {name for name in reads if name != shard.name} & {path.name for path in shards}


def test_a_file_where_the_memo_folder_was_is_ignored_and_replaced(make_project, tmp_path):
    root = make_project("basic")
    catalog, problems, _ = load_and_check(root, tmp_path / "cache")
    shutil.rmtree(tmp_path / "cache" / FOLDER)
    (tmp_path / "cache" / FOLDER).write_bytes(b"not a folder of shards")
    again, again_problems, memo = load_and_check(root, tmp_path / "cache")
    assert memo.computed >= len(catalog.pages)
    assert again.pages == catalog.pages and again_problems == problems
    assert (tmp_path / "cache" / FOLDER).is_dir() and load_and_check(root, tmp_path / "cache")[2].computed == 0


@pytest.mark.parametrize(
    ("source", "body"),
    [
        ("---\nid: USR-001\ntitle: Gantt\n---\nThe body.\n\n## Steps\n", "The body.\n\n## Steps\n"),
        ("\ufeff---\r\nid: USR-001\r\ntitle: Gantt\r\n...\r\nAfter a BOM.\r\n", "After a BOM.\r\n"),
        ("---\nid: USR-001\ntitle: Gantt\n---\n", ""),
        ("---\nid: USR-001\ntitle: Gantt\n---  \n---\nA rule first.\n", "---\nA rule first.\n"),
    ],
)
def test_a_page_from_the_memo_has_the_body_it_was_parsed_with(tmp_path, source, body):
    """The memo holds a parsed page without its body, and where the body starts: taken from the memo, the
    page is the one parsing its text gives."""
    from generator.page_facts import parse_page

    parsed = parse_page("docs/user/01-gantt.md", source)
    assert parsed[0].body == body
    with remembering(tmp_path) as memo:
        assert parse_page("docs/user/01-gantt.md", source) == parsed
    assert memo.computed == 1
    with remembering(tmp_path) as memo:  # from the memo's file
        assert parse_page("docs/user/01-gantt.md", source) == parsed
    assert memo.computed == 0


def test_a_repeated_call_in_a_build_gives_the_same_result_and_none_outlives_it(tmp_path):
    """internal_links is asked for several times a build: found again by its arguments within the build,
    for other arguments computed, and nothing of one build is given to the next or outside a build."""
    from generator.links import internal_links

    body = "See [the Gantt](gantt.md) and [the list](list.md).\n"
    with remembering(tmp_path) as memo:
        first = internal_links("kb/scheduling/a.md", body)
        computed = memo.computed
        assert internal_links("kb/scheduling/a.md", body) is first and memo.computed == computed
        other = internal_links("kb/scheduling/a.md", body.replace("list.md", "grid.md"))
        assert memo.computed > computed and other != first
    assert not generator.memo._called and not generator.memo._part_digests
    assert (
        internal_links("kb/scheduling/a.md", body) == first and internal_links("kb/scheduling/a.md", body) is not first
    )
    with remembering(tmp_path) as memo:
        assert internal_links("kb/scheduling/a.md", body) == first and memo.computed == 0
        assert [target for _, target, _ in other] == ["kb/scheduling/gantt.md", "kb/scheduling/grid.md"]


def test_a_pages_staged_front_matter_comes_with_it_and_only_for_that_page(make_project, tmp_path):
    """The staged front matter of a page as parsed is kept in its entry (page_facts.py) and given for that
    page object only: a page a target renames (its title in a client's words) or numbers gets its own."""
    import dataclasses

    from generator.stage import _front_matter_of, staged_front_matter

    root = make_project("basic")
    for _ in range(2):  # computed, then from the memo's files
        with remembering(tmp_path) as memo:
            catalog = load_catalog(root)
            for page in catalog.pages:
                assert staged_front_matter(page, None) == _front_matter_of(page, None)
                renamed = dataclasses.replace(page, title="Another title")
                assert staged_front_matter(renamed, None) == _front_matter_of(renamed, None)
                assert "Another title" in staged_front_matter(renamed, None)
                assert staged_front_matter(page, "3") == _front_matter_of(page, "3")
    assert memo.computed == 0


def test_a_pages_text_facts_are_given_to_the_build_as_computed_alone(make_project, tmp_path):
    """Each result kept in a page's entry (page_facts.py) is what its function gives for those arguments on
    its own, and the build's calls get it without computing or looking anything up: before and after the
    entry came from the memo's files."""
    from generator.page_facts import _text_facts

    root = make_project("basic")
    for _ in range(2):
        with remembering(tmp_path) as memo:
            catalog = load_catalog(root)
            computed, read = memo.computed, dict(memo.old)
            given = {
                (page.src_uri, function.__name__): function(*args)
                for page in catalog.pages
                for function, args in _text_facts(page)
            }
            assert memo.computed == computed and memo.old == read  # given, not computed or read
            with generator.memo.apart():
                alone = {
                    (page.src_uri, function.__name__): function(*args)
                    for page in catalog.pages
                    for function, args in _text_facts(page)
                }
            assert given == alone


def test_a_build_keeps_its_pages_from_the_collector_only_while_it_runs(make_project, tmp_path):
    """What loading and rendering leave alive is kept out of the cyclic collector's runs during a build
    (memo.collector_paused), and given back to it when the build ends; outside a build, never."""
    import gc

    from generator.build import render_target
    from generator.model import SITE
    from generator.progress import SilentReporter

    root = make_project("basic")
    gc.unfreeze()
    render_target(root, SITE, False, SilentReporter())
    assert gc.get_freeze_count() == 0
    (tmp_path / "cache").mkdir()
    with remembering(tmp_path / "cache"):
        rendered = render_target(root, SITE, False, SilentReporter())
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert rendered.pages
