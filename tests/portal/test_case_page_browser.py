"""The agent's case page in a real browser (Debian's Chromium through Playwright) against the portal on a
real WSGI server, serving the built help centre and searching its index: the reply composer (r, an
article inserted, sent, at the bottom of the thread), presence and typing between two agents, a merge,
and the side panel on a 390 px phone. Skipped without Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture  # noqa: F401 - fixtures

from generator.portal.desk import NewCase

from .portal_helpers import CUSTOMER_EMAIL, PASSWORD, serving

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def portal_url(site_app) -> Iterator[str]:
    with serving(site_app) as url:
        yield url


@pytest.fixture
def site_desk(site_app):
    return site_app.extensions["kb_portal"].desk


def log(desk, subject: str, email: str = CUSTOMER_EMAIL, **extra) -> str:
    new = NewCase(subject, "The Gantt chart shows no bars.", "Zoe Customer", email, "major", **extra)
    return desk.submit(new, subject.encode().hex()[:32].ljust(32, "0")).number


def sign_in(page, base: str, username: str = "bob") -> None:
    page.goto(f"{base}/agent/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/agent/$"))


def test_the_composer_inserts_an_article_and_the_reply_lands_at_the_bottom_of_the_thread(
    page, portal_url, site_desk, store
):
    number = log(site_desk, "Gantt chart is empty")
    sign_in(page, portal_url)
    page.goto(f"{portal_url}/agent/cases/{number}")

    page.keyboard.press("r")
    expect(page.locator("#text")).to_be_focused()
    page.keyboard.type("Please try this article:")
    page.fill("#article-q", "gantt bars import")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Insert Gantt chart shows no bars after import").click()
    text = page.locator("#text").input_value()
    assert text.startswith("Please try this article:\nGantt chart shows no bars after import\n")
    assert re.search(r"\nhttp://portal\.test/kb/scheduling/[^\n]+/\n\S", text), text  # link, then the summary
    page.keyboard.press("Escape")
    expect(page.locator("#text")).not_to_be_focused()

    page.get_by_role("button", name="Reply to customer").click()

    expect(page.locator(".flash--ok")).to_have_text(f"Reply sent to {CUSTOMER_EMAIL}.")
    last = page.locator("#thread > li").last
    expect(last.locator(".entry__label")).to_have_text("Our reply")
    expect(last.locator(".text")).to_contain_text("Gantt chart shows no bars after import")
    (reply,) = store.events(number, "reply")
    assert "Gantt chart shows no bars after import" in reply.body


def test_two_agents_on_one_case_see_each_other_typing(browser, portal_url, site_desk):
    number = log(site_desk, "Gantt chart is empty")
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        ann, bob = (context.new_page() for context in contexts)
        sign_in(ann, portal_url, "ann")
        sign_in(bob, portal_url, "bob")
        ann.goto(f"{portal_url}/agent/cases/{number}")
        bob.goto(f"{portal_url}/agent/cases/{number}")

        expect(bob.locator("#presence")).to_contain_text("Ann Able has this case open", timeout=15_000)
        bob.locator("#text").press_sequentially("Looking at it")

        expect(ann.locator("#presence")).to_contain_text("Bob Builder is typing", timeout=15_000)
    finally:
        for context in contexts:
            context.close()


def test_a_merge_in_the_browser_lands_on_the_case_that_stays(page, portal_url, site_desk, store):
    target = log(site_desk, "Gantt chart is empty")
    source = log(site_desk, "Gantt chart empty again", email="yan@example.com")
    sign_in(page, portal_url)
    page.goto(f"{portal_url}/agent/cases/{source}")

    page.get_by_text("Merge into another case").click()
    page.fill("#merge-target", target)
    page.fill("#merge-reason", "Same import problem.")
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/agent/cases/{target}$"))
    expect(page.locator(".flash--ok")).to_contain_text(f"{source} merged into {target}")
    expect(page.locator(".contacts")).to_contain_text("yan@example.com")
    assert store.case(source).merged_into_id == store.case(target).id


def test_the_side_panel_stacks_below_the_conversation_on_a_phone_without_horizontal_scrolling(
    browser, portal_url, site_desk
):
    number = log(
        site_desk,
        "A subject long enough to wrap on a phone: Gantt chart empty after importing a P6 file",
        email="a.very.long.address.for.a.customer@subsidiary.example.com",
        page_id="KB-0001",
        context_id="schedule.gantt",
        last_search="gantt chart empty after import",
        company="Acme Capital Projects International",
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, portal_url)
        page.goto(f"{portal_url}/agent/cases/{number}")

        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        thread = page.locator("#thread").bounding_box()
        side = page.locator(".case-side").bounding_box()
        assert side["y"] > thread["y"] + thread["height"]  # below, not beside
        assert side["x"] + side["width"] <= 390
        expect(page.locator(".origins")).to_contain_text("Gantt chart shows no bars after import (KB-0001)")
        expect(page.locator(".origins")).to_contain_text("Screen: Gantt chart")
    finally:
        context.close()
