"""Mail in: the messages received (claimed by Message-ID), and our own Message-IDs on queued mail.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Existing cases and queued mail keep working: mail queued before this has no Message-ID and gets one when
it is sent."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_queue") as batch:
        batch.add_column(sa.Column("message_id", sa.String(255)))
    op.create_index("ix_mail_queue_message_id", "mail_queue", ["message_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_key", sa.String(255), nullable=False, unique=True),
        sa.Column("message_id", sa.String(255)),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("sender", sa.String(254)),
        sa.Column("subject", sa.String(300)),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
        sa.Column("reason", sa.Text),
        sa.Column("raw", sa.LargeBinary),
    )
    op.create_index("ix_inbound_messages_message_id", "inbound_messages", ["message_id"])
    op.create_index("ix_inbound_messages_case_id", "inbound_messages", ["case_id"])
    op.create_index("ix_inbound_messages_sender_received_at", "inbound_messages", ["sender", "received_at"])


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_index("ix_mail_queue_message_id", "mail_queue")
    with op.batch_alter_table("mail_queue") as batch:
        batch.drop_column("message_id")
