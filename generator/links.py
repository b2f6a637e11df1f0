"""Find the links and images in a page's markdown, resolve them to sources, and rewrite them.

A regex scan rather than a markdown parse, because errors must name the line, and the scan must run on
sources that do not build yet. Fenced code and inline code are skipped."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?P<url>[^)\s>]*)>?(?:\s+[\"'][^)]*[\"'])?\s*\)"
)
_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<url>[^\s>]+)>?")
_EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//|#|/)", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    line: int  # 1-based, within the body
    url: str
    is_image: bool
    url_at: int  # where the URL starts within the link's original markdown
    text: str | None = None  # the link text of an inline link; None for a reference definition


def find_links(body: str) -> list[Link]:
    """Every inline link, image and reference definition outside code, with its line."""
    return [link for link, _ in _scan(body)]


def rewrite_links(body: str, replace: Callable[[Link, str], str | None]) -> str:
    """Rebuild `body`, replacing each link's markdown with replace(link, original) unless it returns None."""
    out = []
    for kind, payload in _pieces(body):
        if kind == "text":
            out.append(payload)
        else:
            link, original = payload
            new = replace(link, original)
            out.append(original if new is None else new)
    return "".join(out)


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
    for kind, payload in _pieces(body):
        if kind == "link":
            yield payload


def _pieces(body: str):
    """Split into ('text', str) and ('link', (Link, original markdown)) pieces, in order."""
    fence = None
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        opener = _FENCE.match(line)
        if fence:
            yield "text", line
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            yield "text", line
            continue
        ref = _REFDEF.match(line)
        if ref:  # the whole line is the link's original markdown
            yield "link", (Link(number, ref.group("url"), False, ref.start("url")), line)
            continue
        yield from _inline_pieces(line, number)


def _inline_pieces(line: str, number: int):
    code = [m.span() for m in _CODE_SPAN.finditer(line)]
    position = 0
    for match in _INLINE.finditer(line):
        if any(start <= match.start() < end for start, end in code):
            continue
        yield "text", line[position : match.start()]
        link = Link(
            number,
            match.group("url"),
            bool(match.group("bang")),
            match.start("url") - match.start(),
            match.group("text"),
        )
        yield "link", (link, match.group(0))
        position = match.end()
    yield "text", line[position:]
