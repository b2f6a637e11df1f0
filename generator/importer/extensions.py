"""Which markdown extensions kb supports: an imported project's extensions are carried over or named.

The one place to look an extension up (`is_supported`); the list is markdown_features.SUPPORTED_EXTENSIONS,
the same declaration the engine configuration is built from."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import yaml

from ..markdown_features import SUPPORTED_EXTENSIONS

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


def supported_extensions() -> frozenset[str]:
    """The names of the markdown extensions a kb project may enable (markdown_features declares them)."""
    return SUPPORTED_EXTENSIONS


def is_supported(name: str) -> bool:
    """Whether kb builds pages that use extension `name` (markdown.extensions.x is the same as x)."""
    return name.removeprefix("markdown.extensions.") in supported_extensions() and name not in NOT_SUPPORTED


def why_not(name: str) -> str:
    return NOT_SUPPORTED.get(name, "not supported by kb: pages that use it may not build as they did")


def _has_tags(value: object) -> bool:
    """Whether options hold a tagged value the foreign reader kept as text (!!python/name:, !ENV)."""
    if isinstance(value, dict):
        return any(_has_tags(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_tags(v) for v in value)
    return isinstance(value, str) and value.startswith(("tag:yaml.org,2002:python/", "!"))


def carry_extensions(project_config: Path, extensions: tuple) -> list[str]:
    """Enable in the project's mkdocs.yml the source's extensions kb supports and it lacks; return a note
    for each extension that was carried, or is not supported and why. Lines are added under
    `markdown_extensions:`, so the file's comments stay as they are."""
    text = project_config.read_text(encoding="utf-8")
    enabled = {extension_name(e) for e in (yaml.safe_load(text) or {}).get("markdown_extensions") or ()}
    notes, added = [], []
    for entry in extensions:
        name = extension_name(entry)
        if name in enabled or not name:
            continue
        if not is_supported(name):
            notes.append(f"extension {name}: {why_not(name)}")
            continue
        if isinstance(entry, dict) and _has_tags(entry):
            entry = name
            notes.append(f"extension {name}: enabled in mkdocs.yml without its options (they name Python code)")
        else:
            notes.append(f"extension {name}: enabled in mkdocs.yml")
        added.append(entry)
        enabled.add(name)
    if added:
        lines = textwrap.indent(yaml.safe_dump(added, sort_keys=False), "  ")
        key = re.search(r"^markdown_extensions:[ \t]*(#.*)?\n", text, re.MULTILINE)
        if key:
            text = text[: key.end()] + lines + text[key.end() :]
        else:
            text = text.rstrip("\n") + "\n\nmarkdown_extensions:\n" + lines
        project_config.write_text(text, encoding="utf-8")
    return notes
