"""The engine's pages get the canonical addresses MkDocs' own Page gives them (engine_nav.py works them out
once for the site, not by a URL join per page): for every form of site URL and page address, and for the
pages of a real staged project."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.nav import get_navigation as mkdocs_navigation
from mkdocs.structure.pages import Page

from generator.build import build_target
from generator.engine import adopt_pages_outside_nav
from generator.engine_cache import cache_beside
from generator.engine_keys import digest, nav_keys
from generator.engine_nav import canonical_urls, get_navigation
from generator.model import TARGETS

ARTICLE = (
    "---\nid: KB-0060\ntitle: A second article\nsummary: S.\ntype: howto\nmodule: scheduling\n"
    "confidence: validated\n---\n\nText.\n"
)
SITE_URLS = [
    "https://help.example.com/",
    "https://help.example.com",
    "https://example.com/docs/",
    "https://example.com/docs",
    "https://example.com/a/./b/../docs/",
    "https://example.com//docs//",
    "https://example.com/docs/?q=1#top",
    "https://example.com:8443/help/",
    "https://user@example.com/help/",
    "http://example.com/caf%C3%A9/",
    "https://example.com/../",
    "/relative/site/",
    "relative",
    "mailto:help@example.com",
    "custom-scheme://example/help/",
    "file:///srv/help/",
    "",
    None,
]
PAGE_URLS = [
    "",
    ".",
    "./",
    "index.html",
    "404.html",
    "kb/",
    "kb/scheduling/late-finish/",
    "kb/scheduling/late-finish.html",
    "a/KB-0042/",
    "docs/user/01-gantt/",
    "x",
    "a/b.c/",
    "a/.../",
    "./x/",
    "../x/",
    "a/../b/",
    "a/./b/",
    "a/.",
    "a/..",
    "a//b/",
    "//host/x/",
    "/rooted/x/",
    "x:y/",
    "a/b:c/",
    "a?q=1",
    "a#frag",
    "a;params/",
    "caf%C3%A9/",
    "café/",
    "a b/",
    "a\tb/",
    " a/",
    "a\\b/",
    "~user/",
    "a/@x/",
]


def mkdocs_urls(site_url: str | None, url: str) -> tuple[str | None, str | None]:
    """What MkDocs' Page sets for a page at `url` on a site at `site_url`."""
    page = SimpleNamespace(url=url)
    Page._set_canonical_url(page, site_url)
    return page.canonical_url, page.abs_url


@pytest.mark.parametrize("site_url", SITE_URLS)
def test_canonical_addresses_are_the_ones_mkdocs_gives_for_every_form_of_address(site_url):
    urls = canonical_urls(site_url)
    for url in PAGE_URLS:
        assert urls(url) == mkdocs_urls(site_url, url), (site_url, url)


def test_the_engines_navigation_is_mkdocs_own_with_the_same_addresses(make_project):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    staged = cache_beside(out) / "project" / "mkdocs.yml"
    made = []
    for navigation in (mkdocs_navigation, get_navigation):
        config = load_config(config_file=str(staged))
        assert config["site_url"]  # the project has one: the addresses are worked out
        files = get_files(config)
        nav = navigation(files, config)
        assert config["site_url"]  # given back
        pages = [file.page for file in files.documentation_pages()]
        made.append(
            (
                [(page.title, page.url) for page in nav.pages],
                [(page.file.src_uri, page.title, page.url, page.canonical_url, page.abs_url) for page in pages],
                [type(page) for page in pages],
            )
        )
    assert made[0] == made[1]
    assert len(made[0][1]) >= 8 and all(canonical for _, _, _, canonical, _ in made[0][1])


def test_a_pages_navigation_key_is_the_one_worked_out_for_it_alone(make_project):
    """nav_keys works out the key of pages outside the navigation (articles) once per section: each is the
    key the page gets when it is the only one asked for."""
    root = make_project("basic", files={"kb/scheduling/second.md": ARTICLE})
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    config = load_config(config_file=str(cache_beside(out) / "project" / "mkdocs.yml"))
    files = get_files(config)
    nav = get_navigation(files, config)
    doc_files = files.documentation_pages()
    adopt_pages_outside_nav(nav, doc_files)
    for page in nav.pages:
        page.read_source(config)
    pages = [file.page for file in doc_files]
    keys = nav_keys(nav, pages)
    assert keys == {src: key for page in pages for src, key in nav_keys(nav, [page]).items()}
    outside = [page for page in pages if page.previous_page is None and page.next_page is None]
    assert keys["kb/scheduling/second.md"] == keys["kb/scheduling/gantt-empty.md"]  # one module's articles
    assert len(set(keys.values())) > 2 and len(outside) > 2


@pytest.mark.parametrize(
    "parts",
    [(), ("",), ("ab", "c"), ("a", "bc"), ("caf\u00e9", "\U0001f600", "\ud800", "\udc00x"), ("a\0b", ""), ("x",) * 7],
)
def test_a_digest_of_several_texts_is_the_one_of_each_text_and_its_nul_in_turn(parts):
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part.encode("utf-8", "surrogatepass"))
        hashed.update(b"\0")
    assert digest(*parts) == hashed.hexdigest()
