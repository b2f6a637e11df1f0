"""Accessibility of the case portal's pages, read by axe-core (the `axe-playwright-python` package's pinned
copy) in Debian's Chromium, as tests/test_accessibility.py reads the help centre's: every page type a
customer, a client's person or an agent meets, light and dark, desktop and a 390 px phone. On every page:
no serious or critical axe violation, no sideways scrolling on the phone, the landmarks, and "Skip to
content" as the first Tab stop, moving the focus to the main content.

The portal serves the basic help centre at / and the clients' own centres at /c/<slug>/, mails to a real
SMTP sink (sign-in links), on a real SQLite file behind a real WSGI server. Skipped without Chromium unless
KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from axe_pages import serious  # the help centre's test: the same verdict, the same report
from axe_playwright_python.sync_playwright import Axe
from browser_fixtures import browser_fixture  # noqa: F401 - fixture

from generator.portal.config import MailSettings

from .portal_helpers import GENEROUS_LIMITS, PASSWORD, serving, sign_in_mail

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

# The pages are the same on either database: SQLite only.
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PAT = "pat@acme.example"  # a person of the client Acme (tests/roots/clients)
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def portal_url(make_app, built_site, client_builds, smtp_sink) -> Iterator[str]:
    """The portal with the public help centre at /, the clients' centres at /c/<slug>/ and one request for a
    sign-in link a minute (so that the second is the 429 page)."""
    site_dir, index_dir = built_site
    root, profiles = client_builds
    app = make_app(
        site_dir=site_dir,
        index_dir=index_dir,
        mail=MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port),
        modules={"scheduling": "Scheduling", "budgets": "Budgets", "documents": "Documents"},
        clients={slug: profile.name for slug, profile in profiles.items()},
        client_profiles=profiles,
        client_builds_dir=root / "build",
        rate_limits=GENEROUS_LIMITS | {"sign_in_link": "1 per minute"},
    )
    with serving(app) as url:
        yield url


def log_case(page, subject: str, severity: str) -> None:
    """Fill the case form on `page` as Pat and send it."""
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("What happened?").fill("The nightly export failed with an error.\nNothing was imported.")
    page.locator(f'input[name=severity][value="{severity}"]').check()
    page.get_by_label("Your name").fill("Pat Doe")
    page.get_by_label("Your email").fill(PAT)
    page.get_by_role("button", name="Send the case").click()


def every_page_type(page, base: str, sink) -> Iterator[str]:
    """Walks `page` through every page type of the portal, as its people would, yielding each one's name
    while the page shows it."""
    page.goto(f"{base}/cases/new?page=kb/x/&q=export+failed")
    yield "case form"
    log_case(page, "Export to the ERP fails every night", "catastrophic")
    expect(page).to_have_url(re.compile(r"/cases/CASE-\d{6}/\w+\?new=1$"))
    yield "case logged"
    catastrophic = re.search(r"CASE-\d{6}", page.url).group(0)
    page.goto(page.url.split("?")[0])
    yield "case page"
    page.goto(f"{base}/search?q=gantt")
    expect(page.locator(".results li").first).to_be_visible()
    yield "search results"

    page.goto(f"{base}/sign-in")
    yield "sign-in"
    page.get_by_label("Your email").fill(PAT)
    page.get_by_role("button", name="Mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    yield "enter code"
    page.goto(f"{base}/sign-in")
    page.get_by_label("Your email").fill(PAT)
    page.get_by_role("button", name="Mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Slow down")).to_be_visible()
    yield "429"
    path, _code = sign_in_mail(sink, PAT)
    page.goto(f"{base}{path}")
    yield "sign-in link"
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/my/cases$"))

    page.goto(f"{base}/c/acme/cases/new")
    expect(page.get_by_role("link", name=re.compile("Acme Water Authority"))).to_be_visible()
    yield "client's case form"
    log_case(page, "Budget import stops at line 40", "major")
    expect(page).to_have_url(re.compile(r"/cases/CASE-\d{6}/"))
    yield "client's case logged"
    page.goto(f"{base}/my/cases")
    yield "my cases"
    page.get_by_role("link", name=re.compile(r"CASE-\d{6}")).first.click()
    yield "my case"
    page.goto(f"{base}/our/cases")
    yield "our cases"

    page.goto(f"{base}/agent/sign-in")
    yield "agent sign-in"
    page.fill("#username", "ann")  # Level 1: the catastrophic case is Level 3's (the 403 below)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Queue"))).to_be_visible()
    yield "queue"
    page.locator(".queue-item__link").first.click()
    expect(page).to_have_url(re.compile(r"/agent/cases/CASE-\d{6}$"))
    yield "agent case"
    page.goto(page.url + "/draft")
    yield "article draft"
    page.goto(f"{base}/agent/report")
    yield "report"
    page.goto(f"{base}/agent/notifications/")
    yield "notifications"
    page.goto(f"{base}/agent/cases/{catastrophic}")
    yield "403"
    page.goto(f"{base}/cases/CASE-999999/no-such-link")
    yield "404"
    page.goto(f"{base}/cases/new")
    page.locator(".case-form input[name=csrf_token]").evaluate("input => input.remove()")
    log_case(page, "Sent without its token", "minor")
    expect(page.get_by_role("heading", name="Please try again")).to_be_visible()
    yield "400 (form expired)"


def layout_problems(page, screen: str) -> list[str]:
    """The landmarks, no sideways scrolling on a phone, and the skip link as the first Tab stop."""
    problems = []
    for role in ("banner", "navigation", "main", "contentinfo"):
        if not page.get_by_role(role).count():
            problems.append(f"no {role} landmark")
    wide, room = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if screen == "phone" and wide > room:
        problems.append(f"{wide} px wide on a {room} px screen")
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.textContent.trim()]")
    if first != ["skip-link", "Skip to content"]:
        problems.append(f"the first Tab stop is {first}, not the skip link")
    else:
        page.keyboard.press("Enter")
        if page.evaluate("document.activeElement.tagName") != "MAIN":
            problems.append("the skip link does not move the focus to the main content")
        # Forget the #main the skip link added: a form on this page would carry it through its redirect, and
        # the next page would start its Tab order at its main content.
        page.evaluate("history.replaceState(null, '', location.pathname + location.search)")
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_portal_page_type_passes_axe(browser, portal_url, smtp_sink, scheme, screen):
    axe = Axe()
    context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    found, seen = {}, []
    try:
        for kind in every_page_type(page, portal_url, smtp_sink):
            seen.append(kind)
            page.wait_for_load_state("load")  # a form's redirect may still be arriving
            problems = serious(axe.run(page).response) + layout_problems(page, screen)
            if problems:
                found[kind] = problems
    finally:
        context.close()
    assert len(seen) == 22, seen  # the walk went all the way
    assert not found, "\n".join(f"{kind}: {problem}" for kind, problems in found.items() for problem in problems)


@pytest.mark.parametrize(("system", "chosen", "shown"), [("light", "slate", "dark"), ("dark", "default", "light")])
def test_the_portal_follows_the_help_centres_palette_toggle(browser, portal_url, system, chosen, shown):
    """The reader's choice in the help centre (Material keeps it in localStorage under '<site path>.__palette')
    wins over the system's preference on the portal's pages too."""
    context = browser.new_context(color_scheme=system)
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/sign-in")
        expect(page.locator("html")).to_have_attribute("data-kb-scheme", system)
        palette = {"index": 0, "color": {"media": "", "scheme": chosen, "primary": "custom", "accent": "custom"}}
        page.evaluate("value => localStorage.setItem('/.__palette', value)", json.dumps(palette))
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-kb-scheme", shown)
        dark = page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(30, 32, 41)"
        assert dark == (shown == "dark")
    finally:
        context.close()


def test_the_queue_works_with_the_keyboard_alone(browser, portal_url, smtp_sink):
    """An agent who does not use a mouse: sign in, Tab from the skip link to the first case, its focus visible,
    Enter opens it; the queue's own keys (j, k) are tested in tests/test_portal_queue_browser.py."""
    context = browser.new_context(viewport=SCREENS["phone"])
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/cases/new")
        log_case(page, "Export to the ERP fails every night", "major")
        page.goto(f"{portal_url}/agent/sign-in")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the skip link: straight to the form
        page.keyboard.press("Tab")
        page.keyboard.type("ann")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=re.compile("^Queue"))).to_be_visible()

        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('queue-item__link')"):
                break
        else:
            pytest.fail("Tab never reached a case in the queue")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "the focused case link shows no focus"
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/agent/cases/CASE-\d{6}$"))
    finally:
        context.close()
