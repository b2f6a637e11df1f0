"""Attachments in a real browser: a customer attaches a screenshot on the case form, an agent opens it from
the console, where it shows as an image; an HTML file pretending to be one does not open as a page.

The portal (create_app on a real SQLite file) on 127.0.0.1. Skipped without Debian's Chromium unless
KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures
from portal.portal_helpers import serving

from generator.portal.accounts import add_agent
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import connect
from generator.portal.migrate import upgrade

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("portal")
    config = PortalConfig(
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
        product_name="Meridian Capital Planner",
        instance_dir=instance,
        secret_key="browser-attachments-secret",
        sweep_every_seconds=0,
    )
    engine = connect(config.database_url)
    upgrade(engine)
    add_agent(engine, "ben", "Ben Senior", "ben@example.com", 2, False, PASSWORD)
    engine.dispose()
    with serving(create_app(config)) as url:
        yield url


def test_a_customer_attaches_a_screenshot_and_an_agent_opens_it_in_the_console(browser, portal_url):
    customer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer.set_default_timeout(10_000)
    customer.goto(f"{portal_url}/cases/new")
    screenshot = customer.screenshot()  # a real PNG of what the customer sees

    customer.fill("#subject", "The Gantt chart is empty")
    customer.fill("#description", "See the screenshot.")
    customer.fill("#customer_name", "Zoe Customer")
    customer.fill("#customer_email", "zoe@example.com")
    customer.set_input_files(
        "#files",
        [
            {"name": "screenshot.png", "mimeType": "image/png", "buffer": screenshot},
            {"name": "fake.png", "mimeType": "image/png", "buffer": b"<html><script>document.title='ran'</script>"},
        ],
    )
    customer.get_by_role("button", name="Send the case").click()

    expect(customer.locator(".case-number")).to_have_text(re.compile(r"^CASE-\d{6}$"))
    number = customer.locator(".case-number").inner_text()
    expect(customer.locator(".history .attachments")).to_contain_text("screenshot.png")
    expect(customer.locator(".history .attachments")).to_contain_text("image/png")

    agent = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    agent.set_default_timeout(10_000)
    agent.goto(f"{portal_url}/agent/sign-in")
    agent.fill("#username", "ben")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name="Sign in").click()
    agent.get_by_role("link", name=number).click()
    expect(agent.locator("#thread")).to_contain_text("screenshot.png")

    # The screenshot opens in the browser as an image, the very bytes the customer sent.
    with agent.expect_response(re.compile(r"/files/\d+$")) as opened:
        agent.get_by_role("link", name="screenshot.png").click()
    response = opened.value
    assert response.status == 200 and response.body() == screenshot
    assert response.headers["content-disposition"].startswith("inline;")
    width = agent.evaluate("document.images.length ? document.images[0].naturalWidth : 0")
    assert width == 1280

    # The HTML named fake.png is a download, never a page that runs.
    agent.go_back()
    with agent.expect_download() as download:
        agent.get_by_role("link", name="fake.png").click()
    assert download.value.suggested_filename == "fake.png"
    assert agent.title() != "ran"
