"""Incremental builds: after each edit, `kb build` renders only what the edit affects, and its output is byte for
byte what a clean full build of the same sources makes. A cache that is missing, from other code or damaged
is ignored, never trusted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from build_compare import assert_same_as_full, edit, tree

import generator.engine
import generator.engine_manifest
from generator.build import build_target
from generator.catalog import load_catalog
from generator.engine import run_engine
from generator.engine_cache import PAGES, cache_beside, spare_beside
from generator.model import TARGETS, Target, client_target
from generator.staged_files import MANIFEST as STAGED_MANIFEST
from generator.theme_files import THEME

CHAPTER = (
    "---\nid: USR-002\ntitle: Reports\nmodule: scheduling\n---\n\n# Reports\n\nReports of the schedule.\n\n"
    "## Exporting\n\nSee [the Gantt chart](01-gantt.md).\n"
)
ARTICLE = (
    "---\nid: KB-0050\ntitle: {title}\nsummary: Budgets stay locked.\ntype: howto\nmodule: {module}\n"
    "confidence: validated\n---\n\nUnlock a budget. See [the Gantt article](../scheduling/gantt-empty.md).\n"
)


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
    """staged_files.MANIFEST spares reading back the staged files a build left as they were; a staged file changed
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


@pytest.mark.parametrize(
    "damage", ["truncated", "edited in the published site", "removed", "removed from the cache only"]
)
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
        if damage == "removed":  # and no kept site holds it (the one a site made from nothing leaves: its copy)
            shutil.rmtree(spare_beside(out))
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    # The cache's name gone, the kept site's link of that very file, in its stored state, is that page intact.
    assert again.engine.rendered == (0 if damage == "removed from the cache only" else 1)
    # And the cache holds the page as rendered again, not the damaged file: the next build reuses it.
    after = assert_same_as_full(root, TARGETS["site"], tmp_path, f"the build after: {damage}")
    assert after.engine.rendered == 0


@pytest.mark.parametrize(
    "damage", ["edited in the published site", "longer", "truncated", "removed", "removed from the cache only"]
)
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
        if damage == "removed":  # and no kept site holds it (the one a site made from nothing leaves: its copy)
            shutil.rmtree(spare_beside(out))
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, damage)
    assert (again.out / redirect.relative_to(out)).read_bytes() == original
    if damage != "removed from the cache only":  # else the kept site's link of that very file is kept in place
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
