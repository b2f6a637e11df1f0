"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the sample site built and
served on the loopback address.

Import them into a test module: `from browser_fixtures import browser_fixture, page_fixture,
site_url_fixture`. Each registers under its `name` (browser, page, site_url); the Python names differ so
that linters do not take the tests' arguments for redefinitions of the imports.

Without /usr/bin/chromium (or Playwright) the tests that use them are skipped, unless KB_REQUIRE_BROWSER=1
(as in CI), where they fail and say what is missing. Playwright's own browser downloads are never used."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (we run as root in CI); nothing that reaches outside the machine on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    """Skip, or fail when the environment says the browser tests must run."""
    if os.environ.get("KB_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"{reason}; KB_REQUIRE_BROWSER=1 requires the browser tests to run "
            "(install Debian's browser: apt-get install chromium)",
            pytrace=False,
        )
    pytest.skip(f"{reason} (set KB_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="session", name="browser")
def browser_fixture() -> Iterator:
    """A headless Chromium for the whole session (one per xdist worker)."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(name="page")
def page_fixture(browser) -> Iterator:
    """A fresh tab in its own context (no shared cookies, storage or history between tests)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="session", name="site_url")
def site_url_fixture(built_basic) -> Iterator[str]:
    """The `site` target of tests/roots/basic (conftest's `built_basic`: the project's own mkdocs.yml and
    overrides/) served over HTTP on 127.0.0.1 and a free port: 'http://127.0.0.1:PORT/'."""
    handler = functools.partial(_QuietHandler, directory=str(built_basic("site")))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
