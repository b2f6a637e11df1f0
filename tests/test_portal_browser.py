"""The whole way through the portal in a real browser: a help page, "Log a case", the suggestions, the case
number, the customer's page; an agent signs in, replies, escalates, resolves; the customer sees it all.

The `site` target of tests/roots/basic with its search index, served by the portal itself (create_app on a
real SQLite file) on 127.0.0.1. Skipped without Debian's Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures
from portal.portal_helpers import serving

from generator.build import index_beside
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
def portal_url(built_basic, tmp_path_factory) -> Iterator[str]:
    site = built_basic("site")
    instance = tmp_path_factory.mktemp("portal")
    config = PortalConfig(
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
        product_name="Meridian Capital Planner",
        modules={"scheduling": "Scheduling", "budgets": "Budgets"},
        site_dir=site,
        index_dir=index_beside(site),
        instance_dir=instance,
        secret_key="browser-test-secret",
        sweep_every_seconds=0,
    )
    engine = connect(config.database_url)
    upgrade(engine)
    add_agent(engine, "ben", "Ben Senior", "ben@example.com", 2, False, PASSWORD)
    with serving(create_app(config)) as url:
        yield url


def test_a_customer_logs_a_case_and_an_agent_works_it_to_resolution(browser, portal_url):
    customer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer.set_default_timeout(10_000)

    # A help page's "Log a case" opens the form with the page filled in.
    customer.goto(f"{portal_url}/kb/scheduling/gantt-empty/")
    customer.get_by_role("link", name="Log a case").last.click()
    expect(customer).to_have_url(re.compile(r"/cases/new\?page=KB-0001"))
    expect(customer.locator("#page")).to_have_value("KB-0001")

    # While the subject is typed, matching articles are suggested.
    customer.fill("#subject", "gantt chart has no bars after import")
    suggestions = customer.locator("#suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("link", name=re.compile("Gantt chart shows no bars"))).to_be_visible()

    customer.fill("#description", "Imported our XER file; the chart shows rows but no bars.\n<b>bold?</b>")
    customer.check("input[name=severity][value=major]")
    customer.fill("#customer_name", "Zoe Customer")
    customer.fill("#customer_email", "zoe@example.com")
    customer.get_by_role("button", name="Send the case").click()

    # The case number at once, and the private link.
    expect(customer.locator(".case-number")).to_have_text(re.compile(r"^CASE-\d{6}$"))
    number = customer.locator(".case-number").inner_text()
    case_url = customer.url.split("?")[0]
    expect(customer.locator(".history")).to_contain_text("<b>bold?</b>")  # shown as typed, not as markup

    # An agent signs in, finds the case in the queue, replies, escalates and resolves.
    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    agent.set_default_timeout(10_000)
    agent.goto(f"{portal_url}/agent/")
    expect(agent).to_have_url(re.compile(r"/agent/sign-in"))
    agent.fill("#username", "ben")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name="Sign in").click()
    agent.get_by_role("link", name=number).click()
    expect(agent.locator("h1")).to_contain_text(number)

    agent.fill("#text", "Set the data date under Project > Settings and reschedule with F9.")
    agent.get_by_role("button", name="Reply to customer").click()
    expect(agent.locator(".flash--ok")).to_be_visible()
    agent.fill("#text", "Internal: looks like the P6 importer drops the data date.")
    agent.get_by_role("button", name="Internal note").click()
    agent.fill("#text", "Importer bug suspected")
    agent.get_by_role("button", name="Escalate to Level 2").click()
    expect(agent.locator(".facts")).to_contain_text("Level 2")
    agent.fill("#text", "Fixed in 2026.3.1: the importer now keeps the P6 data date.")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent.locator(".facts")).to_contain_text("Resolved")

    # The customer sees the reply, the level and the resolution; never the internal note.
    customer.goto(case_url)
    history = customer.locator(".history")
    expect(history).to_contain_text("Set the data date under Project > Settings")
    expect(customer.locator(".facts")).to_contain_text("Resolved")
    expect(customer.locator(".resolution")).to_contain_text("Fixed in 2026.3.1")
    assert "P6 importer drops the data date" not in customer.content()

    # The customer answers from the private page (a POST whose Origin the portal checks: the page's
    # Referrer-Policy must leave the browser sending its real origin, not "null"): the satisfaction question
    # a resolved case asks (issue 15).
    customer.get_by_label("Yes").check()
    customer.get_by_label("5: Very satisfied").check()
    customer.fill("textarea[name=comment]", "Thank you, that fixed it.")
    customer.get_by_role("button", name="Send my answer").click()
    expect(customer.locator(".history")).to_contain_text("Thank you, that fixed it.")


def test_help_pages_run_under_the_portals_policy_without_a_violation_and_search_works(browser, portal_url):
    """The theme's inline scripts are allowed by the build's list of their hashes: no violation on the home
    page or an article, and the theme's search (its worker, its results) still works."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    violations, errors = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for path in ("/", "/kb/scheduling/gantt-empty/"):
        response = page.goto(portal_url + path, wait_until="networkidle")
        assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        # The palette script ran (it is inline): the stored palette applies; the page's storage helper exists.
        assert page.evaluate("typeof __md_get") == "function"

    query = page.locator("[data-md-component=search-query]")
    query.click()
    query.press_sequentially("recalculate")
    expect(page.locator(".md-search-result__item").first).to_contain_text("Gantt chart shows no bars")
    assert violations == [] and errors == []
