"""The site engine's warnings as problems at a source file and line: MkDocs names the staged page
(user/gantt.md) and the link; the writer needs docs/user/01-gantt.md and the line that holds that link."""

from __future__ import annotations

import re

from .errors import Problem
from .model import Page

# "Doc file 'user/gantt.md' contains a link 'x.md#y', but ..." and "... contains an unrecognized relative
# link 'x/', ...": the staged page and the link as the engine read it. Each part stops at the next quote.
_DOC_LINK = re.compile(r"^Doc file '(?P<dest>[^']++)' contains [a-z ]{0,40}?link '(?P<link>[^']*+)'")
_DOC = re.compile(r"^Doc file '(?P<dest>[^']++)'")
ENGINE_CONFIG = "mkdocs.yml"  # where a warning about no page in particular is reported


def locate_engine_warnings(messages: list[str], pages: tuple[Page, ...]) -> list[Problem]:
    """Each engine warning as a warning Problem at the source page and the line of the link it names."""
    by_dest = {page.dest_uri: page for page in pages}
    problems = []
    for message in messages:
        found = _DOC_LINK.match(message) or _DOC.match(message)
        page = by_dest.get(found.group("dest")) if found else None
        if page is None:
            problems.append(Problem(ENGINE_CONFIG, 0, f"the site engine: {message}", severity="warning"))
            continue
        link = found.groupdict().get("link")
        line = _line_of(page, link) if link else 0
        problems.append(Problem(page.src_uri, line, message, severity="warning"))
    return problems


def _line_of(page: Page, link: str) -> int:
    """The first line of the page's source holding the link, else its anchor, else its file name; else 0."""
    path, _, anchor = link.partition("#")
    lines = page.body.split("\n")
    for needle in (link, f"#{anchor}" if anchor else "", path.rsplit("/", 1)[-1]):
        if needle:
            for number, text in enumerate(lines):
                if needle in text:
                    return page.body_line + number
    return 0
