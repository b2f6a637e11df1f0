"""Incremental builds: after each edit, `kb build` renders only what the edit affects, and its output is byte for
byte what a clean full build of the same sources makes. A cache that is missing, from other code or damaged
is ignored, never trusted."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path

import pytest

import generator.engine
import generator.engine_manifest
from generator.build import build_target
from generator.catalog import load_catalog
from generator.engine import run_engine
from generator.engine_cache import PAGES, EngineCache, cache_beside, spare_beside
from generator.engine_manifest import _FIELDS, MANIFEST, PageRecord
from generator.memo import FOLDER as MEMO
from generator.model import TARGETS, Target, client_target
from generator.stage import MANIFEST as STAGED_MANIFEST
from generator.theme_files import THEME

CHAPTER = (
    "---\nid: USR-002\ntitle: Reports\nmodule: scheduling\n---\n\n# Reports\n\nReports of the schedule.\n\n"
    "## Exporting\n\nSee [the Gantt chart](01-gantt.md).\n"
)
ARTICLE = (
    "---\nid: KB-0050\ntitle: {title}\nsummary: Budgets stay locked.\ntype: howto\nmodule: {module}\n"
    "confidence: validated\n---\n\nUnlock a budget. See [the Gantt article](../scheduling/gantt-empty.md).\n"
)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file's content, and every folder (None): an empty folder a deleted page left is a difference."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def assert_same_as_full(root: Path, target: Target, tmp_path: Path, name: str):
    """Build `target` incrementally (into root/build) and from nothing (elsewhere); the two sites must match."""
    incremental = build_target(root, target, root / "build" / target.name)
    full = build_target(root, target, tmp_path / f"full-{name}" / target.name, full=True)
    built, clean = tree(incremental.out), tree(full.out)
    assert sorted(built) == sorted(clean), f"after {name}: different files"
    differ = [path for path in clean if built[path] != clean[path]]
    assert not differ, f"after {name}: these files differ from a full build: {differ}"
    assert incremental.warnings == full.warnings
    shutil.rmtree(tmp_path / f"full-{name}")
    return incremental


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def override(root: Path, rel: str, note: str) -> None:
    """The project's own copy of the theme's file `rel` (in overrides/), kb's with `note` on top."""
    path = root / "overrides" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(note + (THEME / rel).read_text(encoding="utf-8"), encoding="utf-8")


def move_to_scheduling(root: Path, rel: str) -> None:
    edit(root, rel, "module: budgets", "module: scheduling")
    (root / rel).rename(root / "kb/scheduling" / Path(rel).name)


def test_incremental_builds_after_a_series_of_edits_match_full_builds(make_project, tmp_path):
    root = make_project("basic", files={"docs/user/02-reports.md": CHAPTER})
    first = build_target(root, TARGETS["site"], root / "build" / "site")
    every = first.engine.rendered  # the pages, the home, the knowledge base's page and each module's
    assert every == first.pages + 4 and first.engine.reused == 0
    steps = [
        ("an edit", lambda: edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")),
        ("an added article", lambda: (root / "kb/budgets/unlock.md").write_text(
            ARTICLE.format(title="How to unlock a budget", module="budgets"), encoding="utf-8")),
        ("a renamed article", lambda: (root / "kb/budgets/unlock.md").rename(root / "kb/budgets/unlock-budget.md")),
        ("a changed article title", lambda: edit(
            root, "kb/budgets/unlock-budget.md", "How to unlock a budget", "How to unlock a locked budget")),
        ("an article moved to another module", lambda: move_to_scheduling(root, "kb/budgets/unlock-budget.md")),
        ("a deleted article", lambda: (root / "kb/scheduling/unlock-budget.md").unlink()),
        ("a changed chapter title", lambda: edit(root, "docs/user/01-gantt.md", "title: The Gantt chart",
                                                  "title: The Gantt chart view")),
        ("a changed heading that a link's anchor needs", lambda: edit(
            root, "docs/user/02-reports.md", "## Exporting", "## Export")),
        ("a changed product.yml", lambda: edit(root, "product.yml", "title: Budgets,", "title: Budget planning,")),
        ("an added template override", lambda: override(root, "main.html", "{#- the project's own main.html -#}\n")),
        ("a changed template override", lambda: edit(root, "overrides/main.html", "own main.html", "main.html")),
        ("a changed mkdocs.yml", lambda: edit(root, "mkdocs.yml", "toc.follow", "toc.integrate")),
    ]  # fmt: skip
    rendered = {}
    for name, change in steps:
        change()
        rendered[name] = assert_same_as_full(root, TARGETS["site"], tmp_path, name).engine.rendered
    # Only what an edit affects: the page itself; with a new or changed title, the lists of articles too.
    assert rendered["an edit"] == 1
    assert rendered["a changed article title"] <= 4
    assert rendered["an added template override"] >= every  # every page shows the theme
    assert rendered["a changed template override"] >= every


def acme(root: Path) -> Target:
    """Acme's target as `kb build --client acme` makes it: from the profile as it is now."""
    return client_target(load_catalog(root).clients["acme"])


def test_incremental_client_builds_match_full_builds(make_project, tmp_path):
    root = make_project("basic")
    build_target(root, acme(root), root / "build" / "client-acme")
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    assert assert_same_as_full(root, acme(root), tmp_path, "an edit").engine.rendered == 1
    edit(root, "clients/acme.yml", "name: Acme Water", "name: Acme Water Board")
    assert_same_as_full(root, acme(root), tmp_path, "a changed client profile")
    edit(root, "clients/acme.yml", "modules: [scheduling]", "modules: [scheduling, budgets]")
    assert_same_as_full(root, acme(root), tmp_path, "a licensed module added to the client profile")


def test_unchanged_sources_render_no_page(make_project):
    root = make_project("basic")
    build_target(root, TARGETS["site"], root / "build" / "site")
    again = build_target(root, TARGETS["site"], root / "build" / "site")
    assert again.engine.rendered == 0
    assert again.engine.reused == again.pages + 4


def test_full_renders_every_page(make_project):
    root = make_project("basic")
    first = build_target(root, TARGETS["site"], root / "build" / "site")
    again = build_target(root, TARGETS["site"], root / "build" / "site", full=True)
    assert again.engine.rendered == first.engine.rendered
    assert again.engine.reused == 0


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
    elif damage == "damaged compiled templates":  # Jinja2's bytecode cache of the theme (engine._compiled_templates)
        compiled = [path for path in (cache / "templates").rglob("*") if path.is_file()]
        assert compiled
        for path in compiled:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2] + b"\x00garbage")
        generator.engine._warm_envs.clear()  # as a new process: the compiled templates are read from the cache
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


def test_a_build_makes_the_site_it_replaced_into_the_new_one_and_keeps_nothing_else_of_it(make_project, tmp_path):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    build_target(root, TARGETS["site"], out)  # the first site is kept beside the cache now
    spare = spare_beside(out)
    page = "kb/scheduling/gantt-empty/index.html"
    assert (spare / page).is_file() and (spare / page).samefile(out / page)  # one file: the cache's
    (spare / "stray.html").write_text("not this build's")
    (spare / "kb/scheduling/gantt-empty/stray.txt").write_text("nor this")
    (spare / "kb/old-page").mkdir()
    (spare / "kb/old-page/index.html").write_text("a page of an older build")
    (spare / "index.html").unlink()
    (spare / "index.html").write_text("an edited home page, not the cache's file")
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "a stray file in the kept site")
    assert again.engine.rendered == 1
    assert not (out / "stray.html").exists() and not (out / "kb/old-page").exists()


def test_folders_left_empty_in_the_kept_site_by_a_stopped_build_are_removed(make_project, tmp_path):
    """A build stopped after clearing the kept site leaves its folders empty: the next build removes the ones it
    does not write into, and writes where one is in its way (the context help makes its folders itself)."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    build_target(root, TARGETS["site"], out)  # the first site is kept beside the cache now
    spare = spare_beside(out)
    for page in (spare / "context").glob("*/index.html"):
        page.unlink()
    (spare / "kb/gone/deeper").mkdir(parents=True)
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    assert_same_as_full(root, TARGETS["site"], tmp_path, "empty folders in the kept site")
    assert not (out / "kb/gone").exists()


def test_a_file_left_in_the_kept_staged_project_never_reaches_the_site(make_project, tmp_path):
    """The staging boundary holds with a staged project kept between builds: only what this build staged."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    staged = cache_beside(out) / "project" / "docs"
    assert (staged / "kb/scheduling/gantt-empty.md").is_file()
    (staged / "kb/scheduling/secret.md").write_text("---\ntitle: Not for the site\n---\n\nPrivate words.\n")
    (staged / "private").mkdir()
    (staged / "private/notes.txt").write_text("Private words.")
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "a stray staged file")
    assert not any(b"Private words" in (p.read_bytes() if p.is_file() else b"") for p in again.out.rglob("*"))
    assert not (staged / "kb/scheduling/secret.md").exists() and not (staged / "private").exists()


@pytest.mark.parametrize(
    "damage", ["a staged page edited, its time put back", "cut short", "another format", "a planted entry", "removed"]
)
def test_the_staged_projects_manifest_is_trusted_only_for_files_as_it_left_them(make_project, tmp_path, damage):
    """stage.MANIFEST spares reading back the staged files a build left as they were; a staged file changed
    since (even with its modification time restored), or a manifest that is damaged, is not trusted."""
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    project = cache_beside(out) / "project"
    manifest = project / STAGED_MANIFEST
    staged = project / "docs" / "kb/scheduling/gantt-empty.md"
    text = manifest.read_text(encoding="utf-8")
    assert staged.is_file() and "\ndocs/kb/scheduling/gantt-empty.md\t" in text
    if damage == "a staged page edited, its time put back":
        before = staged.stat()
        staged.write_text(staged.read_text(encoding="utf-8").replace("Gantt", "Gnatt"), encoding="utf-8")
        os.utime(staged, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif damage == "cut short":
        manifest.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "another format":
        manifest.write_text(text.replace("kb-staged 1", "kb-staged 0", 1), encoding="utf-8")
    elif damage == "a planted entry":  # a file written behind kb's back, and an entry claiming it is kb's
        staged.write_text("---\ntitle: Planted\n---\n\nPlanted words.\n", encoding="utf-8")
        line = next(line for line in text.split("\n") if line.startswith("docs/kb/scheduling/gantt-empty.md\t"))
        name, _, *state = line.split("\t")
        manifest.write_text(text.replace(line, "\t".join([name, "0" * 64, *state])), encoding="utf-8")
    else:
        manifest.unlink()
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    assert b"Gnatt" not in staged.read_bytes() and b"Planted" not in staged.read_bytes()
    assert not any(b"Gnatt" in p.read_bytes() or b"Planted" in p.read_bytes() for p in again.out.rglob("*.html"))


@pytest.mark.parametrize("damage", ["truncated", "edited in the published site", "removed"])
def test_a_damaged_cached_page_is_rendered_again(make_project, tmp_path, damage):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    page = out / "kb/scheduling/gantt-empty/index.html"
    cached = next(p for p in (cache_beside(out) / PAGES).iterdir() if p.read_bytes() == page.read_bytes())
    if damage == "truncated":
        with cached.open("r+b") as stream:
            stream.truncate(100)
    elif damage == "edited in the published site":  # the same file as the cache's: a hard link
        page.write_bytes(page.read_bytes().replace(b"Gantt", b"Gnatt"))
    else:
        cached.unlink()
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    assert again.engine.rendered == 1
    # And the cache holds the page as rendered again, not the damaged file: the next build reuses it.
    after = assert_same_as_full(root, TARGETS["site"], tmp_path, f"the build after: {damage}")
    assert after.engine.rendered == 0


@pytest.mark.parametrize("damage", ["edited in the published site", "longer", "truncated", "removed"])
def test_a_damaged_cached_permanent_link_is_written_again(make_project, tmp_path, damage):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    redirect = next((out / "a").rglob("index.html"))
    original = redirect.read_bytes()
    cached = next(p for p in (cache_beside(out) / PAGES).iterdir() if p.read_bytes() == original)
    if damage == "edited in the published site":  # the same file as the cache's: a hard link
        redirect.write_bytes(original.replace(b"moved", b"MOVED"))
    elif damage == "longer":  # the redirect as it was, and more after it
        with cached.open("ab") as stream:
            stream.write(b"<script>alert(1)</script>")
    elif damage == "truncated":
        with cached.open("r+b") as stream:
            stream.truncate(len(original) // 2)
    else:
        cached.unlink()
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    assert (again.out / redirect.relative_to(out)).read_bytes() == original
    assert cached.read_bytes() == original


def test_kb_build_full_renders_every_page(make_project, run_kb):
    root = make_project("basic")
    assert run_kb(root, "build").exit_code == 0
    again = run_kb(root, "build")
    assert "Site: 0 pages rendered" in again.output
    full = run_kb(root, "build", "--full")
    assert full.exit_code == 0, full.output
    assert "Site: 8 pages rendered, 0 unchanged" in full.output
    assert "Rebuilding the search index" in full.output


def stage_by_hand(project: Path, site: Path, pages: dict[str, str]) -> Path:
    """A staged project as stage.py writes one (docs/ and mkdocs.yml), for the engine alone."""
    shutil.rmtree(project / "docs", ignore_errors=True)
    for rel, text in pages.items():
        (project / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / "docs" / rel).write_text(text, encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(
        f"site_name: T\ndocs_dir: {project / 'docs'}\nsite_dir: {site}\ntheme: {{name: material}}\n"
        "plugins: [search]\nnav: [index.md]\n",
        encoding="utf-8",
    )
    return config


def test_a_page_is_rendered_again_when_what_its_link_finds_changes(tmp_path):
    """The page's own source does not change; the file its link names appears: its HTML must follow."""
    project, cache = tmp_path / "project", tmp_path / "cache"
    pages = {"index.md": "# Home\n", "a.md": "# A\n\nSee [b](b.md).\n"}
    run_engine(stage_by_hand(project, tmp_path / "site-1", pages), cache_dir=cache)
    pages["b.md"] = "# B\n"
    again = run_engine(stage_by_hand(project, tmp_path / "site-2", pages), cache_dir=cache)
    run_engine(stage_by_hand(project, tmp_path / "site-full", pages))
    assert tree(tmp_path / "site-2") == tree(tmp_path / "site-full")
    assert (again.rendered, again.reused) == (2, 1)  # b.md, and a.md whose link now finds it; not the home
    assert 'href="../b/"' in (tmp_path / "site-2/a/index.html").read_text(encoding="utf-8")


def test_a_folder_of_the_writers_where_the_cache_goes_is_left_alone(make_project):
    root = make_project("basic")
    out = root / "build" / "site"
    mine = cache_beside(out) / PAGES / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("my notes", encoding="utf-8")
    build_target(root, TARGETS["site"], out)
    again = build_target(root, TARGETS["site"], out)
    assert again.engine.reused == 0  # no cache there: every page rendered
    assert mine.read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in cache_beside(out).rglob("*")) == ["notes.txt", "pages"]


def test_pages_rendered_by_the_pool_match_pages_rendered_in_process(make_project, tmp_path, monkeypatch):
    """Both cores render pages in forked workers: their pages, search entries and warnings are the same."""
    root = make_project("basic", files={"docs/user/02-reports.md": CHAPTER})
    monkeypatch.setattr(generator.engine, "POOL_FROM", 1)  # the sample's few pages: a pool all the same
    pooled = build_target(root, TARGETS["site"], root / "build" / "site")
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    pooled = build_target(root, TARGETS["site"], root / "build" / "site")
    assert pooled.engine.rendered == 1
    monkeypatch.setattr(generator.engine, "POOL_FROM", 10**9)
    alone = build_target(root, TARGETS["site"], tmp_path / "alone" / "site")
    assert tree(pooled.out) == tree(alone.out)
    assert pooled.warnings == alone.warnings


def test_the_search_index_joined_from_cached_entries_is_materials_own(tmp_path):
    """Each page's search entries are kept as JSON text and the index is joined from them: byte for byte the
    index Material writes from its own entries, in a plain `mkdocs build` of the same pages."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    pages = {
        "index.md": '# Home\n\nWelcome, \u00e9l\u00e8ve \u2014 "quoted" <b>bold</b> \\\\ back\\slash.\n',
        "a.md": "# A\n\n## Caf\u00e9 section\n\nText with emoji \U0001f600 and tabs\tinside.\n\n## Empty\n",
        "b.md": "---\nsearch:\n  exclude: true\n---\n\n# B, not indexed\n",
        "c.md": "# C\n\nSee [a](a.md#cafe-section).\n",
    }
    config = stage_by_hand(tmp_path / "project", tmp_path / "site", pages)
    config.write_text(config.read_text(encoding="utf-8").replace("nav: [index.md]", "nav: [index.md, a.md]"))
    run_engine(config, cache_dir=tmp_path / "cache")
    edit(tmp_path / "project", "docs/c.md", "See", "Now see")
    again = run_engine(config, cache_dir=tmp_path / "cache")  # the other pages' entries from the cache
    assert again.reused == 3
    plain = tmp_path / "plain.yml"
    plain.write_text(config.read_text(encoding="utf-8").replace(str(tmp_path / "site"), str(tmp_path / "plain")))
    build(load_config(str(plain)))
    ours = (tmp_path / "site/search/search_index.json").read_bytes()
    assert ours == (tmp_path / "plain/search/search_index.json").read_bytes()
    assert b"Now see" in ours and b"Caf" in ours and b"not indexed" not in ours


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
