"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the sample site built and
served on the loopback address.

Import them into a test module: `from browser_fixtures import browser_fixture, page_fixture,
site_url_fixture`. Each registers under its `name` (browser, page, site_url, sample_url, client_sample_url);
the Python names differ so that linters do not take the tests' arguments for redefinitions of the imports.

Without /usr/bin/chromium (or Playwright) the tests that use them are skipped, unless KB_REQUIRE_BROWSER=1
(as in CI), where they fail and say what is missing. Playwright's own browser downloads are never used."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
_shared: dict = {}  # the one Playwright and Chromium of this process (see browser_fixture)
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
    """A headless Chromium for the whole session (one per xdist worker).

    Each test module that imports this fixture gets its own copy of it, but Playwright's sync API starts
    only once per process: the copies share one Playwright and one browser, closed by the last to finish."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not _shared:
        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        _shared["users"] = 0
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared["browser"].close()
            _shared["playwright"].stop()
            _shared.clear()


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
    """Serves a built site as static hosts do (GitHub Pages, Netlify, nginx's error_page): a missing path
    gets the site's own 404.html, with status 404."""

    def log_message(self, format: str, *args) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def _served(site: Path) -> Iterator[str]:
    """`site` served over HTTP on 127.0.0.1 and a free port: 'http://127.0.0.1:PORT/'."""
    handler = functools.partial(_QuietHandler, directory=str(site))
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


@pytest.fixture(scope="session", name="site_url")
def site_url_fixture(built_basic) -> Iterator[str]:
    """The `site` target of tests/roots/basic (conftest's `built_basic`: the project's own mkdocs.yml and
    overrides/) served on 127.0.0.1: 'http://127.0.0.1:PORT/'."""
    with _served(built_basic("site")) as url:
        yield url


@pytest.fixture(scope="session", name="sample_url")
def sample_url_fixture(built_sample) -> Iterator[str]:
    """The repository's own sample help centre (conftest's `built_sample`, with the demo screen) served on
    127.0.0.1: 'http://127.0.0.1:PORT/'."""
    with _served(built_sample) as url:
        yield url


@pytest.fixture(scope="session", name="client_sample_url")
def client_sample_url_fixture(built_client_sample) -> Iterator[str]:
    """The sample project's client Acme's help centre (conftest's `built_client_sample`) served on 127.0.0.1."""
    with _served(built_client_sample) as url:
        yield url
