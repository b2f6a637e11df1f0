"""Attachments: files on a case's history events, their bytes in the attachments folder.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Existing cases keep working: they simply have no attachments."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_index("ix_attachments_event_id", "attachments", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_event_id", "attachments")
    op.drop_index("ix_attachments_case_id", "attachments")
    op.drop_table("attachments")
