"""The knowledge loop: the client a case came from, article links, drafts, article flags, feedback, searches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("client", sa.String(64)))
    op.create_index("ix_mail_queue_sent_at", "mail_queue", ["sent_at"])
    op.create_table(
        "article_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("article_id", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("case_id", "article_id", name="uq_article_links_case_article"),
    )
    op.create_table(
        "drafts",
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
        sa.Column("pulled_at", UtcDateTime),
        sa.Column("article_id", sa.String(20)),
        sa.Column("path", sa.String(300)),
    )
    op.create_table(
        "article_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.String(20), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("pulled_at", UtcDateTime),
        sa.Column("closed_at", UtcDateTime),
    )
    op.create_index("ix_article_flags_article_id", "article_flags", ["article_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("article_id", sa.String(20), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_feedback_article_id", "feedback", ["article_id"])
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("results", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("searches", "feedback", "article_flags", "drafts", "article_links"):
        op.drop_table(table)
    op.drop_index("ix_mail_queue_sent_at", "mail_queue")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("client")
