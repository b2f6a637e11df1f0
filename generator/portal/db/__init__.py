"""The case store: tables, the engine, and transactions that do not lose an acknowledged write.

The tables are declared a module per capability (`case_tables`, `mail_tables`, ...) on one `metadata`; the
engine, `writing` and `reading` are in `engine` (SQLite's writers queued in turn by `writer_queue`). Callers
import every name from here. The schema itself is created and changed only by the Alembic migrations in
`migrations/`."""

from __future__ import annotations

from .case_tables import agents, attachments, case_contacts, case_presence, cases, csat, events
from .defect_tables import case_defects, defects, releases
from .engine import BUSY_SECONDS, DatabaseBusy, connect, reading, writing
from .knowledge_tables import article_flags, article_links, deflections, drafts, feedback, search_clicks, searches
from .mail_tables import inbound_messages, mail_queue
from .metadata import UtcDateTime, metadata
from .notification_tables import notification_settings, notifications
from .queue_order import DUE_AT_SQL, QUEUE_INDEXES, QUEUE_PRIORITY_SQL, due_at, queue_priority
from .sign_in_tables import customers, sessions, sign_in_links
from .writer_queue import WriterQueue

__all__ = [
    "BUSY_SECONDS",
    "DUE_AT_SQL",
    "QUEUE_INDEXES",
    "QUEUE_PRIORITY_SQL",
    "DatabaseBusy",
    "UtcDateTime",
    "WriterQueue",
    "agents",
    "article_flags",
    "article_links",
    "attachments",
    "case_contacts",
    "case_defects",
    "case_presence",
    "cases",
    "connect",
    "csat",
    "customers",
    "defects",
    "deflections",
    "drafts",
    "due_at",
    "events",
    "feedback",
    "inbound_messages",
    "mail_queue",
    "metadata",
    "notification_settings",
    "notifications",
    "queue_priority",
    "reading",
    "releases",
    "search_clicks",
    "searches",
    "sessions",
    "sign_in_links",
    "writing",
]
