"""Re-point an imported page's links and pictures: to the new files, to the source's site, or report them."""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..anchors import page_anchors
from ..links import _FENCE, Link, is_internal, relative_url, resolve, rewrite_links, with_url
from .foreign_config import ForeignConfig

# A picture in the page's HTML: <img src="..."> or <source srcset="...">. `[^<>]` keeps each attempt inside
# one tag, so a line of unclosed tags is still read in linear time.
_HTML_PICTURE = re.compile(r"(<(?:img|source)\b[^<>]*?\b(?:src|srcset)=\")([^\"<>]*)(\")", re.IGNORECASE)


@dataclass
class Relinked:
    body: str
    assets: dict[str, str] = field(default_factory=dict)  # source file (docs-relative) -> project file
    problems: list[tuple[int, str]] = field(default_factory=list)  # (body line, message)


@dataclass(frozen=True)
class Places:
    """Where things go: each imported page's new file, and the folder the source's other files go to."""

    config: ForeignConfig
    pages: dict[str, str]  # source page (docs-relative) -> project file (docs/user/02-advanced/01-clients.md)
    asset_folder: str  # project folder the source's files keep their docs-relative paths under


def relink(source: str, dest: str, body: str, places: Places) -> Relinked:
    """`body` of source page `source`, written at `dest`, with every relative link and picture re-pointed."""
    result = Relinked(body)

    def replace(link: Link, original: str) -> str | None:
        if link.url.startswith("#") and len(link.url) > 1:  # this page's own section
            new = _checked_anchor(places.config.docs_dir / source, source, link.url, link.url, link.line, result)
            return None if new == link.url else with_url(link, original, new or "#")
        new = _new_url(source, dest, link.url, link.line, places, result)
        return None if new is None else with_url(link, original, new)

    body = rewrite_links(body, replace)
    lines, fence = [], None
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        opener = _FENCE.match(line)
        if fence or opener:
            closes = fence and opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence)
            fence = None if closes else (fence or opener.group(1))
            lines.append(line)
            continue
        lines.append(_HTML_PICTURE.sub(lambda m, n=number: _html_picture(m, n, source, dest, places, result), line))
    result.body = "".join(lines)
    return result


def _html_picture(match: re.Match, number: int, source: str, dest: str, places: Places, result: Relinked) -> str:
    urls = []
    for candidate in match.group(2).split(","):  # srcset: "a.png 1x, b.png 2x"
        url, _, size = candidate.strip().partition(" ")
        new = _new_url(source, dest, url, number, places, result) if is_internal(url) else None
        urls.append(" ".join(part for part in (new or url, size) if part))
    return match.group(1) + ", ".join(urls) + match.group(3)


def _new_url(source: str, dest: str, url: str, line: int, places: Places, result: Relinked) -> str | None:
    if not is_internal(url):
        return None
    target, anchor = resolve(source, url)
    config = places.config
    if target not in places.pages and not (config.docs_dir / target).exists():
        target = _as_site_address(source, url, config.use_directory_urls, places.pages) or target
    if target in places.pages:
        anchor = _checked_anchor(config.docs_dir / target, target, anchor, url, line, result)
        return relative_url(dest, places.pages[target]) + anchor
    if target.startswith("../") or target == "..":
        result.problems.append((line, f"link {url!r} leads out of the source's docs folder; not followed"))
        return None
    path = config.docs_dir / target
    if target.endswith(".md") or path.is_dir():
        page = target if target.endswith(".md") else posixpath.join(target, "index.md")
        if config.site_url:  # the source's site still publishes it
            return config.site_url.rstrip("/") + "/" + _site_path(page, config.use_directory_urls) + anchor
        where = "" if config.site_url else " (the source's mkdocs.yml has no site_url to link to instead)"
        result.problems.append((line, f"link {url!r}: the page was not imported{where}; expected a link to fix"))
        return None
    if path.is_file() and path.resolve().is_relative_to(config.docs_dir.resolve()):  # a link out is not copied
        result.assets[target] = posixpath.join(places.asset_folder, target)
        return relative_url(dest, result.assets[target]) + anchor
    result.problems.append((line, f"link {url!r}: no such file in the source's docs folder"))
    return None


def _checked_anchor(path: Path, target: str, anchor: str, url: str, line: int, result: Relinked) -> str:
    """`anchor` if the source page at `path` has it (or there is none), else "" and a note: a dead anchor
    on the source site too, where the reader landed on the page's top, so the link keeps doing that and a
    person is told to choose the section."""
    if not anchor or anchor[1:] in _source_anchors(path):
        return anchor
    result.problems.append(
        (
            line,
            f"link {url!r}: {target} has no heading or id '{anchor[1:]}' (a dead anchor in the source too); "
            "the link now opens the page, expected a person to choose the section",
        )
    )
    return ""


@functools.cache
def _source_anchors(path: Path) -> frozenset[str]:
    """The anchors a source page publishes (read once per page and import)."""
    try:
        return frozenset(page_anchors(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return frozenset()


def _as_site_address(source: str, url: str, directory_urls: bool, pages: dict[str, str]) -> str | None:
    """A link written as the built site's address ('../advanced/transports' in async.md, which MkDocs
    publishes at async/) -> the source page it names, if one of the imported pages."""
    here = _site_path(source, directory_urls)
    path = posixpath.normpath(posixpath.join(posixpath.dirname(here), url.partition("#")[0]))
    for page in (f"{path}.md", f"{path}/index.md", path.removesuffix(".html") + ".md"):
        if page in pages:
            return page
    return None


def _site_path(page: str, directory_urls: bool) -> str:
    """'advanced/ssl.md' -> 'advanced/ssl/' (or 'advanced/ssl.html'); 'x/index.md' -> 'x/'."""
    stem = page[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/" if directory_urls else stem + ".html"
