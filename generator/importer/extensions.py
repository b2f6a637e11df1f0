"""Which markdown extensions kb supports: an imported project's extensions are carried over or named.

The one place to look an extension up (`is_supported`); the list is read from the extensions kb's own
project skeleton enables (generator/skeleton/mkdocs.yml, the same as the sample project's), so enabling one
there supports it here too."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml

# Extensions that are not carried, with what becomes of their pages (shown in the import's report).
NOT_SUPPORTED = {
    "mkautodoc": "not supported: its pages keep the `::: name` lines as text",
    "codehilite": "not needed: code is highlighted by pymdownx.highlight",
    "pymdownx.emoji": "not needed: kb enables emoji and icons itself",
    "toc": "not needed: kb sets the table of contents itself",
}


def extension_name(entry: object) -> str:
    """'admonition' or {'toc': {...}} -> the extension's name."""
    return entry if isinstance(entry, str) else str(next(iter(entry))) if isinstance(entry, dict) and entry else ""


@cache
def supported_extensions() -> frozenset[str]:
    """The names of the markdown extensions a kb project may enable."""
    config = yaml.safe_load((files("generator") / "skeleton" / "mkdocs.yml").read_text(encoding="utf-8"))
    return frozenset(extension_name(entry) for entry in config.get("markdown_extensions") or ())


def is_supported(name: str) -> bool:
    """Whether kb builds pages that use extension `name` (markdown.extensions.x is the same as x)."""
    return name.removeprefix("markdown.extensions.") in supported_extensions() and name not in NOT_SUPPORTED


def why_not(name: str) -> str:
    return NOT_SUPPORTED.get(name, "not supported by kb: pages that use it may not build as they did")
