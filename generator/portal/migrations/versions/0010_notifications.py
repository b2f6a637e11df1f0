"""Notifications for agents (on screen and by mail) and each agent's choice of which to receive; indexes
for the report's weekly trends.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Nothing existing changes: agents start with every notification on."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The report's trends read cases by creation time and events by kind and time, week by week.
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("on_screen", sa.Boolean, nullable=False),
        sa.Column("read_at", UtcDateTime),
        sa.Column("dedupe_key", sa.String(120)),
        sa.UniqueConstraint("agent_id", "dedupe_key", name="uq_notifications_agent_dedupe_key"),
    )
    op.create_index("ix_notifications_agent_id_read_at", "notifications", ["agent_id", "read_at"])
    op.create_table(
        "notification_settings",
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), primary_key=True),
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("by_mail", sa.Boolean, nullable=False),
        sa.Column("on_screen", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_settings")
    op.drop_index("ix_notifications_agent_id_read_at", "notifications")
    op.drop_table("notifications")
    op.drop_index("ix_events_kind_at", "events")
    op.drop_index("ix_cases_created_at", "cases")
