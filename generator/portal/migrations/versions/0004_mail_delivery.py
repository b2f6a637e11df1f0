"""Mail delivery: who claimed a message, when to try it again, when it was given up; cases by address.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Queued mail keeps working: the new columns start empty, which means "unclaimed, due now, not given up"."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_queue") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(300)))
        batch.add_column(sa.Column("next_attempt_at", UtcDateTime))
        batch.add_column(sa.Column("given_up_at", UtcDateTime))
    op.create_index("ix_cases_customer_email_created_at", "cases", ["customer_email", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_customer_email_created_at", "cases")
    with op.batch_alter_table("mail_queue") as batch:
        batch.drop_column("given_up_at")
        batch.drop_column("next_attempt_at")
        batch.drop_column("claimed_by")
