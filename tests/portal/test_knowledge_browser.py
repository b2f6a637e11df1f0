"""The knowledge loop in a real browser (Debian's Chromium through Playwright), against the portal on a real WSGI
server: an agent turns a resolved case into an article draft, past the personal-data check; "Was this
helpful?" on a help page the portal serves (and hidden on a static copy); the internal build's badge and
case counts. Skipped without Chromium unless KB_REQUIRE_BROWSER=1 (see browser_fixtures.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture, page_fixture, site_url_fixture  # noqa: F401 - fixtures

from generator.build import index_beside
from generator.portal.db import drafts, feedback
from generator.portal.desk import NewCase
from generator.portal.knowledge import Knowledge

from .portal_helpers import PASSWORD, serving

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser
PHONE = "+1 212 555 0199"


def sign_in(page, base: str, username: str = "ann") -> None:
    page.goto(f"{base}/agent/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/agent/$"))


def test_an_agent_creates_an_article_from_a_resolved_case_past_the_personal_data_check(
    page, live_server, desk, staff, store
):
    issue = f"The Gantt chart shows no bars after the import.\nCall me on {PHONE}, Zoe"
    number = desk.submit(
        NewCase("Gantt chart is empty", issue, "Zoe Customer", "zoe@example.com", "major", module="scheduling"),
        "0" * 32,
    ).number
    desk.resolve(staff["ann"], desk.case_for_agent(staff["ann"], number), "Set the data date and press F9.")

    sign_in(page, live_server)
    page.get_by_role("navigation", name="Views").get_by_role("link", name=re.compile("^Resolved")).click()
    page.get_by_role("link", name=number).click()
    page.get_by_role("link", name="Create article").click()

    expect(page.locator("h1")).to_contain_text(f"Article draft from {number}")
    expect(page.locator("#title")).to_have_value("Gantt chart is empty")
    expect(page.locator("#issue")).to_have_value(issue)
    expect(page.locator("#resolution")).to_have_value("Set the data date and press F9.")
    page.get_by_role("button", name="Save draft").click()

    findings = page.locator(".findings li")
    expect(findings).to_have_count(2)
    expect(findings.nth(0)).to_contain_text(f"“{PHONE}” (phone number in issue)")
    expect(findings.nth(1)).to_contain_text("“Zoe” (the customer's name in issue)")
    assert store.count(drafts) == 0

    # The agent takes the phone number out and confirms the first name (it is fine to publish).
    page.fill("#issue", "The Gantt chart shows no bars after the import.\nZoe saw it first.")
    page.get_by_label(re.compile("“Zoe”.*is fine to publish")).check()
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(rf"/agent/cases/{number}#knowledge$"))
    expect(page.locator(".flash--ok")).to_contain_text("Draft saved.")
    expect(page.get_by_role("link", name="Edit the article draft")).to_be_visible()
    with store.engine.connect() as conn:
        (saved,) = conn.execute(drafts.select()).all()
    # (A browser sends a textarea's line breaks as CRLF; the draft file gets LF, see drafts.as_text.)
    assert saved.issue.replace("\r\n", "\n") == "The Gantt chart shows no bars after the import.\nZoe saw it first."
    assert PHONE in store.case(number).description  # the case keeps it


@pytest.fixture
def help_centre(make_app, built_site) -> Iterator[str]:
    """The portal serving tests/roots/basic's public help centre."""
    site_dir, index_dir = built_site
    with serving(make_app(site_dir=site_dir, index_dir=index_dir)) as url:
        yield url


def test_was_this_helpful_records_a_yes_on_a_page_the_portal_serves(page, help_centre, store):
    page.goto(f"{help_centre}/kb/scheduling/gantt-empty/")

    widget = page.locator("[data-kb-feedback=KB-0001]")
    expect(widget).to_be_visible()
    expect(widget).to_contain_text("Was this helpful?")
    widget.get_by_role("button", name="Yes").click()

    expect(widget.locator(".kb-feedback__thanks")).to_be_visible()
    expect(widget.get_by_role("button", name="Yes")).to_be_hidden()
    with store.engine.connect() as conn:
        assert [(r.article_id, r.helpful, r.comment) for r in conn.execute(feedback.select())] == [
            ("KB-0001", True, None)
        ]


def test_was_this_helpful_takes_a_no_with_a_comment(page, help_centre, store):
    page.goto(f"{help_centre}/kb/budgets/budget-locked/")

    widget = page.locator("[data-kb-feedback=KB-0004]")
    widget.get_by_role("button", name="No").click()
    widget.locator("textarea").fill("Who is the approver?")
    widget.get_by_role("button", name="Send").click()

    expect(widget.locator(".kb-feedback__thanks")).to_be_visible()
    with store.engine.connect() as conn:
        assert [(r.article_id, r.helpful, r.comment) for r in conn.execute(feedback.select())] == [
            ("KB-0004", False, "Who is the approver?")
        ]


def test_was_this_helpful_stays_hidden_on_a_static_copy_without_the_portal(page, site_url):
    page.goto(f"{site_url}kb/scheduling/gantt-empty/")
    page.wait_for_load_state("networkidle")  # /api/csrf has answered (404: no portal here)

    assert page.locator("[data-kb-feedback=KB-0001]").count() == 1
    expect(page.locator("[data-kb-feedback=KB-0001]")).to_be_hidden()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the badges' JavaScript, once
def test_the_internal_build_shows_the_confidence_badge_and_for_agents_the_case_count_and_open_flags(
    page, make_app, built_basic, desk, portal_config, engine, staff
):
    knowledge = Knowledge(engine, portal_config)
    for key, resolved in (("1" * 32, True), ("2" * 32, False)):
        number = desk.submit(NewCase("Baselines", "Which one is shown?", "Zoe", "z@example.com", "minor"), key).number
        case = desk.case_for_agent(staff["ann"], number)
        knowledge.link(staff["ann"], case, "KB-0003")
        if resolved:
            desk.resolve(staff["ann"], desk.case_for_agent(staff["ann"], case.number), "Explained.")
    knowledge.flag(staff["ann"], case, "KB-0003", "incomplete", "Say which baseline is primary.")
    internal = built_basic("internal")

    site = built_basic("site")  # the internal build is served at /internal/ (to agents), never as the site
    app = make_app(
        site_dir=site,
        index_dir=index_beside(site),
        internal_site_dir=internal,
        internal_index_dir=index_beside(internal),
    )
    with serving(app) as base:
        sign_in(page, base)
        page.goto(f"{base}/internal/kb/scheduling/draft/")
        expect(page.locator(".kb-badge--not_validated")).to_have_text("not validated")
        stats = page.locator("[data-kb-stats=KB-0003]")
        expect(stats).to_contain_text("Resolved 1 case · 1 open flag")
        expect(stats.locator(".kb-flag")).to_have_text("incomplete: Say which baseline is primary.")
