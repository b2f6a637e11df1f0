"""The versioned help centre in Debian's Chromium: the switcher in the header keeps the reader on the same
page (by its ID) or lands on the other version's home, an older version's notice leads to the same page in
the current one, both work from the keyboard and pass axe (light and dark, desktop and a 390 px phone), and
help.js opens the help of the application's version (data-version), falling back to the current one."""

from __future__ import annotations

import pytest
from axe_pages import SCHEMES, SCREENS, check_pages
from browser_fixtures import _served, browser_fixture, page_fixture  # noqa: F401
from playwright.sync_api import expect

from tests.versioned_project import MARKER_2026_2, MARKER_2026_3, make_versioned_project

GANTT = "kb/scheduling/gantt-empty/"
BASELINE = "kb/scheduling/baseline-compare/"  # KB-0101: in 2026.2 and 2026.3, not in 2026.1


@pytest.fixture(scope="module", name="versions_url")
def versions_url_fixture(tmp_path_factory):
    """The versioned project built with --all-versions, served on 127.0.0.1, with a page of "the application"
    beside it for help.js."""
    from click.testing import CliRunner

    from generator.cli import cli

    root = make_versioned_project(tmp_path_factory.mktemp("versions-browser") / "project")
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--all-versions"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    site = root / "build/site"
    for name, version in (("app-2026-2.html", "2026.2"), ("app-2025-9.html", "2025.9"), ("app-now.html", "2026.3")):
        (site / name).write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>App</title>'
            f'<script src="assets/help.js" data-version="{version}" defer></script></head>'
            '<body><button type="button" data-kb-help="schedule.baseline">Help: baseline</button></body></html>',
            encoding="utf-8",
        )
    with _served(site) as url:
        yield url


def choose_version(page, name: str) -> None:
    """Open the switcher and follow a version's link, from the keyboard only."""
    summary = page.locator("details.kb-versions summary")
    summary.focus()
    page.keyboard.press("Enter")
    link = page.locator(".kb-versions__list").get_by_role("link", name=name)
    expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")


def test_the_switcher_keeps_the_reader_on_the_same_page_by_its_id(page, versions_url):
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(versions_url + "v/2026.2/" + GANTT)
    expect(page.locator("article")).to_contain_text(MARKER_2026_2)
    expect(page.locator("details.kb-versions summary")).to_have_accessible_name(
        "Product version 2026.2, choose another"
    )
    choose_version(page, "2026.3 (current)")
    expect(page).to_have_url(versions_url + GANTT)
    expect(page.locator("article")).to_contain_text(MARKER_2026_3)
    choose_version(page, "2026.1 (no longer supported)")
    expect(page).to_have_url(versions_url + "v/2026.1/" + GANTT)
    assert failed == []  # no version's list or page map, and no page, was missing


def test_the_switcher_lands_on_the_versions_home_when_the_page_is_not_there(page, versions_url):
    page.goto(versions_url + "v/2026.2/" + BASELINE)
    choose_version(page, "2026.1 (no longer supported)")
    expect(page).to_have_url(versions_url + "v/2026.1/")
    expect(page.locator(".kb-version-notice")).to_contain_text("Version 2026.1 is no longer supported.")


def test_an_older_versions_notice_leads_to_the_same_page_in_the_current_one(page, versions_url):
    page.goto(versions_url + "v/2026.2/" + BASELINE)
    notice = page.locator(".kb-version-notice")
    expect(notice).to_contain_text("You are reading the help for version 2026.2.")
    notice.get_by_role("link", name="Read this page for the current version, 2026.3").click()
    expect(page).to_have_url(versions_url + BASELINE)
    expect(page.locator(".kb-version-notice")).to_have_count(0)


def open_switcher(page) -> None:
    page.locator("details.kb-versions").evaluate("details => { details.open = true; }")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_switcher_and_the_notice_pass_axe(browser, versions_url, scheme, screen):
    pages = {"older": "v/2026.2/" + GANTT, "unsupported": "v/2026.1/", "current": GANTT}
    context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
    try:
        found = check_pages(context, versions_url, pages, screen, {kind: open_switcher for kind in pages})
    finally:
        context.close()
    assert not found, "\n".join(found)


def help_frame(page):
    return page.locator("[data-kb-help-panel] iframe")


def test_help_js_opens_the_applications_version(page, versions_url):
    page.goto(versions_url + "app-2026-2.html")
    page.get_by_role("button", name="Help: baseline").click()
    expect(help_frame(page)).to_have_attribute("src", versions_url + "v/2026.2/" + BASELINE)
    expect(page.get_by_role("dialog").locator(".notice")).to_be_hidden()


def test_help_js_falls_back_to_the_current_version_with_a_notice(page, versions_url):
    page.goto(versions_url + "app-2025-9.html")
    page.get_by_role("button", name="Help: baseline").click()
    expect(help_frame(page)).to_have_attribute("src", versions_url + BASELINE)
    expect(page.get_by_role("dialog").locator(".notice")).to_have_text(
        "The help for version 2025.9 is not published; this is the help for the current version."
    )


def test_help_js_for_the_current_version_opens_the_root_without_a_notice(page, versions_url):
    page.goto(versions_url + "app-now.html")
    page.get_by_role("button", name="Help: baseline").click()
    expect(help_frame(page)).to_have_attribute("src", versions_url + BASELINE)
    expect(page.get_by_role("dialog").locator(".notice")).to_be_hidden()
