"""The case store: tables, the engine, and transactions that do not lose an acknowledged write.

SQLite runs in WAL mode with synchronous=FULL, and a write takes the database lock at BEGIN (BEGIN IMMEDIATE),
so two writers queue on the busy timeout instead of failing half-way. PostgreSQL gets ordinary transactions.
The schema itself is created and changed only by the Alembic migrations in `migrations/`."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import KbError

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator):
    """Datetimes stored as UTC and always read back timezone-aware (SQLite would drop the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the case store; expected an aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254)),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(20), unique=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
    sa.Column("link_salt", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("customer_name", sa.String(200), nullable=False),
    sa.Column("customer_email", sa.String(254), nullable=False),
    sa.Column("company", sa.String(200)),
    sa.Column("phone", sa.String(50)),
    sa.Column("module", sa.String(64)),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("page_id", sa.String(20)),
    sa.Column("context_id", sa.String(120)),
    sa.Column("last_search", sa.String(200)),
    sa.Column("client", sa.String(64)),  # the client build the case was logged from (migration 0002)
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("first_response_due", UtcDateTime, nullable=False),
    sa.Column("first_responded_at", UtcDateTime),
    sa.Column("next_update_due", UtcDateTime),
    sa.Column("resolution_due", UtcDateTime),
    sa.Column("paused_at", UtcDateTime),
    sa.Column("resolved_at", UtcDateTime),
    sa.Column("resolution", sa.Text),
    # Migration 0009: a counter every change to the case adds one to, so an action sent from a page that no
    # longer shows the case as it is can be refused; and, for a merged duplicate, the case it went into.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("merged_into_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_cases_merged_into_id")),
    # True: the case came in when its client's support contract was not in force (0012); flagged, never refused.
    sa.Column("contract_ended", sa.Boolean),
    # What the case is (0014): question, problem, bug or enhancement (defects/model.py CASE_TYPES); None
    # until an agent says. A product version is never `version` here: that is the change counter above.
    sa.Column("case_type", sa.String(20)),
    sa.Index("ix_cases_status_level", "status", "level"),
    sa.Index("ix_cases_client_status", "client", "status"),  # an organisation's cases (0012)
    sa.Index("ix_cases_customer_email_created_at", "customer_email", "created_at"),  # acknowledgements an hour (0004)
    sa.Index("ix_cases_customer_email_id", "customer_email", "id"),  # the customer's other cases (0009)
    sa.Index("ix_cases_created_at", "created_at"),  # the report's period (0010)
    # The resolved view, newest first (0013). The queue's own order has indexes on expressions, below.
    sa.Index("ix_cases_status_resolved_at", "status", "resolved_at", "id", "level"),
)

# Everyone a case's mail goes to besides its own `customer_email` (which is never copied here): the
# customers of duplicates merged into it, among others (migration 0009).
case_contacts = sa.Table(
    "case_contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("case_id", "email", name="uq_case_contacts_case_email"),
)

# Which agents have a case open, and when each last typed in its composer (migration 0009): the page's
# heartbeat writes it every few seconds; a row older than a few heartbeats means the agent has gone.
case_presence = sa.Table(
    "case_presence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Column("typing_at", UtcDateTime),
    sa.UniqueConstraint("case_id", "agent_id", name="uq_case_presence_case_agent"),
)

# The queue's order (migration 0013), computed from the case's own columns in every query, so it cannot go
# stale whoever writes the case: catastrophic and Level 3 first (0), the rest that runs (1), waiting on the
# customer (2), resolved (3); `due_at` the next deadline (first response until given, customer update,
# Level 1 resolution; NULL once resolved). Expressions, not stored or generated columns: SQLite's generated
# columns break Alembic's batch mode (it copies them into the rebuilt table), and triggers on `cases` are
# dropped when a migration rebuilds it. Migration 0013 indexes the same SQL (ix_cases_queue,
# ix_cases_assignee_queue); both databases match an indexed expression in a query.
QUEUE_PRIORITY_SQL = (
    "CASE WHEN {t}status = 'resolved' THEN 3 WHEN {t}status = 'waiting' THEN 2 "
    "WHEN {t}severity = 'catastrophic' OR {t}level >= 3 THEN 0 ELSE 1 END"
)
_FIRST = "CASE WHEN {t}first_responded_at IS NULL THEN {t}first_response_due END"
_UPDATE = "COALESCE({t}next_update_due, {t}first_response_due)"
_RESOLVE = "CASE WHEN {t}level = 1 THEN {t}resolution_due END"
_SOONER = f"CASE WHEN {_FIRST} < {_UPDATE} THEN {_FIRST} ELSE {_UPDATE} END"
DUE_AT_SQL = (
    f"CASE WHEN {{t}}status = 'resolved' THEN NULL WHEN {_RESOLVE} < {_SOONER} THEN {_RESOLVE} ELSE {_SOONER} END"
)
queue_priority = sa.type_coerce(sa.literal_column(QUEUE_PRIORITY_SQL.format(t="cases.")), sa.Integer)
due_at = sa.type_coerce(sa.literal_column(DUE_AT_SQL.format(t="cases.")), UtcDateTime)
QUEUE_INDEXES = ("ix_cases_queue", "ix_cases_assignee_queue")  # on expressions: made by 0013, not declared here

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),  # web, phone, email, system
    sa.Column("visibility", sa.String(10), nullable=False),  # customer or internal
    sa.Column("actor", sa.String(200), nullable=False),  # customer, system, or an agent's username
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Index("ix_events_kind_at", "kind", "at"),  # the report's updates and escalations per week (0010)
)

# Files on a case's history events (migration 0006). The bytes live in the attachments folder under
# `storage_name`, a random name: nothing the sender chose reaches the file system. `name` is the sanitised
# name shown and offered for download, `content_type` what the bytes sniffed as (never what was declared).
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("storage_name", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

mail_queue = sa.Table(
    "mail_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("to_addr", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("claimed_by", sa.String(300)),  # host, pid and start time of the claiming process (0004)
    sa.Column("sent_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UtcDateTime),  # after a failure: not before then (0004)
    sa.Column("given_up_at", UtcDateTime),  # never sent; the case's history says why (0004)
    sa.Column("message_id", sa.String(255)),  # our Message-ID, so a reply can be matched to its case (0007)
    sa.Index("ix_mail_queue_sent_at", "sent_at"),
    sa.Index("ix_mail_queue_message_id", "message_id"),  # the mail worker looks for unsent mail every quarter second
    sa.Index("ix_mail_queue_case_id", "case_id"),  # the agent's case page lists its undelivered mail (0009)
)

# Mail that came in (migration 0007): one row per message, claimed by its key (the Message-ID, or a hash of the
# raw message when it has none) in the transaction that stores its case event, so two workers or a restart
# after a crash never handle one twice. `state` says what became of it; `raw` keeps the untrimmed original.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_key", sa.String(255), nullable=False, unique=True),
    sa.Column("message_id", sa.String(255)),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(10), nullable=False),  # imap, lmtp
    sa.Column("state", sa.String(20), nullable=False),  # new_case, reply, unverified, accepted, rejected, dropped...
    sa.Column("sender", sa.String(254)),
    sa.Column("subject", sa.String(300)),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
    sa.Column("reason", sa.Text),
    sa.Column("raw", sa.LargeBinary),
    sa.Index("ix_inbound_messages_message_id", "message_id"),
    sa.Index("ix_inbound_messages_case_id", "case_id"),
    sa.Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),
)

deflections = sa.Table(
    "deflections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("query", sa.String(200)),
    sa.Column("page_id", sa.String(20)),
    sa.Column("context_id", sa.String(120)),
)


# The knowledge loop (Knowledge-Centered Service): reuse, improve, capture.
article_links = sa.Table(
    "article_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300)),  # as the agent saw it when linking, for the customer's page
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("case_id", "article_id", name="uq_article_links_case_article"),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("module", sa.String(64), nullable=False),
    sa.Column("issue", sa.Text, nullable=False),
    sa.Column("environment", sa.Text, nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("context_id", sa.String(120)),
    sa.Column("pulled_at", UtcDateTime),  # written into kb/ by `kb cases pull-drafts`
    sa.Column("article_id", sa.String(20)),
    sa.Column("path", sa.String(300)),
)

article_flags = sa.Table(
    "article_flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # wrong, incomplete
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("pulled_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text),
)

# Server-side sessions (migration 0003): the cookie holds a random token, the row only its SHA-256, so a copy
# of the table signs nobody in, and ending a session is deleting its row. `kind` says whose (agent now,
# customers later), `subject_id` whom: the agents' or the customers' id.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_sessions_expires_at", "expires_at"),
)

# Customers who signed in by a mailed link (migration 0011). `email` is lower-cased: one address, one customer.
# The row is made on the first successful sign-in, never on a request for a link.
customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_signed_in_at", UtcDateTime),
)

# One-time sign-in links (0011): the mailed token and its 6-digit code are stored only as hashes (the code as an
# HMAC under the portal's key: a million codes are no work to hash, so a plain hash would give them away).
sign_in_links = sa.Table(
    "sign_in_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("used_at", UtcDateTime),
    sa.Column("code_attempts", sa.Integer, nullable=False, default=0),
)

# A signed-in customer's cases are found by their address in any case of letters (0011).
sa.Index("ix_cases_lower_customer_email", sa.func.lower(cases.c.customer_email))
sa.Index("ix_case_contacts_lower_email", sa.func.lower(case_contacts.c.email))

# The customer's satisfaction with a resolved case (0011): asked once, so one row a case at most.
csat = sa.Table(
    "csat",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
    sa.Column("solved", sa.Boolean, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("answered_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_csat_score"),
)

searches = sa.Table(
    "searches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("results", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # search page, api, case form
)

search_clicks = sa.Table(
    "search_clicks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("page_id", sa.String(200), nullable=False),  # an article ID (KB-0042) or a manual page's ID
    sa.Column("position", sa.Integer),  # 1 for the first result of the first page; None when not known
    sa.Column("source", sa.String(20), nullable=False),  # search page, suggestions
)


# Notifications for agents (migration 0010): one row per thing an agent was told, on screen and/or by mail.
# `dedupe_key` makes a notification the sweep raises (a clock about to breach) happen once per agent, case
# and clock, however many sweeps run at once: the unique constraint turns the second insert into nothing.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("kind", sa.String(30), nullable=False),  # customer_replied, assigned, breach_soon, catastrophic
    sa.Column("summary", sa.String(300), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("on_screen", sa.Boolean, nullable=False),  # False: mailed only (kept for its dedupe_key)
    sa.Column("read_at", UtcDateTime),
    sa.Column("dedupe_key", sa.String(120)),
    sa.UniqueConstraint("agent_id", "dedupe_key", name="uq_notifications_agent_dedupe_key"),
    sa.Index("ix_notifications_agent_id_read_at", "agent_id", "read_at"),
)

# Which notifications an agent turned off (0010): a row per agent and kind; no row means on.
notification_settings = sa.Table(
    "notification_settings",
    metadata,
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), primary_key=True),
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("by_mail", sa.Boolean, nullable=False),
    sa.Column("on_screen", sa.Boolean, nullable=False),
)


# Fixes from case to release (migration 0014, generator/portal/defects/). A defect is the fault or
# enhancement several cases share, named by a reference of the team's choosing (the engineering tracker's
# key); `summary` is what customers may read (the release notes quote it), `target_version` the product
# version that will carry the fix (product.yml's versions), `shipped_in` the one that did.
defects = sa.Table(
    "defects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("target_version", sa.String(40)),
    sa.Column("status", sa.String(10), nullable=False),  # open, shipped
    sa.Column("shipped_in", sa.String(40)),
    sa.Column("shipped_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_defects_status_target_version", "status", "target_version"),
)
# One defect per reference in any case of letters: ENG-42 and eng-42 are the same tracker's key.
sa.Index("ux_defects_lower_reference", sa.func.lower(defects.c.reference), unique=True)

# A case waits on at most one defect (0014); a defect has any number of cases.
case_defects = sa.Table(
    "case_defects",
    metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("defect_id", sa.Integer, sa.ForeignKey("defects.id"), nullable=False, index=True),
    sa.Column("linked_at", UtcDateTime, nullable=False),
)

# A product version published as released (0014): once per version, whoever publishes it (the console's
# admin, `kb release publish`), with the address of its release notes.
releases = sa.Table(
    "releases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.String(40), nullable=False, unique=True),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("notes_url", sa.String(500)),
)


class DatabaseBusy(Exception):
    """SQLite stayed locked by another writer for longer than the busy timeout: try again shortly."""


BUSY_SECONDS = 30.0


def connect(database_url: str, busy_seconds: float = BUSY_SECONDS) -> Engine:
    """An engine for `database_url` (sqlite:///path or postgresql+psycopg://...), SQLite tuned for safety;
    `busy_seconds`: how long an SQLite writer waits for another one's lock before giving up."""
    try:
        url = sa.engine.make_url(database_url)
    except sa.exc.ArgumentError:
        raise KbError(f"--database-url {database_url!r}: expected sqlite:///PATH or postgresql+psycopg://...") from None
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": busy_seconds}, pool_size=20, max_overflow=20)
        sa.event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=int(busy_seconds * 1000)))
        sa.event.listen(engine, "begin", _sqlite_begin)
        _WRITER_QUEUES[engine] = WriterQueue(url.database, busy_seconds)
        return engine
    if url.get_backend_name() == "postgresql":
        return sa.create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    raise KbError(f"--database-url: {url.get_backend_name()} is not supported; expected SQLite or PostgreSQL")


def _sqlite_connect(dbapi_connection, _record, busy_ms: int) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={busy_ms}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front: upgrading a read lock later can fail with SQLITE_BUSY.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("kb_write") else "BEGIN")


class WriterQueue:
    """Performance, not safety: SQLite's writers, handed the database one after another without naps.

    SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's busy handler
    (1, 2, 5 ... up to 100 ms a nap), so under load the lock sits idle while writers nap: 32 threads
    submitting cases got ~80/s with multi-second p99s, and two server processes on one database file did
    barely better than one (p99 near a second). So writers queue here first: the threads of a process on a
    lock, the processes on an flock() of a file beside the database (released by the kernel if its holder
    dies). BEGIN IMMEDIATE, WAL and synchronous=FULL are unchanged; the queue only decides who asks SQLite
    next. A writer that cannot get its turn in time (a write nested in a write, a stuck process) goes on
    without it and meets SQLite's own lock, so nothing hangs that did not hang before."""

    def __init__(self, database: str | None, wait: float = BUSY_SECONDS):
        self.wait = wait  # seconds, as the busy timeout
        self.threads = threading.Lock()
        # An in-memory database belongs to one process: the thread lock is all it needs.
        self.path = f"{database}-writers" if database and database != ":memory:" else None

    @contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + self.wait
        if not self.threads.acquire(timeout=self.wait):
            yield
            return
        try:
            fd = self._open()
            try:
                if fd is not None:
                    _flock(fd, deadline)
                yield
            finally:
                if fd is not None:
                    os.close(fd)  # releases the flock
        finally:
            self.threads.release()

    def _open(self) -> int | None:
        """The lock file, opened for this turn. Not once: a forked worker shares its parent's open files, and
        flock() locks belong to the open file, so a shared one would let parent and child in together. None
        for an in-memory database, or when it cannot be opened (say `kb cases sweep` run by another user, who
        may not create it there): SQLite's own lock still keeps writers apart."""
        if self.path is None:
            return None
        try:
            # flock() needs no write access: anyone who may read the database may queue. It stays empty.
            return os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None


def _flock(fd: int, deadline: float) -> None:
    """Take an exclusive flock on `fd`, trying until `deadline`, then go on without it. Linux has no timed
    flock(); a waiter polls, but it is one thread a process (the others wait on the thread lock) and its
    naps (0.1 to 1 ms) are a fraction of the time a write holds the lock, so a turn passes on almost at once."""
    nap = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return
            time.sleep(nap)
            nap = min(nap * 2, 0.001)


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed whole when the block ends, rolled back whole on any error.
    DatabaseBusy when SQLite stayed locked past the busy timeout (nothing was written)."""
    queue = _WRITER_QUEUES.get(engine)
    try:
        with queue.turn() if queue else nullcontext():
            with engine.connect().execution_options(kb_write=True) as conn, conn.begin():
                yield conn
    except sa.exc.OperationalError as exc:
        if _is_busy(exc):
            raise DatabaseBusy(str(exc.orig)) from exc
        raise


def _is_busy(exc: sa.exc.OperationalError) -> bool:
    """SQLite's SQLITE_BUSY ("database is locked"): another writer held the lock past the busy timeout."""
    orig = exc.orig
    return isinstance(orig, sqlite3.OperationalError) and getattr(orig, "sqlite_errorname", "").startswith(
        ("SQLITE_BUSY", "SQLITE_LOCKED")
    )


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
