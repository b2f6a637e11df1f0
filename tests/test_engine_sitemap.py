"""The sitemap kept in the engine cache (engine_sitemap.py): written as kept when the pages' addresses and
dates are the same, rendered again when they change, when the kept file is damaged, with `--full`, and when
the sitemap is not MkDocs' own template; always the sitemap a full build makes."""

from __future__ import annotations

import gzip
from pathlib import Path

import mkdocs.commands.build
import pytest
from build_compare import assert_same_as_full, edit

from generator.build import build_target
from generator.engine_cache import cache_beside
from generator.engine_sitemap import KEPT, SITEMAP
from generator.model import TARGETS


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The theme's templates MkDocs renders (its own function, called through)."""
    names: list[str] = []
    render = mkdocs.commands.build._build_theme_template

    def recorded(name, *args, **kwargs):
        names.append(name)
        return render(name, *args, **kwargs)

    monkeypatch.setattr(mkdocs.commands.build, "_build_theme_template", recorded)
    return names


def kept_file(out: Path) -> Path:
    (kept,) = (cache_beside(out) / KEPT).iterdir()
    return kept


def test_the_sitemap_is_kept_for_the_same_pages_and_rendered_when_an_address_changes(make_project, tmp_path, rendered):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    assert SITEMAP in rendered
    rendered.clear()
    edit(root, "kb/scheduling/gantt-empty.md", "is empty after", "shows nothing after")
    assert_same_as_full(root, TARGETS["site"], tmp_path, "an edit")
    assert rendered.count(SITEMAP) == 1  # the full build's, not the incremental one's
    assert gzip.decompress((out / f"{SITEMAP}.gz").read_bytes()) == (out / SITEMAP).read_bytes()
    rendered.clear()
    (root / "kb/scheduling/gantt-empty.md").rename(root / "kb/scheduling/gantt-chart-empty.md")
    assert_same_as_full(root, TARGETS["site"], tmp_path, "a moved article")
    assert rendered.count(SITEMAP) == 2
    assert b"gantt-chart-empty/" in (out / SITEMAP).read_bytes()


def test_a_new_build_date_renders_the_sitemap_again(make_project, tmp_path, rendered, monkeypatch):
    root = make_project("basic")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    build_target(root, TARGETS["site"], root / "build" / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")  # the next day
    rendered.clear()
    again = assert_same_as_full(root, TARGETS["site"], tmp_path, "a new day")
    assert rendered.count(SITEMAP) == 2
    assert b"<lastmod>2026-01-02</lastmod>" in (again.out / SITEMAP).read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda kept: kept.write_bytes(kept.read_bytes().replace(b"<loc>", b"<lox>", 1)),  # same size
        lambda kept: kept.write_bytes(kept.read_bytes()[:-10]),
        lambda kept: kept.write_bytes(b""),
        lambda kept: (kept.unlink(), kept.mkdir()),
    ],
    ids=["edited", "cut-short", "empty", "a-folder"],
)
def test_a_damaged_kept_sitemap_is_rendered_again(make_project, tmp_path, rendered, damage):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    damage(kept_file(out))
    rendered.clear()
    assert_same_as_full(root, TARGETS["site"], tmp_path, "a damaged kept sitemap")
    assert rendered.count(SITEMAP) == 2
    assert kept_file(out).is_file()  # kept again, whole


def test_a_full_build_renders_the_sitemap(make_project, rendered):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    kept_file(out).write_bytes(kept_file(out).read_bytes().replace(b"<loc>", b"<lox>", 1))
    rendered.clear()
    build_target(root, TARGETS["site"], out, full=True)
    assert rendered.count(SITEMAP) == 1
    assert b"<lox>" not in (out / SITEMAP).read_bytes()


def test_a_sitemap_template_of_the_projects_own_is_rendered_every_build(make_project, tmp_path, rendered):
    sitemap = '<?xml version="1.0"?>\n<urlset>{% for file in pages %}<u>{{ file.page.title }}</u>{% endfor %}</urlset>'
    root = make_project("basic", files={f"overrides/{SITEMAP}": sitemap})
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    rendered.clear()
    edit(root, "docs/user/01-gantt.md", "title: The Gantt chart", "title: The Gantt view")
    assert_same_as_full(root, TARGETS["site"], tmp_path, "an override")
    assert rendered.count(SITEMAP) == 2
    assert b"<u>1. The Gantt view</u>" in (out / SITEMAP).read_bytes()
    assert not (cache_beside(out) / KEPT).exists()
