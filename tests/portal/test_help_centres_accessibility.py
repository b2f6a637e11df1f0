"""Accessibility of the help centres the portal serves to signed-in people, read by axe-core in Debian's
Chromium as tests/test_accessibility.py reads the static builds: the internal help centre at /internal/ (an
agent signed in), a client's centre at /c/<slug>/ (one of the client's people signed in by the mailed link),
the public one as the portal serves it, and the portal's search results page for each, light and dark,
desktop and 390 px, with no serious or critical violation and no sideways scrolling. Skipped without
Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import re

import pytest
from axe_pages import SCHEMES, SCREENS, check_pages
from browser_fixtures import browser_fixture  # noqa: F401 - fixture

from generator.build import index_beside
from generator.portal.config import MailSettings

from .portal_helpers import PASSWORD, serving, sign_in_in_browser
from .test_internal_site import internal_build  # noqa: F401 - fixture

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

# The public centre as the portal serves it: its pages then show what needs the portal ("Was this
# helpful?"), and its search is the portal's results page.
PUBLIC_PAGES = {
    "article": "/kb/scheduling/gantt-empty/",
    "search": "/search?q=gantt",
    "search-none": "/search?q=zzzzqqq",
}
INTERNAL_PAGES = {
    "home": "/internal/",
    "article": "/internal/kb/scheduling/internal-fix/",
    "search": "/internal/search?q=gantt",
    "404": "/internal/no-such-page/",
}
CLIENT_PAGES = {
    "home": "/c/acme/",
    "listing": "/c/acme/kb/scheduling/",
    "article": "/c/acme/kb/scheduling/acme-private/",
    "chapter": "/c/acme/user/gantt/",
    "context": "/c/acme/context/schedule.gantt/",
    "search": "/c/acme/search?q=gantt",
    "404": "/c/acme/no-such-page/",
}


@pytest.fixture
def centres_app(make_app, built_site, internal_build, client_builds, smtp_sink):  # noqa: F811 - fixture
    """The portal serving the public, the internal and every client's help centre, mailing to the sink."""
    site_dir, index_dir = built_site
    root, profiles = client_builds
    return make_app(
        site_dir=site_dir,
        index_dir=index_dir,
        internal_site_dir=internal_build,
        internal_index_dir=index_beside(internal_build),
        mail=MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port),
        modules={"scheduling": "Scheduling", "budgets": "Budgets", "documents": "Documents"},
        clients={slug: profile.name for slug, profile in profiles.items()},
        client_profiles=profiles,
        client_builds_dir=root / "build",
    )


def sign_in_agent(page, base: str) -> None:
    page.goto(f"{base}/agent/sign-in")
    page.get_by_label("Name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/agent/sign-in"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the pages, not the database, once
def test_the_internal_and_a_clients_help_centre_pass_axe_signed_in(browser, centres_app, smtp_sink):
    found = []
    with serving(centres_app) as base:
        for scheme in SCHEMES:
            for screen, viewport in SCREENS.items():
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                where = f"{scheme} {screen}"
                try:
                    found += [f"{where} public {p}" for p in check_pages(context, base, PUBLIC_PAGES, screen)]
                    page = context.new_page()
                    sign_in_agent(page, base)
                    found += [f"{where} internal {p}" for p in check_pages(context, base, INTERNAL_PAGES, screen)]
                    context.clear_cookies()
                    sign_in_in_browser(page, base, "pat@acme.example", smtp_sink)
                    found += [f"{where} acme {p}" for p in check_pages(context, base, CLIENT_PAGES, screen)]
                finally:
                    context.close()
    assert not found, "\n".join(found)
