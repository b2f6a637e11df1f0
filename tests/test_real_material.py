"""Real content: Material for MkDocs' own reference pages (tests/roots/real-material, see its README) in a kb
project. They build as written, Mermaid, emoji, math and tabs included, on the site and in the handout;
what kb cannot offer (Material's own widgets, a MathJax script from a CDN) is named by `kb check` at its
line; nothing the site loads comes from a CDN."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from conftest import ROOTS, copy_root
from pypdf import PdfReader
from test_rich_content import needs_chromium

from generator.build import build_target
from generator.links import Link, is_internal, rewrite_links, with_url
from generator.model import SITE

MATERIAL = ROOTS / "real-material"
SITE_URL = "https://squidfunk.github.io/mkdocs-material/"
PAGES = sorted((MATERIAL / "reference").glob("*.md"))
# footnotes.md and icons-emojis.md need the other parts of issue 12 to build (footnote definitions read as
# links; a `{% include %}` shown in a code block read as a template): `kb check` reads them here, the
# build test takes them once those parts are merged.
BUILT = [page for page in PAGES if page.stem not in ("footnotes", "icons-emojis")]
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
EXTERNAL_FETCH = re.compile(
    r"<(?:script|img|source|iframe)\b[^>]*\bsrc=\"(?:https?:)?//"
    r"|<link\b[^>]*\brel=\"(?:stylesheet|preload|modulepreload|preconnect)\"[^>]*\bhref=\"(?:https?:)?//",
    re.IGNORECASE,
)


def dest_name(index: int, page: Path) -> str:
    return f"{index:02d}-{page.name}"


def imported(pages: list[Path]) -> dict[str, str | bytes]:
    """The pages as a kb import brings them: `docs/user/NN-name.md`, front matter written for kb in place of
    Material's own (`icon:`), then the text as it is, except links: to a copied page, its new name; to a
    page not copied, the same page on Material's site. The pictures they show, at their own paths."""
    names = {page.name: dest_name(index, page) for index, page in enumerate(pages, start=2)}

    def point(link: Link, original: str) -> str | None:
        if not is_internal(link.url) or ".md" not in link.url:
            return None
        path, _, anchor = link.url.partition("#")
        fragment = f"#{anchor}" if anchor else ""
        if path in names:
            return with_url(link, original, names[path] + fragment)
        address = posixpath.normpath(posixpath.join("reference", path)).removesuffix(".md")
        return with_url(link, original, f"{SITE_URL}{address}/{fragment}")

    files: dict[str, str | bytes] = {}
    for index, page in enumerate(pages, start=2):
        body = FRONT_MATTER.sub("", page.read_text(encoding="utf-8"), count=1)
        meta = (
            f"---\nid: USR-{100 + index}\ntitle: {page.stem.replace('-', ' ').capitalize()}\nmodule: scheduling\n---\n"
        )
        files[f"docs/user/{names[page.name]}"] = meta + rewrite_links(body, point)
    for picture in (MATERIAL / "assets" / "screenshots").glob("*.png"):
        files[f"docs/assets/screenshots/{picture.name}"] = picture.read_bytes()
    return files


def line_in_project(page: str, original_line: int) -> int:
    """A line of the original page, in the imported file (the front matter differs in length)."""
    text = (MATERIAL / "reference" / page).read_text(encoding="utf-8")
    original_meta = FRONT_MATTER.match(text).group(0).count("\n")
    return original_line - original_meta + 5  # kb's front matter: five lines


@pytest.fixture(scope="module")
def material_site(tmp_path_factory) -> Path:
    root = copy_root("basic", tmp_path_factory.mktemp("material") / "project", imported(BUILT))
    return build_target(root, SITE, root / "build" / "site", formats=("site", "pdf")).out


def page_html(site: Path, stem: str) -> str:
    return (site / "user" / stem / "index.html").read_text(encoding="utf-8")


def handout(site: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(site / "pdf" / "site-user.pdf").pages)


def test_check_names_what_kb_cannot_offer_at_its_line_and_nothing_else_of_the_rich_content(make_project, run_kb):
    root = make_project("basic", files=imported(PAGES))
    result = run_kb(root, "check")
    problems = [line for line in result.output.splitlines() if re.match(r"^docs/user/\d\d-", line)]
    assert "Traceback" not in result.output
    names = {page.stem: dest_name(index, page) for index, page in enumerate(PAGES, start=2)}
    math, icons = f"docs/user/{names['math']}", f"docs/user/{names['icons-emojis']}"
    # MathJax from unpkg (Material's alternative to KaTeX): kb offers KaTeX from the site, not this script.
    assert any(
        p.startswith(f"{math}:{line_in_project('math.md', 77)}: <script>: element not allowed") for p in problems
    )
    # Material's own icon search widget and its style block, which need Material's documentation site.
    assert any(p.startswith(f"{icons}:{line_in_project('icons-emojis.md', 122)}: <style>") for p in problems)
    assert any(p.startswith(f"{icons}:{line_in_project('icons-emojis.md', 24)}: <select>") for p in problems)
    # What this part offers is never a problem: diagrams, emoji shortcodes, math (no `{k=0}` attribute list)
    assert [p for p in problems if "shortcode" in p or (names["math"] in p and "attribute list" in p)] == []
    assert [p for p in problems if names["diagrams"] in p or names["content-tabs"] in p] == []


def test_material_pages_build_with_their_diagrams_drawn_from_the_sites_own_mermaid(material_site):
    page = page_html(material_site, "diagrams")
    assert page.count('<pre class="mermaid"><code>') == 5  # the other five are examples shown as code
    assert '<script src="../../assets/vendor/mermaid/mermaid.min.js"></script>' in page


def test_material_icons_in_annotations_are_inline_svg(material_site):
    page = page_html(material_site, "annotations")
    assert len(re.findall(r'<span class="twemoji"[^>]*><svg ', page)) >= 4
    assert 'class="twemoji" src=' not in page


def test_material_math_page_is_typeset_by_the_sites_katex_and_its_mathjax_script_is_gone(material_site):
    page = page_html(material_site, "math")
    assert page.count('class="arithmatex"') >= 4
    assert '<script src="../../assets/vendor/katex/katex.min.js"></script>' in page
    assert 'tex-mml-chtml.js"></script>' not in page


def test_nothing_on_the_material_pages_is_fetched_from_another_host(material_site):
    fetched = {
        path.relative_to(material_site).as_posix(): EXTERNAL_FETCH.findall(path.read_text(encoding="utf-8"))
        for path in material_site.rglob("*.html")
    }
    assert {name: found for name, found in fetched.items() if found} == {}


@needs_chromium
def test_material_diagrams_print_as_pictures_and_tabs_under_their_labels(material_site):
    lines = handout(material_site).splitlines()
    assert "Yay!" in lines and "Hmm..." in lines  # the flowchart's labels, drawn; its source says `E[Yay!];`
    text = "\n".join(lines)
    assert re.search(r"^C\n#include <stdio.h>", text, re.MULTILINE)
    assert re.search(r"^C\+\+\n#include <iostream>", text, re.MULTILINE)
