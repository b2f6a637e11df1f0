"""Mermaid, icons and emoji, math, code annotations, tooltips and content tabs: offline on the site (from the
site's own files), and in the handout (diagrams as pictures, tabs with their labels)."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import markdown
import pytest
import yaml
from conftest import copy_root
from pypdf import PdfReader
from test_scanning import LONG_PAGE

from generator.build import build_target
from generator.catalog import load_catalog
from generator.diagrams import draw_diagrams, find_browser
from generator.html_safety import check_page_html, sanitise_html
from generator.markdown_features import (
    SUPPORTED_EXTENSIONS,
    check_shortcodes,
    engine_extensions,
    known_shortcodes,
    resolved,
    twemoji_svgs,
)
from generator.model import SITE
from generator.pdf import markdown_extensions
from generator.select import select
from generator.stage import stage_project
from generator.yamlfile import parse_yaml

SVG_PARTS = ("<path", "<circle", "<ellipse", "<g", "fill=", "transform=", "opacity=", "clip-path=", "<clipPath", "d=")
CDN_HOSTS = re.compile(r"cdn\.|unpkg|jsdelivr|googleapis")
RICH_PAGE = """---
id: USR-009
title: Diagrams and symbols
module: scheduling
---

# Diagrams and symbols

```mermaid
graph LR
  A[Start planning] --> B{Baseline set?}
```

Done :smile: on time :material-clock-fast: with :fontawesome-brands-github: and :octicons-heart-fill-24:.

The formula $a^2 + b^2$ and

$$
E = mc^2
$$

=== "Windows"

    Press ++ctrl+c++ to copy.

=== "macOS"

    Press ++cmd+c++ to copy.

``` python
print("report")  # (1)!
```

1.  Prints the report to the console.

The HTML export is quick.

*[HTML]: Hyper Text Markup Language
"""
PAGE = "docs/user/02-rich.md"
# Drawing diagrams for the handout needs Chromium (without it they print as source, tested below); required
# where the browser tests are (KB_REQUIRE_BROWSER=1, as in CI).
needs_chromium = pytest.mark.skipif(
    find_browser() is None and os.environ.get("KB_REQUIRE_BROWSER") != "1", reason="Chromium is not installed"
)


@pytest.fixture(scope="module")
def rich_build(tmp_path_factory) -> Path:
    """tests/roots/basic with the rich page, built for `site` with its PDF."""
    root = copy_root("basic", tmp_path_factory.mktemp("rich") / "project", {PAGE: RICH_PAGE})
    return build_target(root, SITE, root / "build" / "site", formats=("site", "pdf")).out


def rich_html(site: Path) -> str:
    return (site / "user" / "rich" / "index.html").read_text(encoding="utf-8")


def pdf_text(site: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(site / "pdf" / "site-user.pdf").pages)


def convert_for_print(text: str) -> str:
    names, configs = markdown_extensions(parse_yaml(Path("mkdocs.yml").read_text(encoding="utf-8"), "m").data)
    return markdown.Markdown(extensions=names, extension_configs=configs).convert(text)


# The supported extensions and their native configuration


def test_mermaid_emoji_and_math_are_configured_natively_without_python_tags_in_mkdocs_yml(make_project, tmp_path):
    root = make_project("basic")
    assert "!!python/name" not in (root / "mkdocs.yml").read_text(encoding="utf-8")
    catalog = load_catalog(root)
    selection = select(catalog, SITE)
    rendered = {page.src_uri: page.body for page in selection.pages}
    config_path = stage_project(catalog, selection, rendered, tmp_path / "staged", tmp_path / "site")
    staged = config_path.read_text(encoding="utf-8")
    assert "format: !!python/name:pymdownx.superfences.fence_code_format" in staged
    assert "emoji_generator: !!python/name:generator.markdown_features.to_local_svg" in staged
    config = yaml.load(staged, Loader=yaml.UnsafeLoader)  # as the engine reads it: the tags become objects
    extensions = {next(iter(e)) if isinstance(e, dict) else e: e for e in config["markdown_extensions"]}
    assert extensions["pymdownx.arithmatex"] == {"pymdownx.arithmatex": {"generic": True}}
    assert {"content.code.annotate", "content.tooltips"} <= set(config["theme"]["features"])


def test_projects_own_fences_stay_and_kb_mermaid_fence_replaces_one_of_that_name():
    mine = {"name": "flow", "class": "flow", "format": "x"}
    theirs = {"name": "mermaid", "class": "mine", "format": "y"}
    merged = engine_extensions(["abbr", {"pymdownx.superfences": {"custom_fences": [mine, theirs]}}])
    fences = merged[1]["pymdownx.superfences"]["custom_fences"]
    assert merged[0] == "abbr"
    assert [f["name"] for f in fences] == ["flow", "mermaid"] and fences[1]["class"] == "mermaid"


def test_every_extension_kb_configures_natively_is_a_supported_one():
    assert {next(iter(e)) for e in engine_extensions([]) if isinstance(e, dict)} <= SUPPORTED_EXTENSIONS
    assert callable(resolved(engine_extensions([])[0]["pymdownx.superfences"]["custom_fences"][0]["format"]))


# The site, offline


def test_site_draws_mermaid_with_its_own_copy_loaded_before_the_theme(rich_build):
    page = rich_html(rich_build)
    assert '<pre class="mermaid"><code>graph LR' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    mermaid = scripts.index("../../assets/vendor/mermaid/mermaid.min.js")
    assert mermaid < next(i for i, src in enumerate(scripts) if "/bundle." in src)  # Material finds it defined
    assert (rich_build / "assets" / "vendor" / "mermaid" / "mermaid.min.js").stat().st_size > 1_000_000
    assert (rich_build / "assets" / "vendor" / "mermaid" / "LICENSE").is_file()


def test_pages_without_a_diagram_or_math_load_neither(rich_build):
    gantt = (rich_build / "user" / "gantt" / "index.html").read_text(encoding="utf-8")
    assert "vendor/mermaid" not in gantt and "vendor/katex" not in gantt


def test_site_without_diagrams_or_math_carries_no_vendored_script(built_basic):
    assert not (built_basic("site") / "assets" / "vendor").exists()


def test_icons_and_emoji_are_inline_svg_from_local_files(rich_build):
    page = rich_html(rich_build)
    spans = re.findall(r'<span class="twemoji"[^>]*><svg [^>]*>.*?</svg></span>', page)
    assert len(spans) == 4  # :smile:, Material's, FontAwesome's and Octicons' icons
    assert 'title=":smile:"' in page and "FFCC4D" in page  # Twemoji's own drawing of the smile, not a picture
    assert "<img" not in page.split('<article class="md-content__inner', 1)[1].split("</article>")[0]


def test_the_emoji_index_is_read_only_when_a_page_has_a_shortcode(monkeypatch):
    """Material's Twemoji index (18,000 entries) is loaded for the first shortcode, not for every Markdown
    made with the extension: a one-edit build of a page without emoji never reads it."""
    import markdown
    from material.extensions import emoji as material_emoji

    from generator.markdown_features import NATIVE_EXTENSIONS

    loads = []
    load = material_emoji.twemoji
    monkeypatch.setattr(material_emoji, "twemoji", lambda options, md: loads.append(1) or load(options, md))
    md = markdown.Markdown(
        extensions=["pymdownx.emoji"],
        extension_configs={"pymdownx.emoji": resolved(NATIVE_EXTENSIONS["pymdownx.emoji"])},
    )
    assert md.convert("No emoji on this page.") == "<p>No emoji on this page.</p>"
    assert loads == []
    assert 'title=":smile:"' in md.reset().convert("Well done :smile: and :no_such_name:")
    assert loads == [1]


def test_math_is_typeset_by_the_sites_own_katex(rich_build):
    page = rich_html(rich_build)
    assert '<span class="arithmatex">\\(a^2 + b^2\\)</span>' in page
    assert '<div class="arithmatex">\\[' in page
    for src in ("vendor/katex/katex.min.js", "vendor/katex/contrib/auto-render.min.js", "vendor/kb-math.js"):
        assert f'<script src="../../assets/{src}"></script>' in page
    assert 'href="../../assets/vendor/katex/katex.min.css"' in page
    css = (rich_build / "assets" / "vendor" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", css):  # every font the style sheet asks for first
        assert (rich_build / "assets" / "vendor" / "katex" / font).is_file(), font


def test_annotations_tooltips_and_tabs_reach_the_theme_as_material_documents_them(rich_build):
    page = rich_html(rich_build)
    assert '"content.code.annotate"' in page and '"content.tooltips"' in page  # the theme's features
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr>' in page
    assert re.search(r'class="c1"># \(1\)!</span>', page)  # the marker Material turns into a tooltip
    # Tabs have readable ids under their heading, as Material's own configuration makes them.
    assert re.search(r'<div class="tabbed-labels"><label for="[a-z0-9-]+-windows">Windows</label>', page)


def test_nothing_in_the_built_site_references_a_cdn(rich_build):
    found = []
    for path in sorted(rich_build.rglob("*")):
        if path.suffix in (".html", ".css") or (path.suffix == ".js" and "vendor" in path.parts):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [(path.relative_to(rich_build).as_posix(), m) for m in CDN_HOSTS.findall(text)]
    assert found == []


# The handout


@needs_chromium
def test_pdf_draws_each_mermaid_diagram_as_a_picture_not_its_source(rich_build):
    text = pdf_text(rich_build)
    assert "Start\nplanning" in text and "Baseline\nset?" in text  # the drawing's labels, as Mermaid wraps them
    assert "graph LR" not in text and "-->" not in text


@needs_chromium
def test_handout_html_holds_the_diagram_as_an_svg_picture():
    fragments, warnings = draw_diagrams([convert_for_print("```mermaid\ngraph TD\n  A --> B\n```\n")])
    assert warnings == ()
    assert fragments[0].startswith('<figure class="diagram"><img alt="Diagram" src="data:image/svg+xml;base64,')


def test_without_chromium_the_diagram_stays_its_source_with_a_warning(monkeypatch):
    monkeypatch.setenv("KB_CHROMIUM", "no-such-browser")
    source = convert_for_print("```mermaid\ngraph TD\n  A --> B\n```\n")
    fragments, warnings = draw_diagrams([source])
    assert fragments == [source]
    assert warnings == ("1 Mermaid diagram(s) printed as their source: Chromium is not installed",)


@needs_chromium
def test_a_diagram_mermaid_cannot_read_stays_its_source_with_mermaids_reason():
    source = convert_for_print("```mermaid\nnot a diagram (((\n```\n")
    fragments, warnings = draw_diagrams([source])
    assert fragments == [source]
    assert len(warnings) == 1 and "No diagram type detected" in warnings[0]


def test_pdf_prints_each_tab_under_its_label(rich_build):
    text = pdf_text(rich_build)
    windows, ctrl = text.index("Windows"), text.index("Press Ctrl")
    mac, cmd = text.index("macOS"), text.index("Press Cmd")
    assert windows < ctrl < mac < cmd


def test_pdf_prints_annotation_markers_and_their_numbered_list(rich_build):
    html = convert_for_print('``` python\nprint("report")  # (1)!\n```\n\n1.  Prints the report.\n')
    assert "# (1)</span>" in html and "(1)!" not in html
    assert "<ol>\n<li>Prints the report.</li>\n</ol>" in html
    assert "# (1)" in pdf_text(rich_build)


def test_pdf_draws_emoji_and_icons_instead_of_their_shortcodes(rich_build):
    html = convert_for_print(":smile: :material-clock-fast:")
    assert html.count("<svg") == 2
    text = pdf_text(rich_build)
    assert "Done" in text and ":smile:" not in text and ":material-clock-fast:" not in text


def test_build_warns_that_math_prints_as_its_source(tmp_path):
    root = copy_root("basic", tmp_path / "project", {PAGE: RICH_PAGE})
    result = build_target(root, SITE, root / "build" / "site", formats=("pdf",))
    assert "site-user.pdf: math printed as its TeX source: KaTeX typesets it on the site only" in result.warnings


# The sanitiser and kb check


def test_sanitiser_keeps_every_twemoji_drawing_whole():
    def parts(svg: str) -> list[int]:
        return [svg.count(part) for part in SVG_PARTS]

    assert [code for code, svg in twemoji_svgs().items() if parts(sanitise_html(svg)) != parts(svg)] == []


def test_unknown_icon_or_emoji_is_a_warning_at_its_line_with_the_closest_known_one(make_project, run_kb):
    text = RICH_PAGE + "\nA :smiel: and :material-clok-fast: at 10:30:00 in ratio a:b:c, `:not-code:`.\n"
    root = make_project("basic", files={PAGE: text})
    line = text.splitlines().index("A :smiel: and :material-clok-fast: at 10:30:00 in ratio a:b:c, `:not-code:`.") + 1
    result = run_kb(root, "check")
    assert result.exit_code == 0, result.output
    assert (
        f"{PAGE}:{line}: shortcode :smiel: is not an icon or emoji kb knows, it is shown as typed; did you mean "
        ":smile:? (warning)" in result.output
    )
    assert f"{PAGE}:{line}: shortcode :material-clok-fast: is not" in result.output
    assert "did you mean :material-clock-fast:?" in result.output
    assert result.output.count("shortcode") == 2  # not the time, the ratio or the code span


def test_rich_page_checks_clean(make_project, run_kb):
    result = run_kb(make_project("basic", files={PAGE: RICH_PAGE}), "check", "--strict")
    assert result.exit_code == 0, result.output


def test_math_is_not_read_as_an_attribute_list_or_html(make_project):
    text = (
        "---\nid: USR-010\ntitle: Sums\nmodule: scheduling\n---\n\n# Sums\n\n"
        "$$\n\\sum_{k=0}^{n} x<y\n$$\n\nInline $\\frac{a}{b}_{i=1}$ too.\n"
    )
    catalog = load_catalog(make_project("basic", files={"docs/user/03-sums.md": text}))
    page = next(p for p in catalog.pages if p.src_uri == "docs/user/03-sums.md")
    assert check_page_html(page) == []


def test_known_shortcodes_hold_emoji_aliases_and_every_icon_set():
    known = known_shortcodes()
    assert {
        ":smile:",
        ":+1:",
        ":material-clock-fast:",
        ":fontawesome-brands-github:",
        ":octicons-heart-fill-24:",
    } <= known


# Linear time on writers' text (tests/test_scanning.py shows the method)

LONG = 1_000_000


def scan_rich(text: str) -> None:
    page = dataclasses.replace(LONG_PAGE, body=text)
    check_page_html(page)
    check_shortcodes(page)


@pytest.mark.parametrize(
    "text",
    [
        "$a$ " * (LONG // 4),  # many inline formulas on one line
        "$ " * (LONG // 2),  # dollars that never pair as math
        "$$" * (LONG // 2),  # block delimiters back to back
        "\\(" * (LONG // 2),  # unclosed inline math openers
        "$" + "\\frac{a}{b}" * (LONG // 11),  # an unclosed formula
        ":" + "a" * LONG,  # a shortcode that never closes
        ":ab" * (LONG // 3),  # colons with words between, none closing a known name
        ":smiel: " * (LONG // 8),  # the same unknown shortcode many times
    ],
    ids=("inline-math", "lone-dollars", "block-dollars", "open-parens", "open-braces", "open-colon", "colons", "many"),
)
def test_math_masking_and_shortcode_check_take_linear_time(finishes, text):
    assert finishes(scan_rich, text)
