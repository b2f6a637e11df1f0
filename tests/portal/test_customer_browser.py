"""A customer in a real browser (Debian's Chromium through Playwright) against the portal on a real WSGI server
that mails to a real SMTP sink: sign in by the mailed link, "My cases", open a case, reply with a file, close
it as solved, answer the satisfaction question. Skipped without Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures

from generator.portal.desk import NewCase

from .portal_helpers import serving, sign_in_mail

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
PAT = "pat@example.com"


def test_a_customer_signs_in_by_the_mailed_link_and_works_a_case_to_the_end(
    page, browser, mailing_app, smtp_sink, store, tmp_path
):
    desk = mailing_app.extensions["kb_portal"].desk
    number = desk.submit(NewCase("Gantt chart is empty", "No bars after import", "Pat", PAT, "major"), "1" * 32).number
    desk.submit(NewCase("Someone else's case", "Not Pat's", "Kim", "kim@example.com", "minor"), "2" * 32)
    log = tmp_path / "gantt.log"
    log.write_text("import finished with 0 activities\n")

    with serving(mailing_app) as base:
        page.goto(f"{base}/cases/new")
        page.get_by_role("link", name="Sign in").click()
        page.get_by_label("Your email").fill(PAT)
        page.get_by_role("button", name="Mail me a sign-in link").click()
        expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

        path, _code = sign_in_mail(smtp_sink, PAT)
        page.goto(f"{base}{path}")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/my/cases$"))
        expect(page.get_by_role("heading", name="My cases")).to_be_visible()
        expect(page.get_by_role("link", name=number)).to_be_visible()
        expect(page.get_by_text("Someone else's case")).to_have_count(0)

        page.get_by_role("link", name=number).click()
        expect(page.get_by_role("heading", name=f"{number}: Gantt chart is empty")).to_be_visible()
        page.get_by_label("Your message").fill("Here is the import log.")
        page.locator("input[type=file]").set_input_files(str(log))
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Here is the import log.")).to_be_visible()
        expect(page.get_by_role("link", name="gantt.log")).to_be_visible()

        page.get_by_role("button", name="Close the case as solved").click()
        expect(page.get_by_text("Closed as solved. Thank you!")).to_be_visible()
        expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        page.get_by_label("Yes").check()
        page.get_by_label("4: Satisfied").check()
        page.get_by_label("Anything to add? (optional)").fill("Quick and clear")
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("Thank you: your answer is recorded.")).to_be_visible()
        expect(page.get_by_role("button", name="Send my answer")).to_have_count(0)

        # On a phone, My cases and the case page fit the width.
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            small = phone.new_page()
            small.context.add_cookies(page.context.cookies())
            for url in (f"{base}/my/cases", f"{base}/my/cases/{number}"):
                small.goto(url)
                expect(small.get_by_role("link", name="My cases")).to_be_visible()
                assert small.evaluate("document.documentElement.scrollWidth") <= 390, url
        finally:
            phone.close()

    assert store.case(number).status == "resolved"
    kinds = [event.kind for event in store.events(number)]
    assert kinds[-3:] == ["customer_reply", "closed", "csat"]
