"""Search everywhere the portal serves the help centre, in a real browser: the header's and the home page's
search boxes show the portal's suggestions as the reader types (a combobox: arrows, Escape), Enter opens
the portal's results page (snippets, "did you mean", counts that filter, pages, "Log a case" with the
query), which looks like the help centre on a phone and in dark mode; and a static copy of the same site,
with no portal, still searches in the browser.

The repository's sample help centre (60 pages) with its search index, served by the portal (create_app on
a real SQLite file) on 127.0.0.1, and the same build served as static files. Skipped without Debian's
Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_fixtures import browser_fixture, page_fixture, sample_url_fixture  # noqa: F401 - fixtures
from portal.portal_helpers import serving

from generator.build import index_beside
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import connect
from generator.portal.migrate import upgrade

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
HEADER_SEARCH = "[data-md-component=search-query]"


@pytest.fixture(scope="module")
def portal_url(built_sample, tmp_path_factory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("portal")
    config = PortalConfig(
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
        product_name="Meridian Capital Planner",
        modules={"scheduling": "Scheduling", "budgets": "Budgets"},
        site_dir=built_sample,
        index_dir=index_beside(built_sample),
        instance_dir=instance,
        secret_key="browser-test-secret",
        sweep_every_seconds=0,
    )
    upgrade(connect(config.database_url))
    with serving(create_app(config)) as url:
        yield url


def words_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_typing_in_the_header_search_shows_the_portals_suggestions(page, portal_url):
    page.goto(f"{portal_url}/user/projects/")
    box = page.locator(HEADER_SEARCH)
    box.click()
    box.press_sequentially("gantt")

    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    options = suggestions.get_by_role("option")
    expect(options.first).to_contain_text(re.compile("gantt", re.IGNORECASE))
    expect(options.last).to_have_text(re.compile("See all results for “gantt”"))
    expect(page.locator(".md-search-result")).to_be_hidden()  # the theme's in-browser results give way

    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    expect(box).to_be_focused()
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")  # opens the list again on the first suggestion; Enter opens it
    title = options.first.locator(".kb-suggest__title").inner_text()
    box.press("Enter")
    expect(page.locator("article h1")).to_contain_text(title.split(" › ")[0])


def test_enter_in_the_header_search_opens_the_results_page_with_snippets(page, portal_url):
    page.goto(f"{portal_url}/")
    box = page.locator(HEADER_SEARCH)
    box.click()
    box.press_sequentially("baseline")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q=baseline$"))
    expect(page.locator(".search-count")).to_have_text(re.compile(r"^\d+ results, showing 1–10\.$"))
    expect(page.locator(".results .snippet mark").first).to_have_text(re.compile("baseline", re.IGNORECASE))
    expect(page.get_by_role("searchbox", name="Search the help centre").or_(page.locator("#top-q"))).to_have_value(
        "baseline"
    )
    page.locator(".result-title").first.click()
    expect(page.locator("article h1")).to_be_visible()


def test_the_home_pages_search_asks_the_portal(page, portal_url):
    page.goto(f"{portal_url}/")
    box = page.locator(".kb-hero input")
    box.press_sequentially("budget")
    expect(page.locator(".kb-hero").get_by_role("listbox", name="Suggestions")).to_be_visible()
    page.locator(".kb-hero").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=budget$"))
    expect(page.locator(".result-title").first).to_be_visible()


def test_a_misspelled_query_shows_did_you_mean_and_clicking_it_runs_the_correction(page, portal_url):
    page.goto(f"{portal_url}/search?q=gantt+chrt")
    correction = page.locator(".did-you-mean").get_by_role("link", name="gantt chart")
    expect(correction).to_be_visible()

    correction.click()
    assert words_of(page.url)["q"] == ["gantt chart"]
    expect(page.locator(".result-title").first).to_be_visible()
    expect(page.locator("#top-q")).to_have_value("gantt chart")


def test_clicking_a_module_count_filters_the_results_and_the_filter_clears(page, portal_url):
    page.goto(f"{portal_url}/search?q=baseline")
    facet = page.locator(".facets a.facet", has_text="Scheduling")
    count = facet.locator(".count").inner_text()
    total = page.locator(".search-count").inner_text()

    facet.click()
    assert words_of(page.url)["module"] == ["scheduling"]
    expect(page.locator(".search-count")).to_have_text(re.compile(rf"^{count} results?"))
    expect(page.locator(".facet--chosen")).to_contain_text("Scheduling")
    expect(page.locator(".result-meta").first).to_contain_text("Scheduling")

    page.get_by_role("link", name="Clear module filter").click()
    expect(page.locator(".search-count")).to_have_text(total)


def test_a_broad_query_has_a_second_page(page, portal_url):
    page.goto(f"{portal_url}/search?q=project")
    first = page.locator(".result-title").first.inner_text()
    page.get_by_role("navigation", name="Pages of results").get_by_role("link", name="Next page").click()

    expect(page.locator(".search-count")).to_have_text(re.compile(r"showing 11–20"))
    expect(page.locator(".results")).to_have_attribute("start", "11")
    expect(page.locator(".result-title").first).not_to_have_text(first)


def test_a_nothing_found_query_offers_log_a_case_carrying_the_query(page, portal_url):
    page.goto(f"{portal_url}/")
    box = page.locator(HEADER_SEARCH)
    box.click()
    box.press_sequentially("xyzzy frobnicate")
    box.press("Enter")

    expect(page.locator(".search-count")).to_have_text("Nothing found for “xyzzy frobnicate”.")
    page.get_by_role("link", name="Log a case").last.click()
    expect(page).to_have_url(re.compile(r"/cases/new\?q=xyzzy"))
    expect(page.locator("#subject")).to_have_value("xyzzy frobnicate")


def test_the_results_page_fits_a_phone_and_follows_dark_mode(browser, portal_url, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    try:
        phone = context.new_page()
        phone.goto(f"{portal_url}/search?q=baseline")
        expect(phone.locator(".result-title").first).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
        background = phone.evaluate("getComputedStyle(document.body).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 3 * 80, background  # dark, as the help centre
        box = phone.locator("#top-q")
        expect(box).to_be_visible()
        box.focus()
        box.press_sequentially("gantt")
        expect(phone.get_by_role("listbox", name="Suggestions")).to_be_visible()
        phone.screenshot(path=tmp_path / "search-phone-dark.png", full_page=True)
    finally:
        context.close()


def test_a_static_copy_without_the_portal_still_searches_in_the_browser(page, sample_url):
    page.goto(sample_url)
    box = page.locator(HEADER_SEARCH)
    box.click()
    box.press_sequentially("baseline")

    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.get_by_role("listbox", name="Suggestions")).to_have_count(0)
    expect(box).not_to_have_attribute("role", "combobox")
