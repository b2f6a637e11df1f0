"""Diagrams, math and emoji in a real browser, served by the portal under its Content-Security-Policy: the
site's own Mermaid and KaTeX draw them, nothing is fetched from another host, no policy is violated.

Skipped without Debian's Chromium unless KB_REQUIRE_BROWSER=1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_fixtures import browser_fixture  # noqa: F401 - fixture
from conftest import copy_root
from portal.portal_helpers import serving
from test_rich_content import PAGE, RICH_PAGE

from generator.build import build_target, index_beside
from generator.model import SITE
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import connect
from generator.portal.migrate import upgrade

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under KB_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory) -> Iterator[str]:
    root = copy_root("basic", tmp_path_factory.mktemp("rich") / "project", {PAGE: RICH_PAGE})
    site = build_target(root, SITE, root / "build" / "site").out
    instance = tmp_path_factory.mktemp("portal")
    config = PortalConfig(
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
        product_name="Sample Planner",
        modules={"scheduling": "Scheduling"},
        site_dir=site,
        index_dir=index_beside(site),
        instance_dir=instance,
        secret_key="rich-browser-test-secret",
        sweep_every_seconds=0,
    )
    upgrade(connect(config.database_url))
    with serving(create_app(config)) as url:
        yield url


def test_mermaid_math_and_emoji_are_drawn_by_the_sites_own_scripts_under_the_portals_policy(browser, portal_url):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    violations, errors, requests = [], [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(f"{portal_url}/user/rich/", wait_until="networkidle")
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]

    # Material swaps the diagram's source for a drawing in a closed shadow root: the source is gone and the
    # drawing takes room on the page.
    diagram = page.locator("div.mermaid")
    expect(diagram).to_have_count(1)
    expect(page.locator("pre.mermaid")).to_have_count(0)
    assert diagram.bounding_box()["height"] > 40
    assert page.evaluate("typeof mermaid.render") == "function"  # the site's copy, loaded before the theme

    expect(page.locator(".arithmatex .katex").first).to_be_visible()  # KaTeX typeset the math
    assert page.locator(".arithmatex .katex").count() == 2
    expect(page.locator("span.twemoji svg").first).to_be_visible()

    assert [url for url in requests if not url.startswith(portal_url)] == []
    assert violations == [] and errors == []
