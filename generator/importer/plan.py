"""Plan an import: which source pages, in which order, under which titles and sections.

The source's nav gives the order: a page at its top level becomes a chapter, a group a section (a group
inside a group joins its section: kb's books have two levels). Pages the nav does not list are imported
after the nav's, as chapters, and named in the report; so is every nav entry that is a web address or a
file that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..headings import atx_headings
from ..page_parse import split_front_matter
from .foreign_config import ForeignConfig


@dataclass(frozen=True)
class PlannedPage:
    source: str  # relative to the source's docs_dir: advanced/clients.md
    title: str | None  # the nav's title, when it gives one
    section: str | None  # the nav group's title; None for a chapter


@dataclass(frozen=True)
class Plan:
    pages: tuple[PlannedPage, ...]
    notes: tuple[str, ...]  # what the person running the import should know (not at a page's line)


def plan_import(config: ForeignConfig) -> Plan:
    """The pages to import in reading order, from the nav (or the files' order without a nav)."""
    files = sorted(p.relative_to(config.docs_dir).as_posix() for p in config.docs_dir.rglob("*.md") if p.is_file())
    notes: list[str] = []
    if config.nav is None:
        pages = [PlannedPage(f, None, _folder_section(f)) for f in files]
        return Plan(tuple(pages), ())
    planned: list[PlannedPage] = []
    for entry in config.nav:
        title, value = _entry(entry)
        if isinstance(value, list):
            for child_title, child in _flatten(value, title, notes):
                _add(planned, notes, config, child_title, child, section=title)
        else:
            _add(planned, notes, config, title, value, section=None)
    listed = {page.source for page in planned}
    for name in files:
        if name not in listed:
            notes.append(f"{name}: not in the source's nav; imported after the nav's pages")
            planned.append(PlannedPage(name, None, None))
    return Plan(tuple(planned), tuple(notes))


def page_title(planned: PlannedPage, meta: dict, body: str) -> str:
    """The nav's title, else the page's front matter title, else its first heading, else its file name."""
    if planned.title:
        return planned.title
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        return meta["title"].strip()
    heading = next((text for level, text in atx_headings(body) if level == 1), None)
    if heading:
        return heading
    stem = Path(planned.source).stem
    return (Path(planned.source).parent.name if stem == "index" else stem).replace("_", " ").replace("-", " ").title()


def split_source(text: str) -> tuple[dict, str]:
    """A source page's own front matter (as plain data, {} if none or unreadable) and its body."""
    split = split_front_matter(text.lstrip("\ufeff"))
    if split is None:
        return {}, text
    try:
        meta = yaml.safe_load(split[0])
    except yaml.YAMLError:
        return {}, text
    return (meta, split[1]) if isinstance(meta, dict) else ({}, text)


def _entry(entry: object) -> tuple[str | None, object]:
    if isinstance(entry, dict) and len(entry) == 1:
        title, value = next(iter(entry.items()))
        return str(title), value
    return None, entry


def _flatten(entries: list, section: str | None, notes: list[str]):
    """A group's pages in order; a group inside it is flattened into it (named in the notes)."""
    for entry in entries:
        title, value = _entry(entry)
        if isinstance(value, list):
            notes.append(f"nav: the group {title!r} inside {section!r} joins {section!r}: a book has two levels")
            yield from _flatten(value, section, notes)
        else:
            yield title, value


def _add(planned: list, notes: list, config: ForeignConfig, title: str | None, value: object, section: str | None):
    if not isinstance(value, str):
        notes.append(f"nav: {title or value!r}: not a page; left out")
    elif value.startswith(("http://", "https://", "/")):
        notes.append(f"nav: {title or value!r} is a web address ({value}); left out")
    elif not (config.docs_dir / value).is_file() or ".." in value.split("/"):
        notes.append(f"nav: {value} does not exist in {config.docs_dir.name}/; left out")
    elif value in {page.source for page in planned}:
        notes.append(f"nav: {value} is listed twice; imported once, at its first place")
    else:
        planned.append(PlannedPage(value, title, section))


def _folder_section(name: str) -> str | None:
    parts = name.split("/")
    return parts[0].replace("_", " ").replace("-", " ").capitalize() if len(parts) > 1 else None
