"""Which target a built site is: written by the build beside its pages, read by the portal.

The portal must never serve the internal build (internal articles, drafts) as the public help centre, and
must tell internal articles and drafts from public ones in the agents' search. So every site build writes
`.kb-target.json` into the site, swapped in with the pages it describes: the target's name, its client,
and each page that is not public and validated (its audience and confidence). The portal does not serve
dot files."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from .model import Selection

TARGET_FILE = ".kb-target.json"


@dataclass(frozen=True)
class PageState:
    audience: str
    confidence: str

    @property
    def label(self) -> str:
        """How the agents' search marks it: a draft state first (it matters more than who may read it)."""
        if self.confidence == "wip":
            return "Draft (work in progress)"
        if self.confidence == "not_validated":
            return "Draft (not validated)"
        if self.confidence == "archived":
            return "Archived"
        return "Internal" if self.audience == "internal" else ""


@dataclass(frozen=True)
class TargetMark:
    target: str
    client: str | None = None
    pages: dict[str, PageState] = field(default_factory=dict)  # page ID -> state, only the non-public ones

    def label(self, page_id: str) -> str:
        """'Internal', 'Draft (...)' or '' for a public, validated page (or a section of one)."""
        state = self.pages.get(page_id.partition("#")[0])
        return state.label if state else ""


def write_target_mark(site: Path, selection: Selection) -> None:
    """Write the site's target mark (see the module's docstring)."""
    target = selection.target
    pages = {
        page.id: {"audience": page.audience, "confidence": page.confidence}
        for page in selection.pages
        if page.id and (page.audience != "public" or page.confidence != "validated")
    }
    data = {"format": 1, "target": target.name, "client": target.client, "pages": dict(sorted(pages.items()))}
    (site / TARGET_FILE).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_target_mark(site: Path) -> TargetMark | None:
    """The mark of the site at `site`; None for a site built before marks existed (or no site)."""
    path = site / TARGET_FILE
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int) -> TargetMark:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    pages = {
        str(page_id): PageState(str(state.get("audience", "")), str(state.get("confidence", "")))
        for page_id, state in (data.get("pages") or {}).items()
    }
    return TargetMark(str(data.get("target", "")), data.get("client"), pages)
