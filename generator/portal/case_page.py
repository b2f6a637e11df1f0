"""What the agent's case page shows around the history: the thread's entries by kind (told apart by a
label and a mark, not by colour alone), where the case came from as titled links (the page from the
built site's search index, the screen from its context map, the search), the customer's other cases, and
what changed since the agent's page was drawn (when their action was refused as stale)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.engine import Engine, Row

from ..errors import KbError
from ..search import QueryError, search
from .config import PortalConfig
from .db import cases, events, reading

OTHER_CASES = 10  # the customer's most recent other cases on the side panel


@dataclass(frozen=True)
class Entry:
    """How one event of the history shows in the thread: its role (customer, reply, note, contact, held,
    change: the CSS class and the mark) and the label read first."""

    role: str
    label: str


_ENTRIES = {
    "created": Entry("customer", "Customer wrote"),
    "customer_reply": Entry("customer", "Customer wrote"),
    "reply": Entry("reply", "Our reply"),
    "status_update": Entry("reply", "Automatic update to the customer"),
    "resolved": Entry("reply", "Resolution sent"),
    "note": Entry("note", "Internal note"),
    "unverified_sender": Entry("held", "Mail held: unverified sender"),
    "level": Entry("change", "Customer told of the new level"),
    "level_lowered": Entry("change", "Level lowered"),
    "alerted": Entry("change", "Level 3 alerted"),
    "reopened": Entry("change", "Reopened"),
    "merged": Entry("change", "Merged"),
}


def thread_entry(event: Row) -> Entry:
    """The entry for an event: messages by who wrote them, contacts by channel and direction, anything
    else a change."""
    if event.kind in ("contact_in", "contact_out"):
        how = "Phone call" if event.channel == "phone" else "Email"
        return Entry("contact", f"{how} {'from' if event.kind == 'contact_in' else 'to'} the customer")
    return _ENTRIES.get(event.kind) or Entry("change", event.kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Origin:
    label: str  # Page, Screen, Search
    title: str
    url: str


def case_origins(config: PortalConfig, row: Row) -> list[Origin]:
    """Where the customer was when they logged the case, as links with titles."""
    found: list[Origin] = []
    if row.page_id:
        title, url = _page(config.index_dir, row.page_id)
        found.append(Origin("Page", title, url))
    if row.context_id:
        title = _screen_titles(_context_map(config.site_dir)).get(row.context_id)
        found.append(Origin("Screen", title or row.context_id, f"/context/{quote(row.context_id)}/"))
    if row.last_search:
        found.append(Origin("Search", f"“{row.last_search}”", url_for("search.search_page", q=row.last_search)))
    return found


def _page(index_dir: Path | None, page_id: str) -> tuple[str, str]:
    """The page's title and address from the search index (its permanent link when the index lacks it)."""
    if index_dir is not None:
        try:
            hits = search(index_dir, page_id, limit=5, snippets=False).hits
        except (QueryError, KbError):
            hits = ()
        for hit in hits:
            if hit.id == page_id:
                return f"{hit.title} ({page_id})", "/" + hit.url.partition("#")[0]
    return page_id, f"/a/{quote(page_id)}/"


def _context_map(site_dir: Path | None) -> Path | None:
    return site_dir / "context" / "kb-map.json" if site_dir else None


def _screen_titles(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {}
    return _read_titles(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read_titles(path: Path, _mtime: int) -> dict[str, str]:
    """Screen titles of a built context map, read again only when the file changes (a new build)."""
    try:
        contexts = json.loads(path.read_text(encoding="utf-8")).get("contexts", {})
        return {key: str(value.get("title") or key) for key, value in contexts.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def other_cases(engine: Engine, row: Row, agent: Row) -> list[Row]:
    """The customer's other cases this agent may open, newest first."""
    query = (
        sa.select(cases.c.number, cases.c.subject, cases.c.status, cases.c.created_at)
        .where(cases.c.customer_email == row.customer_email, cases.c.id != row.id)
        .order_by(cases.c.id.desc())
        .limit(OTHER_CASES)
    )
    if not agent.is_admin:
        query = query.where(cases.c.level <= agent.level)
    with reading(engine) as conn:
        return conn.execute(query).all()


def changes_since(engine: Engine, row: Row, seen: int | None) -> list[Row]:
    """The case's events after event id `seen` (the last one the agent's page showed)."""
    with reading(engine) as conn:
        return conn.execute(
            sa.select(events)
            .where(events.c.case_id == row.id, events.c.id > (seen or 0))
            .order_by(events.c.at, events.c.id)
        ).all()
