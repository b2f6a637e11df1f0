"""The agent's case page: a version counter on cases (two agents cannot lose a change), the case's contacts
(kept when duplicates are merged), where a merged case went, and who has a case open or is typing; and
indexes for the page's side panel (the customer's other cases) and its list of undelivered mail.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07

Existing cases start at version 0 and merged into nothing; nobody is on any case."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("merged_into_id", sa.Integer))
        batch.create_foreign_key("fk_cases_merged_into_id", "cases", ["merged_into_id"], ["id"])
    op.create_index("ix_cases_customer_email_id", "cases", ["customer_email", "id"])
    op.create_index("ix_mail_queue_case_id", "mail_queue", ["case_id"])
    op.create_table(
        "case_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("case_id", "email", name="uq_case_contacts_case_email"),
    )
    op.create_table(
        "case_presence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("seen_at", UtcDateTime, nullable=False),
        sa.Column("typing_at", UtcDateTime),
        sa.UniqueConstraint("case_id", "agent_id", name="uq_case_presence_case_agent"),
    )


def downgrade() -> None:
    op.drop_table("case_presence")
    op.drop_table("case_contacts")
    op.drop_index("ix_mail_queue_case_id", "mail_queue")
    op.drop_index("ix_cases_customer_email_id", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_merged_into_id", type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.drop_column("version")
