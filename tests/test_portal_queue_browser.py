"""The agent queue in a real browser: the worst case first, a view with its count, a catastrophic case
arriving while the queue is open (announced, the tab's title, no reload), the keyboard (j/k, Enter, "?"),
and the phone layout (no horizontal scroll at 390 px).

The portal on a real SQLite file behind a real WSGI server on 127.0.0.1; cases come in through the desk,
as the case form's would. Skipped without Debian's Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures
from portal.portal_helpers import serving

from generator.portal.accounts import add_agent
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import connect
from generator.portal.desk import Desk, NewCase
from generator.portal.migrate import upgrade

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
_keys = itertools.count()


class Portal:
    def __init__(self, url: str, desk: Desk) -> None:
        self.url, self.desk = url, desk

    def log(self, subject: str, severity: str = "minor") -> str:
        new = NewCase(subject, "What happened, in the customer's words.", "Zoe Customer", "zoe@example.com", severity)
        return self.desk.submit(new, f"{next(_keys):032x}").number


@pytest.fixture
def portal(tmp_path) -> Iterator[Portal]:
    config = PortalConfig(
        database_url=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        product_name="Meridian Capital Planner",
        modules={"scheduling": "Scheduling"},
        instance_dir=tmp_path,
        secret_key="queue-browser-secret",
        sweep_every_seconds=0,
    )
    engine = connect(config.database_url)
    upgrade(engine)
    add_agent(engine, "dan", "Dan Dare", "dan@example.com", 3, False, PASSWORD)
    app = create_app(config)
    with serving(app) as url:
        yield Portal(url, Desk(engine, config))
    engine.dispose()
    app.extensions["kb_portal"].desk.engine.dispose()


def sign_in(page, portal: Portal) -> None:
    page.goto(f"{portal.url}/agent/sign-in")
    page.fill("#username", "dan")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Queue"))).to_be_visible()
    # The heading shows before the deferred scripts have run; a key pressed then would go nowhere.
    page.wait_for_load_state("load")


def rows(page) -> list[str]:
    return page.locator("[data-queue-row]").evaluate_all("rows => rows.map(r => r.dataset.number)")


def test_the_queue_puts_a_catastrophic_case_first_and_a_view_shows_its_count(page, portal):
    quiet = portal.log("Report colours look odd")
    down = portal.log("Server down for everyone", "catastrophic")
    sign_in(page, portal)

    assert rows(page) == [down, quiet]
    first = page.locator("[data-queue-row]").first
    expect(first.locator(".reason").first).to_have_text("catastrophic")
    expect(first.locator(".due")).to_have_text(re.compile(r"^(⚠ )?(Due in|Overdue) "))
    views = page.get_by_role("navigation", name="Views")
    expect(views.get_by_role("link", name="All open 2")).to_have_attribute("aria-current", "page")

    views.get_by_role("link", name=re.compile("^Waiting on customer")).click()
    expect(page.get_by_role("link", name="Waiting on customer 0")).to_have_attribute("aria-current", "page")
    expect(page.locator(".queue-empty")).to_have_text("Nothing in this view.")


def test_a_catastrophic_case_arriving_is_announced_and_listed_without_a_reload(page, portal):
    portal.log("Report colours look odd")
    sign_in(page, portal)
    page.evaluate("window.stillTheSamePage = true")
    title = page.title()

    down = portal.log("Server down for everyone", "catastrophic")

    announce = page.locator("#queue-announce")
    expect(announce).to_contain_text(f"New catastrophic case {down}: Server down for everyone", timeout=20_000)
    expect(announce).to_have_attribute("role", "alert")
    expect(page).to_have_title(f"(1) Catastrophic case · {title}")
    assert rows(page)[0] == down
    expect(page.locator('[data-count="open"]')).to_have_text("2")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload


def test_j_and_k_move_through_the_queue_enter_opens_and_question_mark_lists_the_keys(page, portal):
    numbers = [portal.log(f"Case number {n}") for n in range(3)]
    sign_in(page, portal)

    page.keyboard.press("j")
    expect(page.locator("[data-queue-row]").nth(0).locator(".queue-item__link")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("[data-queue-row]").nth(1).locator(".queue-item__link")).to_be_focused()

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next case in the queue")
    expect(dialog).to_contain_text("Open the current case")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/agent/cases/{numbers[1]}$"))


def test_the_queue_fits_a_phone_without_scrolling_sideways(browser, portal):
    for n in range(3):
        portal.log(f"A long subject that goes on and on about the schedule import number {n} failing", "major")
    portal.log("Server down", "catastrophic")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    try:
        sign_in(phone, portal)
        expect(phone.locator("[data-queue-row]")).to_have_count(4)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        for selector in (".queue-item", ".queue-filters", ".queue-bulk__do", ".queue-views"):
            box = phone.locator(selector).first.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    finally:
        phone.context.close()
