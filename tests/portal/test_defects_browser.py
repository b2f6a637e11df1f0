"""An agent sets a case's defect in a real browser (Debian's Chromium through Playwright) against the portal
on a real WSGI server: the "t" key, the form refusing a new defect without its summary (the message read
next to it), then saved, the defect's page listing the case; both pages pass axe-core with no serious or
critical violation. Skipped without Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures

from generator.portal.desk import NewCase
from generator.versions import ProductVersion, VersionStatus

from .portal_helpers import CUSTOMER_EMAIL, PASSWORD, serving

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

VERSIONS = (ProductVersion("2026.4", VersionStatus.PLANNED), ProductVersion("2026.3", VersionStatus.CURRENT))


@pytest.fixture
def fix_app(make_app):
    return make_app(product_versions=VERSIONS)


@pytest.fixture
def portal_url(fix_app) -> Iterator[str]:
    with serving(fix_app) as url:
        yield url


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_an_agent_sets_a_cases_defect_and_finds_it_on_the_defects_page(page, portal_url, fix_app, store):
    desk = fix_app.extensions["kb_portal"].desk
    number = desk.submit(
        NewCase("Bars vanish after import", "The Gantt chart shows no bars.", "Zoe Customer", CUSTOMER_EMAIL, "major"),
        "f" * 32,
    ).number
    page.goto(f"{portal_url}/agent/sign-in")
    page.fill("#username", "ann")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/agent/$"))
    page.goto(f"{portal_url}/agent/cases/{number}")

    page.keyboard.press("t")
    expect(page.locator("#case-type")).to_be_focused()
    page.select_option("#case-type", "bug")
    page.fill("#case-defect", "ENG-42")
    page.select_option("#case-target", "2026.4")
    page.get_by_role("button", name="Save type and fix").click()

    error = page.locator("#case-fix-error")
    expect(error).to_have_text(re.compile(r"^ENG-42 is a new defect: write a summary customers may read"))
    expect(page.locator("#case-defect")).to_have_value("ENG-42")  # what was typed is kept
    assert serious(page) == []
    page.fill("#case-defect-summary", "Imported schedules keep their bars.")
    page.get_by_role("button", name="Save type and fix").click()

    expect(page.locator(".flash--ok")).to_contain_text("Linked to ENG-42.")
    expect(page.locator(".facts")).to_contain_text("Bug · ENG-42")
    assert store.case(number).case_type == "bug"
    page.locator(".facts").get_by_role("link", name="ENG-42").click()
    expect(page.get_by_role("heading", name="Defect ENG-42")).to_be_visible()
    expect(page.locator(".defect-cases")).to_contain_text(number)
    expect(page.locator(".facts")).to_contain_text("2026.4")
    assert serious(page) == []
