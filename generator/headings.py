"""The ATX headings of a page's markdown (`## Resolution`), found line by line in linear time."""

from __future__ import annotations


def atx_headings(markdown: str) -> list[tuple[int, str]]:
    """Markdown -> [(level, text)] for each `#` to `######` heading line, closing hashes dropped.

    A loop over lines rather than a pattern such as `^##\\s+(.+?)\\s*#*\\s*$`, whose overlapping
    quantifiers took 18 s on a heading with 2,000 spaces in it."""
    found = []
    for line in markdown.split("\n"):
        if not line.startswith("#"):
            continue
        level = len(line) - len(line.lstrip("#"))
        if level > 6 or not line[level : level + 1].isspace():
            continue
        text = line[level:].strip().rstrip("#").rstrip()
        if text:
            found.append((level, text))
    return found
