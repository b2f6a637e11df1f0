"""Notifications in a real browser: an agent on the queue sees the header's count rise when a customer
replies on their case (no reload: the page asks the count endpoint), opens the list, marks it read; the
notifications, settings and report pages fit a 390 px phone. The internal help centre opens for the agent.

The portal (create_app on a real SQLite file, the basic project's public and internal builds) is served on
127.0.0.1. Skipped without Debian's Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures
from portal.portal_helpers import serving

from generator.build import index_beside
from generator.portal.accounts import add_agent, all_agents
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


@pytest.fixture(scope="module")
def portal(built_basic, tmp_path_factory) -> Iterator[tuple[str, Desk]]:
    site, internal = built_basic("site"), built_basic("internal")
    instance = tmp_path_factory.mktemp("portal")
    config = PortalConfig(
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
        product_name="Meridian Capital Planner",
        modules={"scheduling": "Scheduling"},
        site_dir=site,
        index_dir=index_beside(site),
        internal_site_dir=internal,
        internal_index_dir=index_beside(internal),
        instance_dir=instance,
        secret_key="browser-test-secret",
        sweep_every_seconds=0,
        notification_poll_seconds=0.5,  # the count refreshes itself; quickly, for the test
    )
    engine = connect(config.database_url)
    upgrade(engine)
    add_agent(engine, "ann", "Ann Able", "ann@example.com", 1, False, PASSWORD)
    add_agent(engine, "bob", "Bob Builder", "bob@example.com", 2, False, PASSWORD)
    with serving(create_app(config)) as url:
        yield url, Desk(engine, config)
    engine.dispose()


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/agent/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/agent/$"))


def test_the_count_rises_without_a_reload_when_a_customer_replies_and_the_list_marks_read(browser, portal):
    url, desk = portal
    staff = {agent.username: agent for agent in all_agents(desk.engine)}
    new = NewCase("Gantt chart <i>empty</i>", "No bars.", "Zoe Customer", "zoe@example.com", "major")
    number = desk.submit(new, secrets.token_hex(16)).number
    desk.assign(staff["ann"], desk.case_for_agent(staff["ann"], number), staff["bob"].id)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, url, "bob")
    count = page.locator("[data-notification-count]")
    expect(count).to_contain_text("1")
    page.evaluate("window.__same_page = true")  # gone if the page reloads

    desk.customer_reply(desk.case_for_agent(staff["bob"], number), "Here is the log file.")

    expect(count).to_contain_text("2")
    expect(page).to_have_title(re.compile(r"^\(2\) "))
    assert page.evaluate("window.__same_page") is True, "the count changed without a reload"

    page.get_by_role("link", name=re.compile("Notifications")).click()
    items = page.locator(".notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(f"{number}: the customer replied (Gantt chart <i>empty</i>)")
    expect(items.first.get_by_role("link")).to_have_attribute("href", f"/agent/cases/{number}")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".flash--ok")).to_have_text("Marked as read.")
    expect(count).to_be_hidden()
    expect(page.locator(".notification--unread")).to_have_count(0)

    # The internal help centre opens for the agent, in the same session.
    page.goto(f"{url}/internal/kb/scheduling/internal-fix/")
    expect(page.locator("body")).to_contain_text("MARKER-INTERNAL-7f3a")


@pytest.mark.parametrize("path", ["/agent/notifications/", "/agent/notifications/settings", "/agent/report"])
def test_the_pages_fit_a_phone(browser, portal, path):
    url, _ = portal
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, url, "ann")
    page.goto(f"{url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
