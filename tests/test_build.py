"""Real builds of tests/roots/basic, asserting on the files a reader or a crawler would get, plus the stage
tests (render, stage) that need no engine. The unchanged root is built once per target (`built_basic`)."""

from __future__ import annotations

import gzip
import posixpath
import re
from pathlib import Path

import pytest
import yaml

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.errors import SourceError
from generator.model import INTERNAL, SITE
from generator.render import render_selection
from generator.select import is_selected, select
from generator.stage import stage_project

MARKERS = {"internal": "MARKER-INTERNAL-7f3a", "draft": "MARKER-DRAFT-91bc", "acme": "MARKER-ACME-c0de"}


def output_texts(site: Path) -> dict[str, str]:
    """Every file of a built site as text, keyed by its path in the site; .gz files decompressed."""
    texts = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            texts[path.relative_to(site).as_posix()] = data.decode("utf-8", errors="replace")
    return texts


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of `text` that contains `needle`."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


class _StagedConfigLoader(yaml.SafeLoader):
    """Reads a staged mkdocs.yml: its `!!python/name:` values come back as their dotted names."""


_StagedConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)


# What the site holds


def test_every_page_answers_at_its_permanent_link(built_basic, make_project):
    site = built_basic("site")
    catalog = load_catalog(make_project("basic"))
    published = select(catalog, SITE).pages
    assert {page.id for page in published} == {"KB-0001", "KB-0004", "USR-000", "USR-001"}
    assert sorted(p.name for p in (site / "a").iterdir()) == sorted(page.id for page in published)
    for page in published:
        redirect = (site / "a" / page.id / "index.html").read_text(encoding="utf-8")
        href = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', redirect).group(1)
        assert f'<link rel="canonical" href="{href}">' in redirect
        target = posixpath.normpath(posixpath.join(f"a/{page.id}/", href))
        assert target == page.url.rstrip("/")
        assert f"<title>{page.title} - Sample Help Centre</title>" in (site / target / "index.html").read_text()


def test_every_page_ends_with_log_a_case_carrying_the_page_and_its_screen_when_it_has_them(built_basic):
    site = built_basic("site")
    links = {
        path.relative_to(site).as_posix(): re.findall(r'href="(/cases/new[^"]*)"', path.read_text(encoding="utf-8"))
        for path in site.rglob("index.html")
        if path.parts[len(site.parts)] not in ("a", "context")  # redirects and screen landings, not pages
    }
    assert links == {
        "index.html": ["/cases/new"],
        "kb/index.html": ["/cases/new"],
        "kb/budgets/index.html": ["/cases/new"],
        "kb/budgets/budget-locked/index.html": ["/cases/new?page=KB-0004&context=budget.overview"],
        "kb/scheduling/index.html": ["/cases/new"],
        "kb/scheduling/gantt-empty/index.html": ["/cases/new?page=KB-0001&context=schedule.gantt"],
        "user/index.html": ["/cases/new?page=USR-000"],
        "user/gantt/index.html": ["/cases/new?page=USR-001&context=schedule.gantt"],
    }


def test_manual_chapters_are_published_without_their_number_prefix(built_basic):
    site = built_basic("site")
    assert '<h1 id="the-gantt-chart">The Gantt chart' in (site / "user/gantt/index.html").read_text()
    assert not [p for p in site.rglob("*") if p.name.startswith("01-")]
    assert '<a href="gantt/">the Gantt chart</a>' in (site / "user/index.html").read_text()


def test_picture_is_copied_beside_its_page(built_basic):
    site = built_basic("site")
    source = Path(__file__).parent / "roots/basic/docs/user/images/gantt.svg"
    assert (site / "user/images/gantt.svg").read_bytes() == source.read_bytes()
    assert '<img alt="A Gantt chart" src="../images/gantt.svg">' in (site / "user/gantt/index.html").read_text()


def test_home_page_shows_the_modules_and_the_featured_article(built_basic):
    home = (built_basic("site") / "index.html").read_text()
    for slug, title, description in [
        ("scheduling", "Scheduling", "Plan activities."),
        ("budgets", "Budgets", "Plan money."),
    ]:
        assert re.search(rf'<a href="kb/{slug}/">\s*{title}\s*</a>', home), title
        assert description in home
    assert '<a href="kb/scheduling/gantt-empty/">Gantt chart shows no bars after import</a>' in home


def test_page_variables_are_filled_in(built_basic):
    site = built_basic("site")
    article = (site / "kb/scheduling/gantt-empty/index.html").read_text()
    assert "The Gantt chart in Sample Planner is empty after an import." in article
    assert "Version 1.0." in article
    assert "{{" not in article
    assert "reopen the budget for your project." in (site / "kb/budgets/budget-locked/index.html").read_text()


def test_staged_project_holds_only_the_selected_pages_and_a_pruned_navigation(make_project, tmp_path):
    catalog = load_catalog(make_project("basic"))
    selection = select(catalog, SITE)
    rendered, problems = render_selection(catalog, selection)
    assert problems == []
    config_path = stage_project(catalog, selection, rendered, tmp_path / "staged", tmp_path / "site")
    docs = tmp_path / "staged/docs"
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()) == [
        "index.md",
        "kb/budgets/budget-locked.md",
        "kb/budgets/index.md",
        "kb/index.md",
        "kb/scheduling/gantt-empty.md",
        "kb/scheduling/index.md",
        "user/gantt.md",
        "user/images/gantt.svg",
        "user/index.md",
    ]
    config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_StagedConfigLoader)
    assert "navigation.prune" in config["theme"]["features"]
    assert config["theme"]["font"] is False
    assert config["docs_dir"] == str(docs)
    assert config["extra"]["kb"]["target"] == "site"


# What the site must not hold


def test_build_excludes_internal_draft_and_client_pages_from_every_output_file(built_basic, make_project):
    catalog = load_catalog(make_project("basic"))
    excluded = [page for page in catalog.pages if not is_selected(page, SITE)]
    assert sorted(page.id for page in excluded) == ["KB-0002", "KB-0003", "KB-0005"]
    texts = output_texts(built_basic("site"))
    # The scan covers what a crawler or the search box reads, not only the pages.
    for required in ("sitemap.xml", "sitemap.xml.gz", "search/search_index.json", "404.html", "index.html"):
        assert required in texts
    assert any(name.endswith(".js") for name in texts)
    assert "Gantt chart shows no bars after import" in texts["search/search_index.json"]  # the scan can see
    forbidden = [
        *MARKERS.values(),
        *(page.title for page in excluded),
        *(page.id for page in excluded),
        "internal-fix",
        "acme-only",
    ]
    leaks = [(name, word) for name, text in texts.items() for word in forbidden if word in text]
    assert leaks == []


def test_internal_build_includes_internal_pages_and_drafts_but_not_client_private_ones(built_basic):
    texts = output_texts(built_basic("internal"))
    for marker in (MARKERS["internal"], MARKERS["draft"]):
        assert marker in texts["search/search_index.json"]
    assert MARKERS["internal"] in texts["kb/scheduling/internal-fix/index.html"]
    assert MARKERS["draft"] in texts["kb/scheduling/draft/index.html"]
    assert "a/KB-0002/index.html" in texts and "a/KB-0003/index.html" in texts
    leaks = [
        name
        for name, text in texts.items()
        if MARKERS["acme"] in text or "Acme SAP cost code import" in text or "KB-0005" in text
    ]
    assert leaks == []


def test_link_to_an_excluded_page_becomes_plain_text(built_basic):
    public = (built_basic("site") / "kb/scheduling/gantt-empty/index.html").read_text()
    assert "Also internal notes." in public
    assert not re.search(r"<a [^>]*>internal notes</a>", public)
    internal = (built_basic("internal") / "kb/scheduling/gantt-empty/index.html").read_text()
    assert '<a href="../internal-fix/">internal notes</a>' in internal


def test_no_output_file_fetches_fonts_or_scripts_from_another_host(built_basic):
    texts = output_texts(built_basic("site"))
    assert [name for name, text in texts.items() if "fonts.googleapis" in text or "fonts.gstatic" in text] == []
    outside = re.compile(r"^(https?:)?//")
    for name, text in texts.items():
        if not name.endswith(".html"):
            continue
        for src in re.findall(r'<script\b[^>]*\bsrc="([^"]*)"', text):
            assert not outside.match(src), (name, src)
        for tag in re.findall(r"<link\b[^>]*>", text):
            rel = re.search(r'\brel="([^"]*)"', tag)
            href = re.search(r'\bhref="([^"]*)"', tag)
            if rel and href and rel.group(1) in ("stylesheet", "preconnect", "preload", "modulepreload"):
                assert not outside.match(href.group(1)), (name, tag)


# Failed builds


def test_failed_build_exits_1_at_file_line_and_keeps_the_previous_site(run_kb, make_project):
    root = make_project("basic")
    assert run_kb(root, "build").exit_code == 0
    site = root / "build/site"
    (site / "sentinel.txt").write_text("from the last good build", encoding="utf-8")
    home = (site / "index.html").read_bytes()
    broken = (
        "---\nid: KB-0100\ntitle: Broken\nsummary: S.\ntype: faq\nmodule: scheduling\n"
        "confidence: validated\n---\n{{ nope }} is not a variable.\n"
    )
    (root / "kb/scheduling/broken.md").write_text(broken, encoding="utf-8")
    result = run_kb(root, "build")
    assert result.exit_code == 1
    assert f"kb/scheduling/broken.md:{line_of(broken, '{{ nope }}')}: template: 'nope' is undefined" in result.output
    assert "Traceback" not in result.output
    assert (site / "sentinel.txt").read_text(encoding="utf-8") == "from the last good build"
    assert (site / "index.html").read_bytes() == home
    assert sorted(p.name for p in (root / "build").iterdir()) == [
        ".site-search.lock",
        "site",
        "site-cache",
        "site-search",
    ]


TEMPLATE_MISTAKES = [
    pytest.param("{{ nope }}", "template: 'nope' is undefined", id="undefined-variable"),
    pytest.param(
        '{% include "kb/x.md" %}', "template: pages cannot include, import or extend other files", id="include"
    ),
    pytest.param(
        '{{ term("nonexistent") }}',
        "template: term('nonexistent'): not a product term; expected one of project",
        id="unknown-term",
    ),
    pytest.param("{% if %}", "template syntax: Expected an expression", id="syntax"),
]


def _build_with_mistake(make_project, tmp_path, statement: str) -> tuple[str, str]:
    """Build the basic root with `statement` four lines into a page's body: (page text, error text)."""
    text = (
        "---\nid: KB-0100\ntitle: With a mistake\nsummary: S.\ntype: faq\nmodule: scheduling\n"
        f"confidence: validated\n---\n\nFirst line.\n\n{statement} here.\n"
    )
    root = make_project("basic", files={"kb/scheduling/mistake.md": text})
    with pytest.raises(SourceError) as caught:
        build_target(root, SITE, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    return text, str(caught.value.message)


@pytest.mark.parametrize(("statement", "message"), TEMPLATE_MISTAKES)
def test_template_mistake_is_an_error_naming_the_page(make_project, tmp_path, statement, message):
    _, error = _build_with_mistake(make_project, tmp_path, statement)
    assert error.startswith("1 problem in 1 file\n")
    assert re.search(rf"^  kb/scheduling/mistake\.md:\d+: {re.escape(message)}", error, re.MULTILINE), error


@pytest.mark.parametrize(("statement", "message"), TEMPLATE_MISTAKES)
def test_template_mistake_is_reported_at_its_line(make_project, tmp_path, statement, message):
    text, error = _build_with_mistake(make_project, tmp_path, statement)
    assert f"  kb/scheduling/mistake.md:{line_of(text, statement)}: {message}" in error


# Link rewriting and staging bugs (stage tests, no engine)


def test_link_whose_text_is_its_file_name_is_repointed(make_project):
    page = "---\nid: USR-000\ntitle: User Manual\n---\n\nStart with [01-gantt.md](01-gantt.md).\n"
    catalog = load_catalog(make_project("basic", files={"docs/user/index.md": page}))
    rendered, _ = render_selection(catalog, select(catalog, SITE))
    assert "[01-gantt.md](gantt.md)" in rendered["docs/user/index.md"]


def test_reference_link_to_an_excluded_page_does_not_crash_and_does_not_leak(make_project):
    page = (
        "---\nid: KB-0100\ntitle: Ref\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n"
        "---\n\nSee [the notes][notes].\n\n[notes]: internal-fix.md\n"
    )
    catalog = load_catalog(make_project("basic", files={"kb/scheduling/ref.md": page}))
    rendered, problems = render_selection(catalog, select(catalog, SITE))
    assert problems == []
    assert "internal-fix" not in rendered["kb/scheduling/ref.md"]


def test_article_named_index_is_published_or_reported(make_project, tmp_path):
    page = (
        "---\nid: KB-0100\ntitle: About scheduling\nsummary: S.\ntype: concept\nmodule: scheduling\n"
        "confidence: validated\n---\n\nMARKER-INDEX-5e1d\n"
    )
    root = make_project("basic", files={"kb/scheduling/index.md": page})
    catalog = load_catalog(root)
    reported = any(p.path == "kb/scheduling/index.md" for p in check_catalog(catalog))
    selection = select(catalog, INTERNAL)
    rendered, _ = render_selection(catalog, selection)
    stage_project(catalog, selection, rendered, tmp_path / "staged", tmp_path / "site")
    published = "MARKER-INDEX-5e1d" in (tmp_path / "staged/docs/kb/scheduling/index.md").read_text()
    assert reported or published
