"""The help centre's Content-Security-Policy allows the theme's inline scripts, as the build listed them, and
never a script a page carries: the portal used to hash every inline script of the page it served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_root

from generator.build import build_target, index_beside
from generator.model import SITE
from generator.theme_scripts import MANIFEST, content_span, script_hash

from .test_portal_security import assert_security_headers, csp_directives

INJECTED = 'alert("somehow-injected")'
PAGE = "user/gantt/index.html"


@pytest.fixture(scope="module")
def tampered_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/roots/basic built for the site, then one page given an inline script in its content, as if
    the sanitiser had missed one (or someone edited the built file)."""
    root = copy_root("basic", tmp_path_factory.mktemp("csp") / "project")
    out = build_target(root, SITE, root / "build" / "site").out
    page = out / PAGE
    text = page.read_text(encoding="utf-8")
    start, _ = content_span(text)
    at = text.index(">", start) + 1
    page.write_text(text[:at] + f"<script>{INJECTED}</script>" + text[at:], encoding="utf-8")
    return out


def theme_scripts(page: str) -> list[str]:
    start, end = content_span(page)
    return [
        m.group(2)
        for m in re.finditer(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
        if not start <= m.start() < end and "src=" not in m.group(1) and "application/json" not in m.group(1)
    ]


@pytest.mark.parametrize("path", [PAGE, "", "no/such/page/"])
def test_page_policy_allows_the_theme_scripts_and_not_an_injected_one(make_app, tampered_site, path):
    client = make_app(site_dir=tampered_site, index_dir=index_beside(tampered_site)).test_client()
    response = client.get(f"/{path}")
    assert response.status_code == (404 if path.startswith("no/") else 200)
    assert_security_headers(response, path)
    scripts = csp_directives(response)["script-src"]
    assert script_hash(INJECTED) not in scripts
    needed = theme_scripts(response.get_data(as_text=True))
    assert needed, "the theme writes inline scripts into every page"
    assert all(script_hash(body) in scripts for body in needed), (needed, scripts)
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])


def test_site_built_without_a_manifest_allows_no_inline_script(make_app, tampered_site, tmp_path):
    """A site from an older build has no list of the theme's scripts: nothing inline is allowed (the pages
    still show; the theme's small helpers do not run) rather than whatever the page holds."""
    manifest = tampered_site / MANIFEST
    kept = manifest.read_bytes()
    manifest.unlink()
    try:
        client = make_app(site_dir=tampered_site, index_dir=index_beside(tampered_site)).test_client()
        assert csp_directives(client.get(f"/{PAGE}"))["script-src"] == ["'self'"]
    finally:
        manifest.write_bytes(kept)


def test_manifest_is_not_served(make_app, tampered_site):
    client = make_app(site_dir=tampered_site, index_dir=index_beside(tampered_site)).test_client()
    assert client.get(f"/{MANIFEST}").status_code == 404
