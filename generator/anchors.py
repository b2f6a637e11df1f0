"""The anchors a page's markdown publishes: its headings' ids as the toc extension makes them (with the
project's `toc` separator), explicit ids (`{#id}`, `{: #id }`, `<a id="...">`) and footnotes; and the
stable ids given to headings whose words come from a template.

Anchors follow the public words: a heading such as `## Create a {{ term("project") }}` keeps the id the
public site gives it (`create-a-project`) in every build, also where a client's term changes its words, so
that a link written against the public text (`page.md#create-a-project`) works in every target. A heading
with its own `{#id}` keeps that. All scanning here is line by line, with no nested quantifiers."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from pathlib import Path

from markdown.extensions.toc import slugify, unique

from .errors import Problem
from .headings import atx_headings
from .links import Link, code_spans, fenced_lines, find_links, is_internal, resolve, rewrite_links
from .markdown_features import tab_slug
from .memo import remembered
from .model import Page
from .yamlfile import YamlProblems, parse_yaml

_ATTR_ID = re.compile(r"\{:?[^{}#]*+#([^\s{}#]++)")  # the id of an attribute list: `{#id}`, `{: .x #id }`
_HTML_ID = re.compile(r"<[a-zA-Z][^<>]*?\s(?:id|name)\s*+=\s*+[\"']([^\"'<>]++)[\"']")
_FOOTNOTE = re.compile(r"^\s*+\[\^([^\]]++)\]:")
_TAB = re.compile(r"^\s*+===[!+]*+\s++\"([^\"]*+)\"")  # pymdownx.tabbed: === "Title"
# A '#' that can start a link's anchor: after a path or '(' (`x.md#a`, `(#a`), or a definition's `]: #a`.
# Headings' '#'s follow a line start, a space or another '#'; "C#" in the text only costs the full scan.
_MAY_LINK_TO_ANCHOR = re.compile(r"[^\s#]#|\]: *+#")
_TAG = re.compile(r"<[^<>]*+>")
_EDGE_UNDERSCORES = re.compile(r"(?<!\w)_++|_++(?!\w)")  # `_emphasis_`, not snake_case


def toc_separator(root: Path) -> str:
    """The `separator` of the project's `toc` extension in mkdocs.yml ('-' by default, as the extension's)."""
    try:
        config = parse_yaml((root / "mkdocs.yml").read_text(encoding="utf-8"), "mkdocs.yml").data or {}
    except (OSError, UnicodeDecodeError, YamlProblems):
        return "-"  # mkdocs.yml's own problems are reported where it is checked
    for extension in config.get("markdown_extensions") or () if isinstance(config, dict) else ():
        if isinstance(extension, dict) and isinstance(extension.get("toc"), dict):
            separator = extension["toc"].get("separator", "-")
            return separator if isinstance(separator, str) else "-"
    return "-"


def heading_id(text: str, separator: str = "-") -> str:
    """A heading's markdown text -> the id the toc extension gives it (before duplicates are numbered)."""
    explicit = _trailing_attributes(text)[1]
    if explicit:
        return explicit
    return slugify(heading_words(text), separator)


def heading_words(text: str) -> str:
    """The words of a heading as the reader sees them: links and emphasis marks, tags, code marks and a
    trailing attribute list removed, entities decoded."""
    text = _trailing_attributes(text)[0]
    text = rewrite_links(text, lambda link, original: "" if link.is_image else link.text)
    pieces, position = [], 0
    for start, end in code_spans(text):  # code keeps its underscores: `_private` stays _private
        pieces.append(_EDGE_UNDERSCORES.sub("", _TAG.sub("", text[position:start])))
        pieces.append(text[start:end].strip("`"))
        position = end
    pieces.append(_EDGE_UNDERSCORES.sub("", _TAG.sub("", text[position:])))
    return html.unescape("".join(pieces)).strip()


def check_anchors(
    page: Page, body: str, bodies: dict[str, str], anchors_of: Callable[[str], set[str]]
) -> list[Problem]:
    """Links of a rendered page to `#anchor` or `page.md#anchor` that name no heading or id of their target
    (`bodies`: the target's rendered pages; anchors_of gives a page's anchors)."""
    problems = []
    for link, target, name in anchor_links(page.src_uri, body):
        if not name or target not in bodies or name in anchors_of(target):
            continue
        close = difflib.get_close_matches(name, sorted(anchors_of(target)), n=1)
        hint = f"did you mean '#{close[0]}'?" if close else "expected a heading's id or an explicit {#id}"
        where = "this page" if target == page.src_uri else target
        problems.append(
            Problem(
                page.src_uri,
                page.body_line + link.line - 1,
                f"broken anchor '{link.url}': {where} has no heading or id '{name}'; {hint}",
            )
        )
    return problems


@remembered("anchor_links")
def anchor_links(src_uri: str, body: str) -> tuple[tuple[Link, str, str], ...]:
    """(link, the source it points to, the anchor's name) of each link in `body` that names an anchor, on
    this page or another: from the text alone, so kept in the build's memo (most pages link to no anchor)."""
    if not _MAY_LINK_TO_ANCHOR.search(body):
        return ()  # skip the second scan of the page's links
    found = []
    for link in find_links(body):
        if link.url.startswith("#"):
            target, anchor = src_uri, link.url
        elif is_internal(link.url):
            target, anchor = resolve(src_uri, link.url)
        else:
            continue
        if anchor[1:]:
            found.append((link, target, anchor[1:]))
    return tuple(found)


def page_anchors(markdown: str, separator: str = "-") -> set[str]:
    """Every anchor the page publishes: heading ids (numbered `_1`, `_2` when repeated, as toc does),
    explicit ids anywhere outside code, and footnote ids."""
    anchors: set[str] = set()
    heading = ""
    for _, line, in_code in fenced_lines(markdown):
        if in_code:
            continue
        for _, text in atx_headings(line.strip()):  # also a heading indented in an admonition
            heading = unique(heading_id(text, separator), anchors)
        tab = _TAB.match(line)
        if tab:  # a content tab: its heading's id, the separator, its title's slug (markdown_features)
            slug = tab_slug(html.unescape(tab.group(1)), separator)
            unique(f"{heading}{separator}{slug}" if heading else slug, anchors)
        anchors.update(_ATTR_ID.findall(line))
        anchors.update(_HTML_ID.findall(line))
        footnote = _FOOTNOTE.match(line)
        if footnote:
            anchors.update((f"fn:{footnote.group(1)}", f"fnref:{footnote.group(1)}"))
    return anchors


def with_stable_heading_ids(markdown: str, public_words: Callable[[str], str | None], separator: str = "-") -> str:
    """Headings whose text holds a template get `{ #id }`, the id of their public words (public_words
    renders a heading's text for the public site; None when it cannot), unless they have an id already."""
    out: list[str] = []
    given: set[str] = set()  # two headings with the same public words get _1, as toc numbers its own
    for _, line, in_code in fenced_lines(markdown):
        if not in_code and line.startswith("#") and "{{" in line and atx_headings(line.rstrip("\n")):
            text = atx_headings(line.rstrip("\n"))[0][1]
            words = None if _trailing_attributes(text)[1] else public_words(text)
            if words is not None:
                ending = line[len(line.rstrip("\n")) :]
                stable = unique(slugify(heading_words(words), separator), given)
                line = f"{line.rstrip()} {{ #{stable} }}{ending}"
        out.append(line)
    return "".join(out)


def _trailing_attributes(text: str) -> tuple[str, str | None]:
    """'Install {#setup .wide}' -> ('Install', 'setup'); text without a trailing attribute list as it is."""
    stripped = text.rstrip()
    if not stripped.endswith("}") or stripped.endswith("}}"):
        return text, None
    opening = stripped.rfind("{")
    if opening < 0 or stripped[opening + 1 : opening + 2] in ("{", "%"):
        return text, None
    found = _ATTR_ID.match(stripped, opening)
    return stripped[:opening].rstrip(), found.group(1) if found else None
