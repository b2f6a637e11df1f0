"""Cases, their events, agents, the mail queue and avoided cases.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "cases",
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
    )
    op.create_index("ix_cases_status_level", "cases", ["status", "level"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_events_case_id", "events", ["case_id"])
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("to_addr", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("claimed_at", UtcDateTime),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "deflections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("article_id", sa.String(20), nullable=False),
        sa.Column("query", sa.String(200)),
        sa.Column("page_id", sa.String(20)),
        sa.Column("context_id", sa.String(120)),
    )


def downgrade() -> None:
    for table in ("deflections", "mail_queue", "events", "cases", "agents"):
        op.drop_table(table)
