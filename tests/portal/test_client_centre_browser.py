"""A client's person in a real browser (Debian's Chromium through Playwright) against the portal on a real
WSGI server mailing to a real SMTP sink: sign in by the mailed link, then through to the client's own help
centre (its build, its search), and "Log a case" from one of its pages opens the case form in the client's
branding with only its licensed modules; the case is the client's. Another client's centre is a 404.
Skipped without Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures

from .portal_helpers import serving, sign_in_in_browser
from .test_client_centres import MARKERS, PRIVATE_PAGES

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
PAT = "pat@acme.example"


def test_a_clients_person_signs_in_by_mail_and_logs_a_case_from_their_own_centre(
    page, browser, centre_app, smtp_sink, store
):
    with serving(centre_app) as base:
        sign_in_in_browser(page, base, PAT, smtp_sink)

        # The client's own help centre: its build, with its private article, in its search.
        page.goto(f"{base}/c/acme/")
        expect(page).to_have_title(re.compile("Acme Water Authority"))
        page.goto(f"{base}/c/acme/search?q=integration steps")
        result = page.get_by_role("link", name=re.compile("Acme private procedure"))
        expect(result).to_be_visible()
        result.click()
        expect(page).to_have_url(re.compile(f"/c/acme/{PRIVATE_PAGES['acme']}$"))
        expect(page.get_by_text(MARKERS["acme"])).to_be_visible()

        # Their context help: help.js from their centre opens their topic, and its "Log a case" their form.
        page.evaluate(
            """() => new Promise((done) => {
                const script = document.createElement("script");
                script.src = "../../../assets/help.js";
                script.onload = done;
                document.head.appendChild(script);
            })"""
        )
        page.evaluate("KBHelp.open('schedule.gantt')")
        panel_case = page.locator(f'a[href^="{base}/c/acme/cases/new?"]')
        expect(panel_case).to_have_attribute("href", re.compile(r"context=schedule\.gantt"))
        expect(page.locator(f'iframe[src^="{base}/c/acme/user/"]')).to_have_count(1)
        page.evaluate("KBHelp.close()")

        # "Log a case" on the client's page: the case form in its branding, only its licensed modules.
        page.locator(".kb-help__case").click()
        expect(page).to_have_url(re.compile(r"/c/acme/cases/new\?"))
        expect(page.get_by_role("link", name=re.compile("Acme Water Authority"))).to_be_visible()
        modules = page.get_by_label("Product area").locator("option").all_text_contents()
        assert modules == ["Not sure", "Scheduling", "Budgets"]
        page.get_by_label("Subject").fill("Our ERP integration stopped")
        page.get_by_label("What happened?").fill("The nightly export failed.")
        page.get_by_label("Your name").fill("Pat")
        page.get_by_label("Your email").fill(PAT)
        page.get_by_role("button", name="Send the case").click()
        expect(page).to_have_url(re.compile(r"/cases/CASE-\d{6}/"))
        number = re.search(r"CASE-\d{6}", page.url).group(0)

        # On a phone the client's case form fits the width.
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            small = phone.new_page()
            small.context.add_cookies(page.context.cookies())
            small.goto(f"{base}/c/acme/cases/new")
            expect(small.get_by_label("Subject")).to_be_visible()
            assert small.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            phone.close()

        # Another client's centre: the 404 of a client that does not exist.
        response = page.goto(f"{base}/c/harbor/")
        assert response.status == 404
        expect(page.get_by_text(MARKERS["harbor"])).to_have_count(0)

    row = store.case(number)
    assert row.client == "acme" and row.module is None and row.contract_ended is False
