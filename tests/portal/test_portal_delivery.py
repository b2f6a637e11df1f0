"""What the portal sends over the wire (portal/delivery.py): text compressed with brotli or gzip as the
browser accepts, never a page that carries a CSRF token (BREACH), never a type compressed already; its own
static files under content-hashed names cached for a year, the plain names for minutes; the help centre's
hashed theme assets for a year, its pages revalidated by ETag."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from generator.build import index_beside
from generator.portal.delivery import LONG_CACHE, static_manifest

from .portal_helpers import Visitor
from .test_internal_site import internal_build  # noqa: F401 - fixture

BR = {"Accept-Encoding": "br, gzip"}
GZIP = {"Accept-Encoding": "gzip"}


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


@pytest.fixture
def site_client(site_app):
    return site_app.test_client()


def test_a_help_page_is_compressed_with_brotli_or_gzip_as_accepted_and_reads_the_same(site_client):
    plain = site_client.get("/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for headers, encoding in ((BR, "br"), (GZIP, "gzip")):
        packed = site_client.get("/", headers=headers)
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2
        assert decoded(packed) == plain.data


def test_the_theme_script_and_the_search_index_are_compressed(site_client, built_site):
    bundle = next(built_site[0].glob("assets/javascripts/bundle.*.min.js")).relative_to(built_site[0])
    for address in (f"/{bundle.as_posix()}", "/search/search_index.json"):
        response = site_client.get(address, headers=BR)
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "br", address
        assert decoded(response) == (built_site[0] / address.lstrip("/")).read_bytes()


def test_a_file_compressed_already_goes_as_it_is(site_client, built_site):
    # Sent as the gzip it is (Werkzeug names its encoding), never compressed a second time.
    response = site_client.get("/sitemap.xml.gz", headers=BR)
    assert response.status_code == 200 and response.headers.get("Content-Encoding") in (None, "gzip")
    assert response.data == (built_site[0] / "sitemap.xml.gz").read_bytes()
    image = site_client.get("/assets/images/favicon.png", headers=BR)  # the theme ships it in every build
    assert image.status_code == 200 and "Content-Encoding" not in image.headers
    assert image.data == (built_site[0] / "assets/images/favicon.png").read_bytes()


def test_a_page_with_a_csrf_token_is_never_compressed(site_client):
    # The case form shows the search it came from (?q=) beside its token: compressed, its size would
    # tell an attacker who chose the words how much of the token they guessed (BREACH).
    response = site_client.get("/cases/new?q=csrf_token%20value", headers=BR)
    assert response.status_code == 200 and 'name="csrf_token"' in response.text
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]


def test_the_search_page_holds_no_token_and_is_compressed(site_client):
    response = site_client.get("/search?q=gantt", headers=BR)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert b"csrf_token" not in decoded(response)


def test_a_help_page_is_revalidated_and_a_second_visit_gets_304_compressed_or_not(site_client):
    for headers in ({}, BR):
        first = site_client.get("/", headers=headers)
        assert first.headers["Cache-Control"] == "no-cache"
        assert first.headers["ETag"] and first.headers["Last-Modified"]
        again = site_client.get("/", headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


def test_the_themes_hashed_assets_are_cached_for_a_year_and_its_other_files_revalidated(site_client, built_site):
    site = built_site[0]
    hashed = [
        next(site.glob("assets/stylesheets/main.*.min.css")),
        next(site.glob("assets/javascripts/bundle.*.min.js")),
        next(site.glob("assets/javascripts/workers/search.*.min.js")),
    ]
    for path in hashed:
        response = site_client.get("/" + path.relative_to(site).as_posix())
        assert response.headers["Cache-Control"] == LONG_CACHE == "public, max-age=31536000, immutable", path
    for address in ("/assets/kb.css", "/assets/help.js", "/search/search_index.json"):
        assert site_client.get(address).headers["Cache-Control"] == "no-cache", address


def test_the_portals_static_files_are_linked_by_hashed_names_cached_for_a_year(site_client):
    page = site_client.get("/search?q=gantt").text
    css = re.search(r'href="(/_portal/static/portal\.([0-9a-f]{10})\.css)"', page)
    script = re.search(r'src="(/_portal/static/portal\.[0-9a-f]{10}\.js)"', page)
    assert css and script, "the portal's pages link its static files by hashed names"
    hashed = site_client.get(css.group(1))
    assert hashed.status_code == 200 and hashed.headers["Cache-Control"] == LONG_CACHE
    plain = site_client.get("/_portal/static/portal.css")
    assert plain.status_code == 200 and plain.data == hashed.data
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    assert site_client.get(css.group(1).replace(css.group(2), "0" * 10)).status_code == 404
    assert site_client.get(script.group(1), headers=BR).headers["Content-Encoding"] == "br"


def test_a_static_files_hashed_name_changes_with_its_content(tmp_path):
    (tmp_path / "portal.css").write_text("body { color: black }")
    (tmp_path / ".hidden").write_text("x")
    before = static_manifest(tmp_path)
    (tmp_path / "portal.css").write_text("body { color: navy }")
    after = static_manifest(tmp_path)
    assert list(before.values()) == list(after.values()) == ["portal.css"]
    assert before.keys() != after.keys()
    assert all(re.fullmatch(r"portal\.[0-9a-f]{10}\.css", name) for name in (*before, *after))


def test_the_internal_centres_hashed_assets_are_cached_privately_and_its_pages_revalidated(
    make_app,
    built_site,
    internal_build,  # noqa: F811 - fixture
):
    app = make_app(
        site_dir=built_site[0],
        index_dir=built_site[1],
        internal_site_dir=internal_build,
        internal_index_dir=index_beside(internal_build),
    )
    agent = Visitor(app.test_client())
    agent.sign_in("ann")
    bundle = next(internal_build.glob("assets/javascripts/bundle.*.min.js")).relative_to(internal_build)
    asset = agent.get(f"/internal/{bundle.as_posix()}", headers=BR)
    assert asset.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert asset.headers["Content-Encoding"] == "br"
    page = agent.get("/internal/", headers=BR)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-cache"
    assert agent.get("/internal/no-such-page/").headers["Cache-Control"] == "private, no-cache"
