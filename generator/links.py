"""Find the links and images in a page's markdown, resolve them to sources, and rewrite them.

A regex scan rather than a markdown parse, because errors must name the line, and the scan must run on
sources that do not build yet. Fenced code and inline code are skipped; inline links are looked for in each
paragraph, so that link text may wrap; footnotes (`[^1]: ...`) and abbreviations (`*[HTML]: ...`) are not
reference definitions."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .memo import remembered

# Every pattern here reads writers' text, so none may backtrack more than a constant per character: the
# quantifiers are possessive (`*+`), no two neighbours can match the same characters, and no part can scan
# past where the next link starts (a URL stops at `](`, a title at its closing quote). The old patterns took
# minutes on a line of backticks, spaces or unclosed link titles. tests/test_links.py proves it on long lines.
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`++")
_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*+\])*+)\]"
    r"\(\s*+<?(?P<url>(?:[^)\s>\]]|\](?!\())*+)>?(?:\s++(?:\"[^\"]*+\"|'[^']*+'))?\s*+\)"
)
# A reference definition, also indented in an admonition or a list; `[^1]: text` is a footnote, not a link
# (its text is scanned like any other), and `*[HTML]: ...` an abbreviation.
_REFDEF = re.compile(r"^\s*+\[(?P<label>(?!\^)[^\]]+)\]:\s*<?(?P<url>[^\s>]+)>?")
# `[text][label]`: a reference link, whose URL is in the page's definition of `label`.
_REFERENCE = re.compile(r"(?<![\]\\])\[(?:[^\[\]]|\[[^\[\]]*+\])*+\]\[(?P<label>[^\[\]^][^\[\]]*+)\]")
# Pictures in HTML (raw HTML blocks, md_in_html): `<img src>`, `<source srcset>` (and `<img srcset>`).
_PICTURE_TAG = re.compile(r"<(?:img|source)\b[^<>]*+>", re.IGNORECASE)
_PICTURE_ATTRIBUTE = re.compile(r"\s(src|srcset)\s*+=\s*+(?:\"([^\"]*+)\"|'([^']*+)')", re.IGNORECASE)
_EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//|#|/)", re.IGNORECASE)


class Link(NamedTuple):
    """A link as written. A tuple, not a dataclass: a build keeps every page's links in its memo
    (internal_links) and loads them each time, and a dataclass took three times as long to unpickle (20,000
    links at 10,000 articles: 0.03 s to 0.01 s)."""

    line: int  # 1-based, within the body
    url: str
    is_image: bool
    url_at: int  # where the URL starts within the link's original markdown
    text: str | None = None  # the link text of an inline link; None for a reference definition, '' in HTML


def find_links(body: str) -> list[Link]:
    """Every inline link, image and reference definition outside code, with its line."""
    return [link for link, _ in _scan(body)]


def rewrite_links(body: str, replace: Callable[[Link, str], str | None]) -> str:
    """Rebuild `body`, replacing each link's markdown with replace(link, original) unless it returns None."""
    out = []
    for kind, payload in pieces(body):
        if kind == "text":
            out.append(payload)
        else:
            link, original = payload
            new = replace(link, original)
            out.append(original if new is None else new)
    return "".join(out)


@remembered("internal_links", repeated=True)  # the checks, the selection, anchors and re-pointing
def internal_links(src_uri: str, body: str) -> tuple[tuple[Link, str, str], ...]:
    """(link, the source it points to, '#anchor' or '') of each link in `body` (of `src_uri`) to another
    source: kept in the build's memo, so that the checks, the selection of pictures and the re-pointing
    look targets up instead of scanning and resolving every page's links again."""
    return tuple((link, *resolve(src_uri, link.url)) for link in find_links(body) if is_internal(link.url))


def undefined_references(body: str) -> tuple[tuple[int, str], ...]:
    """(line, label) of each `[text][label]` outside code whose label the page never defines: it would show
    as text, brackets and all. From the body alone (checks.page_text_problems, kept in the build's memo)."""
    defined, uses = set(), []
    for number, line, in_code in fenced_lines(body):
        if in_code:
            continue
        definition = _REFDEF.match(line)
        if definition:
            defined.add(_label(definition.group("label")))
            continue
        code = code_spans(line) if "`" in line else []
        for match in _REFERENCE.finditer(line) if "][" in line else ():
            if not any(start <= match.start() < end for start, end in code):
                uses.append((number, match.group("label")))
    return tuple((number, label) for number, label in uses if _label(label) not in defined)


def _label(label: str) -> str:
    """Labels match case-insensitively, with runs of spaces as one (CommonMark)."""
    return " ".join(label.split()).casefold()


def with_url(link: Link, original: str, url: str) -> str:
    """The link's original markdown with its URL, and nothing else, replaced."""
    return original[: link.url_at] + url + original[link.url_at + len(link.url) :]


def is_internal(url: str) -> bool:
    """A relative path to another source: not a scheme, not an anchor, not site-absolute."""
    return bool(url) and not _EXTERNAL.match(url)


def resolve(src_uri: str, url: str) -> tuple[str, str]:
    """A relative link in `src_uri` -> (the source path it points to, '#anchor' or '')."""
    path, hash_, anchor = url.partition("#")
    path = path.split("?")[0]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path)) if path else src_uri
    return target, (hash_ + anchor)


def relative_url(from_dest: str, to_dest: str) -> str:
    """A link from one staged file to another, relative, as MkDocs expects it."""
    return posixpath.relpath(to_dest, posixpath.dirname(from_dest) or ".")


def _scan(body: str):
    for kind, payload in pieces(body):
        if kind == "link":
            yield payload


def fenced_lines(body: str):
    """Each line of `body` with its number and whether it belongs to fenced code (its fences included)."""
    fence = None
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            yield number, line, True
        elif opener:
            fence = opener.group(1)
            yield number, line, True
        else:
            yield number, line, False


def pieces(body: str) -> tuple[tuple[str, Any], ...]:
    """`body` split into text and links (_pieces), the pieces in order making up the whole body."""
    out: list[tuple[str, Any]] = []
    position = 0
    for start, end, link in _link_spans(body):
        if start > position:
            out.append(("text", body[position:start]))
        out.append(("link", (link, body[start:end])))
        position = end
    if position < len(body):
        out.append(("text", body[position:]))
    return tuple(out)


@remembered("link_spans")
def _link_spans(body: str) -> tuple[tuple[int, int, Link], ...]:
    """Where each link's markdown lies in `body` (start, end, link): kept in the build's memo, as `kb
    check`'s links and the render's re-pointing both need them for every page. Positions rather than the
    pieces' text, which held every page's body a second time in the memo (a third of it)."""
    spans, position = [], 0
    for kind, payload in _pieces(body):
        text = payload if kind == "text" else payload[1]
        if kind == "link":
            spans.append((position, position + len(text), payload[0]))
        position += len(text)
    return tuple(spans)


def _pieces(body: str):
    """Split into ('text', str) and ('link', (Link, original markdown)) pieces, in order. Inline links are
    looked for in each paragraph (lines up to a blank line, code or a definition) so that link text may wrap."""
    paragraph: list[str] = []
    first = 0
    for number, line, in_code in fenced_lines(body):
        ref = None if in_code else _REFDEF.match(line)
        if in_code or ref or not line.strip():
            if paragraph:
                yield from _inline_pieces("".join(paragraph), first)
                paragraph = []
            if ref:  # the whole line is the link's original markdown
                yield "link", (Link(number, ref.group("url"), False, ref.start("url")), line)
            else:
                yield "text", line
            continue
        if not paragraph:
            first = number
        paragraph.append(line)
    if paragraph:
        yield from _inline_pieces("".join(paragraph), first)


def code_spans(line: str) -> list[tuple[int, int]]:
    """Where inline code is, in a line or a paragraph: a run of backticks up to the next run of the same
    length (CommonMark); a run with no partner is plain text. Each run is looked at once, so a line of
    backticks takes linear time."""
    runs = [match.span() for match in _BACKTICKS.finditer(line)]
    later_of_length: dict[int, list[int]] = {}  # run length -> indices of such runs, last first
    for index in range(len(runs) - 1, -1, -1):
        later_of_length.setdefault(runs[index][1] - runs[index][0], []).append(index)
    spans, index = [], 0
    while index < len(runs):
        start, end = runs[index]
        same = later_of_length[end - start]
        while same and same[-1] <= index:
            same.pop()
        if same:
            closer = same.pop()
            spans.append((start, runs[closer][1]))
            index = closer + 1
        else:
            index += 1
    return spans


def _inline_pieces(text: str, number: int):
    """The links of a paragraph starting on line `number`, each with the line its markdown starts on."""
    code = code_spans(text)  # in order, and so are the matches: one pass over both
    position = span = 0
    for match in _INLINE.finditer(text):
        while span < len(code) and code[span][1] <= match.start():
            span += 1
        if span < len(code) and code[span][0] <= match.start():
            continue
        yield from _html_pictures(text[position : match.start()], number)
        number += text.count("\n", position, match.start())
        link = Link(
            number,
            match.group("url"),
            bool(match.group("bang")),
            match.start("url") - match.start(),
            match.group("text"),
        )
        yield "link", (link, match.group(0))
        number += match.group(0).count("\n")
        position = match.end()
    yield from _html_pictures(text[position:], number)


def _html_pictures(text: str, number: int):
    """Text with the URLs of its HTML pictures as links (the URL alone is the link's markdown), outside code."""
    code = code_spans(text) if "`" in text else []
    position = span = counted = 0
    for tag in _PICTURE_TAG.finditer(text):
        while span < len(code) and code[span][1] <= tag.start():
            span += 1
        if span < len(code) and code[span][0] <= tag.start():
            continue
        for attribute in _PICTURE_ATTRIBUTE.finditer(tag.group(0)):
            group = 2 if attribute.group(2) is not None else 3
            value_at = tag.start() + attribute.start(group)
            value = attribute.group(group)
            candidates = value.split(",") if attribute.group(1).lower() == "srcset" else [value]
            offset = 0
            for candidate in candidates:
                url = candidate.strip().split(" ")[0] if candidate.strip() else ""
                start = value_at + offset + candidate.find(url) if url else -1
                offset += len(candidate) + 1
                if not url:
                    continue
                yield "text", text[position:start]
                number += text.count("\n", counted, start)
                counted = start
                yield "link", (Link(number, url, True, 0, ""), url)
                position = start + len(url)
    yield "text", text[position:]
