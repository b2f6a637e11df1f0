"""Accessibility of the help centre, read by axe-core (the `axe-playwright-python` package's pinned copy)
in Debian's Chromium: every page type of the sample help centre, light and dark, desktop and phone, with no
serious or critical violation and no sideways scrolling on a phone.

The portal's pages (case form, sign-in, the agents' console) are checked the same way in their own tests
once they share the help centre's look (issue 18)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_fixtures import browser_fixture, sample_url_fixture  # noqa: F401

# Every page type a reader meets: home, a module's listing of articles, an article, a manual's index and a
# chapter, the training manual, a context page (a screen's help: it leads on to its topic), and the 404 page.
PAGES = {
    "home": "",
    "listing": "kb/budgets/",
    "article": "kb/budgets/budget-overview-columns-reference/",
    "manual": "user/",
    "chapter": "user/budgets-and-forecasts/",
    "training": "training/",
    "context": "context/admin.audit/",
    "404": "no-such-page/",
}
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def serious(results: dict) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_page_type_passes_axe(browser, sample_url, scheme, screen):
    axe = Axe()
    context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
    page = context.new_page()
    found = {}
    try:
        for kind, path in PAGES.items():
            page.goto(sample_url + path)
            page.wait_for_load_state("networkidle")  # a context page sends the reader on to its topic
            problems = serious(axe.run(page).response)
            wide = page.evaluate("document.documentElement.scrollWidth")
            if screen == "phone" and wide > SCREENS["phone"]["width"]:
                problems.append(f"{wide} px wide on a {SCREENS['phone']['width']} px screen")
            if problems:
                found[kind] = problems
    finally:
        context.close()
    assert not found, "\n".join(f"{kind}: {problem}" for kind, problems in found.items() for problem in problems)


def test_the_search_dialog_has_a_name(browser, sample_url):
    page = browser.new_page()
    try:
        page.goto(sample_url)
        page.wait_for_load_state("load")
        assert page.get_attribute(".md-search[role=dialog]", "aria-label") == "Search the help centre"
    finally:
        page.close()
