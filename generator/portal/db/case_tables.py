"""The cases and who works them: agents, cases, their contacts, presence, history events, attachments and
the customers' satisfaction answers."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

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
