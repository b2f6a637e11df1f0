"""Pictures in HTML (`<img src>`, `<source srcset>`, in raw HTML or md_in_html blocks) are checked, copied
with the page and re-pointed like markdown pictures."""

from __future__ import annotations

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.links import find_links
from generator.model import SITE

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
    b'<rect width="10" height="10"/></svg>'
)
CHAPTER = (
    "---\nid: USR-002\ntitle: Pictures\nmodule: scheduling\n---\n\n# Pictures\n\n"
    '<figure markdown>\n<picture>\n  <source srcset="images/dark.svg 1x, images/dark-2x.svg 2x" media="(x)">\n'
    '  <img src="images/light.svg" alt="The chart">\n</picture>\n</figure>\n'
)


def test_html_pictures_are_found_with_their_lines_and_not_in_code():
    markdown = (
        'Intro <img src="a.png" alt="a">\n<picture><source srcset="b.webp 1x,c.webp 2x"></picture>\n'
        "`<img src=\"code.png\">`\n\n```html\n<img src='fenced.png'>\n```\n<IMG SRC='d.svg' srcset=\"e.svg\">\n"
    )
    assert [(link.line, link.url, link.is_image) for link in find_links(markdown)] == [
        (1, "a.png", True),
        (2, "b.webp", True),
        (2, "c.webp", True),
        (8, "d.svg", True),
        (8, "e.svg", True),
    ]


def test_a_missing_html_picture_is_a_broken_picture_at_its_line(make_project):
    root = make_project("basic", files={"docs/user/02-pictures.md": CHAPTER, "docs/user/images/light.svg": SVG})
    found = [
        (p.line, p.message.split(";")[0])
        for p in check_catalog(load_catalog(root))
        if p.path.endswith("02-pictures.md")
    ]
    assert found == [(11, "broken picture 'images/dark-2x.svg'"), (11, "broken picture 'images/dark.svg'")]


def test_html_pictures_are_copied_beside_the_built_page(make_project, tmp_path):
    files = {
        "docs/user/02-pictures.md": CHAPTER,
        **{f"docs/user/images/{n}.svg": SVG for n in ("light", "dark", "dark-2x")},
    }
    out = build_target(make_project("basic", files=files), SITE, tmp_path / "out").out
    for name in ("light", "dark", "dark-2x"):
        assert (out / "user/images" / f"{name}.svg").is_file()
    page = (out / "user/pictures/index.html").read_text(encoding="utf-8")
    assert 'srcset="../images/dark.svg 1x, ../images/dark-2x.svg 2x"' in page
    assert 'src="../images/light.svg"' in page


def test_an_html_picture_is_printed_in_the_pdf_handout(make_project, tmp_path):
    files = {
        "docs/user/02-pictures.md": CHAPTER,
        **{f"docs/user/images/{n}.svg": SVG for n in ("light", "dark", "dark-2x")},
    }
    out = build_target(make_project("basic", files=files), SITE, tmp_path / "out", formats=("pdf",)).out
    assert (out / "pdf").is_dir() and any((out / "pdf").glob("*user*.pdf"))
