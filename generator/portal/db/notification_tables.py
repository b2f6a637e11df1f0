"""Agents' notifications and which kinds each agent turned off."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

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
