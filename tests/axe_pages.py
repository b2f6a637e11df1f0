"""axe-core (the `axe-playwright-python` package's pinned copy) over a list of pages in one browser context:
what a test of a help centre's page types asserts is empty. Shared by tests/test_accessibility.py (static
builds) and tests/portal/test_help_centres_accessibility.py (the centres the portal serves to signed-in
people)."""

from __future__ import annotations

from collections.abc import Callable

from axe_playwright_python.sync_playwright import Axe

SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")


def serious(results: dict) -> list[str]:
    """The serious and critical violations of one axe run, a line each with the first elements it names."""
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def page_problems(page, screen: str) -> list[str]:
    """axe's serious and critical violations on the page as it is now, and sideways scrolling on a phone."""
    problems = serious(Axe().run(page).response)
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > SCREENS[screen]["width"]:
        problems.append(f"{wide} px wide on a {SCREENS[screen]['width']} px screen")
    return problems


def check_pages(
    context, base: str, pages: dict[str, str], screen: str, prepare: dict[str, Callable] | None = None
) -> list[str]:
    """Visit each of `pages` (name -> address under `base`) in a new tab of `context`, run `prepare[name]`
    on the tab when there is one (open a panel, say), and return every problem found as 'name: problem'."""
    found = []
    page = context.new_page()
    try:
        for kind, path in pages.items():
            response = page.goto(base + path)
            if response.status != (404 if kind == "404" else 200):  # the page meant, not an error page
                found.append(f"{kind}: {path} answered {response.status}")
            page.wait_for_load_state("networkidle")  # a context page sends the reader on to its topic
            if prepare and kind in prepare:
                prepare[kind](page)
            found += [f"{kind}: {problem}" for problem in page_problems(page, screen)]
    finally:
        page.close()
    return found
