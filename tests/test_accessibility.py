"""Accessibility of the help centre, read by axe-core (the `axe-playwright-python` package's pinned copy)
in Debian's Chromium: every page type of the sample help centre and of a client's build of it (`kb build
--client acme`), light and dark, desktop and phone, with no serious or critical violation and no sideways
scrolling; and the help panel (help.js) with the keyboard alone, on a 320 px screen and in dark mode.

The centres the portal serves to signed-in people (internal, a client's) and its search results page are
read the same way in tests/portal/test_help_centres_accessibility.py; the portal's own pages in their tests."""

from __future__ import annotations

import re

import pytest
from axe_pages import SCHEMES, SCREENS, check_pages
from browser_fixtures import browser_fixture, client_sample_url_fixture, sample_url_fixture  # noqa: F401

from generator.contrast import ratio

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

# Every page type a reader meets: home, a module's listing of articles, an article, a manual's index and a
# chapter, the training manual, a context page (a screen's help: it leads on to its topic), the 404 page, the
# search's results (the theme's, in the page: a static host has no results page), and the application's demo
# screen with the help panel open on it.
PAGES = {
    "home": "",
    "listing": "kb/budgets/",
    "article": "kb/budgets/budget-overview-columns-reference/",
    "manual": "user/",
    "chapter": "user/budgets-and-forecasts/",
    "training": "training/",
    "context": "context/admin.audit/",
    "context-index": "context/",
    "404": "no-such-page/",
    "search": "?q=baseline",
    "demo-panel": "demo/",
}
# A client's own help centre as `kb build --client acme` makes it: its branding, words and chapters.
CLIENT_PAGES = {
    "home": "",
    "listing": "kb/scheduling/",
    "chapter": "user/gantt-chart/",
    "context": "context/schedule.gantt/",
    "404": "no-such-page/",
    "search": "?q=baseline",
    "demo-panel": "demo/",
}


def search_results(page) -> None:
    expect(page.locator(".md-search-result__item").first).to_be_visible()


def help_panel_open(page) -> None:
    page.get_by_role("button", name="Help: Gantt chart").click()
    expect(page.frame_locator("[data-kb-help-panel] iframe").locator("article h1")).to_be_visible()


PREPARE = {"search": search_results, "demo-panel": help_panel_open}


# The sample help centre (`kb build`), and Acme's (`kb build --client acme`): their served address's fixture.
CENTRES = {"public": ("sample_url", PAGES), "acme": ("client_sample_url", CLIENT_PAGES)}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("centre", list(CENTRES))
def test_every_page_type_passes_axe(browser, request, centre, scheme, screen):
    fixture, pages = CENTRES[centre]
    context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
    try:
        found = check_pages(context, request.getfixturevalue(fixture), pages, screen, PREPARE)
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_the_search_dialog_has_a_name(browser, sample_url):
    page = browser.new_page()
    try:
        page.goto(sample_url)
        page.wait_for_load_state("load")
        assert page.get_attribute(".md-search[role=dialog]", "aria-label") == "Search the help centre"
    finally:
        page.close()


# The help panel with the keyboard alone (help.js on the demo screen).


def panel(page, title: str):
    return page.get_by_role("dialog", name=title)


def open_with_the_keyboard(page, base: str, button: str):
    """On the demo screen, Enter on the help button named `button`; returns that button."""
    page.goto(base + "demo/")
    opener = page.get_by_role("button", name=button)
    opener.focus()
    page.keyboard.press("Enter")
    return opener


def test_escape_inside_the_panels_frame_closes_it_and_the_focus_returns_to_the_opener(browser, sample_url):
    page = browser.new_page()
    try:
        opener = open_with_the_keyboard(page, sample_url, "Help: Portfolio heat map")
        help_ = panel(page, "Help for: Portfolio heatmap")
        expect(help_.get_by_role("heading", level=2)).to_be_focused()
        # The screen is unknown: the frame shows the search's results. The theme focuses its (hidden) search
        # box for them; the focus stays on the title all the same.
        result = page.frame_locator("[data-kb-help-panel] iframe").locator(".md-search-result__link").first
        expect(result).to_be_visible()
        expect(help_.get_by_role("heading", level=2)).to_be_focused()
        result.focus()  # the reader goes into the frame
        expect(result).to_be_focused()
        page.keyboard.press("Escape")
        expect(help_).to_be_hidden()
        expect(opener).to_be_focused()
    finally:
        page.close()


def test_escape_from_the_panels_search_box_closes_it_and_the_focus_returns_to_the_opener(browser, sample_url):
    page = browser.new_page()
    try:
        opener = open_with_the_keyboard(page, sample_url, "Help: Gantt chart")
        help_ = panel(page, "Help for: Gantt chart")
        expect(help_.get_by_role("heading", level=2)).to_be_focused()  # once the map is in
        page.keyboard.press("Tab")  # from the title: the close button, then the search box
        page.keyboard.press("Tab")
        box = help_.get_by_role("searchbox", name="Search the help centre")
        expect(box).to_be_focused()
        box.fill("baseline")
        page.keyboard.press("Enter")
        frame = page.frame_locator("[data-kb-help-panel] iframe")
        expect(frame.locator(".md-search-result__item").first).to_be_visible()
        # One search box: the panel's; the theme's own is not shown in the frame.
        expect(frame.locator("[data-md-component=search-query]")).to_be_hidden()
        page.keyboard.press("Escape")
        expect(help_).to_be_hidden()
        expect(opener).to_be_focused()
    finally:
        page.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_panel_fits_a_320_px_screen_and_its_case_button_reads(browser, sample_url, scheme):
    context = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(sample_url + "demo/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        page.get_by_role("button", name="Help: Schedule import wizard").click()
        help_ = panel(page, "Help for: Schedule import wizard")
        close = help_.get_by_role("button", name="Close help")
        box = close.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        case = help_.get_by_role("link", name="Log a case")
        expect(case).to_be_in_viewport()
        colours = case.evaluate(
            """(link) => [getComputedStyle(link).color, getComputedStyle(link).backgroundColor].map((rgb) =>
                '#' + rgb.match(/\\d+/g).slice(0, 3).map((n) => (+n).toString(16).padStart(2, '0')).join(''))"""
        )
        assert ratio(*colours) >= 4.5, colours
        # The panel follows the reader's scheme: a dark panel in dark mode, a light one in light mode.
        background = help_.evaluate("(dialog) => getComputedStyle(dialog).backgroundColor")
        dark = background == "rgb(30, 33, 41)"
        assert dark == (scheme == "dark"), background
    finally:
        context.close()


def test_a_known_screen_is_titled_by_its_screen_and_an_unknown_one_by_its_ids_words(browser, sample_url):
    page = browser.new_page()
    try:
        page.goto(sample_url + "demo/#help=budget.line.edit")  # the demo opens it on arrival (for Lighthouse)
        expect(page.locator("[data-kb-help-panel]").get_by_role("heading", level=2)).to_have_text(
            "Help for: Edit budget line dialog"
        )
        page.evaluate("KBHelp.open('portfolio.risk_matrix')")
        expect(page.locator("[data-kb-help-panel]").get_by_role("heading", level=2)).to_have_text(
            re.compile(r"^Help for: Portfolio risk matrix$")
        )
    finally:
        page.close()
