"""Clients as organisations: whether a case came in outside its client's support contract, and cases
found by client (an organisation's cases, the queue's client column, `kb clients`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Existing cases keep their client (the build they were logged from) and are not flagged: nobody knows
what their contract said on the day they came in."""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"  # 0007 on its own branch; after i15-signin's 0011 once merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("contract_ended", sa.Boolean))
    op.create_index("ix_cases_client_status", "cases", ["client", "status"])


def downgrade() -> None:
    op.drop_index("ix_cases_client_status", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("contract_ended")
