"""The built help centre in a real browser: home page, navigation, the theme's search and the hero search.

Debian's Chromium, driven by Playwright, on the `site` target of tests/roots/basic served on 127.0.0.1.
Skipped without /usr/bin/chromium unless KB_REQUIRE_BROWSER=1 (see browser_fixtures.py)."""

from __future__ import annotations

import re

import pytest
from browser_fixtures import browser_fixture, page_fixture, site_url_fixture  # noqa: F401 - fixtures

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

ARTICLE_TITLE = "Gantt chart shows no bars after import"
ARTICLE_PATH = "kb/scheduling/gantt-empty/"
SEARCH_QUERY = "[data-md-component=search-query]"
SEARCH_RESULTS = ".md-search-result__item"


def heading(text: str) -> re.Pattern[str]:
    """A heading's text, with or without the permalink sign the toc extension adds."""
    return re.compile(rf"^{re.escape(text)}\s*¶?$")


def search_hit(page, title: str):
    """The search result whose page title is `title` (not a page that merely mentions it)."""
    return page.locator(".md-search-result__item > .md-search-result__link").filter(
        has=page.locator("h1", has_text=title)
    )


def test_home_page_has_the_site_title_and_the_hero_search_box(page, site_url, tmp_path):
    page.goto(site_url)

    expect(page).to_have_title(re.compile(r"^Sample Help Centre"))
    hero = page.locator(".kb-hero")
    expect(hero.get_by_role("heading", level=1)).to_have_text(heading("How can we help?"))
    box = hero.get_by_role("searchbox")
    expect(box).to_be_visible()
    expect(box).to_be_editable()
    expect(hero.get_by_role("button", name="Search")).to_be_visible()
    expect(page.locator(".md-tabs").get_by_role("link", name="Knowledge base")).to_be_visible()

    page.screenshot(path=tmp_path / "home.png", full_page=True)
    assert (tmp_path / "home.png").stat().st_size > 10_000


def test_navigation_leads_from_the_knowledge_base_tab_through_a_module_to_an_article(page, site_url, tmp_path):
    page.goto(site_url)

    page.locator(".md-tabs").get_by_role("link", name="Knowledge base").click()
    expect(page).to_have_url(site_url + "kb/")
    expect(page.locator("article h1")).to_have_text(heading("Knowledge base"))

    sidebar = page.locator(".md-sidebar--primary")
    sidebar.get_by_role("link", name="Scheduling", exact=True).click()
    expect(page).to_have_url(site_url + "kb/scheduling/")
    expect(page.locator("article h1")).to_have_text(heading("Scheduling"))

    # The module page lists its articles by type (the sidebar keeps those groups closed until opened).
    page.locator("article").get_by_role("link", name=ARTICLE_TITLE).click()
    expect(page).to_have_url(site_url + ARTICLE_PATH)
    expect(page.locator("article h1")).to_have_text(heading(ARTICLE_TITLE))
    expect(page.locator("article h2#resolution")).to_be_visible()
    expect(page.get_by_role("link", name="Log a case")).to_be_visible()
    expect(page.locator(".kb-meta")).to_contain_text("Article KB-0001")

    page.screenshot(path=tmp_path / "article.png", full_page=True)
    assert (tmp_path / "article.png").stat().st_size > 10_000


def test_header_search_finds_an_article_by_a_word_of_its_body_and_opens_it(page, site_url):
    page.goto(site_url)

    query = page.locator(SEARCH_QUERY)
    query.click()
    query.press_sequentially("recalculate")
    hit = search_hit(page, ARTICLE_TITLE)
    expect(hit).to_be_visible()

    hit.click()
    expect(page).to_have_url(re.compile(re.escape(site_url + ARTICLE_PATH)))
    expect(page.locator("article h1")).to_have_text(heading(ARTICLE_TITLE))


def test_header_search_does_not_find_pages_the_target_leaves_out(page, site_url):
    page.goto(site_url)

    query = page.locator(SEARCH_QUERY)
    query.click()
    query.press_sequentially("MARKER")  # in the internal, draft and client-private pages only
    expect(page.locator(".md-search-result__meta")).to_have_text("No matching documents")
    expect(page.locator(SEARCH_RESULTS)).to_have_count(0)


def test_hero_search_opens_the_theme_search_with_its_results(page, site_url):
    page.goto(site_url)

    box = page.locator(".kb-hero").get_by_role("searchbox")
    box.fill("budget locked")
    box.press("Enter")

    expect(page.locator(SEARCH_QUERY)).to_have_value("budget locked")
    expect(page.locator(SEARCH_QUERY)).to_be_focused()
    hit = search_hit(page, "Budget is locked for editing")
    expect(hit).to_be_visible()
    hit.click()
    expect(page.locator("article h1")).to_have_text(heading("Budget is locked for editing"))


def test_pages_fetch_nothing_from_outside_and_raise_no_script_errors(page, site_url):
    outside, failed, errors = [], [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((site_url, "data:", "blob:")) else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    for path in ("", "kb/", "kb/scheduling/", ARTICLE_PATH, "user/gantt/"):
        page.goto(site_url + path, wait_until="networkidle")

    assert outside == []
    assert failed == []
    assert errors == []
